"""Ctrl-C on the command line: stop what runs (closing upstream streams) and let it print what it had."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable


def stop_on_ctrl_c(cancel: Callable[[], Awaitable[object]]) -> asyncio.Event:
    """Route Ctrl-C to `cancel()`; the returned event says it happened (the command then exits 130)."""
    interrupted = asyncio.Event()

    def stop() -> None:
        interrupted.set()
        asyncio.ensure_future(cancel())

    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop)
    except (NotImplementedError, RuntimeError):  # no signal handlers on this platform or thread
        pass
    return interrupted
