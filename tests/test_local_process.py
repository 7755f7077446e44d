"""The embedded engine's own process: killed mid-run, its columns end with the reason and the next run works."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import pytest

from compare import Comparison
from providers.events import Chunk
from providers.local.runtime import CRASH_LIMIT, CRASH_WINDOW, LocalRuntime
from providers.settings import LocalModel, smollm2_path
from tests.arena_helpers import wait_for
from tests.engine_helpers import columns, run
from tests.test_local import fresh_registry

TWO_MODELS = f'[[local]]\nname = "a"\npath = "{smollm2_path()}"\n\n[[local]]\nname = "b"\npath = "{smollm2_path()}"\n'
LONG = dict(prompt="Write a long story about a dragon.", max_tokens=120, temperature=0.7, seed=3)


def run_killing(registry, cols, victim: LocalRuntime, sig: int, after_deltas: int = 5):
    """Run a comparison; once the victim's column has streamed a few deltas, send its engine process `sig`."""

    async def go():
        comparison = Comparison(registry, cols)
        deltas, killed = 0, False
        async for key, _, event in comparison.events():
            if key == "0" and isinstance(event, Chunk):
                deltas += 1
                if deltas == after_deltas and not killed:
                    os.kill(victim.pid, sig)
                    killed = True
        return [comparison.results[c.key] for c in cols]

    return asyncio.run(asyncio.wait_for(go(), 60))


@pytest.mark.parametrize("sig, words", [(signal.SIGSEGV, "signal 11, SIGSEGV"), (signal.SIGKILL, "signal 9, SIGKILL")])
def test_a_killed_engine_ends_its_column_with_the_reason_keeping_its_text_and_spares_the_other_model(
    tmp_path, sig, words
):
    registry = fresh_registry(tmp_path, TWO_MODELS)
    runtimes = registry.providers["local"].runtimes
    first = runtimes["a"]
    killed, spared = run_killing(registry, columns(["local:a", "local:b"], **LONG), first, sig)
    assert f"the local engine stopped ({words}" in killed.error and "and was restarted" in killed.error
    assert killed.text.strip(), "what streamed before the crash stays on the page"
    assert spared.error is None and spared.finish_reason == "length", "the other model's process carried on"
    [again] = run(registry, columns(["local:a"], prompt="Name a colour.", max_tokens=8))
    assert again.error is None and again.text.strip(), "the next run gets a fresh engine"
    assert registry.providers["local"].model_reason("a") is None


def test_three_crashes_within_a_minute_make_the_model_unavailable_until_the_minute_passes():
    now = [1000.0]
    runtime = LocalRuntime(LocalModel("smollm2", smollm2_path()), clock=lambda: now[0])
    for crash in range(CRASH_LIMIT):
        runtime.warm()
        pid = runtime.pid
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda pid=pid: runtime.last_exit is not None and runtime.pid != pid, f"crash {crash + 1} noticed")
        now[0] += 1
    reason = runtime.unavailable_reason()
    assert reason and "stopped 3 times within a minute" in reason and "signal 9, SIGKILL" in reason
    assert runtime.pid is None, "no restart while it keeps crashing"
    with pytest.raises(Exception, match="3 times within a minute"):
        runtime.tokenize("hello")
    now[0] += CRASH_WINDOW
    assert runtime.unavailable_reason() is None
    assert runtime.tokenize("hello"), "after the minute a fresh engine serves again"


def test_the_crash_loop_reason_reaches_the_column_and_the_model_list(tmp_path):
    registry = fresh_registry(tmp_path, TWO_MODELS)
    runtime = registry.providers["local"].runtimes["a"]
    for _ in range(CRASH_LIMIT):
        runtime.warm()
        pid = runtime.pid
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda pid=pid: runtime.pid != pid, "the death noticed")
    [result, other] = run(registry, columns(["local:a", "local:b"], prompt="Name a colour.", max_tokens=4))
    assert "unavailable for a minute" in result.error
    assert other.error is None
    assert "unavailable for a minute" in registry.unusable_reason("local:a")
    assert registry.unusable_reason("local:b") is None


def test_the_server_process_never_loads_llama_cpp():
    script = (
        "import sys\n"
        "from tests.engine_helpers import columns, run\n"
        "from tests.test_local import fresh_registry\n"
        "from compare.tokenview import tokenize\n"
        "registry = fresh_registry()\n"
        "[r] = run(registry, columns(['local:smollm2'], max_tokens=4))\n"
        "assert r.error is None and r.text, r.error\n"
        "assert tokenize('hello world', 'local:smollm2', registry).count > 0\n"
        "print('llama_cpp' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_the_page_server_survives_a_crashing_engine_and_the_next_run_works(tmp_path):
    from tests.appserver import AppServer, api_client

    config = tmp_path / "compare.toml"
    config.write_text(TWO_MODELS)
    with AppServer({"COMPARE_CONFIG": str(config)}) as app, api_client(app.url) as client:
        runtime = app.ctx.registry.providers["local"].runtimes["a"]
        job = client.submit(LONG["prompt"], "Be brief.", ["local:a", "local:b"], 0.7, 120, api_name="/compare")
        wait_for(lambda: runtime.pid is not None and not runtime.stats()["idle"], "the engine decoding")
        os.kill(runtime.pid, signal.SIGSEGV)
        crashed = {r["model"]: r for r in job.result(timeout=60)["results"]}
        assert "the local engine stopped (signal 11, SIGSEGV) and was restarted" in crashed["local:a"]["error"]
        assert crashed["local:b"]["error"] is None and crashed["local:b"]["text"].strip()
        again = client.predict("Name a colour.", "", ["local:a"], 0.0, 8, api_name="/compare")["results"][0]
        assert again["error"] is None and again["text"].strip()


def test_the_engine_process_gets_no_credentials(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-never-in-the-engine")
    monkeypatch.setenv("DATABASE_URL", "postgresql://user:pw@127.0.0.1/db")
    runtime = LocalRuntime(LocalModel("smollm2", smollm2_path()))
    runtime.warm()
    with open(f"/proc/{runtime.pid}/environ", "rb") as env:
        names = {entry.split(b"=", 1)[0] for entry in env.read().split(b"\0") if entry}
    assert b"OPENAI_API_KEY" not in names and b"DATABASE_URL" not in names
    assert b"PATH" in names, "the rest of the environment is passed on"


def test_a_runtime_that_is_dropped_ends_its_engine_process_and_the_next_engine_is_undisturbed():
    # The finaliser ends an engine from whatever thread collects the runtime, while the engine's reader is inside
    # recv(): closing the descriptor under it left the process running for ever (the blocked read kept the socket
    # open) and let the next engine's socket take the same number, whose bytes the old reader could steal.
    import gc

    def gone(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    for round_ in range(3):
        runtime = LocalRuntime(LocalModel("smollm2", smollm2_path()))
        assert runtime.tokenize("Hello there"), f"round {round_}: the engine answers"
        pid = runtime.pid
        del runtime
        gc.collect()
        wait_for(lambda pid=pid: gone(pid), f"round {round_}: the dropped runtime's engine process exits")
