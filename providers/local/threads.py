"""Threads for in-process llama.cpp: one decode thread for every local model, and a relay back to the event loop."""

from __future__ import annotations

import asyncio
import threading
import time

from ..events import Chunk


class DecodeThread:
    """The one thread that loads models and decodes, for every local model in the process.

    llama.cpp runs its math on an OpenMP thread team, and OpenMP keeps one team per calling thread. A second
    calling thread means a second team competing for the same cores: measured here, decoding from a new thread
    after another had decoded ran at ~95 tok/s instead of ~160. One long-lived thread keeps one team.
    """

    def __init__(self):
        self._pool = None
        self._thread_id: int | None = None
        self._guard = threading.Lock()
        self.pending = 0

    def _executor(self):
        with self._guard:
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pool = ThreadPoolExecutor(
                    1,
                    thread_name_prefix="llama-decode",
                    initializer=lambda: setattr(self, "_thread_id", threading.get_ident()),
                )
            return self._pool

    def submit(self, fn, *args):
        """Queue fn on the decode thread; returns a concurrent.futures.Future."""
        with self._guard:
            self.pending += 1
        future = self._executor().submit(fn, *args)
        future.add_done_callback(lambda _: self._done())
        return future

    def _done(self) -> None:
        with self._guard:
            self.pending -= 1

    def call(self, fn, *args):
        """Run fn on the decode thread and wait for its result (directly if already on it)."""
        if threading.get_ident() == self._thread_id:
            return fn(*args)
        return self.submit(fn, *args).result()


DECODE_THREAD = DecodeThread()


class ThreadRelay:
    """Hands items from the decoding thread to the event loop, waking the loop at most once per interval.

    Waking the loop for every token preempts llama.cpp's worker threads (they synchronise at barriers), which
    cost about a third of the decode rate on 2 cores; text, status and the end still arrive within one interval.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, interval: float = 0.05):
        self._loop = loop
        self._interval = interval
        self._items: list = []
        self._lock = threading.Lock()
        self._ready = asyncio.Event()
        self._last_wake = 0.0
        self._first_text = True

    def put(self, item) -> None:
        """Called from the worker thread."""
        now = time.perf_counter()
        with self._lock:
            self._items.append(item)
            text = isinstance(item, Chunk)
            urgent = not text or self._first_text
            if text:
                self._first_text = False
            if not urgent and now - self._last_wake < self._interval:
                return
            self._last_wake = now
        try:
            self._loop.call_soon_threadsafe(self._ready.set)
        except RuntimeError:  # the reader's event loop is gone (stopped run); nobody is listening
            pass

    async def take(self) -> list:
        """Wait for the next wake-up and return everything queued since the last one."""
        await self._ready.wait()
        with self._lock:
            items, self._items = self._items, []
            self._ready.clear()
        return items
