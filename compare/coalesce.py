"""Coalescing a queue of events into batches: the one policy the page uses to keep up with fast streams."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class BatchQueue(asyncio.Queue[T], Generic[T]):
    """An asyncio.Queue that flags its urgent items, so a coalescing reader can sleep through the others."""

    def __init__(self, is_urgent: Callable[[T], bool]):
        super().__init__()
        self.is_urgent = is_urgent
        self.urgent = asyncio.Event()

    def put_nowait(self, item: T) -> None:
        """Queue an item; an urgent one also wakes a reader waiting in `coalesced`."""
        super().put_nowait(item)
        if self.is_urgent(item):
            self.urgent.set()


async def coalesced(
    queue: BatchQueue[T], streams: int, is_last: Callable[[T], bool], interval: float | Callable[[], float]
) -> AsyncIterator[list[T]]:
    """Yield lists of queued items at most once per interval until `streams` final items were seen.

    An urgent item (a first token, a finish) flushes its batch at once; everything else waits for the interval.
    """
    next_interval: Callable[[], float] = interval if callable(interval) else (lambda: interval)
    loop = asyncio.get_running_loop()
    last = loop.time()
    while streams:
        batch = [await queue.get()]
        deadline = last + next_interval()
        while True:
            queue.urgent.clear()  # before draining: an urgent item put after the drain sets it again
            while not queue.empty():
                batch.append(queue.get_nowait())
            remaining = deadline - loop.time()
            if remaining <= 0 or any(queue.is_urgent(item) for item in batch):
                break
            # One wait per batch, not one wake-up per queued chunk (which cost a task and a timer each).
            try:
                await asyncio.wait_for(queue.urgent.wait(), remaining)
            except TimeoutError:
                pass
        streams -= sum(1 for item in batch if is_last(item))
        last = loop.time()
        yield batch
