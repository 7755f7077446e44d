"""Coalescing a queue of events into batches: the one policy the page uses to keep up with fast streams."""
from __future__ import annotations

import asyncio
from typing import AsyncIterator, Callable


async def coalesced(queue: asyncio.Queue, streams: int, is_urgent: Callable[[object], bool],
                    is_last: Callable[[object], bool], interval: float | Callable[[], float]) -> AsyncIterator[list]:
    """Yield lists of queued items at most once per interval until `streams` final items were seen.

    An urgent item (a first token, a finish) flushes its batch at once; everything else waits for the interval.
    """
    next_interval = interval if callable(interval) else (lambda: interval)
    loop = asyncio.get_running_loop()
    last = loop.time()
    while streams:
        batch = [await queue.get()]
        deadline = last + next_interval()
        while True:
            while not queue.empty():
                batch.append(queue.get_nowait())
            if any(is_urgent(item) for item in batch) or loop.time() >= deadline:
                break
            try:
                batch.append(await asyncio.wait_for(queue.get(), deadline - loop.time()))
            except asyncio.TimeoutError:
                break
        streams -= sum(1 for item in batch if is_last(item))
        last = loop.time()
        yield batch
