"""How fast Stop closes every upstream stream: columns still waiting for their first token and columns streaming,
with each stopped column's token counting on a worker thread (as shipped) against counting on the event loop (as
before), side by side in one run (python bench/bench_stop.py [--trials N]).

Each trial is a fresh process (tiktoken's vocabulary not loaded yet, as on the command line's first Ctrl-C) running
two streaming columns and two waiting columns against fake servers in this process; the close latency of a column is
when its server noticed the hang-up minus when Stop was pressed (perf_counter is the system's monotonic clock, the
same in both processes).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("COMPARE_OFFLINE_TOKENIZERS", "1")

MODES = ("thread", "loop")  # where a stopped column counts its tokens


def trial(stream_url: str, wait_url: str, mode: str) -> None:
    """One Stop in this fresh process: print when it was pressed."""
    from compare import Comparison, make_messages
    from compare.column_stream import Column, ColumnStream
    from providers import Registry, Sampling, Settings
    from providers.events import Chunk

    if mode == "loop":  # the code before: the stopped Result, counting included, computed on the event loop

        async def on_the_loop(self):
            return self.meter.result(self.counter, self.column.messages, stopped=True, end=self.meter.now())

        ColumnStream._stopped_result = on_the_loop  # type: ignore[method-assign]
    env = {"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": stream_url + "/v1", "LLAMACPP_BASE_URL": wait_url + "/v1"}
    registry = Registry(Settings.load(env=env, dotenv_path=None))
    messages = make_messages("Tell me a long story.", "Be brief.")
    ids = ["openai:gpt-4o-mini", "openai:gpt-4.1-mini", "llamacpp:a", "llamacpp:b"]
    columns = [Column(str(i), m, messages, Sampling()) for i, m in enumerate(ids)]

    async def go() -> float:
        comparison = Comparison(registry, columns)
        streaming: set[str] = set()
        async for key, _, event in comparison.events():
            if isinstance(event, Chunk):
                streaming.add(key)
            if streaming == {"0", "1"}:
                await asyncio.sleep(0.3)  # the waiting columns have long been sent
                pressed = time.perf_counter()
                await comparison.cancel()
                return pressed
        raise RuntimeError("the streaming columns never streamed")

    print(asyncio.run(go()), flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--trials", type=int, default=7)
    p.add_argument("--trial", nargs=3, metavar=("STREAM_URL", "WAIT_URL", "MODE"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.trial:
        return trial(*args.trial)
    from tests.fakes.openai_server import OpenAIServer
    from tests.fakes.server import Behaviour

    streaming = OpenAIServer(Behaviour(reply=" ".join(["word"] * 2000), tokens_per_s=20)).start()
    waiting = OpenAIServer(Behaviour(reply="late", first_token_delay_s=120)).start()
    closes: dict[tuple[str, str], list[float]] = {(m, kind): [] for m in MODES for kind in ("waiting", "streaming")}
    try:
        for _ in range(args.trials):
            for mode in MODES:  # interleaved, so both modes see the same machine
                for srv in (streaming, waiting):
                    srv.reset()
                out = subprocess.run(
                    [sys.executable, __file__, "--trial", streaming.url, waiting.url, mode],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                pressed = float(out.stdout.strip().splitlines()[-1])
                for srv, kind in ((waiting, "waiting"), (streaming, "streaming")):
                    srv.wait_idle(10)
                    if len(srv.disconnect_times) < 2:
                        raise RuntimeError(f"a {kind} column's server never saw it hang up")
                    closes[(mode, kind)].append((max(srv.disconnect_times) - pressed) * 1000)
    finally:
        streaming.stop()
        waiting.stop()
    print(f"Stop → the server sees the last of each pair hang up, median of {args.trials} fresh processes (ms):")
    for kind in ("waiting", "streaming"):
        shipped, before = (statistics.median(closes[(m, kind)]) for m in MODES)
        worst = max(closes[("thread", kind)])
        print(
            f"  {kind:9} columns: counting on a thread {shipped:7.1f} (worst {worst:.1f}), "
            f"on the loop {before:7.1f}; loop ÷ thread {before / shipped:5.2f}"
        )


if __name__ == "__main__":
    main()
