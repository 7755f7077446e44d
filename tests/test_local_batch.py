"""Concurrent requests for one embedded model decode together: own settings, own cancel, fair turns, places."""

from __future__ import annotations

import asyncio
import contextlib

from compare import Column, Comparison, make_messages
from providers import Phase, Registry, Sampling
from providers.base import ChatRequest
from providers.events import Chunk, Status
from tests.conftest import make_settings

STORY = make_messages("Write a long story about a dragon.", "Be brief.")


def local_model(n_seq: int | None = None):
    """A fresh registry, its local provider and SmolLM2 runtime (n_seq set before the first request)."""
    registry = Registry(make_settings({}))
    provider = registry.providers["local"]
    runtime = provider.runtimes["smollm2"]
    if n_seq is not None:
        runtime.n_seq = n_seq
    return registry, provider, runtime


async def collect(provider, request: ChatRequest, items: list, stop_after: int | None = None) -> str:
    """Read one stream into `items`; with stop_after, close it after that many chunks."""
    chunks = 0
    async with contextlib.aclosing(provider.stream(request)) as stream:
        async for item in stream:
            items.append(item)
            chunks += isinstance(item, Chunk)
            if stop_after is not None and chunks >= stop_after:
                break
    return "".join(i.text for i in items if isinstance(i, Chunk))


def test_four_columns_batched_keep_their_own_seed_length_and_greedy_reply():
    registry, _, runtime = local_model()
    cols = [
        Column("seed-a", "local:smollm2", STORY, Sampling(0.9, None, 24, 11)),
        Column("seed-b", "local:smollm2", STORY, Sampling(0.9, None, 24, 11)),
        Column("short", "local:smollm2", STORY, Sampling(0.9, None, 5, 12)),
        Column("greedy", "local:smollm2", STORY, Sampling(0.0, None, 24)),
    ]
    together = asyncio.run(Comparison(registry, cols).run())
    runtime.forget_cache()
    alone = asyncio.run(Comparison(registry, [cols[3]]).run())[0]
    a, b, short, greedy = together
    assert all(r.error is None and r.text.strip() and r.queue_s is None for r in together)
    assert a.text == b.text, "same seed and temperature, same reply, though decoded side by side"
    assert short.output_tokens == 5 and short.finish_reason == "length"
    assert a.output_tokens == 24 and a.finish_reason == "length"
    assert greedy.text == alone.text, "greedy decoding gives the same reply batched as alone"


def test_cancelling_one_sequence_leaves_the_others_unchanged():
    _, provider, runtime = local_model()
    requests = [ChatRequest("smollm2", STORY, temperature=0.8, max_tokens=30, seed=s) for s in (1, 2, 3)]

    async def go(stop_after):
        logs = [[], [], []]
        texts = await asyncio.gather(
            *(
                collect(provider, r, log, stop_after if i == 1 else None)
                for i, (r, log) in enumerate(zip(requests, logs))
            )
        )
        return texts, logs

    reference, _ = asyncio.run(go(None))
    runtime.forget_cache()
    texts, logs = asyncio.run(go(3))
    assert texts[0] == reference[0] and texts[2] == reference[2]
    assert len(texts[1]) < len(reference[1])
    assert all(any(getattr(i, "reason", None) == "length" for i in logs[k]) for k in (0, 2))


def test_a_repeated_prompt_reuses_its_cached_prefix():
    _, provider, runtime = local_model()
    request = ChatRequest("smollm2", STORY, temperature=0.7, max_tokens=8, seed=5)
    first = asyncio.run(collect(provider, request, []))
    before = runtime.stats()["reused_tokens"]
    second = asyncio.run(collect(provider, request, []))
    assert runtime.stats()["reused_tokens"] - before == len(runtime.prompt_tokens(request)) - 1
    assert first == second


def test_visitors_take_turns_when_slots_are_full_and_waiting_requests_know_their_place():
    _, provider, runtime = local_model(n_seq=2)
    asyncio.run(collect(provider, ChatRequest("smollm2", STORY, max_tokens=1), []))  # loaded, idle
    logs = {name: [] for name in ("A0", "A1", "A2", "A3", "B0", "B1")}

    def request(name):
        return ChatRequest(
            "smollm2", STORY, temperature=0.0, max_tokens=24 if name in ("A0", "A1") else 6, client=name[0]
        )

    async def go():
        tasks = [asyncio.create_task(collect(provider, request(n), logs[n])) for n in ("A0", "A1", "A2", "A3")]
        while not (any(isinstance(i, Chunk) for i in logs["A0"]) and any(isinstance(i, Chunk) for i in logs["A1"])):
            await asyncio.sleep(0.001)
        tasks += [asyncio.create_task(collect(provider, request(n), logs[n])) for n in ("B0", "B1")]
        return await asyncio.gather(*tasks)

    texts = asyncio.run(go())
    assert all(texts)
    admitted = {
        n: next(i.at for i in log if isinstance(i, Status) and i.phase == Phase.WAITING) for n, log in logs.items()
    }
    assert sorted(admitted, key=admitted.get) == ["A0", "A1", "B0", "A2", "B1", "A3"]
    places = {
        n: [i.detail for i in log if isinstance(i, Status) and i.phase == Phase.QUEUED] for n, log in logs.items()
    }
    assert places["A0"] == places["A1"] == []
    # told on arrival (B's requests go ahead of A's third and fourth), then only moving up as slots free
    on_arrival = {"A2": ["1st", "2nd"], "B0": ["1st"], "B1": ["3rd"], "A3": ["2nd", "3rd", "4th"]}
    for name, told in on_arrival.items():
        assert places[name][: len(told)] == [f"{t} in line" for t in told], name
        later = [int(p.split()[0][:-2]) for p in places[name][len(told) - 1 :]]
        assert later == sorted(set(later), reverse=True), f"{name} only moves up: {places[name]}"


def test_a_queued_column_shows_its_place_and_the_wait_is_kept_out_of_ttft():
    registry, _, runtime = local_model(n_seq=1)
    cols = [Column(str(i), "local:smollm2", STORY, Sampling(0.0, None, 6)) for i in range(3)]

    async def go():
        comparison = Comparison(registry, cols)
        events = [x async for x in comparison.events()]
        return events, comparison.results

    events, results = asyncio.run(go())
    details = {
        k: [e.detail for key, _, e in events if key == k and isinstance(e, Status) and e.phase == Phase.QUEUED]
        for k in "012"
    }
    assert details == {"0": [], "1": ["1st in line"], "2": ["2nd in line", "1st in line"]}
    assert results["0"].queue_s is None and results["2"].queue_s > results["1"].queue_s > 0
    assert results["2"].ttft_s < results["2"].queue_s, "time spent in line is not time to first token"


def test_a_request_longer_than_the_shared_lane_runs_beside_short_ones_in_the_full_window_lane():
    registry, _, runtime = local_model()
    long_prompt = make_messages("Summarise: " + "the cat sat on the mat. " * 300, None)
    cols = [
        Column("long", "local:smollm2", long_prompt, Sampling(0.0, None, 300)),
        Column("short-1", "local:smollm2", STORY, Sampling(0.0, None, 8)),
        Column("short-2", "local:smollm2", STORY, Sampling(0.0, None, 8)),
    ]
    results = asyncio.run(Comparison(registry, cols).run())
    assert all(r.error is None and r.text and r.queue_s is None for r in results)
    stats = runtime.stats()
    (short_window, short_seqs), _ = stats["lanes"]
    assert results[0].input_tokens + 300 > short_window
    assert [cached > results[0].input_tokens for lane, cached in stats["slots"] if lane == 1] == [True]
    footprint = sum(window * n_seq for window, n_seq in stats["lanes"])
    assert (short_seqs, footprint) == (8, 8 * 2048 + 8192), "8 short sequences and one long, not 8 long"


def test_places_read_as_ordinals():
    from providers.local.batch import _ordinal

    assert [_ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "101st",
        "111th",
    ]


def test_a_stopped_waiting_request_leaves_the_line_and_the_next_moves_up():
    _, provider, _ = local_model(n_seq=1)
    asyncio.run(collect(provider, ChatRequest("smollm2", STORY, max_tokens=1), []))  # loaded, idle
    logs = {name: [] for name in "ABC"}

    async def go():
        tasks = {
            n: asyncio.create_task(
                collect(
                    provider, ChatRequest("smollm2", STORY, temperature=0.0, max_tokens=16 if n == "A" else 4), logs[n]
                )
            )
            for n in "ABC"
        }
        while not any(isinstance(i, Status) and i.phase == Phase.QUEUED for i in logs["C"]):
            await asyncio.sleep(0.001)
        tasks["B"].cancel()
        return await asyncio.gather(tasks["A"], tasks["C"])

    assert all(asyncio.run(go()))
    places = [i.detail for i in logs["C"] if isinstance(i, Status) and i.phase == Phase.QUEUED]
    assert places == ["2nd in line", "1st in line"]
    assert not any(isinstance(i, (Chunk, Status)) and getattr(i, "phase", None) != Phase.QUEUED for i in logs["B"]), (
        "B left the line before its turn"
    )
