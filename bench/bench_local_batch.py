"""Batched local decoding: N concurrent local:smollm2 columns against one, beside llama.cpp's own step-cost curve.

python bench/bench_local_batch.py [--threads auto|N]  (ratios measured side by side in one run; absolute times only
for orientation)

Besides the ratios it splits the app's wall time into the steps that read the prompts, the decode steps (both timed
by the engine around llama_decode) and the time outside steps (sampling, streaming, the event loop), beside what the
bare curve charges for the same reading and decoding.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("COMPARE_OFFLINE_TOKENIZERS", "1")

from bench import step_curve  # noqa: E402
from compare import Column, Comparison, make_messages  # noqa: E402
from providers import Registry, Sampling, Settings  # noqa: E402

COUNTS = (1, 2, 4, 8)
ROUNDS = 5
MAX_TOKENS = 128
STORY = make_messages("Write a long story about a dragon.", "Be brief.")  # long enough to reach MAX_TOKENS
FEWEST: dict[int, int] = {}  # N -> the fewest tokens a column produced (the ratios assume MAX_TOKENS each)
SERVER_CPU: dict[int, list[float]] = {}  # N -> this process's CPU (the server's side of the runs) / wall, per run


def registry() -> Registry:
    """A registry from an empty environment: just the embedded model."""
    return Registry(Settings.load(env={}, dotenv_path=None))


async def wall_time(reg: Registry, n: int) -> tuple[float, int]:
    """Seconds for n concurrent local columns (distinct seeds), and the fewest tokens any column produced."""
    columns = [Column(str(i), "local:smollm2", STORY, Sampling(max_tokens=MAX_TOKENS, seed=100 + i)) for i in range(n)]
    start = time.perf_counter()
    results = await Comparison(reg, columns).run()
    elapsed = time.perf_counter() - start
    errors = [r.error for r in results if r.error]
    if errors:
        raise RuntimeError(errors[0])
    return elapsed, min(r.output_tokens or 0 for r in results)


def curves(counts=COUNTS, rounds: int = ROUNDS, with_bare: bool = True):
    """N -> wall seconds of each round's N concurrent columns, N -> the engine's step rows of each round, the bare
    step costs (median over rounds; empty without `with_bare`), and the runtime.

    Each round runs N = 1, 2, 4, 8 (in reversed order every other round, so drift in other tenants' load evens
    out), every run reading its prompts from a cold cache, then measures the bare curve at the thread counts the
    engine used in that round.
    """
    from providers.base import ChatRequest

    reg = registry()
    runtime = reg.providers["local"].runtimes["smollm2"]
    runtime.warm()
    asyncio.run(wall_time(reg, 1))  # the first run, not counted
    prompt = runtime.prompt_tokens(ChatRequest("smollm2", STORY))
    bare = step_curve.BareSteps(runtime.model.path, prompt) if with_bare else None
    walls: dict[int, list[float]] = {n: [] for n in counts}
    steps: dict[int, list[list]] = {n: [] for n in counts}
    for round_ in range(rounds):
        used = set()
        for n in counts if round_ % 2 == 0 else counts[::-1]:
            runtime.forget_cache()
            before = runtime.stats()["threads"]["steps"]
            cpu = time.process_time()
            elapsed, tokens = asyncio.run(wall_time(reg, n))
            SERVER_CPU.setdefault(n, []).append((time.process_time() - cpu) / elapsed)
            FEWEST[n] = min(FEWEST.get(n, MAX_TOKENS), tokens)
            walls[n].append(elapsed)
            steps[n].append(step_curve.steps_between(before, runtime.stats()["threads"]["steps"]))
            used |= {threads for _, threads, _, _ in steps[n][-1]}
        if bare is not None:
            bare.round(tuple(sorted(used)), counts, MAX_TOKENS - 1)
        print(f"  round {round_ + 1}/{rounds}, load average {loadavg()}", flush=True)
    if bare is None:
        return walls, steps, {}, runtime
    bare.close()
    return walls, steps, bare.median(), runtime


def engine_curve(counts=COUNTS, rounds: int = ROUNDS) -> dict[int, tuple[float, float, float, int]]:
    """N -> (wall time for N columns / for 1: median, best; median seconds; fewest tokens), without the bare curve."""
    walls = curves(counts, rounds, with_bare=False)[0]
    median, best = statistics.median(walls[counts[0]]), min(walls[counts[0]])
    return {
        n: (statistics.median(w) / median, min(w) / best, statistics.median(w), FEWEST.get(n, MAX_TOKENS))
        for n, w in walls.items()
    }


def split(rows: list[list], n: int) -> tuple[float, float]:
    """Seconds of the steps that read prompt text, and of the decode-only steps (n tokens or fewer)."""
    reading = sum(seconds for tokens, _, _, seconds in rows if tokens > n)
    return reading, sum(seconds for tokens, _, _, seconds in rows if tokens <= n)


def main() -> None:
    """Print the app's curve beside the bare step curve, and where the app's time went."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="auto", help="the engine's COMPARE_LOCAL_THREADS (default: auto)")
    args = parser.parse_args()
    os.environ["COMPARE_LOCAL_THREADS"] = args.threads
    print(
        f"bench_local_batch  {date.today()}  {platform.machine()}  {os.cpu_count()} cores  "
        f"python {platform.python_version()}  threads {args.threads}; load average {loadavg()}"
    )
    walls, steps, bare, runtime = curves()
    from providers.base import ChatRequest

    prompt = runtime.prompt_tokens(ChatRequest("smollm2", STORY))
    used = Counter()
    for rows in steps.values():
        for r in rows:
            for _, threads, count, _ in r:
                used[threads] += count
    top = used.most_common(1)[0][0]  # the bare ratios at the thread count the engine used most
    one_wall, one_best = statistics.median(walls[1]), min(walls[1])
    predicted = {n: [step_curve.predicted_seconds(bare, rows) for rows in steps[n]] for n in COUNTS}
    one_predicted = statistics.median(predicted[1])
    print(
        f"  N concurrent local:smollm2 columns of {MAX_TOKENS} tokens ({len(prompt)}-token prompt), medians of "
        f"{ROUNDS} rounds; bare llama.cpp in its own process, same context layout"
    )
    print(
        f"    {'N':>2} {'app N/1':>8} {'best':>5} {'bare step N/1':>13} {'bare run N/1':>12}   "
        f"app seconds: wall = reading prompts + decode steps + outside steps   (bare: reading + steps)   server CPU"
    )
    for n in COUNTS:
        wall = statistics.median(walls[n])
        reading, decoding = (statistics.median(x) for x in zip(*(split(rows, n) for rows in steps[n])))
        bare_read, bare_steps = bare[top][n * len(prompt)], bare[top][n] * (MAX_TOKENS - 1)
        step_ratio = bare[top][n] / bare[top][1]
        print(
            f"    {n:>2} {wall / one_wall:8.2f} {min(walls[n]) / one_best:5.2f} {step_ratio:13.2f} "
            f"{statistics.median(predicted[n]) / one_predicted:12.2f}   "
            f"{wall:5.2f} = {reading:4.2f} + {decoding:4.2f} + {wall - reading - decoding:4.2f}   "
            f"({bare_read:4.2f} + {bare_steps:4.2f})   {statistics.median(SERVER_CPU[n]):.0%} of a core"
        )
    print(
        f"  engine steps by thread count: {dict(used)}; bare ratios at {top} thread(s); fewest tokens in a column "
        f"{FEWEST}; load average {loadavg()}"
    )


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "n/a"


if __name__ == "__main__":
    main()
