"""`--repeat K`: one line (or JSON line) per model per run, a summary per model, then the verdicts."""

from __future__ import annotations

import json

from compare.repeat_block import repeat_block
from compare.repeat_report import text_summary, text_verdict
from compare.repeat_run import RepeatedComparison

from .streaming import json_line


async def run_repeated(comparison: RepeatedComparison, labels: dict[str, str], as_json: bool) -> dict:
    """Run K times per column, print each run as it ends, then the summaries and verdicts; returns repeat_block's."""

    def heard(key: str, k: int, result) -> None:
        if as_json:
            print(json.dumps({**json_line(result.to_json()), "run": k}), flush=True)
        else:
            r = result
            state = (
                f"error: {r.error}"
                if r.error
                else f"ttft {_s(r.ttft_s)}  total {_s(r.total_s)}  {_s(r.tokens_per_s, '')} tok/s"
            )
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


def _s(value, unit: str = " s") -> str:
    return "—" if value is None else f"{value:.2f}{unit}"
