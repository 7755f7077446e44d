"""The command line's `--repeat K`: one JSON line per model per run, a summary per model, one comparisons line."""
from __future__ import annotations

import json

from .repeat_run import RepeatedComparison
from .repeats import comparisons, median_range, summarize


def repeat_report(labels: dict[str, str], runs: dict[str, list[dict]]) -> tuple[list[dict], list[dict]]:
    """(summary per column, pairwise comparisons) over every column's runs, named by column label."""
    named = [(labels[key], runs[key]) for key in labels]
    return [summarize(label, column_runs) for label, column_runs in named], comparisons(named)


async def run_repeated(comparison: RepeatedComparison, labels: dict[str, str], as_json: bool, line) -> dict:
    """Run K times per column, print each run as it ends, then the summaries and verdicts; returns the runs."""
    def heard(key: str, k: int, result) -> None:
        if as_json:
            print(json.dumps({**line(result.to_json()), "run": k}), flush=True)
        else:
            r = result
            state = f"error: {r.error}" if r.error else f"ttft {_s(r.ttft_s)}  total {_s(r.total_s)}  {_s(r.tokens_per_s, '')} tok/s"
            print(f"[{labels[key]}] run {k}: {state}", flush=True)

    comparison.on_result = heard
    results = await comparison.run()
    runs = {key: [r.to_json() for r in results[key]] for key in labels}
    summaries, verdicts = repeat_report(labels, runs)
    if as_json:
        for summary in summaries:
            print(json.dumps(summary), flush=True)
        print(json.dumps({"comparisons": verdicts}), flush=True)
    else:
        print("\n" + "\n".join(text_summary(s) for s in summaries))
        print("\n".join(text_verdict(v) for v in verdicts))
    return runs


def text_summary(s: dict) -> str:
    """One model's spread as a line: median (p10–p90) of each timing, and its failed runs."""
    failed = f", {s['failed_runs']} failed (excluded)" if s["failed_runs"] else ""
    return (f"{s['model']}: {s['runs']} runs{failed}; ttft {median_range(s['ttft_s'])} s, total {median_range(s['total_s'])} s, "
            f"{median_range(s['tokens_per_s'], 1)} tok/s")


def text_verdict(v: dict) -> str:
    """One pairwise verdict as a line."""
    head = f"{v['metric']}: {v['a']} vs {v['b']}: "
    if v["p_value"] is None:
        return head + v["note"]
    return head + (f"{v['better']} is better" if v["better"] else "within noise") + f" (p = {v['p_value']:.3f})"


def _s(value, unit: str = " s") -> str:
    return "—" if value is None else f"{value:.2f}{unit}"
