"""Clocks start at the wire: SDK imports and client set-up never land in a column's time to first token."""

from __future__ import annotations

import json

from tests.fakes.anthropic_server import AnthropicServer
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour
from tests.test_cli import cli

SERVER_TTFT_S = 0.3


def test_ttft_beside_an_anthropic_column_stays_within_150_ms_of_the_servers():
    # A fresh `python -m compare` process has imported no SDK: importing anthropic alone takes about a second.
    beh = Behaviour(reply="hello there", first_token_delay_s=SERVER_TTFT_S)
    with OpenAIServer(beh) as oa, AnthropicServer(beh) as an:
        env = {
            "OPENAI_API_KEY": "k1",
            "OPENAI_BASE_URL": oa.url + "/v1",
            "ANTHROPIC_API_KEY": "k2",
            "ANTHROPIC_BASE_URL": an.url,
        }
        done = cli("--json", "-m", "openai:gpt-4o-mini", "-m", "anthropic:claude-3-5-haiku-latest", "hi", env=env)
    assert done.returncode == 0, done.stderr
    lines = {line["model"]: line for line in map(json.loads, done.stdout.splitlines())}
    for model, line in lines.items():
        assert line["error"] is None, line
        assert SERVER_TTFT_S <= line["ttft_s"] <= SERVER_TTFT_S + 0.15, (model, line["ttft_s"])
