"""A class on one machine: 30 visitors each run two keyless columns through the page's queue at the same moment.

python bench/bench_local_class.py  (figures from one run; absolute times only for orientation)

The app serves in this process (as `python app.py` does: engine started in the background, then waited for); the
visitors are gradio_client sessions in another process (bench/class_visitors.py), each a visitor of its own. Per
round: aggregate output tokens/s against what a bare llama.cpp step curve (bench/step_curve.py, measured after each
round) predicts for the steps the engine actually took (their batch sizes and thread counts); each column's wait
for its first token (queue + load + time to first token, as the app reports it) as longest against median; and the
CPU of the app process, its engine process and the visitors' process as shares of the run's wall time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("COMPARE_OFFLINE_TOKENIZERS", "1")

from bench import step_curve  # noqa: E402
from bench.bench_load import Worker  # noqa: E402
from bench.class_visitors import SYSTEM, prompt_for  # noqa: E402
from bench.load_mix import cpu_seconds  # noqa: E402
from compare import make_messages  # noqa: E402
from providers.base import ChatRequest  # noqa: E402
from tests.appserver import AppServer  # noqa: E402

CORES = os.cpu_count() or 1


def wait(column: dict) -> float:
    """Seconds from the run's start to the column's first token: queue, load and time to first token."""
    return (column["queue_s"] or 0) + (column["load_s"] or 0) + (column["ttft_s"] or 0)


def spread(waits: list[float]) -> tuple[float, float, float]:
    """Median, 90th percentile and longest."""
    ordered = sorted(waits)
    return statistics.median(ordered), ordered[int(0.9 * (len(ordered) - 1))], ordered[-1]


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "n/a"


def describe_batches(rows: list[list]) -> str:
    """Decode steps by how many columns they carried, and the share of steps that read prompt text."""
    decode = [r for r in rows if r[0] <= 8]
    steps = sum(r[2] for r in decode) or 1
    by_size: dict[int, int] = {}
    for tokens, _threads, count, _ in decode:
        by_size[tokens] = by_size.get(tokens, 0) + count
    reading = sum(r[2] for r in rows if r[0] > 8)
    sizes = " ".join(f"{n}:{c / steps:.0%}" for n, c in sorted(by_size.items()))
    mean = sum(n * c for n, c in by_size.items()) / steps
    return f"columns per decode step {sizes} (mean {mean:.1f}); {reading} steps also read prompts"


def main() -> None:
    """Start the app and the visitors, run the rounds, measure the bare step curve, print the figures."""
    from ui.web.safety import PageOptions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=64, help="max tokens per column")
    args = parser.parse_args()
    app = AppServer({}, PageOptions(proxy_header="X-Forwarded-For")).start()
    local = app.ctx.registry.providers["local"]
    local.start_engines_in_background().join()  # what `python app.py` starts once the page serves
    runtime = local.runtimes["smollm2"]
    visitors = Worker("bench.class_visitors")
    print(
        f"bench_local_class  {date.today()}  {platform.machine()}  {CORES} cores  python {platform.python_version()}  "
        f"{args.visitors} visitors x 2 local:smollm2 columns, up to {args.tokens} tokens each; "
        f"load average at start {loadavg()}",
        flush=True,
    )
    visitors.ask(url=app.url, visitors=args.visitors, round=0, tokens=4)  # sessions built; not counted
    prompt = runtime.prompt_tokens(ChatRequest("smollm2", make_messages(prompt_for(0, 1), SYSTEM)))
    bare = step_curve.BareSteps(runtime.model.path, prompt)
    rounds = []
    for round_no in range(1, args.rounds + 1):
        before, app_cpu, engine_cpu = runtime.stats()["threads"]["steps"], cpu_seconds(), cpu_seconds(runtime.pid)
        answer = visitors.ask(url=app.url, visitors=args.visitors, round=round_no, tokens=args.tokens)
        app_cpu, engine_cpu = cpu_seconds() - app_cpu, cpu_seconds(runtime.pid) - engine_cpu
        rows = step_curve.steps_between(before, runtime.stats()["threads"]["steps"])
        columns = [c for v in answer["visits"] for c in v["columns"]]
        failed = [v["error"] for v in answer["visits"] if v["error"]] + [c["error"] for c in columns if c["error"]]
        waits = [[wait(c) for c in v["columns"] if not c["error"]] for v in answer["visits"]]
        wall = answer["wall"]
        rounds.append(
            {
                "wall": wall,
                "tokens": sum(c["output_tokens"] or 0 for c in columns),
                "rows": rows,
                "waits": [w for ws in waits for w in ws],  # each column's
                "firsts": [min(ws) for ws in waits if ws],  # each visitor's first token, in whichever column
                "failed": failed,
                "cpu": (app_cpu / wall, engine_cpu / wall, answer["cpu_s"] / wall),
            }
        )
        print(f"  round {round_no}: {wall:.1f} s, {len(failed)} failed, load average {loadavg()}", flush=True)
        used = tuple(sorted({threads for _, threads, _, _ in rows}))  # the bare curve right after, at the same counts
        bare.round(used, step_curve.DECODE_SIZES + step_curve.PREFILL_SIZES, steps=32)
    visitors.close()
    bare.close()
    app.close()
    report(rounds, bare.median())


def report(rounds: list[dict], curves: dict[int, dict[int, float]]) -> None:
    """Print each round and the medians."""
    print("  per round: aggregate tok/s | bare step curve's prediction | ratio | engine step time / prediction")
    ratios: list[float] = []
    by_visitor: list[tuple[float, float, float]] = []
    by_column: list[tuple[float, float, float]] = []
    shares = []
    for i, r in enumerate(rounds, 1):
        predicted = step_curve.predicted_seconds(curves, r["rows"])
        stepped = sum(s for *_, s in r["rows"])
        actual, ideal = r["tokens"] / r["wall"], r["tokens"] / predicted
        ratios.append(actual / ideal)
        by_visitor.append(spread(r["firsts"]))
        by_column.append(spread(r["waits"]))
        shares.append(r["cpu"])
        threads = {}
        for _tokens, th, count, _ in r["rows"]:
            threads[th] = threads.get(th, 0) + count
        total = sum(threads.values()) or 1
        print(
            f"    round {i}: {actual:6.1f} tok/s | {ideal:6.1f} | {actual / ideal:4.2f} | {stepped / predicted:4.2f}   "
            f"({r['tokens']} tokens in {r['wall']:.1f} s; steps with "
            + ", ".join(f"{t} thread(s) {c / total:.0%}" for t, c in sorted(threads.items()))
            + ")"
        )
        print(f"      {describe_batches(r['rows'])}")
        for label, (median_wait, p90, longest) in (("a visitor's", by_visitor[-1]), ("a column's", by_column[-1])):
            print(
                f"      wait for {label} first token: median {median_wait:.2f} s, p90 {p90:.2f} s, longest "
                f"{longest:.2f} s = {longest / median_wait:.2f}x the median"
            )
        if r["failed"]:
            print(f"      failed: {len(r['failed'])}: {r['failed'][:2]}")
        print(
            f"      CPU over the wall time: app process {r['cpu'][0]:.0%} of a core, engine {r['cpu'][1]:.0%}, "
            f"visitors' process {r['cpu'][2]:.0%} ({CORES} cores)"
        )
    app_share, engine_share = (statistics.median(s[i] for s in shares) for i in (0, 1))
    print(
        f"  medians over rounds: aggregate / step-curve prediction {statistics.median(ratios):.2f}; longest wait for "
        f"a visitor's first token / median {statistics.median(w[2] / w[0] for w in by_visitor):.2f} (target <= 3), "
        f"for a column's {statistics.median(w[2] / w[0] for w in by_column):.2f}; app process {app_share:.0%} of a "
        f"core, engine {engine_share:.0%}; load average at end {loadavg()}"
    )
    curve_text = "; ".join(
        f"{t} thread(s): " + " ".join(f"{n}:{c * 1000:.1f}" for n, c in sorted(by.items())) for t, by in curves.items()
    )
    print(f"  bare step curve, ms per step by batch tokens: {curve_text}")


if __name__ == "__main__":
    main()
