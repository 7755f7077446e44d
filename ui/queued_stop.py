"""Stop for runs still waiting in Gradio's queue: Run and Stop carry the browser's click time, so a run requested
before its session's latest Stop ends without starting once it leaves the queue."""
from __future__ import annotations

import gradio as gr

# Both run in the browser; the run's stamp travels as its last input, Stop's as its only one.
STAMP_RUN_JS = "(...v) => { v[v.length - 1] = Date.now(); return v; }"
STAMP_STOP_JS = "() => [Date.now()]"
NOT_STARTED = "Stopped before it started (it was waiting for a free slot)."


def click_stamp() -> gr.Number:
    """The hidden input that carries a click's time (ms, browser clock)."""
    return gr.Number(visible=False)


class StopRequests:
    """The latest Stop per (session, tab), kept until the next run of that session and tab looks at it."""

    def __init__(self):
        self._latest: dict[tuple[str, str], float] = {}

    def note(self, session: str, tab: str, stamp) -> None:
        """Remember a Stop pressed at `stamp` (browser ms)."""
        if isinstance(stamp, (int, float)):
            self._latest[(session, tab)] = float(stamp)

    def cancels(self, session: str, tab: str, clicked_at) -> bool:
        """Whether a run clicked at `clicked_at` was stopped while it waited; forgets the Stop either way."""
        stop = self._latest.pop((session, tab), None)
        return stop is not None and isinstance(clicked_at, (int, float)) and stop >= clicked_at
