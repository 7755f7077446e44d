"""Shared base of the fake LLM servers: FakeServer (lifecycle, recording, counters, protocol hooks)."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import replace
from typing import Any

from .behaviour import (
    DEFAULT_REPLY,
    ERRORS,
    FAULTS,
    Behaviour,
    RecordedRequest,
    count_tokens,
    last_user_text,
    prompt_words,
    sse,
)
from .handler import Handler, _HTTPServer

__all__ = ["Behaviour", "DEFAULT_REPLY", "FAULTS", "FakeServer", "Handler", "RecordedRequest", "prompt_words", "sse"]


class FakeServer:
    """A stdlib HTTP server on 127.0.0.1 in a daemon thread; subclasses speak one LLM protocol."""

    default_models: tuple[str, ...] = ("fake-model",)

    def __init__(
        self,
        behaviour: Behaviour | None = None,
        *,
        per_model: dict[str, Behaviour] | None = None,
        models: list[str] | None = None,
        list_status: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        serial: bool = False,
    ):
        self.behaviour = behaviour or Behaviour()
        # A server with one slot (llama.cpp with --parallel 1): each stream waits until the one before it ended.
        self.slot = threading.Lock() if serial else None
        self.list_status = list_status  # the model listing answers this error status; chats are unaffected
        self.per_model = dict(per_model or {})
        self._models = list(models) if models is not None else None
        self._addr = (host, port)
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self.spans: list[tuple[float, float]] = []  # (start, end) perf_counter of each stream, in end order
        self.disconnect_times: list[float] = []  # perf_counter when each client hang-up was noticed
        self._disconnects = self._active = self._peak = self._finished = self._drops = 0
        self.disconnected = threading.Event()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> FakeServer:
        """Bind (port 0 picks a free port) and serve in a daemon thread."""
        count_tokens("")  # load the tokenizer now, so a first reply is not slower than the rest
        self._stopping.clear()
        self._httpd = _HTTPServer(self._addr, Handler)
        self._httpd.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; streams still running give up at their next pause."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        # Idle keep-alive connections would otherwise go on serving a client's pool after stop().
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (after start)."""
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:PORT (no trailing slash)."""
        return f"http://{self._addr[0]}:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def disconnects(self) -> int:
        """Responses the client abandoned before the server finished writing them."""
        return self._disconnects

    @property
    def active_streams(self) -> int:
        """Streams being written right now."""
        return self._active

    @property
    def peak_streams(self) -> int:
        """The most streams ever written at once (since start or reset)."""
        return self._peak

    @property
    def finished_streams(self) -> int:
        """Streams written to the end, terminator included."""
        return self._finished

    def reset(self) -> None:
        """Forget recorded requests and counters (not the behaviour)."""
        with self._lock:
            self._requests.clear()
            self._disconnects = self._finished = 0
            self.disconnect_times.clear()
            self._peak = self._active
            self.disconnected.clear()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no stream is being written; False on timeout."""
        end = time.monotonic() + timeout
        while self._active and time.monotonic() < end:
            time.sleep(0.005)
        return not self._active

    def drop_next(self, n: int = 1) -> None:
        """Close the connection of the next n requests without answering (a pooled connection gone stale)."""
        with self._lock:
            self._drops += n

    def _take_drop(self) -> bool:
        with self._lock:
            if self._drops:
                self._drops -= 1
                return True
            return False

    def _record(self, req: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(req)

    def _track(self, conn: socket.socket, open_: bool) -> None:
        with self._lock:
            (self._connections.add if open_ else self._connections.discard)(conn)

    def _record_disconnect(self) -> None:
        with self._lock:
            self._disconnects += 1
            self.disconnect_times.append(time.perf_counter())
        self.disconnected.set()

    def _stream_started(self) -> None:
        with self._lock:
            self._active += 1
            self._peak = max(self._peak, self._active)
        threading.current_thread().stream_start = time.perf_counter()  # type: ignore[attr-defined]

    def _stream_ended(self) -> None:
        with self._lock:
            self._active -= 1
            self.spans.append((threading.current_thread().stream_start, time.perf_counter()))  # type: ignore[attr-defined]

    def _stream_finished(self) -> None:
        with self._lock:
            self._finished += 1

    @property
    def models(self) -> list[str]:
        """Model names served: `models` (or the class default) plus every `per_model` key."""
        names = list(self._models if self._models is not None else self.default_models)
        return names + [m for m in self.per_model if m not in names]

    def knows(self, model: str) -> bool:
        """Whether `model` is served: any name goes unless `models` was given."""
        return self._models is None or model in self.models

    def behaviour_for(self, model: str, body: Any = None) -> Behaviour:
        """The per-model behaviour when set, else the server's (its reply written for this request's body when it
        has a `reply_for`)."""
        beh = self.per_model.get(model, self.behaviour).jittered()
        if beh.reply_for is not None and body is not None:
            beh = replace(beh, reply=beh.reply_for(last_user_text(body)), reply_for=None)
        return beh

    def extra_headers(self) -> dict[str, str]:
        """Headers added to every response (request ids...)."""
        return {}

    def error_body(self, status: int, message: str) -> Any:
        """The protocol's JSON error body for `status`."""
        raise NotImplementedError

    def pre_fault(self, h: Handler, beh: Behaviour) -> bool:
        """Apply the faults that come before any reply bytes; True when the response is already sent."""
        if beh.fault == "timeout" and not h.wait_until(time.perf_counter() + beh.hang_s):
            return True
        if beh.fault in ERRORS:
            status, message = ERRORS[beh.fault]
            message = beh.error_message if beh.error_message is not None else message
            headers = {"retry-after": str(beh.retry_after_s)} if status == 429 else None
            h.send_json(status, self.error_body(status, message), headers)
            return True
        return False

    def pre_list(self, h: Handler) -> bool:
        """Apply `list_status` and the server behaviour's faults to a model listing; True when already answered."""
        if self.list_status is not None:
            status = self.list_status
            message = ERRORS.get(str(status), (status, f"Model listing failed with status {status} (fake server)"))[1]
            h.send_json(status, self.error_body(status, self.behaviour.error_message or message))
            return True
        return self.pre_fault(h, self.behaviour)

    def handle(self, h: Handler, req: RecordedRequest) -> None:
        """Answer one request; subclasses route on req.method and req.path."""
        raise NotImplementedError
