"""Helpers for servers run as child processes by tests and benchmarks (stdlib only)."""

from __future__ import annotations

import signal
import socket
import sys
from collections.abc import Callable


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_until_terminated(url: str, close: Callable[[], None]) -> None:
    """Print the URL on stdout (the parent reads it), serve until SIGTERM or Ctrl-C, then close."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a plain `kill` stops as cleanly as Ctrl-C
    print(url, flush=True)
    try:
        signal.pause()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        close()
