"""Ollama's native chat API, with its server-side token counts, timings and thinking."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from .base import BaseProvider, ChatRequest, Connection, ModelSource, ProviderError
from .client_cache import ClientCache
from .errors import from_exception
from .events import Chunk, Finish, StreamItem, Usage
from .settings import DEFAULT_OLLAMA_HOST, Settings

LIST_TIMEOUT_S = 1.0  # discovery: a local server that has not answered within a second is not there
CONNECT_TIMEOUT_S = 5.0  # a chat's connection: under load a busy event loop can take over a second to see it open
NS = 1e-9
FINISH = {"stop": "stop", "length": "length"}
CLOUD_HOST = "ollama.com"


@dataclass(frozen=True)
class ShownModel:
    """What /api/show says about a model: the window the server will use, and where a cloud route runs."""

    window: int | None
    remote: str | None  # a cloud route's host; None for a model this server computes itself


def shown_model(name: str, shown) -> ShownModel:
    """The window (num_ctx when the model sets it, else its trained length) and any cloud route of a show answer."""
    window = None
    for line in (shown.parameters or "").splitlines():
        key, _, value = line.partition(" ")
        if key == "num_ctx" and value.strip().isdigit():
            window = int(value.strip())
    if window is None:
        info = shown.modelinfo or {}
        window = next((v for k, v in info.items() if k.endswith(".context_length") and isinstance(v, int)), None)
    cloud = getattr(shown.details, "format", None) == "cloud" or name.partition(":")[2].endswith("cloud")
    return ShownModel(window, CLOUD_HOST if cloud else None)


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
        self.shown: dict[str, ShownModel] = {}  # model name (without ":latest") -> its /api/show answer

    def context_window(self, model: str) -> int | None:
        """The window the server reported for a model (from /api/show, asked when listing or before a run)."""
        shown = self.shown.get(model.removesuffix(":latest"))
        return shown.window if shown else None

    def remote_route(self, model: str) -> str | None:
        """A cloud route's host: the server lists it beside its own models, but it is computed elsewhere."""
        shown = self.shown.get(model.removesuffix(":latest"))
        return shown.remote if shown else None

    async def prepare_model(self, model: str) -> None:
        """Ask /api/show about a model not seen yet (within about a second; the chat reports any real failure)."""
        name = model.removesuffix(":latest")
        if name in self.shown:
            return
        with contextlib.suppress(Exception):
            self.shown[name] = await asyncio.wait_for(self._show(self.clients.get(), name), LIST_TIMEOUT_S)

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
        shown = await asyncio.gather(*(self._show(client, n) for n in names), return_exceptions=True)
        self.shown.update({n: s for n, s in zip(names, shown) if isinstance(s, ShownModel)})
        return sorted(names)

    @staticmethod
    async def _show(client, name: str) -> ShownModel:
        return shown_model(name, await client.show(name))

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
                        usage = Usage(part.prompt_eval_count, part.eval_count, timings)
                        yield Finish(FINISH.get(raw, "stop"), raw, usage, options.get("num_predict"))
            except (asyncio.CancelledError, GeneratorExit):
                raise
            except Exception as exc:
                raise self._error(exc) from None
