"""The embedded llama.cpp provider against the real SmolLM2 model."""

from __future__ import annotations

import asyncio
import contextlib
import time

from compare import Comparison
from providers import Phase, Registry
from providers.events import Chunk, Status
from providers.settings import smollm2_path
from tests.conftest import make_settings
from tests.engine_helpers import columns, run


def fresh_registry(tmp_path=None, config=None) -> Registry:
    return Registry(make_settings({}, tmp_path, config))


def test_first_run_reports_load_time_apart_from_first_token_and_exact_tokens():
    registry = fresh_registry()
    (first,) = run(registry, columns(["local:smollm2"], prompt="Name a colour.", max_tokens=16, seed=1))
    (second,) = run(registry, columns(["local:smollm2"], prompt="Name a colour.", max_tokens=16, seed=1))
    assert first.error is None and first.text.strip()
    assert first.load_s is not None and first.load_s > 0, "loading the weights is reported separately"
    assert second.load_s is None, "the model is loaded once and kept"
    assert first.tokens_exact and 0 < first.output_tokens <= 16
    assert first.input_tokens == second.input_tokens > 5
    assert first.text == second.text, "same seed, same prompt, same reply"


def test_two_columns_on_one_model_decode_together_without_queueing():
    registry = fresh_registry()

    async def go():
        comparison = Comparison(registry, columns(["local:smollm2", "local:smollm2"], max_tokens=12, temperature=0))
        events = [x async for x in comparison.events()]
        return events, comparison.results

    events, results = asyncio.run(go())
    assert not [key for key, _, e in events if isinstance(e, Status) and e.phase == Phase.QUEUED]
    assert results["0"].queue_s is None and results["1"].queue_s is None
    assert results["0"].text == results["1"].text, "temperature 0 is greedy: identical replies"


def test_stop_ends_local_decoding_promptly():
    registry = fresh_registry()
    runtime = registry.providers["local"].runtimes["smollm2"]

    async def go():
        comparison = Comparison(
            registry, columns(["local:smollm2"], prompt="Write a long story about a dragon.", max_tokens=2000)
        )
        async with contextlib.aclosing(comparison.events()) as events:
            deltas = 0
            async for _, _, event in events:
                deltas += isinstance(event, Chunk)
                if deltas == 5:
                    break
        return comparison.results["0"]

    result = asyncio.run(go())
    assert result.stopped
    deadline = time.monotonic() + 10
    while not runtime.stats()["idle"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert runtime.stats()["idle"], "the decode loop dropped the stopped sequence"
    assert len(result.text) < 400


def test_prompt_over_the_window_is_a_clear_error(tmp_path):
    config = f'[[local]]\nname = "tiny"\npath = "{smollm2_path()}"\nn_ctx = 256\n'
    registry = fresh_registry(tmp_path, config)
    [result] = run(registry, columns(["local:tiny"], prompt="token " * 400))
    assert "window of 256" in result.error
    assert result.text == ""


def test_missing_gguf_file_is_unavailable_with_the_path(tmp_path):
    config = f'[[local]]\nname = "ghost"\npath = "{tmp_path}/ghost.gguf"\n'
    registry = fresh_registry(tmp_path, config)
    [result] = run(registry, columns(["local:ghost"]))
    assert "model file not found" in result.error and "ghost.gguf" in result.error
