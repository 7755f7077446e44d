"""Cancel a run whose client went away (closed tab, killed API client, dropped REST stream).

When a client's event stream closes, Gradio marks that session's events dead (`Event.alive = False`) but leaves a
running function alone: a streaming run is merely no longer read, an API call runs to its end, and either keeps its
upstream streams (and its concurrency slot) busy. A small watcher per run polls that mark and cancels the run."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager

POLL_S = 0.25  # the run is cancelled within this of Gradio noticing; the issue allows 2 s in all


def current_event():
    """The Gradio queue event this code runs for, or None outside one (direct calls, tests of handlers)."""
    from gradio.context import LocalContext

    blocks, event_id = LocalContext.blocks.get(None), LocalContext.event_id.get(None)
    queue = getattr(blocks, "_queue", None)
    if queue is None or not event_id:
        return None
    # Gradio's own bookkeeping (no public API exposes an event's liveness); found either way across versions
    event = queue.event_ids_to_events.get(event_id)
    if event is None:
        event = next((e for job in queue.active_jobs if job for e in job if e._id == event_id), None)
    return event if hasattr(event, "alive") else None


async def _watch(event, cancel: Callable[[], Awaitable], poll_s: float) -> None:
    while event.alive:
        await asyncio.sleep(poll_s)
    await cancel()


@asynccontextmanager
async def cancelled_if_abandoned(cancel: Callable[[], Awaitable], poll_s: float = POLL_S):
    """Inside a Gradio event: if its client goes away, `await cancel()` (which must close the upstream streams)."""
    event = current_event()
    watcher = asyncio.create_task(_watch(event, cancel, poll_s)) if event is not None else None
    try:
        yield
    finally:
        if watcher is not None:
            watcher.cancel()


def cancel_this_task() -> Callable[[], Awaitable]:
    """A `cancel` for code with no handle of its own on its streams: cancels the task running it, so every
    generator it is inside closes (and closes its streams) on the way out."""
    task = asyncio.current_task()

    async def cancel():
        task.cancel()

    return cancel
