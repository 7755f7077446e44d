"""The provider contract: a provider written against BaseProvider's defaults and registered in one table row runs a
column like the built-in ones, and its key is scrubbed from what it says."""

from __future__ import annotations

import pytest

import providers.builtin as builtin
from providers.base import BaseProvider, ProviderError
from providers.events import Chunk, Finish, Usage
from tests.conftest import make_settings
from tests.engine_helpers import columns, run

KEY = "acme-secret-key-0123456789"


class AcmeProvider(BaseProvider):
    """A whole provider in a few lines: the base class answers everything else the registry asks."""

    name, label = "acme", "Acme"

    def __init__(self, settings):
        self.key = settings.get("ACME_API_KEY")

    def unavailable_reason(self):
        return None if self.key else "set ACME_API_KEY in .env"

    async def stream(self, request):
        if request.model == "leaky":
            raise ProviderError(self.label, f"the server refused key {self.key}", status=401)
        for word in ("hello ", "from ", "acme"):
            yield Chunk(word)
        yield Finish("stop", "stop", Usage(input_tokens=7, output_tokens=3))


@pytest.fixture
def acme(monkeypatch):
    kinds = builtin.PROVIDER_KINDS + (builtin.ProviderKind(lambda s: [AcmeProvider(s)], lambda s: ["ACME_API_KEY"]),)
    monkeypatch.setattr(builtin, "PROVIDER_KINDS", kinds)


def test_a_provider_from_one_table_row_runs_a_column_and_its_key_never_shows(acme):
    from providers import Registry

    registry = Registry(make_settings({"ACME_API_KEY": KEY}))
    ok, leaky = run(registry, columns(["acme:any-model", "acme:leaky"], max_tokens=8))
    assert ok.error is None and ok.text == "hello from acme" and (ok.input_tokens, ok.output_tokens) == (7, 3)
    assert ok.total_s is not None and ok.ttft_s is not None, "timing is the engine's, not the provider's"
    assert "[redacted]" in leaky.error and KEY not in leaky.error
    assert KEY in registry.settings.secret_values()
    info = registry.info("acme:any-model")
    assert not (info.runs_locally or info.embedded or info.own_tokenizer)
    assert registry.unusable_reason("acme:any-model") is None


def test_without_its_key_the_new_provider_says_which_variable_to_set(acme):
    from providers import Registry

    [result] = run(Registry(make_settings({})), columns(["acme:any-model"]))
    assert "set ACME_API_KEY in .env" in result.error


def test_capabilities_come_from_the_providers_not_from_model_id_prefixes():
    from providers import Registry

    registry = Registry(make_settings({"LMSTUDIO_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": "sk-x"}))
    local, ollama, lmstudio, openai = (
        registry.info(i) for i in ("local:smollm2", "ollama:llama3.2", "lmstudio:any", "openai:gpt-4o-mini")
    )
    assert local.embedded and local.runs_locally and local.own_tokenizer
    assert ollama.runs_locally and lmstudio.runs_locally and not (ollama.embedded or lmstudio.embedded)
    assert not (openai.runs_locally or openai.embedded or openai.own_tokenizer)
    assert registry.tokenizer_ids() == ["local:smollm2"]
