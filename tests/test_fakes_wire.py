"""Wire-level checks of the fakes' reasoning, finish, max-tokens and parameter-rule knobs, with raw httpx only."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.fakes.anthropic_server import SIGNATURE, AnthropicServer
from tests.fakes.behaviour import count_tokens
from tests.fakes.ollama_server import OllamaServer
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

USER = [{"role": "user", "content": "two words"}]


def post(srv: Any, path: str, body: dict[str, Any]) -> httpx.Response:
    """POST a JSON body to a fake and return the whole response."""
    return httpx.post(srv.url + path, json=body, headers={"x-api-key": "k"}, timeout=10)


def sse(resp: httpx.Response) -> list[Any]:
    """The data payloads of an SSE body, JSON-decoded ("[DONE]" kept as a string)."""
    datas = [line[6:] for line in resp.text.splitlines() if line.startswith("data: ")]
    return [d if d == "[DONE]" else json.loads(d) for d in datas]


def ndjson(resp: httpx.Response) -> list[Any]:
    """The JSON lines of an NDJSON body."""
    return [json.loads(line) for line in resp.text.splitlines()]


def openai_chat(beh: Behaviour, **body: Any) -> tuple[httpx.Response, list[Any]]:
    """Stream one OpenAI chat (usage requested) and return the response and its events."""
    with OpenAIServer(beh) as srv:
        resp = post(
            srv,
            "/v1/chat/completions",
            {"model": "m", "messages": USER, "stream": True, "stream_options": {"include_usage": True}, **body},
        )
    return resp, sse(resp)


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_openai_reasoning_streams_before_content_and_counts_in_usage(field):
    _, events = openai_chat(Behaviour(reply="Hi there.", reasoning="Let me think.", reasoning_field=field))
    deltas = [e["choices"][0]["delta"] for e in events[:-2] if e["choices"]]
    assert deltas == [
        {"role": "assistant", "content": None, field: ""},
        {"content": None, field: "Let "},
        {"content": None, field: "me "},
        {"content": None, field: "think."},
        {"content": "Hi "},
        {"content": "there."},
        {},
    ]
    assert events[-3]["choices"][0]["finish_reason"] == "stop" and events[-1] == "[DONE]"
    usage = events[-2]["usage"]
    thought = count_tokens("Let me think.")  # counts are a real tokenizer's, thinking included in the output
    assert usage["completion_tokens"] == count_tokens("Hi there.") + thought
    assert usage["completion_tokens_details"]["reasoning_tokens"] == thought


def test_openai_hidden_reasoning_only_shows_in_usage():
    _, events = openai_chat(Behaviour(reply="a b", reasoning_field=None, hidden_reasoning_tokens=7))
    assert [e["choices"][0]["delta"].get("content") for e in events if e != "[DONE]" and e["choices"]] == [
        "",
        "a ",
        "b",
        None,
    ]
    assert not any(k.startswith("reasoning") for e in events[:-2] for k in e["choices"][0]["delta"])
    usage = events[-2]["usage"]
    assert (usage["completion_tokens"], usage["completion_tokens_details"]["reasoning_tokens"]) == (9, 7)
    _, plain = openai_chat(Behaviour(reply="a b"))
    assert "completion_tokens_details" not in plain[-2]["usage"]


def _bad(message: str, param: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}


@pytest.mark.parametrize(
    "extra, error",
    [
        (
            {"max_tokens": 10},
            _bad(
                "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                "'max_completion_tokens' instead.",
                "max_tokens",
                "unsupported_parameter",
            ),
        ),
        (
            {"temperature": 0.7},
            _bad(
                "Unsupported value: 'temperature' does not support 0.7 with this model. Only the "
                "default (1) value is supported.",
                "temperature",
                "unsupported_value",
            ),
        ),
        (
            {"reasoning_effort": "none"},
            _bad(
                "Unsupported value: 'reasoning_effort' does not support 'none' with this "
                "model. Supported values are: 'minimal', 'low', 'medium', and 'high'.",
                "reasoning_effort",
                "unsupported_value",
            ),
        ),
        ({"seed": 1}, _bad("Unrecognized request argument supplied: seed", "seed", None)),
    ],
)
def test_openai_parameter_rules_answer_400_before_streaming(extra, error):
    beh = Behaviour(reasoning_model=True, rejects=("seed",))
    with OpenAIServer(per_model={"o4-mini": beh}) as srv:
        resp = post(srv, "/v1/chat/completions", {"model": "o4-mini", "messages": USER, "stream": True, **extra})
        assert (resp.status_code, resp.json()) == (400, error)
        ok = post(
            srv,
            "/v1/chat/completions",
            {
                "model": "o4-mini",
                "messages": USER,
                "temperature": 1,
                "max_completion_tokens": 9,
                "reasoning_effort": "minimal",
            },
        )
        assert ok.status_code == 200
        assert post(srv, "/v1/chat/completions", {"model": "other", "messages": USER, **extra}).status_code == 200


def test_max_tokens_cap_counts_reasoning_first_and_finishes_with_length():
    beh = Behaviour(
        reply="one two three four",
        reasoning_field=None,
        hidden_reasoning_tokens=3,
        reasoning_model=True,
        honor_max_tokens=True,
    )
    _, events = openai_chat(beh, max_completion_tokens=5)
    assert "".join(e["choices"][0]["delta"].get("content") or "" for e in events[:-2] if e["choices"]) == "one two "
    assert events[-3]["choices"][0]["finish_reason"] == "length"
    assert events[-2]["usage"]["completion_tokens_details"]["reasoning_tokens"] == 3
    _, starved = openai_chat(beh, max_completion_tokens=2)  # reasoning ate the whole budget: no answer at all
    assert (
        starved[-2]["usage"]["completion_tokens"]
        == starved[-2]["usage"]["completion_tokens_details"]["reasoning_tokens"]
        == 2
    )
    thinker = Behaviour(reply="a b c", reasoning="x " * 1030, honor_max_tokens=True)
    with AnthropicServer(thinker) as srv:
        events = sse(post(srv, "/v1/messages", {"model": "m", "max_tokens": 2, "messages": USER, "stream": True}))
        assert [e["delta"]["stop_reason"] for e in events if e["type"] == "message_delta"] == ["max_tokens"]
        events = sse(
            post(
                srv,
                "/v1/messages",
                {
                    "model": "m",
                    "max_tokens": 1025,
                    "messages": USER,
                    "stream": True,
                    "thinking": {"type": "enabled", "budget_tokens": 1024},
                },
            )
        )
        assert events[-2] == {
            "type": "message_delta",
            "delta": {"stop_reason": "max_tokens", "stop_sequence": None},
            "usage": {"output_tokens": 1025},  # exactly the cap, as a real server reports a reply the cap cut
        }
        assert not any(e["type"] == "content_block_start" and e["index"] == 1 for e in events)  # no answer block
    with OllamaServer(thinker) as srv:
        final = ndjson(
            post(srv, "/api/chat", {"model": "m", "messages": USER, "options": {"num_predict": 4}, "think": True})
        )[-1]
        assert (final["done_reason"], final["eval_count"]) == ("length", 4)


def test_anthropic_thinking_block_then_text_block():
    beh = Behaviour(reply="Hi there.", reasoning="Hmm ok.")
    with AnthropicServer(beh) as srv:
        body = {
            "model": "m",
            "max_tokens": 2048,
            "messages": USER,
            "stream": True,
            "thinking": {"type": "enabled", "budget_tokens": 1024},
        }
        events = [e for e in sse(post(srv, "/v1/messages", body)) if e["type"] != "ping"]
        plain = sse(post(srv, "/v1/messages", {**body, "thinking": {"type": "disabled"}}))
    shape = [(e["type"], e.get("index"), e.get("content_block") or e.get("delta")) for e in events[1:]]
    assert shape == [
        ("content_block_start", 0, {"type": "thinking", "thinking": "", "signature": ""}),
        ("content_block_delta", 0, {"type": "thinking_delta", "thinking": "Hmm "}),
        ("content_block_delta", 0, {"type": "thinking_delta", "thinking": "ok."}),
        ("content_block_delta", 0, {"type": "signature_delta", "signature": SIGNATURE}),
        ("content_block_stop", 0, None),
        ("content_block_start", 1, {"type": "text", "text": ""}),
        ("content_block_delta", 1, {"type": "text_delta", "text": "Hi "}),
        ("content_block_delta", 1, {"type": "text_delta", "text": "there."}),
        ("content_block_stop", 1, None),
        ("message_delta", None, {"stop_reason": "end_turn", "stop_sequence": None}),
        ("message_stop", None, None),
    ]
    assert events[-2]["usage"]["output_tokens"] == count_tokens("Hmm ok.") + count_tokens("Hi there.")
    assert not any("thinking" in json.dumps(e) for e in plain)


@pytest.mark.parametrize(
    "extra, message",
    [
        (
            {"thinking": {"type": "enabled", "budget_tokens": 512}},
            "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024",
        ),
        ({"thinking": {"type": "enabled", "budget_tokens": 4096}}, "`max_tokens` must be greater than "),
        (
            {"thinking": {"type": "enabled", "budget_tokens": 1024}, "temperature": 0.5},
            "`temperature` may only be set to 1 when thinking is enabled",
        ),
    ],
)
def test_anthropic_thinking_rules(extra, message):
    with AnthropicServer() as srv:
        resp = post(srv, "/v1/messages", {"model": "m", "max_tokens": 4096, "messages": USER, **extra})
    assert resp.status_code == 400 and resp.json()["error"]["type"] == "invalid_request_error"
    assert resp.json()["error"]["message"].startswith(message)


def test_ollama_thinking_chunks_and_non_thinking_model():
    per_model = {"qwen3": Behaviour(reply="Hi there.", reasoning="Hmm ok."), "llama3.2": Behaviour(thinks=False)}
    with OllamaServer(per_model=per_model) as srv:
        lines = ndjson(post(srv, "/api/chat", {"model": "qwen3", "messages": USER, "think": "high"}))
        off = ndjson(post(srv, "/api/chat", {"model": "qwen3", "messages": USER}))
        refused = post(srv, "/api/chat", {"model": "llama3.2", "messages": USER, "think": True})
    said = {"role": "assistant", "content": ""}
    assert [line["message"] for line in lines[:-1]] == [
        said | {"thinking": "Hmm "},
        said | {"thinking": "ok."},
        said | {"content": "Hi "},
        said | {"content": "there."},
    ]
    assert lines[-1]["done"] is True and lines[-1]["eval_count"] == count_tokens("Hmm ok.") + count_tokens("Hi there.")
    assert [line["message"].get("thinking") for line in off] == [None] * 3
    assert (refused.status_code, refused.json()) == (400, {"error": '"llama3.2" does not support thinking'})


def test_ollama_show_and_timing_scale():
    beh = Behaviour(
        reply="a", num_ctx=8192, context_length=4096, reasoning="r", timing_scale=1000, first_token_delay_s=0.01
    )
    with OllamaServer(models=["qwen3:8b"], per_model={"qwen3:8b": beh}) as srv:
        shown = post(srv, "/api/show", {"model": "qwen3:8b"}).json()
        missing = post(srv, "/api/show", {"model": "nope"})
        final = post(srv, "/api/chat", {"model": "qwen3:8b", "messages": USER, "stream": False}).json()
    assert "num_ctx                        8192" in shown["parameters"].splitlines()
    assert shown["model_info"]["llama.context_length"] == 4096 and shown["capabilities"] == ["completion", "thinking"]
    assert (missing.status_code, missing.json()) == (404, {"error": "model 'nope' not found"})
    assert final["prompt_eval_duration"] >= 10e9 and final["total_duration"] > final["eval_duration"]


def test_no_finish_signal_ends_cleanly_on_every_protocol():
    beh = Behaviour(reply="a b", finish_signal=False)
    resp, events = openai_chat(beh)
    assert resp.status_code == 200 and "[DONE]" not in events and events[-1]["usage"]["completion_tokens"] == 2
    assert all(e["choices"][0]["finish_reason"] is None for e in events if e["choices"])
    with AnthropicServer(beh) as srv:
        types = [
            e["type"]
            for e in sse(post(srv, "/v1/messages", {"model": "m", "max_tokens": 9, "messages": USER, "stream": True}))
        ]
    assert types[-1] == "content_block_stop" and "message_delta" not in types and "message_stop" not in types
    with OllamaServer(beh) as srv:
        lines = ndjson(post(srv, "/api/chat", {"model": "m", "messages": USER}))
    assert [line["done"] for line in lines] == [False, False]


def test_empty_reply_finish_override_error_message_and_listing():
    _, events = openai_chat(Behaviour(reply="", finish="content_filter"))
    assert [e["choices"][0]["delta"] for e in events[:-2]] == [
        {"role": "assistant", "content": "", "refusal": None},
        {},
    ]
    assert events[-3]["choices"][0]["finish_reason"] == "content_filter"
    assert events[-2]["usage"]["completion_tokens"] == 0
    key_error = "Incorrect API key provided: sk-tes************efao."
    names = ["gpt-4o", "text-embedding-3-small", "whisper-1"]
    with OpenAIServer(Behaviour(fault="401", error_message=key_error), models=names) as srv:
        assert post(srv, "/v1/chat/completions", {"model": "whisper-1"}).json()["error"]["message"] == key_error
        srv.behaviour = Behaviour()
        assert [m["id"] for m in httpx.get(srv.url + "/v1/models").json()["data"]] == names
        srv.list_status = 500
        assert httpx.get(srv.url + "/v1/models").status_code == 500
        assert post(srv, "/v1/chat/completions", {"model": "whisper-1", "messages": USER}).status_code == 200
