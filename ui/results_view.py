"""The results below the replies: column labels that say what differs, the summary table and the charts."""
from __future__ import annotations

import pandas as pd

from compare.metrics import Result
from compare.report import fmt_status

SUMMARY_HEADERS = ["#", "column", "status", "first token (s)", "answer (s)", "total (s)", "queued (s)", "tokens/s",
                   "ITL p50 (ms)", "input tokens", "output tokens", "thinking tokens", "counts", "cost (USD)"]
CHARTS = (("ttft_s", "first token (s)"), ("total_s", "total (s)"), ("tokens_per_s", "tokens/s"), ("cost_usd", "cost (USD)"))


def column_labels(columns: list[dict]) -> list[str]:
    """Labels naming each column's model and whatever differs between columns (persona, temperature, reasoning)."""
    def differs(key: str) -> bool:
        return len({str(c.get(key)) for c in columns}) > 1

    labels = []
    for c in columns:
        parts = [c.get("model", "?")]
        if differs("persona"):
            parts.append(str(c.get("persona") or "(shared)"))
        if differs("temperature"):
            parts.append(f"t={c['temperature']:g}" if isinstance(c.get("temperature"), (int, float)) else "t=default")
        if differs("reasoning"):
            parts.append(f"reasoning {c.get('reasoning') or 'default'}")
        labels.append(" · ".join(parts))
    # Still the same (identical settings, different runs): number them by column.
    return [f"{label} #{c.get('slot', i + 1)}" if labels.count(label) > 1 else label
            for i, (label, c) in enumerate(zip(labels, columns))]


def summary_table(results: list[Result], labels: list[str]) -> pd.DataFrame:
    """One row per column ("#n" as on the chart bars); the cost header carries the price date."""
    rows = [[f"#{i + 1}", label, fmt_status(r), _round(r.ttft_s, 3), _round(r.answer_ttft_s, 3), _round(r.total_s, 3),
             _round(r.queue_s, 3), _round(r.tokens_per_s, 1), _round(r.itl_p50_ms, 1), r.input_tokens, r.output_tokens,
             r.reasoning_tokens, r.tokens_source, None if r.cost_usd is None else round(r.cost_usd, 6)]
            for i, (r, label) in enumerate(zip(results, labels))]
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
        rows = [(f"#{i + 1}", getattr(r, field_name)) for i, r in enumerate(results) if getattr(r, field_name) is not None]
        if not rows or all(value == 0 for _, value in rows):
            frames.append(None)
            left_out.append(f"{title} ({'every column is free' if rows else 'not known for any column'})")
        else:
            frames.append(pd.DataFrame(rows, columns=["column", title]))
    return frames, left_out


def _round(value, digits):
    return None if value is None else round(value, digits)
