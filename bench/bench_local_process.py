"""The engine process's cost: first token and decode rate through the process hop beside the same engine in-process.

python bench/bench_local_process.py  (ratios measured side by side in one run; absolute times only for orientation)

Both sides run SmolLM2 with the same scheduler; runs alternate (in-process, process, in-process, ...) and every run
starts with a cold prefix cache. "first token" is when the consumer's event loop receives the first text, counted
from when it asked; "decode" is tokens per second between the first and the last token as the engine stamped them.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("COMPARE_OFFLINE_TOKENIZERS", "1")

from providers.base import ChatRequest, Message  # noqa: E402
from providers.events import Chunk  # noqa: E402
from providers.local.batch import END, Sequence  # noqa: E402
from providers.local.engine import LocalEngine  # noqa: E402
from providers.local.runtime import LocalRuntime  # noqa: E402
from providers.local.threads import ThreadRelay  # noqa: E402
from providers.settings import LocalModel, smollm2_path  # noqa: E402

ROUNDS = 25
MAX_TOKENS = 96
STORY = (Message("system", "Be brief."), Message("user", "Write a long story about a dragon."))


async def in_process(engine: LocalEngine, request: ChatRequest):
    """The server's old path: the scheduler in this process, relayed to the event loop."""
    relay, stop = ThreadRelay(asyncio.get_running_loop()), threading.Event()
    engine.scheduler.submit(Sequence(request, relay.put, stop))
    while True:
        for item in await relay.take():
            if item is END:
                return
            yield item


async def measure(stream) -> tuple[float, float, int, float, float]:
    """(first text received, tokens/s between first and last stamped token, text chunks, first stamped, delivery).

    Times in seconds from the ask: "stamped" is when the engine made the first token (what ttft_s counts),
    "delivery" how long that token took from the engine to the consumer's event loop.
    """
    asked, first, stamps = time.perf_counter(), None, []
    async for item in stream:
        if isinstance(item, Chunk):
            first = first or time.perf_counter()
            stamps.append(item.at)
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    return first - asked, rate, len(stamps), stamps[0] - asked, first - stamps[0]


async def concurrent(open_stream, n: int) -> float:
    """Wall seconds for n concurrent requests."""
    start = time.perf_counter()
    await asyncio.gather(*(measure(open_stream(request(seed=s))) for s in range(n)))
    return time.perf_counter() - start


async def both(open_a, open_b) -> float:
    """Wall seconds for one request on each of two models at once."""
    start = time.perf_counter()
    await asyncio.gather(measure(open_a(request())), measure(open_b(request())))
    return time.perf_counter() - start


def request(seed: int = 1) -> ChatRequest:
    """The benchmark's request: greedy, so every run decodes the same tokens."""
    return ChatRequest("smollm2", STORY, temperature=0.0, max_tokens=MAX_TOKENS, seed=seed)


def main() -> None:
    """Print first-token overhead, decode ratio and the 4-versus-1 ratio on both sides."""
    model = LocalModel("smollm2", smollm2_path())
    engine, runtime = LocalEngine(model), LocalRuntime(model)
    engine.warm()
    runtime.warm()
    sides = {"in-process": lambda: in_process(engine, request()), "process": lambda: runtime.stream(request())}
    cold = {"in-process": engine.forget_cache, "process": runtime.forget_cache}
    results = {name: [] for name in sides}
    for _ in range(ROUNDS + 1):  # the first round warms both sides and is dropped
        for name, stream in sides.items():
            cold[name]()
            results[name].append(asyncio.run(measure(stream())))
    first = {n: statistics.median(r[0] for r in rs[1:]) for n, rs in results.items()}
    stamped = {n: statistics.median(r[3] for r in rs[1:]) for n, rs in results.items()}
    delivery = {n: statistics.median(r[4] for r in rs[1:]) for n, rs in results.items()}
    rate = {n: statistics.median(r[1] for r in rs[1:]) for n, rs in results.items()}
    chunks = {n: results[n][-1][2] for n in results}
    openers = {"in-process": lambda r: in_process(engine, r), "process": runtime.stream}
    four = {name: [] for name in sides}
    for _ in range(5):  # 4 columns and 1 alternate on both sides, each from a cold cache
        for name, opener in openers.items():
            cold[name]()
            one = asyncio.run(concurrent(opener, 1))
            cold[name]()
            four[name].append(asyncio.run(concurrent(opener, 4)) / one)
    other_engine, other_runtime = (
        LocalEngine(LocalModel("other", model.path)),
        LocalRuntime(LocalModel("other", model.path)),
    )
    other_engine.warm()
    other_runtime.warm()
    pairs = {"in-process": (engine, other_engine), "process": (runtime, other_runtime)}
    two = {name: [] for name in sides}
    for _ in range(5):  # two different models at once against one alone: the cores are shared between them
        for name, (a, b) in pairs.items():
            opener = (lambda m: lambda r: in_process(m, r)) if name == "in-process" else (lambda m: m.stream)
            a.forget_cache()
            one = asyncio.run(concurrent(opener(a), 1))
            a.forget_cache()
            b.forget_cache()
            two[name].append(asyncio.run(both(opener(a), opener(b))) / one)
    print(
        f"bench_local_process {date.today()}: SmolLM2, {MAX_TOKENS} tokens greedy, "
        f"medians of {ROUNDS} alternating runs, {os.cpu_count()} cores"
    )
    print(f"  text chunks per reply: in-process {chunks['in-process']}, process {chunks['process']}")
    print(
        f"  first text received: in-process {first['in-process'] * 1000:.1f} ms, "
        f"process {first['process'] * 1000:.1f} ms; "
        f"difference {(first['process'] - first['in-process']) * 1000:+.2f} ms (target <= 2 ms; includes prefill noise)"
    )
    print(
        f"  of which: first token stamped by the engine (what ttft_s counts) "
        f"in-process {stamped['in-process'] * 1000:.1f} ms, "
        f"process {stamped['process'] * 1000:.1f} ms; delivery to the event loop in-process "
        f"{delivery['in-process'] * 1000:.2f} ms, process {delivery['process'] * 1000:.2f} ms"
    )
    print(
        f"  decode: in-process {rate['in-process']:.0f} tok/s, process {rate['process']:.0f} tok/s; "
        f"process / in-process {rate['process'] / rate['in-process']:.3f} (target >= 0.97)"
    )
    print(
        f"  4 concurrent columns / 1: in-process {statistics.median(four['in-process']):.2f}, "
        f"process {statistics.median(four['process']):.2f} (target <= 2.6, as in-process)"
    )
    print(
        f"  2 different local models at once / 1 alone: in-process (one decode thread, turns) "
        f"{statistics.median(two['in-process']):.2f}, processes (cores shared) {statistics.median(two['process']):.2f}"
    )


if __name__ == "__main__":
    main()
