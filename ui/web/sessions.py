"""Gradio's per-session memory, kept to the sessions someone can still use.

Gradio (6.31) builds a SessionState for every session hash that runs an event: a copy of every component's config,
about 0.7 MB for this page, kept until 10,000 sessions exist. Every REST call and every gradio_client picks a new
hash, so a public demo grows by that much per call until it runs out of memory. This ASGI middleware drops a
session's state once nothing can need it:

- never while the session has a live heartbeat stream (`/gradio_api/heartbeat/<hash>`: an open page) or an event
  queued or running (Gradio also lists events whose client left before it read the result: those do not count);
- a session that holds nothing of its own, neither gr.State values nor components a handler updated (an API call:
  its endpoint takes everything as arguments), as soon as its events are done;
- a page whose heartbeat ended (its tab closed) once idle CLOSED_PAGE_S, long enough for a dropped connection to
  come back;
- state kept by a client that never opened a heartbeat (gradio_client calling page events) once idle STATEFUL_IDLE_S.

It sweeps at most every SWEEP_EVERY_S, on the server's loop, while requests arrive (with none, nothing grows).
Gradio's own LRU limit stays as a backstop (MAX_SESSIONS, given to launch). All contact with Gradio's internals
(App.state_holder, Blocks._queue) is here; if a Gradio upgrade moves them, the sweep does nothing and says so once.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from datetime import datetime

from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("llm_compare.sessions")

STATELESS_IDLE_S = 0.0
CLOSED_PAGE_S = 10.0
STATEFUL_IDLE_S = 60.0
SWEEP_EVERY_S = 0.5
MAX_SESSIONS = 1000  # Gradio's state_session_capacity: evicts the least recently used past this (about 0.7 GB)
_HEARTBEAT = re.compile(r"/gradio_api/heartbeat/([^/?]+)/?$")


class SessionJanitor:
    """ASGI middleware: tracks open pages' heartbeat streams and drops the state of sessions nobody can use."""

    def __init__(self, app: ASGIApp, clock=time.monotonic):
        self.app = app
        self._clock = clock
        self._live: Counter[str] = Counter()  # session hash -> open heartbeat streams
        self._closed: dict[str, float] = {}  # session hash -> when its last heartbeat ended
        self._last_sweep = 0.0
        self._broken = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self._clock() - self._last_sweep >= SWEEP_EVERY_S:
            self._last_sweep = self._clock()
            self.sweep(scope.get("app"))
        beat = _HEARTBEAT.search(scope.get("path", ""))
        if beat is None:
            return await self.app(scope, receive, send)
        session = beat.group(1)
        self._live[session] += 1
        self._closed.pop(session, None)
        try:
            await self.app(scope, receive, send)
        finally:
            self._live[session] -= 1
            if self._live[session] <= 0:
                del self._live[session]
                self._closed[session] = self._clock()

    def sweep(self, app) -> int:
        """Drop the state of every session nobody can use now (see the module docstring); returns how many."""
        if self._broken or app is None:
            return 0
        try:
            holder, queue = app.state_holder, app.get_blocks()._queue
            sessions, last_used, pending = holder.session_data, holder.time_last_used, queue.pending_event_ids_session
            events = queue.event_ids_to_events  # queued or running; a finished event leaves it
        except AttributeError as exc:  # a Gradio that keeps sessions elsewhere: leave them to Gradio
            self._broken = True
            log.warning("session sweep disabled: Gradio no longer has %s", exc.name)
            return 0
        now, wall, defaults = self._clock(), datetime.now(), app.get_blocks().default_config.blocks
        for session, closed_at in list(self._closed.items()):
            if session not in sessions and now - closed_at > CLOSED_PAGE_S:
                del self._closed[session]  # its state went (or never came): forget the page too
        dropped = [
            session
            for session, state in list(sessions.items())
            if session not in self._live
            and not any(event in events for event in pending.get(session, ()))  # a client that left keeps its ids
            and self._idle_enough(session, _holds_state(state, defaults), last_used.get(session), wall, now)
        ]
        for session in dropped:
            holder.delete_state(session)  # runs gr.State delete callbacks, as Gradio's own expiry does
            with holder.lock:
                sessions.pop(session, None)
                last_used.pop(session, None)
            self._closed.pop(session, None)
        return len(dropped)

    def _idle_enough(self, session: str, stateful: bool, used: datetime | None, wall: datetime, now: float) -> bool:
        idle = (wall - used).total_seconds() if used is not None else float("inf")
        if session in self._closed:
            return min(idle, now - self._closed[session]) >= CLOSED_PAGE_S
        return idle >= (STATEFUL_IDLE_S if stateful else STATELESS_IDLE_S)


def _holds_state(state, defaults: dict) -> bool:
    """Whether a session keeps anything of its own: gr.State values, or a component a handler replaced."""
    blocks = state.blocks_config.blocks
    return (
        bool(state.state_data)
        or len(blocks) != len(defaults)
        or any(blocks.get(k) is not v for k, v in defaults.items())
    )
