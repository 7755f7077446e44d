"""Fan-out: one asyncio task per column, each running its requests one after another (`repeat` runs), their events
merged into one stream; cancel-all on close."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from providers.events import Chunk, Phase, Status
from providers.registry import Registry

from .coalesce import BatchQueue, coalesced
from .column_stream import Column, ColumnStream, Event
from .result import Result
from .tokens import TokenCounter


class _ColumnDone:
    """A column's task has ended (however it ended): the reader's count of live columns drops."""


_DONE = _ColumnDone()
ColumnEvent = tuple[str, int, Event]  # (column key, run number from 1, event)
_Queued = tuple[str, int, Event | _ColumnDone]  # ... or (column key, 0, _DONE), which readers never see


class Comparison:
    """Runs columns concurrently, each `repeat` times one after another (copies at once would measure contention).

    Iterate `events()` or `batches()`, or `run()` to completion; `cancel()` stops every stream and starts no more.
    `runs` holds every column's Results in order; `results` the first of each (the run a conversation continues from).
    """

    def __init__(self, registry: Registry, columns: list[Column], counter: TokenCounter | None = None, repeat: int = 1):
        self.registry, self.columns, self.repeat = registry, list(columns), repeat
        self.counter = counter or TokenCounter(registry)
        self.runs: dict[str, list[Result]] = {c.key: [] for c in self.columns}
        self._current: dict[str, ColumnStream] = {}
        self._tasks: list[asyncio.Task] = []
        self._cancelled = False

    @property
    def results(self) -> dict[str, Result]:
        """Each column's first Result (a stopped partial one when cancelled), for the columns that have one."""
        return {key: runs[0] for key, runs in self.runs.items() if runs}

    async def _start(self, queue: BatchQueue[_Queued] | None) -> None:
        # SDK imports and client set-up (TLS contexts, pools) happen before any column's clock starts, off the loop.
        await self.registry.prepare_clients([c.model_id for c in self.columns])
        self._tasks = [asyncio.create_task(self._column(c, queue), name=f"column-{c.key}") for c in self.columns]
        if queue is not None:
            # A done callback runs even for a task cancelled before it started, so no reader waits for a lost column.
            for column, task in zip(self.columns, self._tasks):
                task.add_done_callback(_done_marker(queue, column.key))

    async def events(self) -> AsyncIterator[ColumnEvent]:
        """Yield (column key, run, event) as they happen; closing this generator cancels every stream."""
        queue: BatchQueue[_Queued] = BatchQueue(_urgent)
        await self._start(queue)
        remaining = len(self._tasks)
        try:
            while remaining:
                item = await queue.get()
                key, run, event = item
                if isinstance(event, _ColumnDone):
                    remaining -= 1
                else:
                    yield key, run, event
        finally:
            await self.cancel()

    async def batches(self, interval: float | Callable[[], float] = 0.05) -> AsyncIterator[list[ColumnEvent]]:
        """Yield lists of events at most once per interval (a number, or a function giving the next one).

        A first token, a Result or a state change other than "waiting" goes out at once; the initial "waiting"
        states wait up to one interval so they can share a frame with a fast first token.
        """
        queue: BatchQueue[_Queued] = BatchQueue(_urgent)
        await self._start(queue)
        try:
            async for batch in coalesced(queue, len(self._tasks), _is_done, interval):
                events = [(key, run, e) for key, run, e in batch if not isinstance(e, _ColumnDone)]
                if events:
                    yield events
        finally:
            await self.cancel()

    async def run(self) -> list[Result]:
        """Run to completion and return each column's first Result in column order (a `cancel()` meanwhile keeps
        partial replies)."""
        # Nobody reads the events here: skipping the queue saves a task wake-up per streamed chunk.
        await self._start(None)
        try:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            await self.cancel()
        return [self.results[c.key] for c in self.columns]

    async def cancel(self) -> None:
        """Cancel every unfinished stream (closing upstream connections) and start no more runs; partial replies are
        kept as stopped Results."""
        self._cancelled = True
        pending = [t for t in self._tasks if not t.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def live_ttft(self, key: str) -> float | None:
        """A running column's time to first token, once it has one."""
        stream = self._current.get(key)
        return stream.meter.ttft() if stream else None

    async def _column(self, column: Column, queue: BatchQueue[_Queued] | None) -> None:
        runs = self.runs[column.key]
        for k in range(1, self.repeat + 1):
            if self._cancelled:
                break

            def emit(event: Event, k: int = k) -> None:
                if isinstance(event, Result):
                    runs.append(event)
                if queue is not None:
                    queue.put_nowait((column.key, k, event))

            stream = self._current[column.key] = ColumnStream(self.registry, self.counter, column, emit)
            result = await stream.run()
            if result.stopped:
                break


def _urgent(item: _Queued) -> bool:
    return isinstance(item[2], _ColumnDone) or is_urgent(item[2])


def _is_done(item: _Queued) -> bool:
    return isinstance(item[2], _ColumnDone)


def _done_marker(queue: BatchQueue[_Queued], key: str) -> Callable[[asyncio.Task], None]:
    """A done callback that tells the reader this column's task has ended."""
    return lambda _task: queue.put_nowait((key, 0, _DONE))


def is_urgent(event: Event) -> bool:
    """Whether an event should reach the reader at once: a Result, or a state change past waiting."""
    if isinstance(event, Chunk):
        return False
    return not (isinstance(event, Status) and event.phase == Phase.WAITING)
