"""Reasoning models through the real SDKs: thinking per protocol, parameter rules, the reasoning control."""

from __future__ import annotations

import dataclasses

import pytest

from providers import Registry
from tests.conftest import make_settings
from tests.engine_helpers import PROTOCOLS, SECRET, columns, registry_for, run
from tests.fakes.anthropic_server import AnthropicServer
from tests.fakes.behaviour import count_tokens
from tests.fakes.ollama_server import OllamaServer
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

THOUGHT = "The user wants a short answer, so I will keep it to one sentence."
ANSWER = "A token is a piece of text a model reads or writes."
PAGE_DEFAULTS = dict(temperature=0.7, top_p=1.0, max_tokens=256)  # what the page sends when nothing is changed


def openai_itself(srv) -> Registry:
    """A registry whose built-in OpenAI row points at the fake as if it were api.openai.com (catalog rules apply)."""
    settings = make_settings({"OPENAI_API_KEY": SECRET, "COMPARE_READ_TIMEOUT_S": "2"})
    settings.endpoints = [
        dataclasses.replace(e, base_url=srv.url + "/v1", base_url_env=None) if e.name == "openai" else e
        for e in settings.endpoints
    ]
    return Registry(settings)


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_openai_compatible_thinking_streams_apart_from_the_answer(field):
    beh = Behaviour(reply=ANSWER, reasoning=THOUGHT, reasoning_field=field, tokens_per_s=200)
    with OpenAIServer(beh) as srv:
        [r] = run(registry_for(PROTOCOLS["openai"][2](srv.url)), columns(["openai:deepseek-r1"]))
    assert r.error is None and r.status == "done"
    assert (r.text, r.reasoning) == (ANSWER, THOUGHT)
    assert r.reasoning_tokens == count_tokens(THOUGHT) and r.tokens_source == "reported"
    assert r.output_tokens == count_tokens(ANSWER) + count_tokens(THOUGHT)
    # The first token of any kind is thinking: the answer starts after all 13 thinking chunks at 200/s.
    assert r.answer_ttft_s - r.ttft_s >= 12 / 200
    assert r.reasoning_s == pytest.approx(r.answer_ttft_s - r.ttft_s, abs=0.02)
    # The rate counts reasoning tokens over the whole span, so it stays near the server's pace, not double it.
    words = len(THOUGHT.split()) + len(ANSWER.split())
    assert r.tokens_per_s == pytest.approx(r.output_tokens / ((words - 1) / 200), rel=0.35)


def test_openai_reasoning_model_with_page_defaults_follows_the_catalog_rules():
    beh = Behaviour(reply=ANSWER, reasoning_model=True, reasoning_field=None, hidden_reasoning_tokens=300)
    with OpenAIServer(per_model={"o4-mini": beh}) as srv:
        [r] = run(openai_itself(srv), columns(["openai:o4-mini"], **PAGE_DEFAULTS))
        body = srv.requests[-1].body
    assert len(srv.requests) == 1, "the catalog's rules shape the first request: nothing is rejected"
    assert "temperature" not in body and "top_p" not in body and "max_tokens" not in body
    assert body["max_completion_tokens"] == 256 + 4096  # the answer keeps its 256 beside a medium reasoning budget
    assert r.error is None and r.status == "done" and r.text == ANSWER
    assert r.warnings[0] == "temperature 0.7 not sent: openai:o4-mini only takes the default"
    assert r.reasoning_tokens == 300 and r.reasoning == "" and r.tokens_source == "reported"
    assert any("thinking hidden by the provider" in w for w in r.warnings)
    # 300 hidden reasoning tokens were made before the first visible token: the rate spans from the request.
    assert r.tokens_per_s == pytest.approx(r.output_tokens / r.total_s, rel=0.2)


def test_a_server_that_rejects_parameters_by_name_gets_one_retry_without_them():
    # A proxy in front of a reasoning model: the catalog cannot know, so the server's 400s teach us.
    beh = Behaviour(reply=ANSWER, reasoning_model=True)
    with OpenAIServer(per_model={"o4-mini": beh}) as srv:
        registry = registry_for(PROTOCOLS["openai"][2](srv.url))
        [r] = run(registry, columns(["openai:o4-mini"], **PAGE_DEFAULTS, reasoning="high"))
        bodies = [q.body for q in srv.requests]
    assert r.error is None and r.text == ANSWER and r.status == "done"
    assert bodies[-1]["max_completion_tokens"] == 256 + 16384 and bodies[-1]["reasoning_effort"] == "high"
    assert "temperature" not in bodies[-1]
    assert "max_tokens was rejected; sent as max_completion_tokens" in r.warnings
    assert "temperature 0.7 was rejected by the server; sent without it" in r.warnings
    assert len(set(r.warnings)) == len(r.warnings)


def test_a_second_rejection_of_the_same_parameter_is_an_error_not_a_loop():
    with OpenAIServer(Behaviour(reply=ANSWER, rejects=("seed",))) as srv:
        [ok] = run(registry_for(PROTOCOLS["openai"][2](srv.url)), columns(["openai:m"], seed=7))
        assert len(srv.requests) == 2 and "seed" not in srv.requests[-1].body
    assert ok.text == ANSWER and "seed 7 was rejected by the server; sent without it" in ok.warnings


def test_anthropic_extended_thinking_budget_and_blocks():
    beh = Behaviour(reply=ANSWER, reasoning=THOUGHT)
    with AnthropicServer(beh) as srv:
        registry = registry_for(PROTOCOLS["anthropic"][2](srv.url))
        [thinking] = run(registry, columns(["anthropic:claude-sonnet-4-0"], **PAGE_DEFAULTS, reasoning="medium"))
        sent = srv.requests[-1].body
        [plain] = run(registry, columns(["anthropic:claude-sonnet-4-0"], **PAGE_DEFAULTS))
        plain_sent = srv.requests[-1].body
    assert sent["thinking"] == {"type": "enabled", "budget_tokens": 4096} and sent["max_tokens"] == 256 + 4096
    assert "temperature" not in sent and "top_p" not in sent
    assert thinking.error is None and (thinking.text, thinking.reasoning) == (ANSWER, THOUGHT)
    assert "temperature 0.7 not sent: Claude takes only the default while thinking" in thinking.warnings
    assert thinking.output_tokens == count_tokens(THOUGHT) + count_tokens(ANSWER)
    assert thinking.reasoning_tokens == count_tokens(THOUGHT)  # counted locally: the API gives no separate figure
    assert thinking.finish_reason == "stop" and thinking.answer_ttft_s >= thinking.ttft_s
    assert "thinking" not in plain_sent and plain_sent["temperature"] == 0.7
    assert plain.reasoning == "" and plain.text == ANSWER


def test_ollama_think_and_a_model_that_cannot_think():
    per_model = {"qwen3": Behaviour(reply=ANSWER, reasoning=THOUGHT), "llama3.2": Behaviour(reply=ANSWER, thinks=False)}
    with OllamaServer(per_model=per_model) as srv:
        registry = registry_for({"OLLAMA_HOST": srv.url})
        qwen, llama = run(registry, columns(["ollama:qwen3", "ollama:llama3.2"], reasoning="high"))
        chats = [q.body for q in srv.requests if q.path == "/api/chat"]
        llama_bodies = [body for body in chats if body.get("model") == "llama3.2"]
    assert (qwen.text, qwen.reasoning) == (ANSWER, THOUGHT) and qwen.reasoning_tokens == count_tokens(THOUGHT)
    assert qwen.tokens_source == "reported" and qwen.output_tokens == count_tokens(ANSWER) + count_tokens(THOUGHT)
    assert [b.get("think") for b in llama_bodies] == [True, None]
    assert llama.error is None and llama.text == ANSWER
    assert "reasoning high was rejected by the server; sent without it" in llama.warnings


def test_think_tags_in_the_text_become_thinking():
    reply = "<think>\nCount the letters first.\n</think>\n\nThere are three."
    with OpenAIServer(Behaviour(reply=reply, tokens_per_s=100)) as srv:
        [r] = run(registry_for(PROTOCOLS["openai"][2](srv.url)), columns(["openai:r1-distill"]))
    assert r.reasoning.strip() == "Count the letters first." and r.text == "There are three."
    assert r.answer_ttft_s > r.ttft_s


def test_reasoning_level_for_a_model_without_control_is_not_sent_and_said():
    with OpenAIServer(Behaviour(reply=ANSWER)) as srv:
        [r] = run(openai_itself(srv), columns(["openai:gpt-4o-mini"], reasoning="high"))
        body = srv.requests[-1].body
    assert "reasoning_effort" not in body and r.text == ANSWER
    assert r.warnings == ["reasoning high not sent: openai:gpt-4o-mini has no reasoning control"]
