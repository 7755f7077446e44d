"""The embedded model's engine starts when the app starts, so the first local run's figures hold no engine start."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from compare import Comparison
from providers import Phase, Status
from tests.appserver import app_py
from tests.engine_helpers import columns
from tests.test_local import fresh_registry


def engine_children(pid: int) -> list[int]:
    """Processes whose parent is `pid` and that run the local engine."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid and b"providers.local.worker" in command:
            found.append(int(entry.name))
    return found


def test_python_app_py_starts_the_local_engine_once_the_page_serves_without_any_run():
    with app_py(until="Running on local URL") as (proc, _):
        deadline = time.monotonic() + 120
        while not engine_children(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert engine_children(proc.pid), "no engine process started after the page began serving"


def test_a_started_engine_leaves_no_start_or_load_in_the_first_runs_figures():
    registry = fresh_registry()
    registry.providers["local"].start_engines_in_background().join(120)

    async def first_run():
        comparison = Comparison(registry, columns(["local:smollm2"], prompt="Name a colour.", max_tokens=8))
        phases = [e.phase async for _, _, e in comparison.events() if isinstance(e, Status)]
        return phases, comparison.results["0"]

    phases, result = asyncio.run(first_run())
    assert result.error is None and result.text.strip()
    assert Phase.LOADING not in phases, "the engine process, weights and contexts were ready before the run"
    assert result.load_s is None and result.queue_s is None
