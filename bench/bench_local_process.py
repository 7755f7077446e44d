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

from providers.base import ChatRequest, Chunk, Message  # noqa: E402
from providers.local.batch import END, Sequence  # noqa: E402
from providers.local.engine import LocalEngine  # noqa: E402
from providers.local.runtime import LocalRuntime  # noqa: E402
from providers.local.threads import ThreadRelay  # noqa: E402
from providers.settings import LocalModel, smollm2_path  # noqa: E402

ROUNDS = 15
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


async def measure(stream) -> tuple[float, float, int]:
    """(seconds to the first text received, tokens/s between first and last stamped token, text chunks)."""
    asked, first, stamps = time.perf_counter(), None, []
    async for item in stream:
        if isinstance(item, Chunk):
            first = first or time.perf_counter()
            stamps.append(item.at)
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    return first - asked, rate, len(stamps)


async def concurrent(open_stream, n: int) -> float:
    """Wall seconds for n concurrent requests."""
    start = time.perf_counter()
    await asyncio.gather(*(measure(open_stream(request(seed=s))) for s in range(n)))
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
    print(f"bench_local_process {date.today()}: SmolLM2, {MAX_TOKENS} tokens greedy, medians of {ROUNDS} alternating runs, "
          f"{os.cpu_count()} cores")
    print(f"  text chunks per reply: in-process {chunks['in-process']}, process {chunks['process']}")
    print(f"  first text received: in-process {first['in-process'] * 1000:.1f} ms, process {first['process'] * 1000:.1f} ms; "
          f"added by the hop {(first['process'] - first['in-process']) * 1000:+.2f} ms (target <= 2 ms)")
    print(f"  decode: in-process {rate['in-process']:.0f} tok/s, process {rate['process']:.0f} tok/s; "
          f"process / in-process {rate['process'] / rate['in-process']:.3f} (target >= 0.97)")
    print(f"  4 concurrent columns / 1: in-process {statistics.median(four['in-process']):.2f}, "
          f"process {statistics.median(four['process']):.2f} (target <= 2.6, as in-process)")


if __name__ == "__main__":
    main()
