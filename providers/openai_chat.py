"""OpenAI chat completions, serving OpenAI and every OpenAI-compatible endpoint row."""
from __future__ import annotations

import asyncio
from typing import AsyncIterator

from .base import ChatRequest, ProviderError, StreamItem, Usage
from .errors import from_exception
from .settings import Endpoint, Settings

CONNECT_TIMEOUT_S = 5.0


class OpenAICompatProvider:
    """One OpenAI-compatible endpoint (OpenAI itself, Gemini, Groq, LM Studio, ...)."""

    def __init__(self, endpoint: Endpoint, settings: Settings):
        self.endpoint = endpoint
        self.name = endpoint.name
        self.label = endpoint.label
        self.base_url = settings.get(endpoint.base_url_env, endpoint.base_url) if endpoint.base_url_env else endpoint.base_url
        self._api_key = settings.get(endpoint.key_env) if endpoint.key_env else None
        self._settings = settings
        self._client = None
        self._client_loop = None

    def unavailable_reason(self) -> str | None:
        """Missing key for cloud endpoints; None for keyless local servers (checked by listing)."""
        if self.endpoint.key_env and not self._api_key:
            return f"set {self.endpoint.key_env} in .env"
        return None

    def _get_client(self):
        # httpx connection pools belong to one event loop, so rebuild the client if the loop changed.
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            import openai

            self._client = openai.AsyncOpenAI(
                api_key=self._api_key or "not-needed", base_url=self.base_url, max_retries=0,
                timeout=openai.Timeout(self._settings.read_timeout_s, connect=CONNECT_TIMEOUT_S))
            self._client_loop = loop
        return self._client

    def _error(self, exc: BaseException) -> ProviderError:
        err = from_exception(self.label, exc, base_url=self.base_url, key_env=self.endpoint.key_env)
        err.message = self._settings.redact(err.message)
        return err

    async def list_models(self) -> list[str]:
        """Catalog rows for cloud endpoints; the server's /models list for keyless local servers."""
        if not self.endpoint.keyless:
            return list(self.endpoint.models)
        try:
            page = await self._get_client().models.list()
        except Exception as exc:
            raise self._error(exc) from None
        return sorted(m.id for m in page.data)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        """Stream a chat completion; usage arrives in a final chunk with no choices."""
        params = {"model": request.model, "stream": True, "stream_options": {"include_usage": True},
                  "messages": [{"role": m.role, "content": m.content} for m in request.messages]}
        for name in ("temperature", "top_p", "max_tokens", "seed"):
            if getattr(request, name) is not None:
                params[name] = getattr(request, name)
        try:
            stream = await self._get_client().chat.completions.create(**params)
        except Exception as exc:
            raise self._error(exc) from None
        try:
            async for chunk in stream:
                if chunk.choices:
                    text = chunk.choices[0].delta.content if chunk.choices[0].delta else None
                    if text:
                        yield text
                usage = getattr(chunk, "usage", None)
                if usage is not None:
                    yield Usage(usage.prompt_tokens, usage.completion_tokens)
        except (asyncio.CancelledError, GeneratorExit):
            raise
        except Exception as exc:
            raise self._error(exc) from None
        finally:
            await stream.close()
