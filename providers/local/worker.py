"""The engine process: one embedded model, driven over a socket by providers/local/process.py.

Run as `python -m providers.local.worker --fd N --config JSON`. A crash in llama.cpp (a segfault, an abort, the
OOM killer) ends only this process; the server sees the socket close and tells the columns it served.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path

from ..events import Chunk
from ..settings import LocalModel
from .sequence import END, Sequence
from .wire import encode_error

FLUSH_INTERVAL = 0.05  # seconds between sends while tokens stream; first text, status and the end go at once


class Outbox:
    """Sends stream items to the server in batches, at most once per interval while text streams.

    A send per token would wake the server per token, and on 2 cores that wake-up competes with llama.cpp's
    threads; a stream's first text, every status and every end still go out at once.
    """

    def __init__(self, conn: Connection, interval: float = FLUSH_INTERVAL):
        self._conn, self._interval = conn, interval
        self._lock = threading.Lock()
        self._items: list[tuple[int, str, object]] = []
        self._last = 0.0
        self._texted: set[int] = set()

    def put(self, rid: int, item) -> None:
        """Queue one item of stream rid (from the decode thread)."""
        now = time.perf_counter()
        with self._lock:
            entry: tuple[int, str, object]
            if item is END:
                entry, urgent = (rid, "end", None), True
                self._texted.discard(rid)
            elif isinstance(item, BaseException):
                entry, urgent = (rid, "error", encode_error(item)), True
            else:
                text = isinstance(item, Chunk)
                urgent = not text or rid not in self._texted
                if text:
                    self._texted.add(rid)
                entry = (rid, "item", item)
            self._items.append(entry)
            if not urgent and now - self._last < self._interval:
                return
            self._last, batch, self._items = now, self._items, []
            self._conn.send(("items", batch))

    def reply(self, rid: int, ok: bool, value) -> None:
        """Answer one call."""
        with self._lock:
            self._conn.send(("reply", rid, ok, value))


def serve(conn: Connection, engine) -> None:
    """Read commands until the server closes the socket."""
    outbox = Outbox(conn)
    stops: dict[int, threading.Event] = {}
    calls = ThreadPoolExecutor(1, thread_name_prefix="engine-call")  # a load or a long tokenisation never holds up Stop

    def emit_for(rid: int):
        def emit(item) -> None:
            if item is END:
                stops.pop(rid, None)
            outbox.put(rid, item)

        return emit

    def call(rid: int, method: str, args: tuple) -> None:
        try:
            outbox.reply(rid, True, getattr(engine, method)(*args))
        except BaseException as exc:  # the caller shows it; the engine carries on
            outbox.reply(rid, False, encode_error(exc))

    conn.send(("ready",))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            os._exit(0)  # the server is gone (or shut us down): nothing to finish, and llama.cpp's teardown is slow
        kind, rid = message[0], message[1]
        if kind == "run":
            stops[rid] = threading.Event()
            engine.scheduler.submit(Sequence(message[2], emit_for(rid), stops[rid]))
        elif kind == "stop":
            event = stops.get(rid)
            if event is not None:
                event.set()
        elif kind == "call" and message[2] in CALLS:
            calls.submit(call, rid, message[2], message[3])
        else:
            outbox.reply(rid, False, {"provider": "local", "message": f"unknown engine command {kind!r}"})


CALLS = {"tokenize", "split", "prompt_tokens", "stats", "forget_cache", "warm", "share_threads"}


def main(argv: list[str] | None = None) -> None:
    """Entry point: serve one model over the inherited socket, or print the engine's build with --describe."""
    parser = argparse.ArgumentParser(prog="python -m providers.local.worker")
    parser.add_argument("--fd", type=int)
    parser.add_argument("--config", default="{}")
    parser.add_argument("--describe", action="store_true")
    args = parser.parse_args(argv)
    if args.describe:
        from . import cpu_guard

        print(json.dumps(cpu_guard.describe()))
        return
    config = json.loads(args.config)
    from .engine import LocalEngine

    model = LocalModel(config["name"], Path(config["path"]), config["n_ctx"])
    engine = LocalEngine(model, config["threads"], config["n_seq"], config["kv_budget"])
    serve(Connection(args.fd), engine)


if __name__ == "__main__":
    main()
