"""Two-step pipelines over the real engine and SDK, against the fake OpenAI server."""

from __future__ import annotations

import asyncio

import pytest

from compare import Result
from compare.pipeline import PipelineDone, PipelineRun, PipelineSpec, StepSpec, render_template
from providers import Sampling, Settings
from providers.events import Chunk
from providers.registry import Registry
from tests.conftest import make_settings
from tests.engine_helpers import CATALOG_PRICES
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import DEFAULT_REPLY, Behaviour

STEPS = [StepSpec("You summarize.", "{input}"), StepSpec("Translate to Spanish.", "{previous}")]
SPANISH = "Esto es una traducción con {llaves} y $1 \\1."


def registry_for(srv) -> Registry:
    return Registry(
        Settings.load(
            env={"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.url + "/v1"},
            dotenv_path=None,
            config_path=CATALOG_PRICES,
        )
    )


def requests_for(srv, model: str) -> list:
    return [r for r in srv.requests if r.path.endswith("/chat/completions") and r.body["model"] == model]


def test_step_two_receives_exactly_step_one_output_and_totals_are_sums():
    with OpenAIServer(per_model={"translator": Behaviour(reply=SPANISH)}) as srv:
        run = PipelineRun(
            registry_for(srv),
            [PipelineSpec("a", ("openai:gpt-4o-mini", "openai:translator"))],
            STEPS,
            "Summarize: tokens are pieces of words.",
            sampling=Sampling(max_tokens=100),
        )
        [result] = asyncio.run(run.run())
        step1, step2 = result.steps
        assert step1.text == DEFAULT_REPLY and step2.text == SPANISH and result.text == SPANISH
        assert result.complete and result.error is None
        assert srv.requests[-1].body["model"] == "translator"
        assert srv.requests[-1].body["messages"] == [
            {"role": "system", "content": "Translate to Spanish."},
            {"role": "user", "content": step1.text},
        ]
        first = requests_for(srv, "gpt-4o-mini")[0].body["messages"]
        assert first[-1] == {"role": "user", "content": "Summarize: tokens are pieces of words."}
    totals = result.totals()
    assert totals["input_tokens"] == step1.input_tokens + step2.input_tokens
    assert totals["output_tokens"] == step1.output_tokens + step2.output_tokens
    assert totals["total_s"] == pytest.approx(step1.total_s + step2.total_s)
    assert totals["tokens_exact"] is True
    assert step1.cost_usd > 0 and step2.cost_usd is None and totals["cost_usd"] is None  # translator has no price
    assert result.to_json()["totals"] == totals


def test_known_costs_add_up():
    with OpenAIServer() as srv:
        spec = PipelineSpec("p", ("openai:gpt-4o-mini", "openai:gpt-4o"))
        [result] = asyncio.run(PipelineRun(registry_for(srv), [spec], STEPS, "Summarize this.").run())
    assert result.totals()["cost_usd"] == pytest.approx(sum(r.cost_usd for r in result.steps))


def test_step_one_failure_ends_only_that_pipeline():
    per_model = {"broken": Behaviour(fault="500"), "translator": Behaviour(reply=SPANISH)}
    with OpenAIServer(per_model=per_model) as srv:
        pipelines = [
            PipelineSpec("bad", ("openai:broken", "openai:translator")),
            PipelineSpec("good", ("openai:drafter", "openai:translator")),
        ]
        run = PipelineRun(registry_for(srv), pipelines, STEPS, "Summarize this.")

        async def collect():
            return [item async for item in run.events()]

        events = asyncio.run(collect())
        translator_calls = requests_for(srv, "translator")
    bad, good = run.results["bad"], run.results["good"]
    assert len(bad.steps) == 1 and "500" in bad.steps[0].error and bad.error.startswith("step 1:")
    assert not bad.complete and bad.text == ""
    assert good.complete and good.text == SPANISH
    assert len(translator_calls) == 1 and translator_calls[0].body["messages"][-1]["content"] == DEFAULT_REPLY
    assert not any(key == "bad" and step == 1 for key, step, _ in events)
    done = [e for _, step, e in events if isinstance(e, PipelineDone)]
    assert {d.result.key for d in done} == {"bad", "good"} and all(
        step is None for _, step, e in events if isinstance(e, PipelineDone)
    )


def test_events_are_tagged_by_pipeline_and_step_in_order():
    with OpenAIServer(Behaviour(tokens_per_s=500)) as srv:
        run = PipelineRun(registry_for(srv), [PipelineSpec("x", ("openai:a", "openai:b"))], STEPS, "Hi")

        async def collect():
            out = []
            async for batch in run.batches(0.05):
                out.extend(batch)
            return out

        events = asyncio.run(collect())
    steps = [step for _, step, e in events if not isinstance(e, PipelineDone)]
    assert steps == sorted(steps) and set(steps) == {0, 1}
    finished = [(step, e.text) for _, step, e in events if isinstance(e, Result)]
    assert [s for s, _ in finished] == [0, 1]
    streamed = "".join(e.text for _, step, e in events if isinstance(e, Chunk) and step == 1)
    assert streamed == DEFAULT_REPLY


@pytest.mark.parametrize("stop_at_step", [0, 1])
def test_cancel_stops_both_steps(stop_at_step):
    slow = Behaviour(tokens_per_s=20)
    with OpenAIServer(Behaviour(tokens_per_s=0), per_model={"slow1": slow, "slow2": slow}) as srv:
        models = ("openai:slow1", "openai:fast2") if stop_at_step == 0 else ("openai:fast1", "openai:slow2")
        run = PipelineRun(registry_for(srv), [PipelineSpec("p", models)], STEPS, "Summarize this.")

        async def stop_after_first_tokens():
            async for _, step, event in run.events():
                if isinstance(event, Chunk) and step == stop_at_step:
                    await run.cancel()
                    break

        asyncio.run(stop_after_first_tokens())
        assert srv.disconnected.wait(5)
        called = {r.body["model"] for r in srv.requests if r.path.endswith("/chat/completions")}
    result = run.results["p"]
    assert len(result.steps) == stop_at_step + 1
    assert result.steps[-1].stopped and result.stopped and not result.complete
    assert result.steps[-1].text  # partial reply kept
    assert ("fast2" in called) is False if stop_at_step == 0 else "slow2" in called


def test_closing_the_event_stream_cancels():
    with OpenAIServer(Behaviour(tokens_per_s=20)) as srv:
        run = PipelineRun(registry_for(srv), [PipelineSpec("p", ("openai:a", "openai:b"))], STEPS, "Hi")

        async def first_delta_then_close():
            stream = run.events()
            async for _, _, event in stream:
                if isinstance(event, Chunk):
                    break
            await stream.aclose()

        asyncio.run(first_delta_then_close())
        assert srv.disconnected.wait(5)
    assert run.results["p"].stopped and len(run.results["p"].steps) == 1


def test_unknown_model_fails_step_one_cleanly():
    run = PipelineRun(Registry(make_settings()), [PipelineSpec("p", ("garbage", "local:smollm2"))], STEPS, "Hi")
    [result] = asyncio.run(asyncio.wait_for(run.run(), 10))
    assert len(result.steps) == 1 and "provider:model" in result.error


def test_template_filling():
    assert render_template("{previous}", "in", "out {input}") == "out {input}"
    assert render_template("{input}", "text", "") == "text"
    assert render_template("Translate to Spanish:", "in", "Hello") == "Translate to Spanish:\n\nHello"
    assert render_template("Q: {input}\nA: {previous}", "q", "a") == "Q: q\nA: a"
    with pytest.raises(ValueError):
        PipelineRun(None, [PipelineSpec("p", ("a:b",))], STEPS, "x")


def test_page_validation_caps_and_totals_line():
    from compare.pipeline import PipelineResult
    from compare.pipeline_request import build_pipeline_request
    from compare.validate import InputError
    from tests.appserver import ISOLATION_ENV
    from ui.context import PageContext
    from ui.tabs.pipeline import totals_line
    from ui.web.safety import PageOptions

    def parse_pipeline_inputs(ctx, prompt, step1_system, step2_system, step2_prompt, temperature, max_tokens, pairs):
        raw = {
            "prompt": prompt,
            "step1_system": step1_system,
            "step2_system": step2_system,
            "step2_prompt": step2_prompt,
            "temperature": temperature,
            "max_tokens": max_tokens,
            "step1_models": [a for a, _ in pairs],
            "step2_models": [b for _, b in pairs],
        }
        checked = build_pipeline_request(raw, ctx.registry, ctx.request_check())
        return checked.steps, checked.pipelines, {"max_tokens": checked.sampling.max_tokens}

    ctx = PageContext.create(make_settings(ISOLATION_ENV), PageOptions(demo_caps=True, max_models=2, max_tokens_cap=64))
    local = ("local:smollm2", "local:smollm2")
    steps, specs, params = parse_pipeline_inputs(ctx, "Hi", "s1", "s2", "", 0.7, None, [local])
    assert params["max_tokens"] == 64 and steps[1].template == "{previous}" and specs[0].models == local
    for args, message in [
        (("", 0.7, 10, [local]), "prompt is empty"),
        (("Hi", 0.7, 100, [local]), "Max tokens"),
        (("Hi", 0.7, 10, [local] * 3), "between 1 and 2 pipelines"),
        (("Hi", 0.7, 10, [("local:smollm2", "")]), "needs a model for both steps"),
        (("Hi", 0.7, 10, [("nope:x", "local:smollm2")]), "Unknown model"),
        (("Hi", 0.7, 10, [("openai:gpt-4o", "local:smollm2")]), "OPENAI_API_KEY"),
    ]:
        prompt, temperature, max_tokens, pairs = args
        with pytest.raises(InputError, match=message):
            parse_pipeline_inputs(ctx, prompt, "", "", "{previous}", temperature, max_tokens, pairs)
    with OpenAIServer() as srv:
        [result] = asyncio.run(
            PipelineRun(registry_for(srv), [PipelineSpec("p", ("openai:gpt-4o-mini", "openai:x"))], STEPS, "Hi").run()
        )
    line = totals_line(result)
    assert "Pipeline total (done)" in line and "cost unknown" in line
    assert f"out {result.totals()['output_tokens']}" in line and " + " in line
    assert totals_line(PipelineResult("q", ("a:b", "c:d"))) == ""
    estimated = PipelineResult("e", ("a:b",), [Result("e/0", "a:b", input_tokens=5, output_tokens=7, total_s=1.0)])
    assert "in \\~5 · out \\~7" in totals_line(estimated)  # no "~5 · out ~" strikethrough in Markdown
