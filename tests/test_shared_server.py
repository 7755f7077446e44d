"""Columns sharing one server: a server that serves one request at a time is noticed and named on the columns that
waited, such runs stay out of speed verdicts unless measuring under load, and "one at a time" takes turns."""

from __future__ import annotations

import asyncio

import pytest

from cli.args import parse_args
from cli.run import request_of
from compare import build_request
from compare.repeat_report import text_verdict
from compare.repeats import comparisons
from compare.server_sharing import Sharing, shared_servers
from compare.validate import InputError
from tests.engine_helpers import registry_for
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

REPLY = " ".join(f"word{i}" for i in range(60))  # 0.6 s a reply at 100 tokens/s
MODELS = ["llamacpp:a", "llamacpp:b", "llamacpp:c"]


def request_for(srv, same_server: str, repeat: int = 1):
    registry = registry_for({"LLAMACPP_BASE_URL": srv.url + "/v1"})
    raw = {"prompt": "Say hi.", "models": MODELS, "repeat": repeat, "same_server": same_server}
    return registry, build_request(raw, registry)


def run_request(srv, same_server: str, repeat: int = 1):
    registry, request = request_for(srv, same_server, repeat)
    comparison = request.comparison(registry)
    asyncio.run(comparison.run())
    return request.record(comparison.runs, "2026-01-01T00:00:00.000+00:00")


def test_columns_a_one_slot_server_served_in_turn_say_they_waited_for_it():
    with OpenAIServer(Behaviour(reply=REPLY, tokens_per_s=100), serial=True) as srv:
        record = run_request(srv, "together")
        assert srv.peak_streams == 1
    waited = [r for r in record.results if r.server_wait_s is not None]
    first = [r for r in record.results if r.server_wait_s is None]
    assert len(first) == 1 and not any("waited for the server" in w for w in first[0].warnings)
    assert len(waited) == 2 and all(r.error is None and r.text == REPLY for r in record.results)
    for r in waited:  # each waited for the streams that ended before its first token, and said which
        [note] = [w for w in r.warnings if w.startswith("waited for the server")]
        assert "the server at 127.0.0.1" in note and "served these columns one at a time" in note
        assert 0 < r.server_wait_s < r.ttft_s
    assert sorted(r.server_wait_s for r in waited)[0] < sorted(r.server_wait_s for r in waited)[1]


def test_one_at_a_time_takes_turns_so_no_column_waits_on_the_server_and_the_waits_show_as_queued():
    with OpenAIServer(Behaviour(reply=REPLY, tokens_per_s=100)) as srv:  # a server that could serve all at once
        record = run_request(srv, "one-at-a-time", repeat=2)
        assert srv.peak_streams == 1, "the engine sent one request at a time"
    runs = [r for column in record.repeats.runs for r in column]
    assert len(runs) == 6 and all(r.error is None and r.server_wait_s is None for r in runs)
    assert sum(r.queue_s is not None for r in runs) >= 4  # all but the first to go had to wait their turn
    assert record.parameters["same_server"] == "one at a time"
    assert not any(v.get("left_out") for v in record.repeats.comparisons)


def test_cloud_apis_and_custom_endpoints_are_not_shared_servers_but_local_rows_and_the_embedded_engine_are():
    local = {"LLAMACPP_BASE_URL": "http://127.0.0.1:8080/v1", "OLLAMA_HOST": "http://127.0.0.1:11434"}
    for env in ({"OPENAI_API_KEY": "sk-x"}, {"OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}):
        registry = registry_for({**env, **local})
        pairs = [("0", "openai:a"), ("1", "openai:b"), ("2", "llamacpp:a"), ("3", "llamacpp:b"), ("4", "ollama:x")]
        shared = shared_servers(registry, pairs + [("5", "local:smollm2"), ("6", "local:smollm2")], Sharing.TOGETHER)
        assert sorted(shared) == ["2", "3", "5", "6"] and shared["2"] is shared["3"]
        assert shared["2"].label == "the server at 127.0.0.1:8080" and shared["5"].turns is None


def run_dicts(ttfts, waited=()):
    return [
        {"ttft_s": t, "total_s": t, "tokens_per_s": 1 / t} | ({"server_wait_s": 1.0} if i in waited else {})
        for i, t in enumerate(ttfts)
    ]


def test_runs_that_waited_stay_out_of_speed_verdicts_unless_measuring_under_load():
    a = run_dicts([0.10, 0.11, 0.12, 0.13, 0.14, 0.15])
    # b is as fast as a, but four of its runs waited behind a on the server: counted, they would make b "slower".
    b = run_dicts([0.105, 0.9, 0.115, 0.95, 0.125, 0.97, 0.135, 0.99], waited={1, 3, 5, 7})
    [clean, *_] = comparisons([("a", a), ("b", b)])
    assert (clean["n_a"], clean["n_b"], clean["left_out"]) == (6, 4, 4)
    assert clean["p_value"] is not None and clean["better"] is None
    assert text_verdict(clean).endswith(
        "(4 runs that waited for the server behind another column left out; choose one at a time to avoid it)"
    )
    [loaded, *_] = comparisons([("a", a), ("b", b)], under_load=True)
    assert loaded["n_b"] == 8 and "left_out" not in loaded


@pytest.mark.parametrize("value", ["sometimes", 3])
def test_a_bad_same_server_choice_is_one_clear_sentence(value):
    registry = registry_for({})
    with pytest.raises(InputError, match='Columns sharing a server must be one of "together", "one at a time"'):
        build_request({"prompt": "p", "models": ["local:smollm2"], "same_server": value}, registry)


def test_the_command_line_takes_the_choice_by_flag():
    args = parse_args(["--same-server", "under-load", "-m", "llamacpp:a", "-m", "llamacpp:b", "hi"])
    request = request_of(args, registry_for({}))
    assert request.sharing == Sharing.UNDER_LOAD
    assert request.record({}, "2026-01-01T00:00:00.000+00:00").parameters["same_server"] == "under load"
