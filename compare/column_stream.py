"""One request of one column: check it can be sent, send it, relay its chunks and states, and end in a Result."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from providers.base import BaseProvider, ChatRequest, Message, ProviderError, Sampling
from providers.events import Chunk, Finish, Notice, Phase, Status
from providers.param_rules import shape_request
from providers.registry import ModelInfo, Registry, UnknownModelError

from .metrics import StreamMeter
from .result import Result
from .think_tags import ThinkTagSplitter
from .tokens import TokenCounter

Event = Chunk | Status | Result  # what a column tells its reader: text, a new phase, and at the end its Result


@dataclass(frozen=True)
class Column:
    """One column of a comparison: a model plus its own conversation and settings."""

    key: str
    model_id: str
    messages: tuple[Message, ...]
    sampling: Sampling = Sampling()
    client: str | None = None  # the visitor this column runs for (fair turns on a shared local model)


class ColumnStream:
    """Runs one request for a column; `emit` hears every event, the Result last (also when cancelled)."""

    def __init__(self, registry: Registry, counter: TokenCounter, column: Column, emit: Callable[[Event], None]):
        self.registry, self.counter, self.column, self.emit = registry, counter, column, emit
        try:
            info = registry.info(column.model_id)
        except UnknownModelError:
            info = ModelInfo(column.model_id, column.model_id.partition(":")[0], column.model_id, False)
        self.info = info
        self.meter = StreamMeter(column.key, info)

    async def run(self) -> Result:
        """Send the request and measure it; a cancel keeps the partial reply as a stopped Result, then re-raises."""
        meter, messages = self.meter, self.column.messages
        try:
            error = await self._precheck()
            if error is None:
                self.emit(Status(Phase.WAITING))
                error = await self._pump()
            if error is not None:  # one place scrubs keys and the masked key fragments providers quote back
                error = self.registry.settings.redact(error)
            # the end is stamped here, on the loop: waiting for a worker thread is not the request's time
            result = await asyncio.to_thread(meter.result, self.counter, messages, error, end=meter.now())
        except asyncio.CancelledError:
            self.emit(meter.result(self.counter, messages, stopped=True))
            raise
        except Exception as exc:  # whatever happens, the column must finish so the run can end
            message = self.registry.settings.redact(f"{type(exc).__name__}: {exc}")[:300]
            result = meter.result(None, messages, error=f"internal error: {message}")
        self.emit(result)
        return result

    async def _precheck(self) -> str | None:
        """Unusable model or a prompt that cannot fit: report without sending anything."""
        column, info = self.column, self.info
        try:
            reason = self.registry.unusable_reason(column.model_id)
        except UnknownModelError as exc:
            return str(exc)
        if reason:
            return f"{column.model_id} is not available: {reason}"
        if info.own_tokenizer or not info.context_window:
            return None  # a provider with the model's own tokenizer checks the exact templated length itself
        size = sum(len(m.content.encode("utf-8")) + 16 for m in column.messages)
        if size < info.context_window:
            return None  # byte-level tokenizers never make more tokens than bytes: it fits without counting
        count = await asyncio.to_thread(self.counter.count_messages, column.model_id, column.messages)
        if count.count >= info.context_window:
            return (
                f"the prompt is {'~' if not count.exact else ''}{count.count:,} tokens but {column.model_id} has a "
                f"{info.context_window:,}-token context window; shorten it or pick a larger model"
            )
        return None

    async def _pump(self) -> str | None:
        column, meter = self.column, self.meter
        provider, model = self.registry.resolve(column.model_id)
        rules = self.registry.rules(column.model_id)
        request = ChatRequest.of(model, column.messages, column.sampling, rules, column.client)
        request, notes = shape_request(request, rules, column.model_id)
        meter.notes += notes
        meter.sent = True
        try:
            await self._stream(provider, request)
        except ProviderError as exc:
            retry = self._retry(exc, request)
            if retry is None:
                return str(exc)
            try:
                await self._stream(provider, retry)
            except ProviderError as again:
                return str(again)
        except Exception as exc:  # a provider bug must end only its own column
            detail = self.registry.settings.redact(str(exc))[:300]
            return f"{provider.label}: unexpected {type(exc).__name__}: {detail}"
        return None

    def _retry(self, exc: ProviderError, request: ChatRequest) -> ChatRequest | None:
        """The request to send once more, before any output: without a parameter the server rejected by name, or
        the same one when the connection closed before anything came back (a pooled connection the server had
        dropped); None when the error stands."""
        meter = self.meter
        if meter.parts or meter.thinking_parts or meter.finish:
            return None
        if exc.cut:
            meter.notes.append("the connection closed before any reply; sent once more")
            return request
        field_name = exc.param
        if exc.status != 400 or not field_name or getattr(request, field_name, None) is None:
            return None
        meter.notes.append(f"{field_name} {getattr(request, field_name)} was rejected by the server; sent without it")
        return request.without(field_name)

    async def _stream(self, provider: BaseProvider, request: ChatRequest) -> None:
        meter, splitter, count = self.meter, ThinkTagSplitter(), 0

        def text(piece: str, thinking: bool, at: float | None) -> bool:
            first = meter.chunk(piece, thinking, at)
            if first:
                self.emit(Status(Phase.STREAMING, at=at))
            self.emit(Chunk(piece, thinking, at))
            return first

        async for item in provider.stream(request):
            if isinstance(item, Chunk):
                pieces = [(item.text, True)] if item.thinking else splitter.feed(item.text)
                first = False
                for part, is_thinking in pieces:
                    first |= text(part, is_thinking, item.at)
                count += 1
                if first or count % 32 == 0:
                    # Chunks already buffered are read without suspending; step aside so the reader (and the
                    # other columns) see the first token now rather than after the whole burst.
                    await asyncio.sleep(0)
            elif isinstance(item, Finish):
                meter.finish = item
            elif isinstance(item, Notice):
                meter.notes.append(item.text)
            elif isinstance(item, Status):
                meter.status(item.phase, item.at)
                self.emit(item)
        for part, is_thinking in splitter.flush():
            text(part, is_thinking, None)
