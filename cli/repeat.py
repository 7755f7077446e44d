"""`--repeat K`: one line (or JSON line) per model per run as it ends, then a summary per model and the verdicts."""

from __future__ import annotations

import json

from compare.record import Repeats
from compare.repeat_report import text_summary, text_verdict
from compare.result import Result

from .streaming import json_line


def print_run(label: str, k: int, result: Result, as_json: bool) -> None:
    """One finished run of one column."""
    if as_json:
        print(json.dumps({**json_line(result.to_json()), "run": k}), flush=True)
        return
    r = result
    state = (
        f"error: {r.error}"
        if r.error
        else f"ttft {_s(r.ttft_s)}  total {_s(r.total_s)}  {_s(r.tokens_per_s, '')} tok/s"
    )
    print(f"[{label}] run {k}: {state}", flush=True)


def print_summaries(repeats: Repeats, as_json: bool) -> None:
    """Each column's spread, then every pair's verdict (one JSON line each, then one line of comparisons)."""
    if as_json:
        for summary in repeats.summaries:
            print(json.dumps(summary), flush=True)
        print(json.dumps({"comparisons": repeats.comparisons}), flush=True)
    else:
        print("\n" + "\n".join(text_summary(s) for s in repeats.summaries))
        print("\n".join(text_verdict(v) for v in repeats.comparisons))


def _s(value, unit: str = " s") -> str:
    return "—" if value is None else f"{value:.2f}{unit}"
