"""Start-up discovery runs on a private event loop: the SDK clients it built are closed before that loop ends, so none
is left bound to a closed loop ("Task exception was never retrieved … Event loop is closed" in the start-up log)."""

from __future__ import annotations

import asyncio
import gc
import logging

from tests.conftest import make_settings
from tests.fakes.anthropic_server import AnthropicServer
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour
from ui.context import PageContext


def test_clients_built_by_discovery_do_not_outlive_its_loop(caplog):
    gc.collect()  # clients earlier tests left behind go now, with no loop running, not in the loop below
    with OpenAIServer(Behaviour()) as openai_fake, AnthropicServer(Behaviour()) as anthropic_fake:
        env = {
            "OPENAI_API_KEY": "sk-test-release-0123456789",
            "OPENAI_BASE_URL": openai_fake.url + "/v1",
            "ANTHROPIC_API_KEY": "sk-ant-test-release-0123456789",
            "ANTHROPIC_BASE_URL": anthropic_fake.url,
        }
        ctx = PageContext.create(make_settings(env))  # lists both servers' models on a loop of its own
        assert {"openai", "anthropic"} <= {m.provider for m in ctx.models if m.available}
        listed = [r for fake in (openai_fake, anthropic_fake) for r in fake.requests if r.path.endswith("/models")]
        assert listed, "discovery asked the servers, so their clients held connections"

        async def the_page_loop():
            for name in ("openai", "anthropic"):
                ctx.registry.providers[name].clients.get()  # built again for this loop
            gc.collect()
            await asyncio.sleep(0.2)  # a close() scheduled by a collected client would run and fail here
            gc.collect()

        with caplog.at_level(logging.ERROR, logger="asyncio"):
            asyncio.run(the_page_loop())
            gc.collect()
    assert not [r.getMessage() for r in caplog.records if r.name == "asyncio"]
