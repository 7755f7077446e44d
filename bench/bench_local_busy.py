"""The embedded model's decode rate with one core kept busy by another process, against the same machine quiet.

python bench/bench_local_busy.py  (ratios measured side by side in one run; absolute rates only for orientation)

Each thread policy runs in an engine process of its own (the app's path: LocalRuntime over its socket); the bare
reference is a plain llama-cpp-python `Llama.generate` loop with its default thread count in another process. Every
round measures every policy and the bare loop once quiet and once while a `while True: pass` child keeps a core busy,
in alternating order; figures are medians over rounds. Each run decodes the same greedy reply from a cold cache.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("COMPARE_OFFLINE_TOKENIZERS", "1")

from providers.base import ChatRequest, Message  # noqa: E402
from providers.events import Chunk  # noqa: E402
from providers.local.runtime import LocalRuntime  # noqa: E402
from providers.settings import LocalModel, smollm2_path  # noqa: E402

STORY = (Message("system", "Be brief."), Message("user", "Write a long story about a dragon."))
CORES = os.cpu_count() or 1
POLICIES = {  # name -> the engine process's environment
    "app: adaptive threads": {},
    f"fixed {CORES} threads (before)": {"COMPARE_LOCAL_THREADS": str(CORES)},
    "fixed 1 thread": {"COMPARE_LOCAL_THREADS": "1"},
    f"fixed {CORES}, OMP_WAIT_POLICY=PASSIVE": {"COMPARE_LOCAL_THREADS": str(CORES), "OMP_WAIT_POLICY": "PASSIVE"},
    "adaptive, OMP_WAIT_POLICY=PASSIVE": {"OMP_WAIT_POLICY": "PASSIVE"},
}
BARE = "bare Llama loop, default threads"

# A plain llama-cpp-python loop: Llama() with its defaults, generate() over the same prompt ids, greedy. One JSON
# command per stdin line ({"prompt": [...], "tokens": n}); answers the decode rate between first and last token.
BARE_LOOP = """
import ctypes, json, sys, time
import llama_cpp as lc
from llama_cpp import Llama
keep = lc.llama_log_callback(lambda level, text, data: None)
lc.llama_log_set(keep, ctypes.c_void_p(0))
llm = Llama(model_path=sys.argv[1], n_ctx=2048, verbose=False)
print(json.dumps({"ready": True, "threads": llm.n_threads}), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    llm.reset()
    stamps = []
    for token in llm.generate(cmd["prompt"], temp=0.0):
        stamps.append(time.perf_counter())
        if len(stamps) >= cmd["tokens"] or token == llm.token_eos():
            break
    print(json.dumps({"rate": (len(stamps) - 1) / (stamps[-1] - stamps[0]), "tokens": len(stamps)}), flush=True)
"""


@contextlib.contextmanager
def busy_core(on: bool):
    """While on: a child process spinning on one core (started and ended here)."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if on else None
    try:
        if spinner is not None:
            time.sleep(0.3)  # let it reach the run queue
        yield
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()


@contextlib.contextmanager
def environment(extra: dict[str, str]):
    """os.environ with `extra` set, for starting one engine process (it copies the environment at start)."""
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class BareLoop:
    """The bare reference in a process of its own."""

    def __init__(self, path: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", BARE_LOOP, str(path)], text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self.threads = json.loads(self.proc.stdout.readline())["threads"]

    def rate(self, prompt: list[int], tokens: int) -> float:
        self.proc.stdin.write(json.dumps({"prompt": prompt, "tokens": tokens}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())["rate"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(30)


async def engine_rate(runtime: LocalRuntime, tokens: int) -> float:
    """Decode rate of one greedy reply, between its first and last token as the engine stamped them."""
    stamps = []
    async for item in runtime.stream(ChatRequest("smollm2", STORY, temperature=0.0, max_tokens=tokens)):
        if isinstance(item, Chunk):
            stamps.append(item.at)
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])


def steps_by_threads(runtime: LocalRuntime) -> dict[int, int]:
    """Decode steps so far by the thread count they ran with."""
    counts: dict[int, int] = {}
    for _tokens, threads, steps, _seconds in runtime.stats()["threads"]["steps"]:
        counts[threads] = counts.get(threads, 0) + steps
    return counts


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "n/a"


def main() -> None:
    """Start every policy's engine and the bare loop, run the interleaved rounds, print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=64)
    args = parser.parse_args()
    path = smollm2_path()
    runtimes = {}
    for name, env in POLICIES.items():
        with environment(env):
            runtimes[name] = LocalRuntime(LocalModel("smollm2", path))
            runtimes[name].warm()
    bare = BareLoop(path)
    prompt = next(iter(runtimes.values())).prompt_tokens(ChatRequest("smollm2", STORY))
    print(
        f"bench_local_busy  {date.today()}  {platform.machine()}  {CORES} cores  python {platform.python_version()}  "
        f"SmolLM2 Q4_1, {args.tokens} greedy tokens, {args.rounds} rounds; load average at start {loadavg()}"
    )

    def measure(name: str) -> float:
        if name == BARE:
            return bare.rate(prompt, args.tokens)
        runtimes[name].forget_cache()
        return asyncio.run(engine_rate(runtimes[name], args.tokens))

    names = [*POLICIES, BARE]
    for name in names:  # warm-up, not counted
        measure(name)
    rates: dict[tuple[str, bool], list[float]] = {(n, b): [] for n in names for b in (False, True)}
    shares: dict[bool, dict[int, int]] = {False: {}, True: {}}  # the app's steps by thread count, quiet / busy
    app = runtimes[names[0]]
    for round_ in range(args.rounds):
        for busy in (False, True) if round_ % 2 == 0 else (True, False):
            order = names[round_ % len(names) :] + names[: round_ % len(names)]
            with busy_core(busy):
                before = steps_by_threads(app)
                for name in order:
                    rates[name, busy].append(measure(name))
                after = steps_by_threads(app)
            for threads, count in after.items():
                shares[busy][threads] = shares[busy].get(threads, 0) + count - before.get(threads, 0)
        print(f"  round {round_ + 1}/{args.rounds} done, load average {loadavg()}", flush=True)
    bare.close()
    median = {key: statistics.median(values) for key, values in rates.items()}
    bare_quiet = median[BARE, False]
    print(f"  decode tok/s, median of {args.rounds} (bare loop: Llama's default of {bare.threads} thread(s))")
    print(f"    {'policy':<38} {'quiet':>7} {'busy':>7} {'busy/quiet':>10} {'quiet/bare':>10}  busy runs")
    for name in names:
        quiet, busy = median[name, False], median[name, True]
        spread = ", ".join(f"{r:.0f}" for r in sorted(rates[name, True]))
        print(f"    {name:<38} {quiet:7.1f} {busy:7.1f} {busy / quiet:10.2f} {quiet / bare_quiet:10.2f}  ({spread})")
    for busy, label in ((False, "quiet"), (True, "busy")):
        total = sum(shares[busy].values()) or 1
        split = ", ".join(f"{t} thread(s) {c / total:.0%}" for t, c in sorted(shares[busy].items()))
        print(f"  the app's decode steps while {label}: {split}")
    described = app.stats()["threads"]
    print(f"  the app's governor: {described['stalls']} stalls, {described['tries']} tries of one more thread")
    print(
        f"  targets: app busy/quiet >= 0.5 ({median[names[0], True] / median[names[0], False]:.2f}); "
        f"app quiet/bare >= 0.9 ({median[names[0], False] / bare_quiet:.2f}); load average at end {loadavg()}"
    )


if __name__ == "__main__":
    main()
