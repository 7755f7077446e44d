"""The page's runs per column: what a finished repeat run keeps, and the banner that reports its spread and verdicts."""
from __future__ import annotations

from compare.metrics import Result
from compare.repeat_cli import repeat_block, text_summary, text_verdict

from .render import escape_md
from .results_view import column_labels


def page_repeats(slots: list[int], columns: list[dict], rounds: list[dict[str, Result]], repeat: int) -> dict:
    """Every run of every column (round by round), the summaries and the verdicts, keyed as the record's columns."""
    keys = [str(s) for s in slots][:len(columns)]
    labels = dict(zip(keys, column_labels(columns)))
    return repeat_block(labels, {key: [r[key] for r in rounds if key in r] for key in keys}, repeat)


def repeats_banner(repeats: dict) -> str:
    """Markdown: per column "median (p10–p90)", then each pair's verdict with its p value."""
    lines = [f"**{repeats['runs_per_column']} runs per column** — median (p10–p90):"]
    lines += [f"- {escape_md(text_summary(s))}" for s in repeats["summaries"]]
    lines += [f"- {escape_md(text_verdict(v))}" for v in repeats["comparisons"]]
    return "\n".join(lines)
