"""Each provider module through its real SDK against a local server speaking its wire protocol."""

from __future__ import annotations

import pytest

from tests.engine_helpers import PROTOCOLS, SECRET, columns, registry_for, run
from tests.fakes.server import Behaviour

REPLY = "Tokens are pieces of text. Models read and write them one at a time."


@pytest.fixture(params=sorted(PROTOCOLS))
def wire(request):
    """(server, registry, model id) for each protocol, started fresh per test."""
    server_cls, prefix, env = PROTOCOLS[request.param]
    # Counts a real tokenizer would give for this prompt and reply (within the 25% a local count may differ by).
    with server_cls(Behaviour(reply=REPLY, input_tokens=17, output_tokens=16)) as srv:
        yield srv, registry_for(env(srv.url)), f"{prefix}:fake-model", request.param


def test_streams_reply_with_exact_usage_and_system_prompt(wire):
    srv, registry, model, protocol = wire
    [result] = run(
        registry,
        columns([model], prompt="What is a token?", system="Answer like a teacher.", temperature=0.3, max_tokens=50),
    )
    assert result.error is None
    assert result.text == REPLY
    assert result.tokens_exact and result.tokens_source == "reported" and result.warnings == []
    assert (result.input_tokens, result.output_tokens) == (17, 16)
    assert result.finish_reason == "stop" and result.status == "done"
    assert result.ttft_s is not None and 0 <= result.ttft_s <= result.total_s
    body = srv.requests[-1].body
    if protocol == "anthropic":
        assert body["system"] == "Answer like a teacher."
        assert [m["role"] for m in body["messages"]] == ["user"]
        assert body["temperature"] == 0.3 and body["max_tokens"] == 50
    elif protocol == "openai":
        assert body["messages"][0] == {"role": "system", "content": "Answer like a teacher."}
        assert body["stream_options"] == {"include_usage": True}
        assert body["temperature"] == 0.3 and body["max_tokens"] == 50
    else:
        assert body["messages"][0]["role"] == "system"
        assert body["options"]["temperature"] == 0.3 and body["options"]["num_predict"] == 50


@pytest.mark.parametrize(
    "fault, expected",
    [
        ("401", "rejected"),
        ("429", "rate limited"),
        ("500", "internal error"),
        ("timeout", "timed out"),
    ],
)
def test_status_faults_become_clear_errors_without_the_key(wire, fault, expected):
    srv, registry, model, protocol = wire
    srv.behaviour = Behaviour(reply=REPLY, fault=fault, hang_s=5)
    [result] = run(registry, columns([model]))
    assert result.error is not None
    assert SECRET not in result.error
    if protocol == "ollama" and fault == "401":
        assert "401" in result.error  # Ollama has no key; its status is shown as the server sent it
    else:
        assert expected in result.error.lower(), result.error
    if fault == "401" and protocol != "ollama":
        assert ("OPENAI_API_KEY" if protocol == "openai" else "ANTHROPIC_API_KEY") in result.error


@pytest.mark.parametrize("fault, expected", [("cut", "cut mid-stream"), ("malformed", "malformed")])
def test_mid_stream_faults_keep_the_partial_text(wire, fault, expected):
    srv, registry, model, _ = wire
    srv.behaviour = Behaviour(reply=REPLY, fault=fault, cut_after=4)
    [result] = run(registry, columns([model]))
    assert expected in result.error
    assert result.text == "".join(Behaviour(reply=REPLY).pieces()[:4])
    assert not result.tokens_exact


def test_missing_usage_is_estimated_and_marked(wire):
    srv, registry, model, protocol = wire
    if protocol == "anthropic":
        pytest.skip("the Messages API always reports usage")
    srv.behaviour = Behaviour(reply=REPLY, usage=False)
    [result] = run(registry, columns([model]))
    assert result.error is None and result.text == REPLY
    assert not result.tokens_exact
    assert result.output_tokens and result.output_tokens > 5
    assert result.token_note.startswith("~")


def test_ollama_reports_server_timings():
    server_cls, _, env = PROTOCOLS["ollama"]
    with server_cls(Behaviour(reply=REPLY, tokens_per_s=200)) as srv:
        [result] = run(registry_for(env(srv.url)), columns(["ollama:llama3.2"]))
    assert result.tokens_exact
    assert result.server_timings["eval_duration"] > 0
    assert result.cost_usd == 0.0


def test_cost_uses_catalog_prices_and_unknown_models_have_none():
    server_cls, _, env = PROTOCOLS["openai"]
    with server_cls(Behaviour(reply=REPLY, input_tokens=1_000_000, output_tokens=2_000_000)) as srv:
        known, unknown = run(
            registry_for(env(srv.url), catalog_prices=True), columns(["openai:gpt-4o-mini", "openai:brand-new-model"])
        )
    assert known.cost_usd == pytest.approx(0.15 + 2 * 0.60)
    assert unknown.error is None and unknown.cost_usd is None
