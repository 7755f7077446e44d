"""The server's side of one model's engine process: start it, talk to it, and notice when it dies."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the directory holding providers/, so the child can import it
SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|DATABASE_URL", re.IGNORECASE)


def child_env() -> dict[str, str]:
    """The server's environment without anything that looks like a credential: the engine needs none."""
    env = {k: v for k, v in os.environ.items() if not SECRET_NAME.search(k)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def describe_exit(code: int | None) -> str:
    """How a process ended, in words: "signal 11, SIGSEGV", "exit code 1"."""
    if code is None:
        return "it stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "unknown signal"
        hint = ", perhaps out of memory" if -code == signal.SIGKILL else ""
        return f"signal {-code}, {name}{hint}"
    return f"exit code {code}"


class EngineLink:
    """One live engine process: its socket, a reader thread routing what it sends, and what is waiting on it."""

    def __init__(self, config: dict, on_death):
        parent, child = socket.socketpair()
        try:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "providers.local.worker",
                    "--fd",
                    str(child.fileno()),
                    "--config",
                    json.dumps(config),
                ],
                pass_fds=(child.fileno(),),
                env=child_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                start_new_session=True,
            )  # Ctrl-C in a terminal stops the server, which then closes the socket
        finally:
            child.close()
        self.conn = Connection(parent.detach())
        self.streams: dict[int, Callable[[list], None]] = {}  # request id -> takes a list of (kind, payload)
        self.calls: dict[int, Future] = {}
        self.dead = self.closing = self.ready = False  # ready: the process has started and reads commands
        self._send_lock = threading.Lock()
        self._on_death = on_death
        threading.Thread(target=self._read, name=f"engine-{self.proc.pid}", daemon=True).start()

    def send(self, message) -> None:
        """Send one command; a dead process raises OSError (the reader reports the death)."""
        with self._send_lock:
            self.conn.send(message)

    def send_quietly(self, message) -> None:
        """Send if the process still listens."""
        try:
            self.send(message)
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        """End the process: it exits when its socket shuts down."""
        self.closing = True
        # Shut the socket down rather than close its descriptor: the reader thread may be inside recv() on it,
        # and a descriptor closed under it can be reused at once by a new engine's socket (or any file), whose
        # bytes that reader would then steal. The reader sees end-of-file and closes the descriptor itself.
        with self._send_lock:
            if self.conn.closed:
                return
            view = socket.fromfd(self.conn.fileno(), socket.AF_UNIX, socket.SOCK_STREAM)  # a duplicate descriptor
            try:
                view.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            finally:
                view.close()

    def _read(self) -> None:
        try:
            while True:
                message = self.conn.recv()
                if message[0] == "items":
                    by_stream: dict[int, list] = {}
                    for rid, kind, payload in message[1]:
                        by_stream.setdefault(rid, []).append((kind, payload))
                    for rid, entries in by_stream.items():
                        sink = self.streams.get(rid)
                        if sink is not None:
                            sink(entries)
                elif message[0] == "ready":
                    self.ready = True
                elif message[0] == "reply":
                    future = self.calls.pop(message[1], None)
                    if future is not None:
                        future.set_result((message[2], message[3]))
        except (EOFError, OSError, ValueError):
            pass
        self.dead = True
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # it closed the socket but lives on: it cannot serve, so end it
            self.proc.kill()
            code = None
        if not self.closing:
            error = self._on_death(self, describe_exit(code))
            for sink in list(self.streams.values()):
                sink([("error", error)])
            for future in list(self.calls.values()):
                future.set_result((False, error))
        with self._send_lock:
            self.conn.close()


def describe_engine() -> dict[str, str]:
    """The engine's versions, CPU features and AMX guard, asked of a short-lived engine process."""
    done = subprocess.run(
        [sys.executable, "-m", "providers.local.worker", "--describe"],
        env=child_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise ValueError(
            f"the engine process failed ({describe_exit(done.returncode)})" + (f": {lines[-1]}" if lines else "")
        )
    return json.loads(done.stdout)
