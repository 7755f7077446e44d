"""Ollama's native chat API, with its server-side token counts, timings and thinking."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from .base import BaseProvider, ChatRequest, Connection, ModelSource, ProviderError
from .client_cache import ClientCache
from .errors import from_exception
from .events import Chunk, Finish, StreamItem, Usage
from .settings import DEFAULT_OLLAMA_HOST, Settings

LIST_TIMEOUT_S = 1.0  # discovery: a local server that has not answered within a second is not there
CONNECT_TIMEOUT_S = 5.0  # a chat's connection: under load a busy event loop can take over a second to see it open
NS = 1e-9
FINISH = {"stop": "stop", "length": "length"}


class OllamaProvider(BaseProvider):
    """Models served by an Ollama server at OLLAMA_HOST."""

    clients: ClientCache

    name = "ollama"
    label = "Ollama"
    runs_locally = True
    models_from = ModelSource.SERVER

    def __init__(self, settings: Settings):
        self._settings = settings
        self.connection = Connection(settings.ollama_host, DEFAULT_OLLAMA_HOST, "OLLAMA_HOST")
        self.clients = ClientCache(self._build_client)
        self.windows: dict[str, int] = {}

    def context_window(self, model: str) -> int | None:
        """The window the server reported for an installed model (filled from /api/show by listing)."""
        return self.windows.get(model.removesuffix(":latest"))

    def _build_client(self):
        import httpx
        import ollama

        return ollama.AsyncClient(
            host=self.base_url, timeout=httpx.Timeout(self._settings.read_timeout_s, connect=CONNECT_TIMEOUT_S)
        )

    def _error(self, exc: BaseException) -> ProviderError:
        if type(exc).__name__ == "ResponseError":
            status = getattr(exc, "status_code", None)
            detail = str(getattr(exc, "error", exc))
            if status == 404:
                return ProviderError(self.label, f"{detail} (run `ollama pull <model>` first)", status=404)
            if status == 400 and "thinking" in detail:
                return ProviderError(
                    self.label, f"the server rejected the request. Server said: {detail}", status=400, param="reasoning"
                )
            if not status or status < 400:  # an error line inside the NDJSON stream
                return ProviderError(self.label, f"the server reported an error mid-stream: {detail}")
            return from_exception(self.label, exc, base_url=self.base_url)
        if isinstance(exc, (ConnectionError, OSError)) or type(exc).__name__ in {"ConnectError", "ConnectTimeout"}:
            return ProviderError(self.label, f"Ollama is not running at {self.base_url}")
        return from_exception(self.label, exc, base_url=self.base_url)

    async def server_models(self) -> list[str]:
        """Installed models, asked of the server within about a second; their windows come from /api/show."""
        client = self.clients.get()
        try:
            listing = await asyncio.wait_for(client.list(), LIST_TIMEOUT_S)
        except TimeoutError:
            raise ProviderError(
                self.label, f"Ollama did not answer at {self.base_url} within {LIST_TIMEOUT_S:.0f} s"
            ) from None
        except Exception as exc:
            raise self._error(exc) from None
        names = []
        for m in listing.models:
            name = m.model or ""
            names.append(name[: -len(":latest")] if name.endswith(":latest") else name)
        windows = await asyncio.gather(*(self._window(client, n) for n in names), return_exceptions=True)
        self.windows.update({n: w for n, w in zip(names, windows) if isinstance(w, int)})
        return sorted(names)

    @staticmethod
    async def _window(client, name: str) -> int | None:
        """The context window the server will use: num_ctx when the model sets it, else the model's trained length."""
        shown = await client.show(name)
        for line in (shown.parameters or "").splitlines():
            key, _, value = line.partition(" ")
            if key == "num_ctx" and value.strip().isdigit():
                return int(value.strip())
        info = shown.modelinfo or {}
        found = [v for k, v in info.items() if k.endswith(".context_length") and isinstance(v, int)]
        return found[0] if found else None

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        """Stream NDJSON chat chunks (thinking, then content); the final chunk carries counts and durations."""
        options = {}
        for ours, theirs in (
            ("temperature", "temperature"),
            ("top_p", "top_p"),
            ("max_tokens", "num_predict"),
            ("seed", "seed"),
        ):
            if getattr(request, ours) is not None:
                options[theirs] = getattr(request, ours)
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        # Most thinking models take only on/off; a level turns thinking on.
        think = None if request.reasoning is None else request.reasoning != "off"
        try:
            stream = await self.clients.get().chat(
                model=request.model, messages=messages, stream=True, options=options or None, think=think
            )
        except Exception as exc:
            raise self._error(exc) from None
        async with contextlib.aclosing(stream):
            try:
                async for part in stream:
                    message = part.message
                    if message is not None and getattr(message, "thinking", None):
                        yield Chunk(message.thinking, thinking=True)
                    if message is not None and message.content:
                        yield Chunk(message.content)
                    if part.done:
                        timings = {
                            k: getattr(part, k) * NS
                            for k in ("load_duration", "prompt_eval_duration", "eval_duration", "total_duration")
                            if getattr(part, k, None)
                        }
                        raw = part.done_reason or ""
                        yield Finish(
                            FINISH.get(raw, "stop"), raw, Usage(part.prompt_eval_count, part.eval_count, timings)
                        )
            except (asyncio.CancelledError, GeneratorExit):
                raise
            except Exception as exc:
                raise self._error(exc) from None
