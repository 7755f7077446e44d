"""HTTP plumbing of the fake servers: the threaded server and a handler with paced, disconnect-aware streaming."""

from __future__ import annotations

import json
import select
import socket
import socketserver
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .behaviour import Behaviour, RecordedRequest

if TYPE_CHECKING:
    from .server import FakeServer

_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def server_bind(self) -> None:
        # Skip HTTPServer's getfqdn(): a reverse DNS lookup that can stall on sandboxed machines.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], _GONE + (socket.timeout,)):
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """Per-connection handler: records each request, hands it to the FakeServer, offers send helpers."""

    protocol_version = "HTTP/1.1"
    server_version = "FakeLLM/1.0"
    _gone = False

    def setup(self) -> None:
        super().setup()
        # Small paced writes must leave at once, not wait on Nagle + delayed ACK (~40 ms stalls).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.fake._track(self.connection, True)

    def finish(self) -> None:
        self.fake._track(self.connection, False)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def fake(self) -> FakeServer:
        """The FakeServer this connection belongs to."""
        return self.server.fake  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        """Read the body, record the request and hand it to the FakeServer."""
        self._gone = False
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path, _, query = self.path.partition("?")
        req = RecordedRequest(self.command, path, query, {k.lower(): v for k, v in self.headers.items()}, body, raw)
        self.fake._record(req)
        if self.fake._take_drop():  # like a keep-alive connection the server had already closed: no response at all
            self.abort()
            return
        self.fake.handle(self, req)

    do_POST = do_DELETE = do_PUT = do_GET

    def flush_headers(self) -> None:
        try:
            super().flush_headers()
        except _GONE:
            self._lost()

    def _lost(self) -> None:
        self.close_connection = True
        if not self._gone:
            self._gone = True
            self.fake._record_disconnect()

    def send(self, data: bytes) -> bool:
        """Write raw bytes; False (and a recorded disconnect) when the client has gone."""
        if self._gone:
            return False
        try:
            self.wfile.write(data)
            return True
        except _GONE:
            self._lost()
            return False

    def send_head(self, status: int, content_type: str, headers: dict[str, str] | None, length: int | None) -> None:
        """Status line and headers; length None means chunked transfer encoding."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header(*(("Transfer-Encoding", "chunked") if length is None else ("Content-Length", str(length))))
        for key, value in {**self.fake.extra_headers(), **(headers or {})}.items():
            self.send_header(key, value)
        self.end_headers()

    def send_body(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> bool:
        """Send a complete response with a Content-Length."""
        self.send_head(status, content_type, headers, len(data))
        return self.send(data)

    def send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> bool:
        """Send a complete JSON response."""
        return self.send_body(status, json.dumps(obj).encode(), "application/json", headers)

    def wait_until(self, deadline: float) -> bool:
        """Sleep until `deadline` (perf_counter); False early if the client hangs up or the server stops."""
        while (left := deadline - time.perf_counter()) > 0:
            if self.fake._stopping.is_set():
                self.close_connection = True
                return False
            # Readable with nothing to peek is the client's FIN: notice hang-ups while idle, not at the next write.
            if self._readable(min(left, 0.05)):
                try:
                    alive = bool(self.connection.recv(1, socket.MSG_PEEK))
                except OSError:
                    alive = False
                if not alive:
                    self._lost()
                    return False
                time.sleep(min(left, 0.05))
        return not self._gone

    def _readable(self, timeout: float) -> bool:
        try:
            return bool(select.select([self.connection], [], [], timeout)[0])
        except ValueError:  # fd beyond FD_SETSIZE: poll has no such limit, only millisecond resolution
            poller = select.poll()
            poller.register(self.connection, select.POLLIN)
            return bool(poller.poll(timeout * 1000))

    def abort(self) -> None:
        """Close the socket mid-response, without the terminating chunk or the rest of the body."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _flush(self, buf: list[bytes]) -> bool:
        if not buf:
            return not self._gone
        data = b"".join(buf)
        buf.clear()
        return self.send(b"%X\r\n%s\r\n" % (len(data), data))

    def stream(
        self,
        beh: Behaviour,
        content_type: str,
        head: Iterable[bytes],
        pieces: Sequence[Any],
        render: Callable[[Any], bytes],
        tail: Callable[[], Iterable[bytes]],
        malformed: bytes,
        error_event: bytes | None = None,
    ) -> None:
        """Send a chunked stream: head at once, one paced event per piece, then tail; applies cut/malformed, and
        error_event (the protocol's in-stream error, then the end of the response) where the protocol has one."""
        fake = self.fake
        if not self.wait_for_slot():
            return
        fake._stream_started()
        try:
            self.send_head(200, content_type, None, None)
            buf = list(head)
            if not self._flush(buf):
                return
            # Absolute schedule: chunk i is due at t0 + i/rate, so sleep overshoot never accumulates.
            t0 = time.perf_counter() + beh.first_token_delay_s
            interval = 1.0 / beh.tokens_per_s if beh.tokens_per_s > 0 else 0.0
            for i, piece in enumerate([*pieces, None]):
                if i == beh.cut_after and beh.fault == "cut":
                    self._flush(buf)
                    return self.abort()
                if i == beh.cut_after and beh.fault == "malformed":
                    buf.append(malformed)
                if i == beh.cut_after and beh.fault == "error_event" and error_event is not None:
                    buf.append(error_event)
                    self._flush(buf)
                    self.send(b"0\r\n\r\n")
                    return
                if piece is None:
                    break
                due, now = t0 + i * interval, time.perf_counter()
                # Sub-millisecond sleeps overshoot: sleep >= 1 ms, then send everything due in one write.
                if due > now and not (self._flush(buf) and self.wait_until(max(due, now + 0.001))):
                    return
                buf.append(render(piece))
            buf.extend(tail())
            if self._flush(buf) and self.send(b"0\r\n\r\n"):
                fake._stream_finished()
        finally:
            fake._stream_ended()
            if fake.slot is not None:
                fake.slot.release()

    def wait_for_slot(self) -> bool:
        """On a serial server, wait (sending nothing) for its one slot; False if the client hung up meanwhile."""
        slot = self.fake.slot
        while slot is not None and not slot.acquire(timeout=0.02):
            if not self.wait_until(time.perf_counter() + 0.03):
                return False
        return True

    def send_whole(self, beh: Behaviour, obj: Any, n_pieces: int) -> None:
        """Send a non-streamed JSON reply (or a callable making it) after the time the stream would take."""
        interval = 1.0 / beh.tokens_per_s if beh.tokens_per_s > 0 else 0.0
        if not self.wait_until(time.perf_counter() + beh.first_token_delay_s + n_pieces * interval):
            return
        data = json.dumps(obj() if callable(obj) else obj).encode()
        if beh.fault == "cut":
            self.send_head(200, "application/json", None, len(data))
            self.send(data[: len(data) // 2])
            return self.abort()
        self.send_body(200, data[: len(data) // 2] if beh.fault == "malformed" else data, "application/json")
