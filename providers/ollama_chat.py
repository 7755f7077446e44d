"""Ollama's native chat API, with its server-side token counts and timings."""
from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator

from .base import ChatRequest, ProviderError, StreamItem, Usage
from .errors import from_exception
from .settings import Settings

LIST_TIMEOUT_S = 1.0
NS = 1e-9


class OllamaProvider:
    """Models served by an Ollama server at OLLAMA_HOST."""

    name = "ollama"
    label = "Ollama"

    def __init__(self, settings: Settings):
        self._settings = settings
        self.base_url = settings.ollama_host
        self._client = None
        self._client_loop = None

    def unavailable_reason(self) -> str | None:
        """Ollama needs no key; reachability is checked by listing models."""
        return None

    def _get_client(self):
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            import httpx
            import ollama

            self._client = ollama.AsyncClient(host=self.base_url, timeout=httpx.Timeout(self._settings.read_timeout_s, connect=LIST_TIMEOUT_S))
            self._client_loop = loop
        return self._client

    def _error(self, exc: BaseException) -> ProviderError:
        if type(exc).__name__ == "ResponseError":
            status = getattr(exc, "status_code", None)
            detail = str(getattr(exc, "error", exc))
            if status == 404:
                return ProviderError(self.label, f"{detail} (run `ollama pull <model>` first)", status=404)
            if not status or status < 400:  # an error line inside the NDJSON stream
                return ProviderError(self.label, f"the server reported an error mid-stream: {detail}", retryable=True)
            return from_exception(self.label, exc, base_url=self.base_url)
        if isinstance(exc, (ConnectionError, OSError)) or type(exc).__name__ in {"ConnectError", "ConnectTimeout"}:
            return ProviderError(self.label, f"Ollama is not running at {self.base_url}", retryable=True)
        return from_exception(self.label, exc, base_url=self.base_url)

    async def list_models(self) -> list[str]:
        """Installed models, asked of the server within about a second."""
        try:
            listing = await asyncio.wait_for(self._get_client().list(), LIST_TIMEOUT_S)
        except asyncio.TimeoutError:
            raise ProviderError(self.label, f"Ollama did not answer at {self.base_url} within {LIST_TIMEOUT_S:.0f} s") from None
        except Exception as exc:
            raise self._error(exc) from None
        names = []
        for m in listing.models:
            name = m.model or ""
            names.append(name[: -len(":latest")] if name.endswith(":latest") else name)
        return sorted(names)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        """Stream NDJSON chat chunks; the final chunk carries counts and durations."""
        options = {}
        for ours, theirs in (("temperature", "temperature"), ("top_p", "top_p"), ("max_tokens", "num_predict"), ("seed", "seed")):
            if getattr(request, ours) is not None:
                options[theirs] = getattr(request, ours)
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        try:
            stream = await self._get_client().chat(model=request.model, messages=messages, stream=True, options=options or None)
        except Exception as exc:
            raise self._error(exc) from None
        async with contextlib.aclosing(stream):
            try:
                async for part in stream:
                    text = part.message.content if part.message else None
                    if text:
                        yield text
                    if part.done:
                        timings = {k: getattr(part, k) * NS for k in ("load_duration", "prompt_eval_duration", "eval_duration", "total_duration")
                                   if getattr(part, k, None)}
                        yield Usage(part.prompt_eval_count, part.eval_count, timings)
            except (asyncio.CancelledError, GeneratorExit):
                raise
            except Exception as exc:
                raise self._error(exc) from None
