"""Finish signals, where counts come from, plausible server timings and key fragments, per protocol."""

from __future__ import annotations

import pytest

from tests.engine_helpers import PROTOCOLS, SECRET, columns, registry_for, run
from tests.fakes.behaviour import count_tokens
from tests.fakes.server import Behaviour

REPLY = "Tokens are pieces of text. Models read and write them one at a time."


@pytest.fixture(params=sorted(PROTOCOLS))
def serve(request):
    """serve(behaviour) -> (server, registry, model id) for each protocol; servers stop at the end of the test."""
    started = []
    server_cls, prefix, env = PROTOCOLS[request.param]

    def start(behaviour: Behaviour):
        srv = server_cls(behaviour).start()
        started.append(srv)
        return srv, registry_for(env(srv.url)), f"{prefix}:fake-model"

    start.protocol = request.param
    yield start
    for srv in started:
        srv.stop()


def test_a_stream_without_its_finish_signal_is_a_warning_not_done(serve):
    _, registry, model = serve(Behaviour(reply=REPLY, finish_signal=False))
    [r] = run(registry, columns([model]))
    assert r.error is None and r.text == REPLY
    assert r.finish_reason is None and r.status == "warning"
    assert r.warnings[0] == "no finish signal: the stream ended without the provider's end marker"


def test_a_reply_cut_by_max_tokens_says_so(serve):
    srv, registry, model = serve(Behaviour(reply=REPLY, honor_max_tokens=True))
    [r] = run(registry, columns([model], max_tokens=4))
    assert r.text == "Tokens are pieces of " and r.finish_reason == "length"
    assert r.status == "warning" and "cut off by max tokens" in r.warnings


def test_an_empty_reply_is_not_a_clean_done(serve):
    _, registry, model = serve(Behaviour(reply=""))
    [r] = run(registry, columns([model]))
    assert r.error is None and r.text == "" and r.finish_reason == "stop"
    assert r.status == "warning" and r.warnings == ["empty reply"]


def test_a_count_far_from_the_text_is_disputed_and_both_are_kept(serve):
    _, registry, model = serve(Behaviour(reply=REPLY, output_tokens=400))
    [r] = run(registry, columns([model]))
    assert r.output_tokens == 400 and r.local_output_tokens == count_tokens(REPLY)
    assert r.tokens_source == "disputed" and not r.tokens_exact
    assert f"disputed output count: the server says 400, counted here ~{count_tokens(REPLY)}" in r.warnings


def test_a_count_within_tokenizer_differences_is_reported(serve):
    _, registry, model = serve(Behaviour(reply=REPLY, output_tokens=count_tokens(REPLY) + 4))
    [r] = run(registry, columns([model]))
    assert r.tokens_source == "reported" and r.tokens_exact and r.warnings == []


def test_masked_key_fragments_never_reach_the_result(serve):
    quoted = "Incorrect API key provided: sk-tes************efao. You can find your API key at https://example.invalid."
    _, registry, model = serve(Behaviour(fault="401", error_message=quoted))
    [r] = run(registry, columns([model]))
    assert "efao" not in r.error and "sk-tes" not in r.error and SECRET not in r.error
    assert "[redacted]" in r.error


def test_implausible_server_timings_are_dropped():
    server_cls, _, env = PROTOCOLS["ollama"]
    with server_cls(Behaviour(reply=REPLY, tokens_per_s=200, timing_scale=1000)) as srv:
        [r] = run(registry_for(env(srv.url)), columns(["ollama:llama3.2"]))
    assert r.server_timings == {}
    assert any(w.startswith("server timings dropped as implausible: load_duration") for w in r.warnings)
    with server_cls(Behaviour(reply=REPLY, tokens_per_s=200)) as srv:
        [r] = run(registry_for(env(srv.url)), columns(["ollama:llama3.2"]))
    assert 0 < r.server_timings["eval_duration"] <= r.total_s


def test_inter_token_latency_follows_the_server_pace():
    server_cls, prefix, env = PROTOCOLS["openai"]
    with server_cls(Behaviour(reply=" ".join(["word"] * 40), tokens_per_s=50)) as srv:
        [r] = run(registry_for(env(srv.url)), columns([f"{prefix}:m"]))
    assert r.itl_p50_ms == pytest.approx(20, abs=8)
    assert r.itl_p50_ms <= r.itl_p95_ms < 100


def test_a_pooled_connection_the_server_closed_is_retried_once(serve):
    srv, registry, model = serve(Behaviour(reply=REPLY))
    run(registry, columns([model]))  # a first run pools the connection (and Ollama's /api/show is asked and kept)
    srv.reset()
    srv.drop_next(1)
    [r] = run(registry, columns([model]))
    assert r.error is None and r.text == REPLY and r.status == "done"
    assert "the connection closed before any reply; sent once more" in r.warnings
    assert len([q for q in srv.requests if q.method == "POST"]) == 2
    srv.drop_next(2)  # a second close is an error, not a loop
    [r] = run(registry, columns([model]))
    assert "cut mid-stream" in r.error and len([q for q in srv.requests if q.method == "POST"]) == 4


def test_an_ollama_proxy_saying_stop_when_max_tokens_cut_the_reply_is_not_believed():
    # Ollama-API proxies answer done_reason "stop" even when num_predict cut the reply; eval_count gives them away.
    server_cls, _, env = PROTOCOLS["ollama"]
    with server_cls(Behaviour(reply=REPLY, honor_max_tokens=True, finish="stop")) as srv:
        registry = registry_for(env(srv.url))
        [cut] = run(registry, columns(["ollama:llama3.2"], max_tokens=4))
        [whole] = run(registry, columns(["ollama:llama3.2"], max_tokens=400))
    assert srv.requests[-2].body["options"]["num_predict"] == 4
    assert cut.text == "Tokens are pieces of " and cut.finish_reason == "length" and cut.status == "warning"
    assert cut.warnings[:2] == [
        "cut off by max tokens",
        'finish reason "stop" not trusted: the reply used all 4 tokens allowed',
    ]
    assert cut.output_tokens == 4 and cut.tokens_source == "reported"
    assert whole.text == REPLY and whole.finish_reason == "stop" and whole.status == "done" and whole.warnings == []


def test_a_mid_stream_overload_from_anthropic_reads_like_the_http_error_and_keeps_the_partial_reply():
    server_cls, _, env = PROTOCOLS["anthropic"]
    with server_cls(Behaviour(reply=REPLY, fault="error_event", cut_after=3)) as srv:
        [r] = run(registry_for(env(srv.url)), columns(["anthropic:claude-fake"]))
    assert r.status == "error" and r.text == "Tokens are pieces "
    assert r.error == (
        "Anthropic (HTTP 529): the provider is overloaded; try again in a moment; it came mid-stream, so the "
        "partial reply is kept. Server said: Overloaded"
    )
