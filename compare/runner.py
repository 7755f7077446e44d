"""Fan-out: one asyncio task per column, their events merged into one stream, cancel-all on close."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace

from providers.base import ChatRequest, Chunk, Finish, Message, Notice, Phase, ProviderError, Sampling, Status, Usage
from providers.param_rules import shape_request
from providers.registry import Registry, UnknownModelError

from .coalesce import BatchQueue, coalesced
from .metrics import Result, StreamMeter
from .think_tags import ThinkTagSplitter
from .tokens import TokenCounter


@dataclass(frozen=True)
class Column:
    """One column of a comparison: a model plus its own conversation and settings."""

    key: str
    model_id: str
    messages: tuple[Message, ...]
    sampling: Sampling = Sampling()
    client: str | None = None  # the visitor this column runs for (fair turns on a shared local model)


@dataclass(frozen=True)
class Delta:
    """New text for a column: answer, or thinking when `thinking`; `first` marks the first token of any kind."""

    text: str
    first: bool = False
    thinking: bool = False


@dataclass(frozen=True)
class StateChange:
    """A column moved to a new phase (queued, loading model, streaming, ...)."""

    phase: Phase
    detail: str = ""


@dataclass(frozen=True)
class Finished:
    """A column's final record."""

    result: Result


Event = Delta | StateChange | Finished


@dataclass
class Comparison:
    """Runs columns concurrently; iterate `events()`, or `run()` to completion; `cancel()` stops all."""

    registry: Registry
    columns: list[Column]
    counter: TokenCounter | None = None
    results: dict[str, Result] = field(default_factory=dict)

    def __post_init__(self):
        if self.counter is None:
            self.counter = TokenCounter(self.registry)
        self._meters: dict[str, StreamMeter] = {}
        self._tasks: list[asyncio.Task] = []

    async def _start(self, listen: bool = True) -> BatchQueue | None:
        # SDK imports and client set-up (TLS contexts, pools) happen before any column's clock starts, off the loop.
        await self.registry.prepare_clients([c.model_id for c in self.columns])
        queue = BatchQueue(lambda item: is_urgent(item[1])) if listen else None
        self._tasks = [asyncio.create_task(self._run_column(c, queue), name=f"column-{c.key}") for c in self.columns]
        return queue

    async def events(self) -> AsyncIterator[tuple[str, Event]]:
        """Yield (column key, event) as they happen; closing this generator cancels every stream."""
        queue = await self._start()
        remaining = len(self._tasks)
        try:
            while remaining:
                key, event = await queue.get()
                if isinstance(event, Finished):
                    remaining -= 1
                yield key, event
        finally:
            await self.cancel()

    async def batches(self, interval: float | Callable[[], float] = 0.05) -> AsyncIterator[list[tuple[str, Event]]]:
        """Yield lists of events at most once per interval (a number, or a function giving the next one).

        A first token, a finish or a state change other than "waiting" goes out at once; the initial
        "waiting" states wait up to one interval so they can share a frame with a fast first token.
        """
        queue = await self._start()
        try:
            async for batch in coalesced(queue, len(self._tasks), lambda item: isinstance(item[1], Finished), interval):
                yield batch
        finally:
            await self.cancel()

    async def run(self) -> list[Result]:
        """Run to completion and return results in column order (a `cancel()` meanwhile keeps partial replies)."""
        # Nobody reads the events here: skipping the queue saves a task wake-up per streamed chunk.
        await self._start(listen=False)
        try:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            await self.cancel()
        return [self.results[c.key] for c in self.columns]

    async def cancel(self) -> list[Result]:
        """Cancel every unfinished stream (closing upstream connections); partial replies are kept as stopped."""
        pending = [t for t in self._tasks if not t.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        return [self.results[c.key] for c in self.columns if c.key in self.results]

    def live_ttft(self, key: str) -> float | None:
        """A running column's time to first token, once it has one."""
        meter = self._meters.get(key)
        return meter.ttft() if meter else None

    async def _run_column(self, column: Column, queue: asyncio.Queue | None) -> None:
        emit = _ignore if queue is None else lambda event: queue.put_nowait((column.key, event))  # noqa: E731
        try:
            info = self.registry.info(column.model_id)
        except UnknownModelError:
            info = _unknown_info(column.model_id)
        meter = StreamMeter(column.key, info)
        self._meters[column.key] = meter
        try:
            error = await self._precheck(column, info)
            if error is None:
                emit(StateChange(Phase.WAITING))
                error = await self._pump(column, meter, emit)
            if error is not None:  # one place scrubs keys and the masked key fragments providers quote back
                error = self.registry.settings.redact(error)
            # the end is stamped here, on the loop: waiting for a worker thread is not the request's time
            result = await asyncio.to_thread(meter.finish, self.counter, column.messages, error, end=meter.now())
        except asyncio.CancelledError:
            result = self.results[column.key] = meter.finish(self.counter, column.messages, stopped=True)
            emit(StateChange(Phase.STOPPED))
            emit(Finished(result))  # a reader still draining the queue (the page) sees the stop and ends cleanly
            raise
        except Exception as exc:  # whatever happens, the column must finish so the run can end
            message = self.registry.settings.redact(f"{type(exc).__name__}: {exc}")[:300]
            result = meter.finish(None, column.messages, error=f"internal error: {message}")
        self.results[column.key] = result
        emit(StateChange(meter.phase, result.error or ""))
        emit(Finished(result))

    async def _precheck(self, column: Column, info) -> str | None:
        """Unusable model or a prompt that cannot fit: report without sending anything."""
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

    async def _pump(self, column: Column, meter: StreamMeter, emit) -> str | None:
        provider, model = self.registry.resolve(column.model_id)
        request = ChatRequest.of(
            model, column.messages, column.sampling, self.registry.rules(column.model_id), column.client
        )
        request, notes = shape_request(request, request.rules, column.model_id)
        meter.notes += notes
        meter.sent = True
        try:
            return await self._stream(provider, request, meter, emit)
        except ProviderError as exc:
            retry = self._retry(exc, request, meter)
            if retry is None:
                return str(exc)
            try:
                return await self._stream(provider, retry, meter, emit)
            except ProviderError as again:
                return str(again)
        except Exception as exc:  # a provider bug must end only its own column
            return f"{provider.label}: unexpected {type(exc).__name__}: {self.registry.settings.redact(str(exc))[:300]}"

    @staticmethod
    def _retry(exc: ProviderError, request: ChatRequest, meter: StreamMeter) -> ChatRequest | None:
        """The request to send once more, before any output: without a parameter the server rejected by name, or
        the same one when the connection closed before anything came back (a pooled connection the server had
        dropped); None when the error stands."""
        if meter.parts or meter.thinking_parts or meter.usage or meter.finish_signal:
            return None
        if exc.cut:
            meter.notes.append("the connection closed before any reply; sent once more")
            return request
        field_name = exc.param
        if exc.status != 400 or not field_name or getattr(request, field_name, None) is None:
            return None
        meter.notes.append(f"{field_name} {getattr(request, field_name)} was rejected by the server; sent without it")
        return replace(request, **{field_name: None})

    async def _stream(self, provider, request: ChatRequest, meter: StreamMeter, emit) -> None:
        splitter = ThinkTagSplitter()
        count = 0

        def text(piece: str, thinking: bool, at: float | None) -> bool:
            if meter.chunk(piece, thinking, at):
                emit(StateChange(Phase.STREAMING))
                emit(Delta(piece, first=True, thinking=thinking))
                return True
            emit(Delta(piece, thinking=thinking))
            return False

        async for item in provider.stream(request):
            if isinstance(item, (str, Chunk)):
                piece, thinking, at = (
                    (item, False, None) if isinstance(item, str) else (item.text, item.thinking, item.at)
                )
                pieces = [(piece, True)] if thinking else splitter.feed(piece)
                first = False
                for part, is_thinking in pieces:
                    first |= text(part, is_thinking, at)
                count += 1
                if first:
                    # Chunks already buffered are read without suspending; step aside so the reader (and the
                    # other columns) see the first token now rather than after the whole burst.
                    await asyncio.sleep(0)
                elif count % 32 == 0:
                    await asyncio.sleep(0)
            elif isinstance(item, Usage):
                meter.record_usage(item)
            elif isinstance(item, Finish):
                meter.finish_signal = item
            elif isinstance(item, Notice):
                meter.notes.append(item.text)
            elif isinstance(item, Status):
                meter.status(item.phase, item.at)
                emit(StateChange(item.phase, item.detail))
        for part, is_thinking in splitter.flush():
            text(part, is_thinking, None)
        return None


def _ignore(event: Event) -> None:
    """The emitter of a run nobody listens to."""


def is_urgent(event: Event) -> bool:
    """Whether an event should reach the reader at once: a first token, a finish, a state change past waiting."""
    if isinstance(event, Delta):
        return event.first
    return not (isinstance(event, StateChange) and event.phase == Phase.WAITING)


def _unknown_info(model_id: str):
    from providers.registry import ModelInfo

    return ModelInfo(model_id, model_id.partition(":")[0], model_id, False)
