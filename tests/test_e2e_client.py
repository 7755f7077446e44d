"""End to end via gradio_client: the running app's /compare endpoint against fake servers and the real local model."""

from __future__ import annotations

import time
from datetime import datetime

import genai_prices
import httpx
import pytest
from gradio_client.exceptions import AppError

from providers import prices
from tests.appserver import AppServer
from tests.engine_helpers import CATALOG_PRICES
from tests.fakes.anthropic_server import AnthropicServer
from tests.fakes.behaviour import DEFAULT_REPLY
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

OPENAI_KEY = "sk-test-SECRET-1234567890"
ANTHROPIC_KEY = "sk-ant-test-SECRET-0987654321"
SECRETS = (OPENAI_KEY, ANTHROPIC_KEY, "SECRET-1234567890", "SECRET-0987654321")

SLOW_REPLY = " ".join(f"slow{i}" for i in range(40))  # 40 chunks at 20/s: 2 s of streaming
LONG_REPLY = " ".join(f"long{i}" for i in range(600))  # 30 s at 20/s: only ever cancelled
MINI_IN, MINI_OUT = 1000, 2000  # reported usage for openai:gpt-4o-mini (catalog: $0.15 / $0.60 per million), disputed


class KeyEchoingOpenAIServer(OpenAIServer):
    """The OpenAI fake, plus a model "echo-401" answered like a careless server: a 401 that quotes the key back."""

    def handle(self, h, req):
        body = req.body if isinstance(req.body, dict) else {}
        if req.method == "POST" and req.path == "/v1/chat/completions" and body.get("model") == "echo-401":
            key = req.headers.get("authorization", "").removeprefix("Bearer ").strip()
            message = f"Incorrect API key provided: {key}. You can find your API key at https://example.invalid/keys."
            h.send_json(401, self.error_body(401, message))
            return
        super().handle(h, req)


@pytest.fixture(scope="module")
def openai_fake():
    per_model = {
        "gpt-4o-mini": Behaviour(input_tokens=MINI_IN, output_tokens=MINI_OUT),
        "slow-a": Behaviour(reply=SLOW_REPLY, tokens_per_s=20),
        "slow-b": Behaviour(reply=SLOW_REPLY, tokens_per_s=20),
        "fast": Behaviour(reply="quick answer"),
        "long": Behaviour(reply=LONG_REPLY, tokens_per_s=20),
        "fault-500": Behaviour(fault="500"),
        "fault-401": Behaviour(fault="401"),
        "fault-cut": Behaviour(fault="cut", cut_after=3),
        "thinker": Behaviour(reply="Four.", reasoning="Two and two make four.", reasoning_field="reasoning_content"),
    }
    with KeyEchoingOpenAIServer(Behaviour(), per_model=per_model) as srv:
        yield srv


@pytest.fixture(scope="module")
def anthropic_fake():
    with AnthropicServer(Behaviour(reply="Anthropic fake says hello.")) as srv:
        yield srv


@pytest.fixture(scope="module")
def app(openai_fake, anthropic_fake):
    env = {
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": openai_fake.url + "/v1",
        "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
        "ANTHROPIC_BASE_URL": anthropic_fake.url,
        "COMPARE_CONFIG": str(CATALOG_PRICES),
    }
    with AppServer(env) as running:
        yield running


def compare(client, models, prompt="Say hello in five words.", system="Be brief.", temperature=0.7, max_tokens=32):
    """Call /compare and return {model id: result}."""
    out = client.predict(prompt, system, models, temperature, max_tokens, api_name="/compare")
    assert [r["model"] for r in out["results"]] == models
    return {r["model"]: r for r in out["results"]}


def assert_clean_message(message: str) -> None:
    """A message for people: one or two sentences, no traceback, no key."""
    assert message and message.strip()
    assert "Traceback" not in message and 'File "' not in message, message
    assert len(message) < 600, message
    for secret in SECRETS:
        assert secret not in message


# --- (a) replies and metrics ---------------------------------------------------------------------------------


def test_fake_reply_exact_usage_and_catalog_cost_and_local_model(client, openai_fake):
    openai_fake.reset()
    results = compare(client, ["openai:gpt-4o-mini", "local:smollm2"])

    fake = results["openai:gpt-4o-mini"]
    assert fake["error"] is None and not fake["stopped"]
    assert fake["text"] == DEFAULT_REPLY  # every streamed word arrives, in order, nothing added
    # The server reports far more than this short exchange can be: shown, billed as reported, but not called exact.
    assert fake["tokens_exact"] is False and fake["tokens_source"] == "disputed"
    assert (fake["input_tokens"], fake["output_tokens"]) == (MINI_IN, MINI_OUT)
    assert 10 < fake["local_input_tokens"] < 40 and 30 < fake["local_output_tokens"] < 70
    assert any(w.startswith("disputed output count: the server says 2,000") for w in fake["warnings"])
    usage = genai_prices.Usage(input_tokens=MINI_IN, output_tokens=MINI_OUT)
    when = datetime.fromisoformat(fake["started_at"])
    priced = genai_prices.calc_price(usage, "gpt-4o-mini", provider_id="openai", genai_request_timestamp=when)
    assert fake["cost_usd"] == float(priced.total_price) > 0 and fake["price_source"] == prices.label()
    assert 0 < fake["ttft_s"] <= fake["total_s"]
    sent = [r for r in openai_fake.requests if r.path == "/v1/chat/completions"][-1]
    assert sent.body["model"] == "gpt-4o-mini" and sent.body["max_tokens"] == 32
    assert sent.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say hello in five words."},
    ]
    assert sent.headers["authorization"] == f"Bearer {OPENAI_KEY}"

    local = results["local:smollm2"]
    assert local["error"] is None
    assert local["text"].strip()
    assert local["tokens_exact"] is True
    assert local["input_tokens"] > 0 and 0 < local["output_tokens"] <= 32
    assert local["cost_usd"] == 0.0
    assert 0 < local["ttft_s"] <= local["total_s"]


def test_two_providers_in_one_call(client, anthropic_fake):
    results = compare(client, ["anthropic:claude-fake", "openai:fast"])
    assert results["anthropic:claude-fake"]["text"] == "Anthropic fake says hello."
    assert results["anthropic:claude-fake"]["tokens_exact"] is True
    assert results["openai:fast"]["text"] == "quick answer"
    assert anthropic_fake.requests[-1].body["system"] == "Be brief."


def test_reasoning_level_and_thinking_through_the_api(client, openai_fake):
    out = client.predict("What is 2+2?", "", ["openai:thinker"], 0.7, 32, "medium", api_name="/compare")
    [r] = out["results"]
    assert (r["text"], r["reasoning"], r["finish_reason"], r["status"]) == (
        "Four.",
        "Two and two make four.",
        "stop",
        "done",
    )
    assert r["reasoning_tokens"] > 0 and r["tokens_source"] == "reported" and r["answer_ttft_s"] >= r["ttft_s"]
    assert {"itl_p50_ms", "itl_p95_ms", "warnings"} <= set(r)
    sent = [q for q in openai_fake.requests if q.body and q.body.get("model") == "thinker"][-1].body
    assert sent["reasoning_effort"] == "medium"
    with pytest.raises(AppError) as bad:
        client.predict("hi", "", ["openai:thinker"], 0.7, 32, "maximum", api_name="/compare")
    assert "Reasoning must be one of default, off, low, medium, high" in str(bad.value)


# --- (b) concurrency -----------------------------------------------------------------------------------------


def test_columns_stream_concurrently(client, openai_fake):
    openai_fake.reset()
    start = time.perf_counter()
    results = compare(client, ["openai:slow-a", "openai:slow-b", "openai:fast"])
    wall = time.perf_counter() - start
    slow_a, slow_b, fast = results["openai:slow-a"], results["openai:slow-b"], results["openai:fast"]
    assert slow_a["text"] == SLOW_REPLY and slow_b["text"] == SLOW_REPLY and fast["text"] == "quick answer"

    # The fast column is not held back by the slow ones...
    assert fast["total_s"] < 0.25 * min(slow_a["total_s"], slow_b["total_s"]), (fast["total_s"], slow_a["total_s"])
    # ...and the call lasts about as long as its slowest column, not the sum of all three.
    serial = slow_a["total_s"] + slow_b["total_s"] + fast["total_s"]
    assert wall >= max(slow_a["total_s"], slow_b["total_s"])
    assert wall < 0.75 * serial, (wall, serial)
    assert openai_fake.peak_streams >= 2


# --- (c) one failing model among working ones ----------------------------------------------------------------


@pytest.mark.parametrize(
    "model, expected",
    [
        ("openai:fault-500", "OpenAI (HTTP 500): the server had an internal error; try again"),
        ("openai:fault-401", "OpenAI (HTTP 401): the API key was rejected; check OPENAI_API_KEY"),
        ("openai:fault-cut", "connection was cut mid-stream"),
    ],
)
def test_one_failing_model_does_not_spoil_the_others(client, model, expected):
    results = compare(client, ["openai:fast", model, "anthropic:claude-fake"])
    failed = results[model]
    assert expected in failed["error"], failed["error"]
    assert_clean_message(failed["error"])
    assert results["openai:fast"]["error"] is None and results["openai:fast"]["text"] == "quick answer"
    assert results["anthropic:claude-fake"]["error"] is None
    assert results["anthropic:claude-fake"]["text"] == "Anthropic fake says hello."


# --- (d) bad input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, expected",
    [
        (("", "", ["openai:fast"], 0.7, 32), "The prompt is empty"),
        (("   \n", "", ["openai:fast"], 0.7, 32), "The prompt is empty"),
        (("hi", "", ["nosuch:model"], 0.7, 32), "Unknown model: unknown provider 'nosuch'"),
        (("hi", "", ["gpt-4o"], 0.7, 32), "should look like provider:model"),
        (("hi", "", ["local:nope"], 0.7, 32), "unknown local model 'local:nope'"),
        (("hi", "", [], 0.7, 32), "No models chosen"),
        (("hi", "", ["openai:fast"], 5, 32), "Temperature must be between 0 and 2 (got 5)"),
        (("hi", "", ["openai:fast"], 0.7, 0), "Max tokens must be a whole number"),
        (("hi", "", ["openai:fast"], 0.7, 32, None, None, 11), "repeat must be a whole number from 1 to 10"),
        (("hi", "", ["openai:fast"], 0.7, 32, None, None, 1, "sometimes"), 'same_server must be one of "together"'),
    ],
    ids=[
        "empty",
        "blank",
        "unknown-provider",
        "no-provider",
        "unknown-local",
        "no-models",
        "temperature-5",
        "max-tokens-0",
        "repeat-11",
        "same-server",
    ],
)
def test_bad_input_gives_a_clear_error(client, openai_fake, args, expected):
    openai_fake.reset()
    with pytest.raises(AppError) as caught:
        client.predict(*args, api_name="/compare")
    assert expected in str(caught.value), str(caught.value)
    assert_clean_message(str(caught.value))
    assert not [r for r in openai_fake.requests if r.path == "/v1/chat/completions"], "bad input reached a provider"


def test_repeat_returns_every_run_summaries_and_comparisons_with_failures_excluded(client, openai_fake):
    out = client.predict("hi", "", ["openai:fast", "openai:fault-500"], 0.7, 32, None, None, 3, api_name="/compare")
    assert [r["model"] for r in out["results"]] == ["openai:fast", "openai:fault-500"]
    assert [[(r["model"], r["run"]) for r in column] for column in out["runs"]] == [
        [("openai:fast", k) for k in (1, 2, 3)],
        [("openai:fault-500", k) for k in (1, 2, 3)],
    ]
    fast, failing = out["summaries"]
    assert (fast["runs"], fast["failed_runs"], failing["failed_runs"]) == (3, 0, 3)
    assert fast["ttft_s"]["min"] <= fast["ttft_s"]["median"] <= fast["ttft_s"]["max"] and failing["ttft_s"] is None
    assert {c["metric"] for c in out["comparisons"]} == {"ttft_s", "total_s", "tokens_per_s"}
    assert all(c["better"] is None and "fewer than 3" in c["note"] for c in out["comparisons"])
    assert out["run_id"]


# --- cancelling a running /compare job closes the upstream stream --------------------------------------------


def test_cancelling_a_job_closes_the_upstream_stream(client, openai_fake):
    openai_fake.reset()
    job = client.submit("Tell me a long story.", "", ["openai:long"], 0.7, 32, api_name="/compare")
    deadline = time.monotonic() + 60
    while openai_fake.active_streams == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert openai_fake.active_streams == 1, "the stream never started"
    time.sleep(0.3)  # a few chunks in
    assert job.cancel()
    assert openai_fake.disconnected.wait(15), "the upstream stream was not closed after job.cancel()"
    assert openai_fake.finished_streams == 0
    assert openai_fake.wait_idle(15)
    # The concurrency slot is free again: a new call runs normally.
    assert compare(client, ["openai:fast"])["openai:fast"]["text"] == "quick answer"


@pytest.mark.parametrize(
    "args, field",
    [
        ((5, "", ["openai:fast"], 0.7, 32), "The prompt must be text"),
        (("hi", "", [{"id": "openai:fast"}], 0.7, 32), "models must be a list of model ids"),
        (("hi", "", ["openai:fast"], "hot", 32), "Temperature must be a number (got 'hot')"),
        (("hi", ["system"], ["openai:fast"], 0.7, 32), "system_prompt must be text"),
    ],
)
def test_wrong_types_on_the_api_get_one_line_naming_the_field(client, openai_fake, args, field):
    openai_fake.reset()
    with pytest.raises(AppError) as bad:
        client.predict(*args, api_name="/compare")
    assert field in str(bad.value), str(bad.value)
    assert_clean_message(str(bad.value))
    assert not [r for r in openai_fake.requests if r.path.endswith("/chat/completions")]


def test_an_infinite_max_tokens_over_raw_http_is_one_line(app, openai_fake):
    # JSON clients cannot send inf, but 1e999 parses to it: the REST path must name the field, not raise.
    body = '{"data": ["hi", "", ["openai:fast"], 0.7, 1e999, null, null, 1, "together"]}'
    base = app.url.rstrip("/")
    posted = httpx.post(f"{base}/gradio_api/call/compare", content=body, headers={"content-type": "application/json"})
    event_id = posted.json()["event_id"]
    answer = httpx.get(f"{base}/gradio_api/call/compare/{event_id}", timeout=30).text
    assert "event: error" in answer and "max_tokens must be a number" in answer, answer
    assert "Traceback" not in answer
