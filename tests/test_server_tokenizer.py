"""Counting what the model sees: a local server's own tokenizer and chat template (llama.cpp, vLLM) for estimates and
for checking reported counts, and which tokenizer each count used."""

from __future__ import annotations

import pytest

from providers.server_tokenizer import NAMES
from tests.engine_helpers import columns, registry_for, run
from tests.fakes import tokenizer_api
from tests.fakes.behaviour import count_tokens
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

REPLY = "Tokens are pieces of text. Models read and write them one at a time."
ASKED = [{"role": "user", "content": "Say hello"}]  # no system prompt: the template adds its default one


def llamacpp(srv) -> dict:
    return {"LLAMACPP_BASE_URL": srv.url + "/v1"}


@pytest.mark.parametrize("kind", tokenizer_api.KINDS)
def test_a_server_without_usage_is_counted_with_its_own_tokenizer_and_template(kind):
    with OpenAIServer(Behaviour(reply=REPLY, usage=False, tokenizer_api=kind)) as srv:
        [r] = run(registry_for(llamacpp(srv)), columns(["llamacpp:smollm2"], system=None))
    seen = tokenizer_api.prompt_count(ASKED)
    assert r.error is None and r.tokens_source == "estimated" and not r.tokens_exact
    assert r.input_tokens == seen and r.output_tokens == len(tokenizer_api.tokenize(REPLY, False))
    assert seen > 3 * (count_tokens("Say hello") + 6), "the default system prompt is counted: far above cl100k's"
    assert r.tokenizer == NAMES[kind]
    assert r.token_note == f"~ counted here with {NAMES[kind]}: the provider reported no usage"


def test_a_made_up_input_count_is_disputed_by_the_servers_own_count():
    reply_tokens = len(tokenizer_api.tokenize(REPLY, False))
    beh = Behaviour(reply=REPLY, tokenizer_api="llama.cpp", input_tokens=8, output_tokens=reply_tokens)
    with OpenAIServer(beh) as srv:
        [r] = run(registry_for(llamacpp(srv)), columns(["llamacpp:smollm2"], system=None))
    seen = tokenizer_api.prompt_count(ASKED)
    assert r.input_tokens == 8 and r.local_input_tokens == seen and r.tokens_source == "disputed"
    assert r.warnings == [f"disputed input count: the server says 8, counted here ~{seen}"]
    assert r.token_note == f"disputed: the provider's count and a local count ({NAMES['llama.cpp']}) differ"


def test_a_server_without_tokenizer_endpoints_is_asked_once_then_estimated_with_a_named_tiktoken():
    with OpenAIServer(Behaviour(reply=REPLY, usage=False)) as srv:
        registry = registry_for(llamacpp(srv))
        first, second = run(registry, columns(["llamacpp:a", "llamacpp:b"]))
        run(registry, columns(["llamacpp:a"]))
        asked = [q.path for q in srv.requests if q.path != "/v1/chat/completions"]
    assert asked == ["/apply-template", "/tokenize"], "asked once, though two columns counted at the same time"
    for r in (first, second):
        assert r.output_tokens == count_tokens(REPLY) and r.tokenizer == "cl100k_base (not this model's tokenizer)"
        assert r.token_note == "~ estimate (cl100k_base; not this model's tokenizer)"
