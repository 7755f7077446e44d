"""Discovery and configuration: keys from the environment and .env, dead hosts, user endpoints, bad config."""
from __future__ import annotations

import asyncio
import socket
import time

import pytest

from providers import ConfigError, Registry, Settings
from tests.conftest import make_settings
from tests.engine_helpers import columns, run
from tests.fakes.ollama_server import OllamaServer
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour


def discover(settings) -> dict:
    return {m.id: m for m in asyncio.run(Registry(settings).discover())}


def test_without_keys_cloud_models_say_which_key_to_set_and_local_works():
    found = discover(make_settings({"OLLAMA_HOST": "127.0.0.1:9"}))
    assert found["local:smollm2"].available
    assert found["openai:gpt-4o-mini"].reason == "set OPENAI_API_KEY in .env"
    assert found["anthropic:claude-3-5-haiku-latest"].reason == "set ANTHROPIC_API_KEY in .env"
    assert found["gemini:gemini-2.0-flash"].reason == "set GEMINI_API_KEY in .env"
    assert found["ollama:*"].reason == "Ollama is not running at http://127.0.0.1:9"


def test_dot_env_file_supplies_keys(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("GEMINI_API_KEY=from-dotenv\nANTHROPIC_API_KEY=also\n")
    settings = Settings.load(env={}, dotenv_path=dotenv, config_path=None)
    found = discover(settings)
    assert found["gemini:gemini-2.0-flash"].available and found["anthropic:claude-sonnet-4-0"].available
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


@pytest.mark.parametrize("config, message", [
    ("[[endpoints]\nname = 1", "is not valid TOML"),
    ('[[endpoints]]\nname = "x"', "needs string fields 'name' and 'base_url'"),
    ('[[endpoints]]\nname = "openai"\nbase_url = "http://127.0.0.1:1/v1"', "defined twice"),
    ('[[local]]\nname = "big"', "needs a string field 'path'"),
])
def test_malformed_config_names_the_file_and_the_problem(tmp_path, config, message):
    with pytest.raises(ConfigError) as caught:
        make_settings({}, tmp_path, config)
    assert message in str(caught.value) and "compare.toml" in str(caught.value)
