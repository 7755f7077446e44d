"""Engine benchmarks, printed as ratios measured side by side in one run (python bench/bench_engine.py)."""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("COMPARE_OFFLINE_TOKENIZERS", "1")

from bench.bench_local_batch import engine_curve  # noqa: E402
from bench.fakeproc import fake_server  # noqa: E402
from compare import Column, Comparison, make_messages  # noqa: E402
from providers import Registry, Sampling, Settings  # noqa: E402
from providers.events import Chunk  # noqa: E402

ROUNDS = 5
WORDS = " ".join(f"w{i}" for i in range(100))


def registry(**env) -> Registry:
    """A registry built only from the given environment."""
    return Registry(Settings.load(env=env, dotenv_path=None))


def cols(ids, **params):
    """One column per model id with a short fixed conversation."""
    messages = make_messages("Say something.", "Be brief.")
    return [Column(str(i), m, messages, Sampling(**params)) for i, m in enumerate(ids)]


async def wall_time(reg, ids) -> float:
    """Seconds for one whole comparison."""
    start = time.perf_counter()
    await Comparison(reg, cols(ids)).run()
    return time.perf_counter() - start


async def fan_out(url_fast, url_slow) -> dict:
    """8 concurrent vs 1, and a fast model beside a 10x slower one vs alone."""
    reg = registry(OPENAI_API_KEY="k", OPENAI_BASE_URL=url_fast + "/v1", VLLM_BASE_URL=url_slow + "/v1")
    await wall_time(reg, ["openai:m"])  # warm-up: imports, connection pool
    one, eight, alone, paired = [], [], [], []
    for _ in range(ROUNDS):
        one.append(await wall_time(reg, ["openai:m"]))
        eight.append(await wall_time(reg, [f"openai:m{i}" for i in range(8)]))
        alone.append((await Comparison(reg, cols(["openai:fast"])).run())[0].total_s)
        results = await Comparison(reg, cols(["openai:fast", "vllm:slow"])).run()
        paired.append(results[0].total_s)
    return {
        "8 models / 1 model wall time": statistics.median(eight) / statistics.median(one),
        "fast beside 10x slower / fast alone": statistics.median(paired) / statistics.median(alone),
    }


async def ttft_overhead(url) -> float:
    """Median extra milliseconds to the first token through the engine vs the bare SDK."""
    import openai

    reg = registry(OPENAI_API_KEY="k", OPENAI_BASE_URL=url + "/v1")
    client = openai.AsyncOpenAI(api_key="k", base_url=url + "/v1", max_retries=0)
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say something."}]

    async def direct() -> float:
        start = time.perf_counter()
        stream = await client.chat.completions.create(
            model="m", messages=messages, stream=True, stream_options={"include_usage": True}
        )
        first = None
        async for chunk in stream:
            if first is None and chunk.choices and chunk.choices[0].delta.content:
                first = time.perf_counter() - start
        return first

    async def engine() -> float:
        start = time.perf_counter()
        first = None
        async for _, _, event in Comparison(reg, cols(["openai:m"])).events():
            if first is None and isinstance(event, Chunk):
                first = time.perf_counter() - start
        return first

    for _ in range(3):
        await direct(), await engine()
    diffs = []
    for _ in range(30):
        d, e = await direct(), await engine()
        diffs.append((e - d) * 1000)
    return statistics.median(diffs)


ROOT_REPR = repr(str(Path(__file__).resolve().parent.parent))  # for the bare script's sys.path
BARE_LOOP = """
import json, sys, time
from llama_cpp import Llama
path, n_threads, tokens = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
sys.path.insert(0, __ROOT__)  # the app's AMX guard, so the bare loop loads as the app does
from providers.local import cpu_guard
cpu_guard.apply(cpu_guard.current_decision())
llm = Llama(model_path=path, n_ctx=8192, n_threads=n_threads, n_threads_batch=n_threads, verbose=False)
stamps = []
for token in llm.generate(tokens, temp=0.0, top_p=0.95, top_k=40, repeat_penalty=1.0, reset=True):
    if token == llm.token_eos() or len(stamps) >= 128:
        break
    llm.detokenize([token])
    stamps.append(time.perf_counter())
print(len(stamps) / (stamps[-1] - stamps[0]))
"""


def local_decode_ratio() -> float:
    """The local provider's decode rate over a bare llama-cpp-python loop (same model, prompt, threads).

    The bare loop runs in its own process, on its main thread, as a plain script would.
    """
    import json
    import subprocess

    from providers.base import ChatRequest

    reg = registry()
    runtime = reg.providers["local"].runtimes["smollm2"]
    column = cols(["local:smollm2"], temperature=0.0, max_tokens=128, seed=0)[0]
    tokens = runtime.prompt_tokens(ChatRequest("smollm2", column.messages))
    args = [
        sys.executable,
        "-c",
        BARE_LOOP.replace("__ROOT__", ROOT_REPR),
        str(runtime.model.path),
        str(runtime.n_threads),
        json.dumps(tokens),
    ]

    def ours_rate() -> float:
        runtime.forget_cache()  # no KV-cache reuse: both sides decode the same prompt from scratch
        return asyncio.run(Comparison(reg, [column]).run())[0].tokens_per_s

    ours_rate()
    ours, theirs = [], []
    for _ in range(ROUNDS):
        ours.append(ours_rate())
        theirs.append(float(subprocess.run(args, capture_output=True, text=True, check=True).stdout))
    return statistics.median(ours) / statistics.median(theirs)


def main() -> None:
    """Run every engine benchmark and print the ratios."""
    print(
        f"bench_engine  {date.today()}  {platform.machine()}  {os.cpu_count()} cores  "
        f"python {platform.python_version()}"
    )
    with (
        fake_server("--tokens-per-s", "100", "--reply", WORDS) as fast,
        fake_server("--tokens-per-s", "10", "--reply", WORDS) as slow,
    ):
        for name, ratio in asyncio.run(fan_out(fast, slow)).items():
            print(f"  {name:<42} {ratio:6.3f}   (target <= 1.05)")
    with fake_server("--reply", WORDS) as instant:
        print(
            f"  {'engine overhead on first token (median ms)':<42} "
            f"{asyncio.run(ttft_overhead(instant)):6.2f}   (target <= 5 ms)"
        )
    print(f"  {'local decode rate / bare llama.cpp loop':<42} {local_decode_ratio():6.3f}   (target >= 0.95)")
    median, best, _, _ = engine_curve((1, 4))[4]
    print(f"  {'4 local columns / 1 local column':<42} {median:6.3f}   (target <= 2.6; best of rounds {best:.3f})")


if __name__ == "__main__":
    main()
