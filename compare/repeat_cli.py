"""The command line's `--repeat K`: one JSON line per model per run, a summary per model, one comparisons line."""
from __future__ import annotations

import json

from .repeat_run import RepeatedComparison
from .repeats import comparisons, median_range, summarize


def repeat_report(labels: dict[str, str], runs: dict[str, list[dict]]) -> tuple[list[dict], list[dict]]:
    """(summary per column, pairwise comparisons) over every column's runs, named by column label."""
    named = [(labels[key], runs[key]) for key in labels]
    return [summarize(label, column_runs) for label, column_runs in named], comparisons(named)


def column_labels(ids: list[str]) -> dict[str, str]:
    """Column key -> label; a model that appears twice is numbered by its column."""
    return {str(i): m if ids.count(m) == 1 else f"{m} #{i + 1}" for i, m in enumerate(ids)}


def repeat_block(labels: dict[str, str], results: dict[str, list], repeat: int) -> dict:
    """What a saved run keeps of its repeats: every run per column, the summaries and the verdicts."""
    runs = {key: [{**r.to_json(), "run": k} for k, r in enumerate(results[key], 1)] for key in labels}
    summaries, verdicts = repeat_report(labels, runs)
    return {"runs_per_column": repeat, "runs": [runs[key] for key in labels], "summaries": summaries,
            "comparisons": verdicts}


async def run_repeated(comparison: RepeatedComparison, labels: dict[str, str], as_json: bool, line) -> dict:
    """Run K times per column, print each run as it ends, then the summaries and verdicts; returns repeat_block's."""
    def heard(key: str, k: int, result) -> None:
        if as_json:
            print(json.dumps({**line(result.to_json()), "run": k}), flush=True)
        else:
            r = result
            state = f"error: {r.error}" if r.error else f"ttft {_s(r.ttft_s)}  total {_s(r.total_s)}  {_s(r.tokens_per_s, '')} tok/s"
            print(f"[{labels[key]}] run {k}: {state}", flush=True)

    comparison.on_result = heard
    block = repeat_block(labels, await comparison.run(), comparison.repeat)
    if as_json:
        for summary in block["summaries"]:
            print(json.dumps(summary), flush=True)
        print(json.dumps({"comparisons": block["comparisons"]}), flush=True)
    else:
        print("\n" + "\n".join(text_summary(s) for s in block["summaries"]))
        print("\n".join(text_verdict(v) for v in block["comparisons"]))
    return block


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
    if v["better"]:
        return head + f"{v['better']} is better (p = {v['p_value']:.3f})"
    return head + f"within noise (p = {v['p_value']:.3f})" + (v["note"].removeprefix("within noise") if v.get("note") else "")


def _s(value, unit: str = " s") -> str:
    return "—" if value is None else f"{value:.2f}{unit}"
