"""Repeat runs as text: each column's "median (p10–p90)" per metric as a table or a line, and the pairwise verdicts."""

from __future__ import annotations

from .record import Repeats
from .repeats import median_range

# (summary key, header, decimals): the metrics a repeat run's summary table shows, in order
SPREAD_COLUMNS = (
    ("ttft_s", "first token (s)", 2),
    ("answer_ttft_s", "answer (s)", 2),
    ("total_s", "total (s)", 2),
    ("tokens_per_s", "tokens/s", 1),
    ("output_tokens", "output tokens", 0),
    ("cost_usd", "cost (USD)", 6),
)
SPREAD_HEADERS = ["#", "column", "runs", *(header for _, header, _ in SPREAD_COLUMNS)]
SPREAD_NOTE = "Each figure is the median (p10–p90) over a column's successful runs."


def runs_cell(summary: dict) -> str:
    """ "5" or "4 of 5 (1 failed)": how many runs the spreads are over."""
    if not summary["failed_runs"]:
        return str(summary["runs"])
    return f"{summary['ok_runs']} of {summary['runs']} ({summary['failed_runs']} failed, excluded)"


def spread_rows(repeats: Repeats) -> list[list[str]]:
    """One row per column: "#n", its label, its runs, then "median (p10–p90)" of each metric ("—" when unknown)."""
    return [
        [
            f"#{i + 1}",
            s["model"],
            runs_cell(s),
            *(median_range(s.get(key), digits) for key, _, digits in SPREAD_COLUMNS),
        ]
        for i, s in enumerate(repeats.summaries)
    ]


def verdict_lines(repeats: Repeats) -> list[str]:
    """Each pair's verdict on first token, total and tokens/s, with its p value or why there is none."""
    return [text_verdict(v) for v in repeats.comparisons]


def repeats_markdown(repeats: Repeats, escape=lambda text: text) -> str:
    """The spread table and the verdicts as Markdown (cells passed through `escape`), for reports and History."""
    lines = [
        f"**{repeats.runs_per_column} runs per column**, each column's runs one after another; "
        f"the replies shown are run 1's. {SPREAD_NOTE}",
        "",
        "| " + " | ".join(SPREAD_HEADERS) + " |",
        "|" + "---|" * len(SPREAD_HEADERS),
    ]
    lines += ["| " + " | ".join(escape(cell) for cell in row) + " |" for row in spread_rows(repeats)]
    lines += ["", "Verdicts (two-sided Mann–Whitney U, α = 0.05):", ""]
    lines += [f"- {escape(line)}" for line in verdict_lines(repeats)]
    return "\n".join(lines) + "\n"


def text_summary(s: dict) -> str:
    """One model's spread as a line: median (p10–p90) of each timing, and its failed runs."""
    failed = f", {s['failed_runs']} failed (excluded)" if s["failed_runs"] else ""
    return (
        f"{s['model']}: {s['runs']} runs{failed}; ttft {median_range(s['ttft_s'])} s, "
        f"total {median_range(s['total_s'])} s, {median_range(s['tokens_per_s'], 1)} tok/s"
    )


def text_verdict(v: dict) -> str:
    """One pairwise verdict as a line."""
    head = f"{v['metric']}: {v['a']} vs {v['b']}: "
    if v["p_value"] is None:
        return head + v["note"]
    if v["better"]:
        return head + f"{v['better']} is better (p = {v['p_value']:.3f})"
    return (
        head
        + f"within noise (p = {v['p_value']:.3f})"
        + (v["note"].removeprefix("within noise") if v.get("note") else "")
    )
