"""Many visitors at once: each gets its own complete reply; runs nobody listens to and coalescing stay cheap."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from gradio_client import Client

from compare import Comparison
from compare.coalesce import BatchQueue, coalesced
from tests.appserver import AppServer
from tests.engine_helpers import PROTOCOLS, columns, registry_for
from tests.fakes.anthropic_server import AnthropicServer
from tests.fakes.ollama_server import OllamaServer
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour
from ui.tabs.compare_run import FRAMES_PER_S, adaptive_interval
from ui.web.safety import PageOptions

REPLY = " ".join(f"w{i}" for i in range(30))
MODELS = ["openai:gpt-a", "anthropic:claude-b", "ollama:llama-c", "openai:gpt-d"]


def test_thirty_api_visitors_at_once_each_get_their_own_complete_reply():
    beh = lambda: Behaviour(reply=REPLY, tokens_per_s=200, echo_prompt=True)  # noqa: E731
    with OpenAIServer(beh()) as oa, AnthropicServer(beh()) as an, OllamaServer(beh()) as ol:
        env = {**PROTOCOLS["openai"][2](oa.url), **PROTOCOLS["anthropic"][2](an.url), **PROTOCOLS["ollama"][2](ol.url)}
        with AppServer(env, PageOptions(concurrency=32)) as app:
            clients = [Client(app.url, verbose=False, download_files=False, ssl_verify=False) for _ in range(30)]

            def visit(i: int) -> dict:
                return clients[i].predict(f"visitor{i}", "Be brief.", MODELS, 0.7, 256, api_name="/compare")

            with ThreadPoolExecutor(30) as pool:
                outs = list(pool.map(visit, range(30)))
    for i, out in enumerate(outs):
        assert [r["model"] for r in out["results"]] == MODELS
        for r in out["results"]:
            assert r["error"] is None and r["status"] == "done", (i, r["model"], r["error"], r["warnings"])
            assert r["text"] == f"visitor{i} {REPLY}", (i, r["model"])
            assert r["tokens_exact"] and r["output_tokens"] and r["ttft_s"] and r["tokens_per_s"]
    assert len({out["run_id"] for out in outs}) == 30


def test_run_keeps_partial_replies_when_cancelled_midway():
    with OpenAIServer(Behaviour(reply=" ".join(f"x{i}" for i in range(400)), tokens_per_s=50)) as srv:

        async def go():
            comparison = Comparison(registry_for(PROTOCOLS["openai"][2](srv.url)), columns(["openai:m"]))
            task = asyncio.create_task(comparison.run())
            while comparison.live_ttft("0") is None:
                await asyncio.sleep(0.02)
            await comparison.cancel()
            return await asyncio.wait_for(task, 10)

        (result,) = asyncio.run(go())
        assert srv.disconnected.wait(5), "the upstream stream was closed"
    assert result.stopped and result.error is None and result.text.startswith("x0")


def test_an_urgent_item_ends_the_coalescing_wait_and_the_others_share_its_batch():
    async def go():
        queue = BatchQueue(lambda item: item == "end")
        queue.put_nowait("a")

        async def later():
            await asyncio.sleep(0.05)
            for item in ("b", "c", "end"):
                queue.put_nowait(item)

        feeder = asyncio.create_task(later())
        # an hour-long interval: only the urgent item can end the wait
        batches = [b async for b in coalesced(queue, 1, lambda item: item == "end", 3600)]
        await feeder
        return batches

    assert asyncio.run(asyncio.wait_for(go(), 10)) == [["a", "b", "c", "end"]]


@pytest.mark.parametrize("running", [1, 5, 30])
def test_many_streaming_runs_share_one_frame_budget(running):
    interval = adaptive_interval(0.05, {}, running)
    assert interval == max(0.05, running / FRAMES_PER_S)
    assert running / interval <= FRAMES_PER_S
