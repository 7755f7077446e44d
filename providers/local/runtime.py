"""One local model as the server sees it: requests and tokenizer calls go to its engine process."""

from __future__ import annotations

import asyncio
import collections
import itertools
import os
import threading
import time
import weakref
from collections.abc import AsyncGenerator
from concurrent.futures import Future
from typing import Any

from ..base import ChatRequest, ProviderError
from ..events import Phase, Status, StreamItem
from ..settings import LocalModel
from .process import EngineLink
from .threads import ThreadRelay
from .wire import decode_error, encode_error

SEQUENCES = 8  # requests decoded together per model; more wait their turn
KV_BUDGET = 1 << 30  # bytes of KV cache per model; SmolLM2-135M (23 KB a token) takes 8 x 2,048 + 8,192: 566 MB
CRASH_LIMIT, CRASH_WINDOW = 3, 60.0  # this many engine deaths within this many seconds: stop restarting


class CoreShare:
    """Splits the cores between the engine processes that are decoding at the same time.

    Two engine processes each running llama.cpp on every core fight over them (OpenMP teams wait for each other
    at every step's barriers): two models together took 4-5x one model alone, against 2x when they took turns.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._busy: dict[int, list] = {}  # id(runtime) -> [weak reference, open streams]

    def begin(self, runtime: LocalRuntime) -> None:
        """A stream of this runtime started."""
        with self._lock:
            entry = self._busy.setdefault(id(runtime), [weakref.ref(runtime), 0])
            entry[1] += 1
            if entry[1] == 1:
                self._tell()

    def end(self, runtime: LocalRuntime) -> None:
        """A stream of this runtime ended."""
        with self._lock:
            entry = self._busy.get(id(runtime))
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] == 0:
                del self._busy[id(runtime)]
                self._tell()

    def _tell(self) -> None:
        for ref, _ in self._busy.values():
            runtime = ref()
            if runtime is not None:
                runtime.share_threads(max(1, runtime.n_threads // len(self._busy)))


CORE_SHARE = CoreShare()  # one per server process: the cores are the machine's


class LocalRuntime:
    """A GGUF model served by a child process of its own, started on first use and restarted when it dies."""

    def __init__(
        self,
        model: LocalModel,
        n_threads: int | None = None,
        n_seq: int = SEQUENCES,
        kv_budget: int = KV_BUDGET,
        clock=time.monotonic,
    ):
        self.model = model
        self.n_threads = n_threads or os.cpu_count() or 1
        self.n_seq, self.kv_budget = n_seq, kv_budget  # read when a process starts
        self._clock = clock
        self._lock = threading.Lock()
        self._link: EngineLink | None = None
        self._links: list[EngineLink] = []  # shared with the finaliser, which ends the process with the runtime
        self._crashes: collections.deque[float] = collections.deque()
        self.last_exit: str | None = None
        self._ids = itertools.count(1)
        self._threads_told = self.n_threads
        weakref.finalize(self, _close_all, self._links)

    @property
    def pid(self) -> int | None:
        """The engine process's id while one runs."""
        link = self._link
        return link.proc.pid if link is not None and not link.dead else None

    def unavailable_reason(self) -> str | None:
        """Why this model cannot run now: its file is missing, or its engine keeps crashing."""
        if not self.model.path.is_file():
            return f"model file not found: {self.model.path}"
        with self._lock:
            return self._crash_loop()

    def _crash_loop(self) -> str | None:
        while self._crashes and self._clock() - self._crashes[0] > CRASH_WINDOW:
            self._crashes.popleft()
        if len(self._crashes) >= CRASH_LIMIT:
            return (
                f"the local engine stopped {len(self._crashes)} times within a minute (last: {self.last_exit}); "
                f"local:{self.model.name} is unavailable for a minute"
            )
        return None

    def _ensure(self) -> tuple[EngineLink, bool]:
        """The live engine link, starting a process if none runs; True when it was just started."""
        reason = self.unavailable_reason()
        if reason:
            raise ProviderError("local", reason)
        with self._lock:
            if self._link is not None and not self._link.dead:
                return self._link, False
            return self._start(), True

    def _start(self) -> EngineLink:
        config = {
            "name": self.model.name,
            "path": str(self.model.path.resolve()),
            "n_ctx": self.model.n_ctx,
            "threads": self.n_threads,
            "n_seq": self.n_seq,
            "kv_budget": self.kv_budget,
        }
        me = weakref.ref(self)  # the reader thread must not keep the runtime (and its process) alive
        try:
            link = EngineLink(config, lambda dead, how: _on_death(me, dead, how))
        except OSError as exc:
            raise ProviderError("local", f"could not start the local engine: {exc}") from None
        self._threads_told = self.n_threads
        self._links[:] = [link]
        self._link = link
        return link

    def _died(self, dead: EngineLink, how: str) -> dict:
        """Record an engine death; restart it unless it keeps dying. Returns the error its requests end with."""
        with self._lock:
            self.last_exit = how
            self._crashes.append(self._clock())
            looping = self._crash_loop()
            restarted = self._link is not dead and self._link is not None and not self._link.dead
            if not looping and not restarted:  # a call that came first may have started the next engine already
                try:
                    self._start()
                    restarted = True
                except ProviderError:  # the next run tries again and shows why it cannot
                    pass
        text = looping or f"the local engine stopped ({how})" + (" and was restarted" if restarted else "")
        return encode_error(ProviderError("local", text))

    async def stream(self, request: ChatRequest) -> AsyncGenerator[StreamItem, None]:
        """Run a request in the engine process and relay what it sends; closing the stream stops it there."""
        link, started = self._ensure()
        rid = next(self._ids)
        relay = ThreadRelay(asyncio.get_running_loop(), interval=0)
        link.streams[rid] = relay.put
        if link.dead:  # it died before we registered: its reader may have missed this stream
            link.streams.pop(rid, None)
            raise ProviderError("local", f"the local engine stopped ({self.last_exit or 'at start'}); run again")
        ended = sharing = False
        try:
            if (
                started or not link.ready
            ):  # the process starting counts as loading the model, not as time to first token
                yield Status(Phase.LOADING, "starting the local engine", at=time.perf_counter())
            try:
                link.send(("run", rid, request))
            except (OSError, ValueError):
                pass  # it died as we sent: its reader ends this stream with the reason
            CORE_SHARE.begin(self)
            sharing = True
            while True:
                for entries in await relay.take():
                    for kind, payload in entries:
                        if kind != "item":
                            ended = True
                            if kind == "error":
                                raise decode_error(payload)
                            return
                        yield payload
        finally:
            link.streams.pop(rid, None)
            if not ended:
                link.send_quietly(("stop", rid))
            if sharing:
                CORE_SHARE.end(self)

    def call(self, method: str, *args, timeout: float | None = 300):
        """Call an engine method in the process and return its result."""
        link, _ = self._ensure()
        rid, future = next(self._ids), Future[tuple[bool, Any]]()
        link.calls[rid] = future
        if link.dead:
            link.calls.pop(rid, None)
            raise ProviderError("local", f"the local engine stopped ({self.last_exit or 'at start'}); try again")
        try:
            link.send(("call", rid, method, args))
        except (OSError, ValueError):
            pass
        ok, value = future.result(timeout)
        if not ok:
            raise decode_error(value)
        return value

    def share_threads(self, n: int) -> None:
        """Tell the engine process how many threads to decode with (no answer awaited)."""
        link = self._link
        if link is not None and n != self._threads_told:
            self._threads_told = n
            link.send_quietly(("call", 0, "share_threads", (n,)))

    def prompt_tokens(self, request: ChatRequest) -> list[int]:
        """The request rendered through the model's chat template, as token ids."""
        return self.call("prompt_tokens", ChatRequest(request.model, request.messages))

    def tokenize(self, text: str) -> list[int]:
        """Raw text as this model's token ids."""
        return self.call("tokenize", text)

    def split(self, text: str) -> tuple[list[int], list[bytes]]:
        """Raw text as token ids and each token's bytes."""
        return self.call("split", text)

    def stats(self) -> dict:
        """The engine's scheduler state (idle, reused_tokens, n_seq, lanes, slots)."""
        return self.call("stats")

    def forget_cache(self) -> None:
        """Drop every cached prompt prefix in the engine."""
        self.call("forget_cache")

    def warm(self) -> None:
        """Start the engine process, load the weights and make the decoding contexts now."""
        self.call("warm")


def _on_death(runtime_ref, dead: EngineLink, how: str) -> dict:
    runtime = runtime_ref()
    if runtime is None:
        return encode_error(ProviderError("local", f"the local engine stopped ({how})"))
    return runtime._died(dead, how)


def _close_all(links: list[EngineLink]) -> None:
    for link in links:
        link.close()
