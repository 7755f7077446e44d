"""The fan-out engine: true concurrency, isolation of failures, cancellation and one place for metrics."""
from __future__ import annotations

import asyncio
import contextlib

import pytest

from compare import Comparison, Delta, Finished, StateChange
from compare.metrics import StreamMeter
from providers import ModelInfo, Phase, Usage
from tests.engine_helpers import PROTOCOLS, columns, registry_for, run
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

LONG = " ".join(f"word{i}" for i in range(200))


def openai_registry(srv):
    return registry_for(PROTOCOLS["openai"][2](srv.url))


def test_fast_model_finishes_while_slow_one_is_still_streaming():
    per_model = {"fast": Behaviour(reply="quick answer here", tokens_per_s=200),
                 "slow": Behaviour(reply=LONG, tokens_per_s=100)}
    with OpenAIServer(per_model=per_model) as srv:
        order = []

        async def go():
            comparison = Comparison(openai_registry(srv), columns(["openai:fast", "openai:slow"]))
            async for key, event in comparison.events():
                if isinstance(event, Finished):
                    order.append((key, srv.active_streams))
            return comparison.results

        results = asyncio.run(go())
        assert srv.peak_streams == 2, "both streams must be open at the same time"
    assert order[0] == ("0", 1), "the fast model finished while the slow stream was still open"
    assert results["0"].total_s < results["1"].total_s / 3
    assert results["1"].text == LONG


def test_one_failing_model_does_not_break_the_others():
    per_model = {"broken": Behaviour(fault="500"), "cut": Behaviour(fault="cut", cut_after=2)}
    with OpenAIServer(Behaviour(reply="fine reply"), per_model=per_model) as srv:
        ok, broken, cut = run(openai_registry(srv), columns(["openai:ok", "openai:broken", "openai:cut"]))
    assert ok.error is None and ok.text == "fine reply"
    assert "HTTP 500" in broken.error
    assert "cut mid-stream" in cut.error and cut.text


def test_cancel_closes_the_upstream_connection_and_keeps_partial_text():
    with OpenAIServer(Behaviour(reply=LONG, tokens_per_s=20)) as srv:
        async def go():
            comparison = Comparison(openai_registry(srv), columns(["openai:m"]))
            seen = 0
            async with contextlib.aclosing(comparison.events()) as events:
                async for _, event in events:
                    seen += isinstance(event, Delta)
                    if seen == 3:
                        break  # closing the generator cancels every stream
            return comparison.results["0"]

        result = asyncio.run(go())
        assert srv.disconnected.wait(5), "the fake server must see the client hang up"
    assert result.stopped and result.error is None
    assert result.text.startswith("word0 word1 word2")
    assert result.total_s is not None


def test_states_and_time_to_first_token_are_measured_from_the_first_text():
    with OpenAIServer(Behaviour(reply="a b c", first_token_delay_s=0.3, tokens_per_s=50)) as srv:
        async def go():
            comparison = Comparison(openai_registry(srv), columns(["openai:m"]))
            return [e for _, e in [x async for x in comparison.events()]], comparison.results["0"]

        events, result = asyncio.run(go())
    phases = [e.phase for e in events if isinstance(e, StateChange)]
    assert phases == [Phase.WAITING, Phase.STREAMING, Phase.DONE]
    assert [e.first for e in events if isinstance(e, Delta)] == [True, False, False]
    assert isinstance(events[-1], Finished)
    assert result.ttft_s >= 0.3  # lower bound from the server's own delay
    assert result.tokens_per_s is not None and result.tokens_per_s > 0


def test_prompt_longer_than_context_window_is_refused_before_sending():
    with OpenAIServer() as srv:
        [result] = run(openai_registry(srv), columns(["openai:gpt-3.5-turbo"], prompt="hello " * 20000))
        assert srv.requests == []
    assert "16,385-token context window" in result.error


def test_unavailable_and_unknown_models_error_in_their_own_column():
    with OpenAIServer(Behaviour(reply="ok")) as srv:
        registry = registry_for({"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.url + "/v1"})
        ok, no_key, unknown = run(registry, columns(["openai:m", "anthropic:claude-3-5-haiku-latest", "nope:x"]))
    assert ok.text == "ok"
    assert "set ANTHROPIC_API_KEY" in no_key.error
    assert "unknown provider 'nope'" in unknown.error


def test_batches_coalesce_deltas_but_send_first_token_at_once():
    with OpenAIServer(Behaviour(reply=LONG, tokens_per_s=1000)) as srv:
        async def go():
            comparison = Comparison(openai_registry(srv), columns(["openai:m"]))
            return [batch async for batch in comparison.batches(interval=0.1)]

        batches = asyncio.run(go())
    deltas = [e for batch in batches for _, e in batch if isinstance(e, Delta)]
    assert "".join(d.text for d in deltas) == LONG
    first_batch = next(b for b in batches if any(isinstance(e, Delta) for _, e in b))
    assert [e for _, e in first_batch if isinstance(e, Delta)][0].first
    assert len(batches) < len(deltas) / 5, "200 tokens in ~0.2 s must arrive in a handful of updates"


def test_meter_computes_every_figure_in_one_place():
    ticks = iter([0.0, 0.5, 1.0, 1.2, 2.2, 2.5])  # start, queued, loading, first token, last token, finish
    info = ModelInfo("x:y", "x", "x:y", True, None, 1000, 1.0, 2.0)
    meter = StreamMeter("0", info, clock=lambda: next(ticks))
    meter.status(Phase.QUEUED)
    meter.status(Phase.LOADING)
    meter.delta("Hello")
    meter.delta(" world")
    meter.record_usage(Usage(100, 11))
    result = meter.finish(None, ())
    assert result.queue_s == pytest.approx(0.5) and result.load_s == pytest.approx(0.2)
    assert result.ttft_s == pytest.approx(0.5)  # 1.2 - 0.0 minus 0.7 spent queued and loading
    assert result.total_s == pytest.approx(2.5)
    assert result.tokens_per_s == pytest.approx(11 / 1.0)
    assert result.cost_usd == pytest.approx((100 * 1.0 + 11 * 2.0) / 1e6)
    assert result.tokens_exact and result.text == "Hello world"
