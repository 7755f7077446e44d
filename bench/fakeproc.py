"""Start a fake wire-protocol server as a separate process (keeps its GIL out of the measurement)."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def fake_server(*args: str):
    """Yield the root URL of `python -m tests.fakes.serve ARGS`; stop it afterwards."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.serve", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(5)
