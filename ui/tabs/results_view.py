"""The results below the replies: column labels that say what differs, the summary table and the charts."""

from __future__ import annotations

import pandas as pd

from compare.metric_columns import metric_columns
from compare.result import Result

SUMMARY_COLUMNS = metric_columns(
    "status", "ttft", "answer", "total", "queued", "rate", "itl", "input", "output", "thinking", "counts", "cost"
)
SUMMARY_HEADERS = ["#", "column", *(c.table_header for c in SUMMARY_COLUMNS)]
CHARTS = (
    ("ttft_s", "first token (s)"),
    ("total_s", "total (s)"),
    ("tokens_per_s", "tokens/s"),
    ("cost_usd", "cost (USD)"),
)


def summary_table(results: list[Result], labels: list[str]) -> pd.DataFrame:
    """One row per column ("#n" as on the chart bars); the cost header carries the price date."""
    rows = [
        [f"#{i + 1}", label, *(c.number(r) for c in SUMMARY_COLUMNS)]
        for i, (r, label) in enumerate(zip(results, labels))
    ]
    headers = SUMMARY_HEADERS[:-1] + [cost_header(results)]
    return pd.DataFrame(rows, columns=headers)


def cost_header(results: list[Result]) -> str:
    """ "cost (USD, genai-prices 0.2.3 table, checked 2026-11-03)" (the prices used) when any column was priced."""
    sources = sorted({r.price_source for r in results if r.price_source})
    return f"cost (USD, {'; '.join(sources)})" if sources else "cost (USD)"


def chart_frames(results: list[Result]) -> tuple[list[pd.DataFrame | None], list[str]]:
    """Each chart's data with short "#n" bars (readable with 8 columns; the summary's "#" column names them), or None
    for a chart that would say nothing, with a note per chart left out."""
    frames, left_out = [], []
    for field_name, title in CHARTS:
        rows = [
            (f"#{i + 1}", getattr(r, field_name)) for i, r in enumerate(results) if getattr(r, field_name) is not None
        ]
        if not rows or all(value == 0 for _, value in rows):
            frames.append(None)
            left_out.append(f"{title} ({'every column is free' if rows else 'not known for any column'})")
        else:
            frames.append(pd.DataFrame(rows, columns=["column", title]))
    return frames, left_out
