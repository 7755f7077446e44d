"""A TCP pass-through proxy that timestamps requests, first reply bytes and a marker, for the browser benchmark."""

from __future__ import annotations

import re
import socket
import threading
import time


class TimingProxy:
    """TCP pass-through to a fake server. Per request: time.time() when it arrives, when the first reply bytes leave
    the server, and when `marker` passes (None if it never does), with the model name from the request body."""

    def __init__(self, upstream: tuple[str, int], marker: bytes = b"\x00never\x00"):
        self.upstream, self.marker = upstream, marker
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._stop:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket):
        up = socket.create_connection(self.upstream)
        for s in (client, up):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        current: dict = {}

        def requests_side():
            buf = b""
            try:
                while data := client.recv(65536):
                    if re.match(rb"(GET|POST|PUT|DELETE) ", data):  # httpx writes each request head in one piece
                        record = {"t_request": time.time(), "model": None, "t_first": None, "t_marker": None}
                        with self._lock:
                            self.requests.append(record)
                        current["r"], buf = record, b""
                    buf = (buf + data)[-65536:]
                    if current.get("r") and not current["r"]["model"]:
                        if m := re.search(rb'"model"\s*:\s*"([^"]+)"', buf):
                            current["r"]["model"] = m.group(1).decode()
                    up.sendall(data)
            except OSError:
                pass
            finally:
                _close(up)

        threading.Thread(target=requests_side, daemon=True).start()
        tail = b""
        try:
            while data := up.recv(65536):
                now, record = time.time(), current.get("r")
                window = tail + data
                if record is not None:
                    if record["t_first"] is None:
                        record["t_first"] = now
                    if record["t_marker"] is None and self.marker in window:
                        record["t_marker"] = now
                client.sendall(data)
                tail = window[-len(self.marker) :]
        except OSError:
            pass
        finally:
            _close(client)

    def chats(self, model_prefix: str = "") -> list[dict]:
        """The chat requests seen so far (oldest first)."""
        with self._lock:
            return [r for r in self.requests if r["model"] and r["model"].startswith(model_prefix)]

    def close(self):
        """Stop accepting connections."""
        self._stop = True
        _close(self._sock)


def _close(s: socket.socket):
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()


def host_port(url: str) -> tuple[str, int]:
    """(host, port) of an http://host:port URL."""
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    return host, int(port)
