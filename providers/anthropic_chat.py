"""Anthropic Messages API streaming (system prompt as the top-level field)."""
from __future__ import annotations

import asyncio
from typing import AsyncIterator

from .base import ChatRequest, ProviderError, StreamItem, Usage
from .errors import from_exception
from .settings import Settings

DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_MAX_TOKENS = 1024
KNOWN_MODELS = ("claude-3-5-haiku-latest", "claude-sonnet-4-0", "claude-opus-4-0")


class AnthropicProvider:
    """Claude models through the official anthropic SDK."""

    name = "anthropic"
    label = "Anthropic"

    def __init__(self, settings: Settings):
        self._settings = settings
        self._api_key = settings.get("ANTHROPIC_API_KEY")
        self.base_url = settings.get("ANTHROPIC_BASE_URL", DEFAULT_BASE_URL)
        self._client = None
        self._client_loop = None

    def unavailable_reason(self) -> str | None:
        """Anthropic needs ANTHROPIC_API_KEY."""
        return None if self._api_key else "set ANTHROPIC_API_KEY in .env"

    async def list_models(self) -> list[str]:
        """The catalog's Claude models (any other Claude model id also works)."""
        return list(KNOWN_MODELS)

    def _get_client(self):
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            import anthropic

            self._client = anthropic.AsyncAnthropic(
                api_key=self._api_key, base_url=self.base_url, max_retries=0,
                timeout=anthropic.Timeout(self._settings.read_timeout_s, connect=5.0))
            self._client_loop = loop
        return self._client

    def _error(self, exc: BaseException) -> ProviderError:
        err = from_exception(self.label, exc, base_url=self.base_url, key_env="ANTHROPIC_API_KEY")
        err.message = self._settings.redact(err.message)
        return err

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        """Stream message events; input tokens come from message_start, output from message_delta."""
        params = {"model": request.model, "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS, "stream": True,
                  "messages": [{"role": m.role, "content": m.content} for m in request.turns]}
        if request.system:
            params["system"] = request.system
        # This SDK version no longer takes sampling arguments directly; the API still accepts them.
        sampling = {k: getattr(request, k) for k in ("temperature", "top_p") if getattr(request, k) is not None}
        if sampling:
            params["extra_body"] = sampling
        try:
            stream = await self._get_client().messages.create(**params)
        except Exception as exc:
            raise self._error(exc) from None
        input_tokens = output_tokens = None
        try:
            async for event in stream:
                kind = event.type
                if kind == "content_block_delta" and getattr(event.delta, "type", "") == "text_delta":
                    if event.delta.text:
                        yield event.delta.text
                elif kind == "message_start":
                    usage = event.message.usage
                    input_tokens, output_tokens = usage.input_tokens, usage.output_tokens
                elif kind == "message_delta" and event.usage is not None:
                    output_tokens = event.usage.output_tokens
                    if getattr(event.usage, "input_tokens", None):
                        input_tokens = event.usage.input_tokens
                elif kind == "error":
                    raise ProviderError(self.label, f"the server reported an error mid-stream: {event}", retryable=True)
        except (asyncio.CancelledError, GeneratorExit, ProviderError):
            raise
        except Exception as exc:
            raise self._error(exc) from None
        finally:
            await stream.close()
        yield Usage(input_tokens, output_tokens)
