"""Stop for runs still waiting in Gradio's queue: a run queued before its session's latest Stop ends without
starting once it leaves the queue. Both are timed by when Gradio queued their events (the server's clock), so a
Run click needs no browser-side step: a `js` function on the Run event, with the page's many inputs handed back
and forth, cost its first token several milliseconds (bench/bench_browser.py)."""

from __future__ import annotations

import time

from ui.web.abandon import current_event

NOT_STARTED = "Stopped before it started (it was waiting for a free slot)."


def queued_at() -> float:
    """When Gradio queued the event this code runs for (time.monotonic); now, outside Gradio's queue."""
    return getattr(current_event(), "enqueue_time", None) or time.monotonic()


class StopRequests:
    """The latest Stop per (session, tab), kept until the next run of that session and tab looks at it."""

    def __init__(self):
        self._latest: dict[tuple[str, str], float] = {}

    def note(self, session: str, tab: str, stamp: float) -> None:
        """Remember a Stop queued at `stamp` (see queued_at)."""
        self._latest[(session, tab)] = stamp

    def cancels(self, session: str, tab: str, queued: float | None) -> bool:
        """Whether a run queued at `queued` was stopped while it waited; forgets the Stop either way."""
        stop = self._latest.pop((session, tab), None)
        return stop is not None and queued is not None and stop >= queued
