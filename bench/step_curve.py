"""What one llama.cpp step costs by batch size and thread count: bare llama-cpp-python in a process of its own.

Shared by the local benchmarks. The context is laid out as the engine makes it (8 sequences of 2,048 tokens, one
KV stream each). A decode batch of n <= 8 tokens is one token for each of n sequences, as the engine steps n
columns, and is measured after a step in which those n sequences read the prompt (n x its length tokens: measured
too); a bigger size is one sequence's prompt chunk. The process stays up and measures one round per call, so a
benchmark can interleave its rounds with the app's; the cost is the median over rounds.
"""

from __future__ import annotations

import bisect
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DECODE_SIZES = (1, 2, 3, 4, 5, 6, 7, 8)
PREFILL_SIZES = (16, 64, 256)

SCRIPT = """
import ctypes, json, sys, time
import llama_cpp as lc
from llama_cpp import Llama
path, prompt = sys.argv[1], json.loads(sys.argv[2])
keep = lc.llama_log_callback(lambda level, text, data: None)
lc.llama_log_set(keep, ctypes.c_void_p(0))
sys.path.insert(0, __ROOT__)  # the app's AMX guard, so the bare loop loads as the app does
from providers.local import cpu_guard
cpu_guard.apply(cpu_guard.current_decision())
llm = Llama(model_path=path, n_ctx=512, verbose=False)
params = lc.llama_context_default_params()
params.n_ctx, params.n_seq_max, params.kv_unified, params.n_batch, params.n_ubatch = 8 * 2048, 8, False, 512, 512
ctx = lc.llama_init_from_model(llm.model, params)
memory = lc.llama_get_memory(ctx)
batch = lc.llama_batch_init(512, 0, 1)
def add(i, token, pos, seq, logits):
    batch.token[i], batch.pos[i], batch.n_seq_id[i], batch.logits[i] = token, pos, 1, logits
    batch.seq_id[i][0] = seq
def decode(n):
    batch.n_tokens = n
    assert lc.llama_decode(ctx, batch) == 0
def decode_step(n, steps):  # n sequences read the prompt in one step, then take `steps` steps of one token each
    lc.llama_memory_clear(memory, True)
    for i, token in enumerate(prompt * n):
        add(i, token, i % len(prompt), i // len(prompt), i % len(prompt) == len(prompt) - 1)
    start = time.perf_counter()
    decode(len(prompt) * n)
    read = time.perf_counter() - start
    start = time.perf_counter()
    for step in range(steps):
        for seq in range(n):
            add(seq, 1000 + seq, len(prompt) + step, seq, True)
        decode(n)
    return (time.perf_counter() - start) / steps, read
def prefill_step(n):  # one sequence reads an n-token chunk after the prompt; seconds for that step
    lc.llama_memory_clear(memory, True)
    for i, token in enumerate(prompt):
        add(i, token, i, 0, False)
    decode(len(prompt))
    for i in range(n):
        add(i, 1000 + i % 500, len(prompt) + i, 0, i == n - 1)
    start = time.perf_counter()
    decode(n)
    return time.perf_counter() - start
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:  # one round per command: {"threads": [...], "sizes": [...], "steps": k}
    cmd = json.loads(line)
    costs = {}
    for t in cmd["threads"]:
        lc.llama_set_n_threads(ctx, t, t)
        by_size = costs.setdefault(t, {})
        for n in cmd["sizes"]:
            if n <= 8:  # also the step that read the n prompts: a batch of n * len(prompt) tokens
                by_size[n], by_size[n * len(prompt)] = decode_step(n, cmd["steps"])
            else:
                by_size[n] = prefill_step(n)
    print(json.dumps(costs), flush=True)
"""


class BareSteps:
    """Bare llama.cpp in a process of its own, measuring one round of step costs per call."""

    def __init__(self, model_path: Path, prompt: list[int]):
        script = SCRIPT.replace("__ROOT__", repr(str(ROOT)))
        self.proc = subprocess.Popen(
            [sys.executable, "-c", script, str(model_path), json.dumps(prompt)],
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert json.loads(self.proc.stdout.readline())["ready"]
        self.rounds: list[dict[int, dict[int, float]]] = []

    def round(self, threads: tuple[int, ...], sizes: tuple[int, ...], steps: int = 64) -> dict[int, dict[int, float]]:
        """threads -> batch tokens -> seconds of one step, measured now (kept for `median`)."""
        self.proc.stdin.write(json.dumps({"threads": list(threads), "sizes": list(sizes), "steps": steps}) + "\n")
        self.proc.stdin.flush()
        out = json.loads(self.proc.stdout.readline())
        costs = {int(t): {int(n): c for n, c in by.items()} for t, by in out.items()}
        self.rounds.append(costs)
        return costs

    def median(self) -> dict[int, dict[int, float]]:
        """Each (threads, size) cost's median over the rounds measured so far."""
        merged: dict[int, dict[int, list[float]]] = {}
        for costs in self.rounds:
            for t, by in costs.items():
                for n, c in by.items():
                    merged.setdefault(t, {}).setdefault(n, []).append(c)
        return {t: {n: statistics.median(c) for n, c in by.items()} for t, by in merged.items()}

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(60)


def step_cost(curve: dict[int, float], tokens: int) -> float:
    """A step of `tokens` tokens read off a measured curve: linear between measured sizes, beyond the last too."""
    sizes = sorted(curve)
    if tokens in curve:
        return curve[tokens]
    i = min(max(bisect.bisect_left(sizes, tokens), 1), len(sizes) - 1)
    lo, hi = sizes[i - 1], sizes[i]
    return curve[lo] + (curve[hi] - curve[lo]) * (tokens - lo) / (hi - lo)


def predicted_seconds(curves: dict[int, dict[int, float]], steps: list[list]) -> float:
    """What the engine's steps ([batch tokens, threads, count, seconds] rows) would take at the bare cost."""
    return sum(count * step_cost(curves[threads], tokens) for tokens, threads, count, _ in steps)


def steps_between(before: list[list], after: list[list]) -> list[list]:
    """The engine's [batch tokens, threads, count, seconds] rows for the steps taken between two of its stats."""
    old = {(tokens, threads): (count, seconds) for tokens, threads, count, seconds in before}
    rows = []
    for tokens, threads, count, seconds in after:
        count0, seconds0 = old.get((tokens, threads), (0, 0.0))
        if count > count0:
            rows.append([tokens, threads, count - count0, seconds - seconds0])
    return rows
