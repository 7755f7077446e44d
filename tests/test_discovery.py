"""Discovery and configuration: keys from the environment and .env, dead hosts, user endpoints, bad config."""

from __future__ import annotations

import asyncio
import socket
import time
from types import SimpleNamespace

import pytest

from providers import ConfigError, Registry, Settings, prices
from providers.model_listing import LISTING_TTL_S, chat_models
from tests.conftest import make_settings
from tests.engine_helpers import columns, run
from tests.fakes.anthropic_server import AnthropicServer
from tests.fakes.ollama_server import OllamaServer
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour


def discover(settings) -> dict:
    return {m.id: m for m in asyncio.run(Registry(settings).discover())}


def test_without_keys_cloud_models_say_which_key_to_set_and_local_works():
    found = discover(make_settings({"OLLAMA_HOST": "127.0.0.1:9"}))
    assert found["local:smollm2"].available
    assert found["openai:gpt-4o-mini"].reason == "set OPENAI_API_KEY in .env"
    assert found["anthropic:claude-sonnet-5-5"].reason == "set ANTHROPIC_API_KEY in .env"
    assert found["gemini:gemini-3.8-flash"].reason == "set GEMINI_API_KEY in .env"
    # Rows offered without a key are today's models, priced and sized by the table.
    luna = found["openai:gpt-6-luna"]
    assert (luna.input_per_m, luna.context_window) == (prices.lookup("openai:gpt-6-luna").input_per_m, 1050000)
    assert luna.price_source == prices.label() and "openai:gpt-4.1" not in found
    assert found["ollama:*"].reason == "Ollama is not running at http://127.0.0.1:9"


def test_dot_env_file_supplies_keys(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("GEMINI_API_KEY=from-dotenv\nANTHROPIC_API_KEY=also\n")
    settings = Settings.load(env={}, dotenv_path=dotenv, config_path=None)
    found = discover(settings)
    assert found["gemini:gemini-3.8-flash"].available and found["anthropic:claude-sonnet-5-5"].available
    assert "from-dotenv" in settings.secret_values()


def test_ollama_models_are_listed_from_the_server():
    with OllamaServer(models=["llama3.2:latest", "qwen2.5:0.5b"]) as srv:
        found = discover(make_settings({"OLLAMA_HOST": srv.url}))
    assert found["ollama:llama3.2"].available and found["ollama:qwen2.5:0.5b"].available
    assert found["ollama:llama3.2"].context_window == 131072


def test_a_host_that_never_answers_does_not_stall_discovery():
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(8)  # accepts connections in the backlog but never replies
    port = blackhole.getsockname()[1]
    env = {"OLLAMA_HOST": f"http://127.0.0.1:{port}", "LMSTUDIO_BASE_URL": f"http://127.0.0.1:{port}/v1"}
    try:
        started = time.monotonic()
        found = discover(make_settings(env))
        elapsed = time.monotonic() - started
    finally:
        blackhole.close()
    assert "did not answer" in found["ollama:*"].reason
    assert not found["lmstudio:*"].available
    assert elapsed < 10, "discovery is bounded by its own one-second timeout, not the read timeout"


def test_user_endpoint_from_config_is_discovered_and_used(tmp_path):
    with OpenAIServer(Behaviour(reply="from my server"), models=["tiny"]) as srv:
        config = f'[[endpoints]]\nname = "mybox"\nbase_url = "{srv.url}/v1"\n'
        settings = make_settings({}, tmp_path, config)
        found = discover(settings)
        assert found["mybox:tiny"].available
        [result] = run(Registry(settings), columns(["mybox:tiny"]))
    assert result.text == "from my server" and result.cost_usd is None


@pytest.mark.parametrize(
    "config, message",
    [
        ("[[endpoints]\nname = 1", "is not valid TOML"),
        ('[[endpoints]]\nname = "x"', "needs string fields 'name' and 'base_url'"),
        ('[[endpoints]]\nname = "openai"\nbase_url = "http://127.0.0.1:1/v1"', "defined twice"),
        ('[[local]]\nname = "big"', "needs a string field 'path'"),
        (
            '[prices]\n"openai:x" = { input_per_m = -1, output_per_m = 1 }',
            '[prices] "openai:x": input_per_m and output_per_m must be non-negative',
        ),
        (
            '[prices]\n"openai:x" = { input_per_m = "cheap", output_per_m = 1 }',
            '[prices] "openai:x": input_per_m and output_per_m must be non-negative',
        ),
        ('[prices]\n"openai:x" = { input_per_m = 1 }', '[prices] "openai:x" must be { input_per_m'),
        ('[prices]\n"gpt-4o" = { input_per_m = 1, output_per_m = 2 }', "must be a full model id"),
        ('[prices]\n"nosuch:m" = { input_per_m = 1, output_per_m = 2 }', "unknown provider 'nosuch'"),
    ],
)
def test_malformed_config_names_the_file_and_the_problem(tmp_path, config, message):
    with pytest.raises(ConfigError) as caught:
        make_settings({}, tmp_path, config)
    assert message in str(caught.value) and "compare.toml" in str(caught.value)


VLLM_MODELS = ["my-vllm-model", "text-embedding-3-small"]
CUSTOM_NOTE = "custom endpoint (OPENAI_BASE_URL): no table prices; declare them under [prices] in compare.toml"


def openai_env(srv) -> dict:
    return {"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.url + "/v1", "OLLAMA_HOST": "127.0.0.1:9"}


def listings(srv) -> list:
    return [r for r in srv.requests if r.method == "GET" and r.path == "/v1/models"]


def test_overridden_base_url_lists_the_servers_models_and_charges_no_catalog_price(settings_factory):
    with OpenAIServer(
        Behaviour(reply="hi", input_tokens=1_000_000, output_tokens=2_000_000), models=VLLM_MODELS
    ) as srv:
        registry = Registry(settings_factory(openai_env(srv)))
        found = {m.id: m for m in asyncio.run(registry.discover())}
        [served, refused, unsent] = run(
            registry, columns(["openai:my-vllm-model", "openai:gpt-4o-mini", "gemini:gemini-2.0-flash"])
        )
    assert found["openai:my-vllm-model"].available and "openai:text-embedding-3-small" not in found
    assert (
        found["openai:gpt-4o-mini"].available
        and "not in the models list of the server" in found["openai:gpt-4o-mini"].note
    )
    assert found["openai:gpt-4o-mini"].context_window == 128000, "the catalog still supplies windows"
    assert found["openai:my-vllm-model"].input_per_m is None and found["openai:my-vllm-model"].price_note == CUSTOM_NOTE
    assert served.text == "hi" and served.cost_usd is None and served.cost_note == CUSTOM_NOTE
    assert "404" in refused.error and refused.cost_usd is None  # the server does not serve it, so no cost either
    assert unsent.error and unsent.cost_usd is None and unsent.cost_note == "not sent"  # no GEMINI_API_KEY


def test_prices_declared_in_compare_toml_are_charged_on_a_custom_endpoint(settings_factory):
    config = '[prices]\n"openai:my-vllm-model" = { input_per_m = 0.5, output_per_m = 1.5 }\n"gemini:*" = "catalog"\n'
    with OpenAIServer(Behaviour(input_tokens=1_000_000, output_tokens=2_000_000), models=VLLM_MODELS) as srv:
        settings = settings_factory(
            {**openai_env(srv), "GEMINI_API_KEY": "g", "GEMINI_BASE_URL": srv.url + "/v1"}, config=config
        )
        [result] = run(Registry(settings), columns(["openai:my-vllm-model"]))
    assert result.cost_usd == pytest.approx(0.5 + 2 * 1.5) and result.cost_note == ""
    registry = Registry(settings)
    flash = registry.info("gemini:gemini-2.5-flash")
    assert flash.input_per_m == prices.lookup("gemini:gemini-2.5-flash").input_per_m == 0.30, (
        '"catalog" keeps table prices behind a proxy'
    )
    assert flash.price_source == prices.label() and flash.table is not None
    assert registry.info("gemini:unknown-model").input_per_m is None
    assert f"not in the {prices.label()}" in registry.info("gemini:unknown-model").price_note


def test_cloud_lists_merge_after_the_catalog_keeping_only_chat_models():
    openai_ids = [
        "gpt-4o-mini",
        "gpt-5-brand-new",
        "text-embedding-3-small",
        "whisper-1",
        "dall-e-3",
        "tts-1",
        "omni-moderation-latest",
        "gpt-4o-realtime-preview",
        "gpt-4o-mini-2024-07-18",
    ]
    gemini_ids = [
        "models/gemini-2.5-flash",
        "models/gemini-9-pro",
        "models/text-embedding-004",
        "models/aqa",
        "models/imagen-3.0-generate-002",
        "models/veo-2.0-generate-001",
        "models/gemini-2.5-flash-preview-tts",
    ]
    with (
        OpenAIServer(models=openai_ids) as oa,
        OpenAIServer(models=gemini_ids) as gm,
        AnthropicServer(models=["claude-3-5-haiku-latest", "claude-future-5"]) as an,
    ):
        env = {
            **openai_env(oa),
            "GEMINI_API_KEY": "g",
            "GEMINI_BASE_URL": gm.url + "/v1",
            "ANTHROPIC_API_KEY": "a",
            "ANTHROPIC_BASE_URL": an.url,
        }
        found = asyncio.run(Registry(make_settings(env)).discover())
    ids = {p: [m.id for m in found if m.provider == p and m.available] for p in ("openai", "gemini", "anthropic")}
    assert ids["openai"][:7] == [
        "openai:gpt-6-astra",
        "openai:gpt-6.1-sol",
        "openai:gpt-6.1-terra",
        "openai:gpt-6-luna",
        "openai:gpt-5.5",
        "openai:gpt-5.4-mini",
        "openai:gpt-4o-mini",
    ], "catalog rows first, in catalog order"
    assert ids["openai"][7:] == ["openai:gpt-5-brand-new"], "non-chat models and a listed alias's snapshot dropped"
    assert ids["gemini"] == [
        "gemini:gemini-4-argon",
        "gemini:gemini-3.8-flash",
        "gemini:gemini-3.5-flash-lite",
        "gemini:gemini-2.5-flash",
        "gemini:gemini-9-pro",
    ]
    assert ids["anthropic"][-2:] == ["anthropic:claude-3-5-haiku-latest", "anthropic:claude-future-5"]
    assert len(ids["anthropic"]) == 7


def test_official_endpoints_keep_only_their_chat_model_families():
    listed = [
        "gpt-4.1",
        "o3",
        "o3-pro",
        "chatgpt-4o-latest",
        "gpt-3.5-turbo-instruct",
        "babbage-002",
        "codex-mini-latest",
        "gpt-image-1",
        "computer-use-preview",
        "gpt-4o-search-preview",
        "ft:custom",
        "Qwen/Qwen2.5-7B-Instruct",
    ]
    assert chat_models("openai", listed, official=True) == ["chatgpt-4o-latest", "gpt-4.1", "o3"]
    assert "Qwen/Qwen2.5-7B-Instruct" in chat_models("openai", listed, official=False), (
        "a stand-in server serves anything"
    )
    assert chat_models(
        "gemini", ["models/gemini-2.0-flash-live-001", "models/gemma-3-27b-it", "models/learnlm-2.0"], True
    ) == ["gemma-3-27b-it"]


def test_a_listing_is_cached_for_ten_minutes_and_a_failure_is_not():
    now = [0.0]
    with OpenAIServer(models=VLLM_MODELS) as srv:
        registry = Registry(make_settings(openai_env(srv)), clock=lambda: now[0])
        asyncio.run(registry.discover())
        now[0] = LISTING_TTL_S - 1
        asyncio.run(registry.discover())
        assert len(listings(srv)) == 1
        now[0] = LISTING_TTL_S + 1
        srv.list_status = 500
        failed = {m.id: m for m in asyncio.run(registry.discover())}
        srv.list_status = None
        again = {m.id: m for m in asyncio.run(registry.discover())}
        assert len(listings(srv)) == 3
    assert "openai:my-vllm-model" not in failed and "openai:my-vllm-model" in again
    assert again["openai:gpt-4o-mini"].note != failed["openai:gpt-4o-mini"].note


def test_a_failed_listing_falls_back_to_the_catalog_with_the_reason_shown():
    from ui.tabs.models_panel import models_rows, unavailable_summary

    with AnthropicServer(list_status=500) as srv:
        registry = Registry(
            make_settings({"ANTHROPIC_API_KEY": "a", "ANTHROPIC_BASE_URL": srv.url, "OLLAMA_HOST": "127.0.0.1:9"})
        )
        found = asyncio.run(registry.discover())
    rows = [m for m in found if m.provider == "anthropic"]
    assert [m.id for m in rows] == [
        "anthropic:claude-opus-5-5",
        "anthropic:claude-fable-5-2",
        "anthropic:claude-sonnet-5-5",
        "anthropic:claude-haiku-5-5",
        "anthropic:claude-sonnet-4-5",
    ]
    assert all(m.available and m.note.startswith("could not list Anthropic's models") for m in rows)
    assert "internal error" in registry.listing_notes["anthropic"]
    ctx = SimpleNamespace(models=found, registry=registry)
    table = {row[0]: row for row in models_rows(ctx)}
    assert "could not list Anthropic's models" in table["anthropic:claude-sonnet-5-5"][2]
    assert "custom endpoint (ANTHROPIC_BASE_URL)" in table["anthropic:claude-sonnet-5-5"][2]
    assert "Model lists — anthropic: could not list" in unavailable_summary(ctx)


@pytest.mark.parametrize(
    "knobs, window", [({"context_length": 32768}, 32768), ({"context_length": 32768, "num_ctx": 8192}, 8192)]
)
def test_ollama_windows_come_from_api_show(knobs, window):
    with OllamaServer(Behaviour(reply="ok", **knobs), models=["llama3.2:latest", "qwen3:0.6b"]) as srv:
        registry = Registry(make_settings({"OLLAMA_HOST": srv.url}))
        found = {m.id: m for m in asyncio.run(registry.discover())}
        [result] = run(registry, columns(["ollama:qwen3:0.6b"]))
    assert found["ollama:llama3.2"].context_window == window, "the server's window, not the catalog's"
    assert found["ollama:qwen3:0.6b"].context_window == window and result.context_window == window
    assert result.cost_usd == 0.0, "local compute has a known price"


def test_an_ollama_cloud_route_is_neither_local_nor_free_and_keeps_the_servers_window(settings_factory):
    per_model = {"llama3.2": Behaviour(context_length=8192), "big": Behaviour(cloud_route=True, context_length=262144)}
    with OllamaServer(Behaviour(reply="ok"), per_model=per_model) as srv:
        env = {"OLLAMA_HOST": srv.url}
        found = discover(make_settings(env))
        # A run without discovery first (the command line) asks /api/show itself before the clock starts.
        [cold] = run(Registry(make_settings(env)), columns(["ollama:big"]))
        priced = Registry(settings_factory(env, '[prices]\n"ollama:big" = { input_per_m = 1.0, output_per_m = 2.0 }\n'))
        [declared] = run(priced, columns(["ollama:big"]))
    local, cloud = found["ollama:llama3.2"], found["ollama:big"]
    assert local.runs_locally and local.input_per_m == 0.0 and local.context_window == 8192
    assert not cloud.runs_locally and cloud.available and cloud.context_window == 262144
    assert cloud.input_per_m is None and "cloud route (computed on ollama.com)" in cloud.price_note
    assert cloud.note == "a cloud route through Ollama: computed on ollama.com, not here"
    assert cold.error is None and cold.cost_usd is None and cold.context_window == 262144
    assert cold.cost_note.startswith("a cloud route (computed on ollama.com): no price known")
    assert declared.cost_usd is not None and declared.cost_usd > 0
