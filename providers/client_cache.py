"""SDK clients built off the event loop, before any clock starts, and reused by the loop that first uses them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from typing import Any


class ClientCache:
    """Holds one SDK client; `prepare` builds it (importing the SDK) on any thread, `get` hands it to the loop.

    httpx connection pools belong to the event loop that first uses them, so a client is rebuilt for a new loop
    (the command line and tests run one loop per comparison; the page has one loop for its life).
    """

    def __init__(self, build: Callable[[], object]):
        self._build = build
        self._lock = threading.Lock()
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def ready(self, loop: asyncio.AbstractEventLoop) -> bool:
        """Whether a client usable on `loop` already exists."""
        return self._client is not None and (self._loop is None or self._loop is loop)

    def prepare(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Import the SDK and build the client now (call from a worker thread; cheap when already built)."""
        with self._lock:
            if self._client is None or (loop is not None and self._loop is not None and self._loop is not loop):
                # httpcore loads anyio's asyncio backend on the first request: load it here, off the clock.
                import anyio._backends._asyncio  # noqa: F401

                self._client, self._loop = self._build(), loop

    async def release(self) -> None:
        """Close the client if the running loop owns it: call before that loop ends (a private discovery loop), or the
        client's connections stay bound to a closed loop and fail ("Event loop is closed") when it is collected."""
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._client if self._loop is loop else None
            if client is not None:
                self._client, self._loop = None, None
        close = getattr(client, "close", None)
        if close is not None:
            await close()

    def get(self) -> Any:
        """The client for the running loop (built here only if nobody prepared it: tests and one-off calls)."""
        loop = asyncio.get_running_loop()
        if not self.ready(loop):
            self.prepare(loop)
        if self._loop is None:
            self._loop = loop
        return self._client


async def release_clients(providers: Iterable[object]) -> None:
    """Close every provider client the running loop owns (see ClientCache.release)."""
    caches = [c for p in providers if isinstance(c := getattr(p, "clients", None), ClientCache)]
    await asyncio.gather(*(c.release() for c in caches), return_exceptions=True)
