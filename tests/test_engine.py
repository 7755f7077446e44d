"""The fan-out engine: true concurrency, isolation of failures, cancellation and one place for metrics."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from compare import Comparison, Result
from compare.metrics import StreamMeter
from providers import ModelInfo, Phase, Usage
from providers.events import Chunk, Finish, Status
from tests.engine_helpers import PROTOCOLS, columns, registry_for, run
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

LONG = " ".join(f"word{i}" for i in range(200))


def openai_registry(srv):
    return registry_for(PROTOCOLS["openai"][2](srv.url))


def test_fast_model_finishes_while_slow_one_is_still_streaming():
    per_model = {
        "fast": Behaviour(reply="quick answer here", tokens_per_s=200),
        "slow": Behaviour(reply=LONG, tokens_per_s=100),
    }
    with OpenAIServer(per_model=per_model) as srv:
        order = []

        async def go():
            comparison = Comparison(openai_registry(srv), columns(["openai:fast", "openai:slow"]))
            async for key, _, event in comparison.events():
                if isinstance(event, Result):
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
                async for _, _, event in events:
                    seen += isinstance(event, Chunk)
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
            return [e for _, _, e in [x async for x in comparison.events()]], comparison.results["0"]

        events, result = asyncio.run(go())
    phases = [e.phase for e in events if isinstance(e, Status)]
    assert phases == [Phase.WAITING, Phase.STREAMING]
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["Status", "Status", "Chunk", "Chunk", "Chunk", "Result"]  # streaming is said with the first chunk
    assert isinstance(events[-1], Result) and events[-1].status == Phase.DONE
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
    deltas = [e for batch in batches for _, _, e in batch if isinstance(e, Chunk)]
    assert "".join(d.text for d in deltas) == LONG
    first_batch = next(b for b in batches if any(isinstance(e, Chunk) for _, _, e in b))
    assert any(isinstance(e, Status) and e.phase == Phase.STREAMING for _, _, e in first_batch)
    assert len(batches) < len(deltas) / 5, "200 tokens in ~0.2 s must arrive in a handful of updates"


def test_meter_computes_every_figure_in_one_place():
    # start, queued, loading, two thinking chunks, three answer chunks, finish
    ticks = iter([0.0, 0.5, 1.0, 1.2, 1.6, 2.0, 2.1, 2.3, 2.5])
    info = ModelInfo("x:y", "x", "x:y", True, None, 1000, 1.0, 2.0)
    meter = StreamMeter("0", info, clock=lambda: next(ticks))
    meter.status(Phase.QUEUED)
    meter.status(Phase.LOADING)
    meter.sent = True
    assert meter.chunk("Let me think", thinking=True) and not meter.chunk(" more", thinking=True)
    for piece in ("Hello", " big", " world"):
        meter.chunk(piece)
    meter.finish = Finish("stop", "stop", Usage(100, 11, reasoning_tokens=4))
    result = meter.result(None, ())
    assert result.queue_s == pytest.approx(0.5) and result.load_s == pytest.approx(0.2)
    assert result.ttft_s == pytest.approx(0.5)  # first thinking token at 1.2, minus 0.7 spent queued and loading
    assert result.answer_ttft_s == pytest.approx(1.3)
    assert result.total_s == pytest.approx(2.0)  # the request's own time: the 0.5 s queued is not in it
    assert result.tokens_per_s == pytest.approx(
        11 / (2.3 - 1.2)
    )  # reasoning included, from the first token of any kind
    assert (result.itl_p50_ms, result.itl_p95_ms) == (pytest.approx(150), pytest.approx(195))
    assert (
        result.reasoning == "Let me think more"
        and result.reasoning_tokens == 4
        and result.reasoning_s == pytest.approx(0.8)
    )
    assert result.cost_usd == pytest.approx((100 * 1.0 + 11 * 2.0) / 1e6)
    assert result.tokens_exact and result.text == "Hello big world"
    assert result.status == "done" and result.finish_reason == "stop" and result.warnings == []


def test_meter_marks_unfinished_empty_and_unsent_streams():
    info = ModelInfo("x:y", "x", "x:y", True, None, 1000, 1.0, 2.0)
    never_sent = StreamMeter("0", info).result(None, (), error="x:y is not available: set X in .env")
    assert never_sent.cost_usd is None and never_sent.cost_note == "not sent" and never_sent.status == "error"
    unfinished = StreamMeter("0", info)
    unfinished.sent = True
    unfinished.chunk("partial")
    result = unfinished.result(None, ())
    assert result.status == "warning" and result.finish_reason is None
    assert any("no finish signal" in w for w in result.warnings)
    empty = StreamMeter("0", info)
    empty.finish = Finish("length", "length")
    result = empty.result(None, ())
    assert result.status == "warning" and any("max tokens" in w for w in result.warnings)
    assert any(w == "empty reply" for w in result.warnings)
