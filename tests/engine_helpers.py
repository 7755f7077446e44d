"""Shared helpers for engine tests: fake servers per protocol and one-call comparisons."""

from __future__ import annotations

import asyncio
from pathlib import Path

from compare import Column, Comparison, make_messages
from providers import Registry, Sampling, Settings
from tests.conftest import make_settings
from tests.fakes.anthropic_server import AnthropicServer
from tests.fakes.ollama_server import OllamaServer
from tests.fakes.openai_server import OpenAIServer

SECRET = "sk-test-SECRET-1234567890"
CATALOG_PRICES = Path(__file__).resolve().parent / "catalog_prices.toml"  # fakes standing in for the real providers

# protocol -> (server class, model id prefix, env builder)
PROTOCOLS = {
    "openai": (OpenAIServer, "openai", lambda url: {"OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": url + "/v1"}),
    "anthropic": (AnthropicServer, "anthropic", lambda url: {"ANTHROPIC_API_KEY": SECRET, "ANTHROPIC_BASE_URL": url}),
    "ollama": (OllamaServer, "ollama", lambda url: {"OLLAMA_HOST": url}),
}


def registry_for(env: dict, catalog_prices: bool = False, **extra) -> Registry:
    """A registry built only from the given environment (no .env; no user config unless `catalog_prices`)."""
    env = {**env, "COMPARE_READ_TIMEOUT_S": "2", **extra}
    if catalog_prices:
        return Registry(Settings.load(env=env, dotenv_path=None, config_path=CATALOG_PRICES))
    return Registry(make_settings(env))


def columns(
    model_ids: list[str], prompt: str = "Say hello", system: str | None = "Be brief.", **params
) -> list[Column]:
    """One column per model id, all with the same conversation."""
    messages = make_messages(prompt, system)
    client = params.pop("client", None)
    return [Column(str(i), m, messages, Sampling(**params), client) for i, m in enumerate(model_ids)]


def run(registry: Registry, cols: list[Column]):
    """Run a comparison to completion and return its results in column order."""
    return asyncio.run(Comparison(registry, cols).run())


def decode_together(engine, requests: list, stop_on_start: set[int] = frozenset()) -> list[str]:
    """Submit every request to an in-process LocalEngine while its decode thread is held, so all start in the same
    step, and return each reply's text. A request whose index is in `stop_on_start` is stopped the moment it gets a
    slot, before its first step ends."""
    import threading

    from providers.events import Chunk, Phase, Status
    from providers.local.sequence import END, Sequence
    from providers.local.threads import DECODE_THREAD, ThreadRelay

    async def one(i: int, request) -> str:
        relay, stop = ThreadRelay(asyncio.get_running_loop()), threading.Event()

        def emit(item) -> None:
            if i in stop_on_start and isinstance(item, Status) and item.phase == Phase.WAITING:
                stop.set()
            relay.put(item)

        engine.scheduler.submit(Sequence(request, emit, stop))
        text = []
        while True:
            for item in await relay.take():
                if item is END:
                    return "".join(text)
                if isinstance(item, Chunk):
                    text.append(item.text)

    async def all_of_them() -> list[str]:
        gate = threading.Event()
        DECODE_THREAD.submit(gate.wait)
        tasks = [asyncio.create_task(one(i, r)) for i, r in enumerate(requests)]
        await asyncio.sleep(0)  # each task submits its request before it first waits
        gate.set()
        return list(await asyncio.gather(*tasks))

    return asyncio.run(all_of_them())
