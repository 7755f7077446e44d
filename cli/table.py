"""The command line's metrics table, in the short headers and narrow text of compare.metric_columns."""

from __future__ import annotations

from compare.metric_columns import metric_columns
from compare.result import Result

COLUMNS = metric_columns("ttft", "total", "rate", "input", "output", "thinking", "cost", "status")


def table(results: list[Result], labels: list[str] | None = None) -> str:
    """A fixed-width metrics table, one row per column, then errors, warnings and what ~ means."""
    head = ("model", *(c.short for c in COLUMNS))
    rows = [head]
    labels = labels or [r.model for r in results]
    for r, label in zip(results, labels):
        rows.append((label, *(c.narrow(r) for c in COLUMNS)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"{label}: {r.error}" for r, label in zip(results, labels) if r.error]
    notes += [f"{label}: {w}" for r, label in zip(results, labels) for w in r.warnings]
    if any(not r.tokens_exact for r in results):
        notes.append("~ = estimated locally or disputed (see tokens_source in --json)")
    return "\n".join(lines + ([""] + notes if notes else []))
