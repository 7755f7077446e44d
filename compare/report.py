"""Plain-text and number formatting of results, shared by the command line and the page."""
from __future__ import annotations

from .metrics import Result


def fmt_seconds(value: float | None) -> str:
    """0.123 -> "0.12 s"; None -> "–"."""
    return "–" if value is None else f"{value:.2f} s"


def fmt_cost(value: float | None) -> str:
    """Dollar cost with enough digits for tiny amounts; None -> "unknown"."""
    if value is None:
        return "unknown"
    if value == 0:
        return "$0"
    return f"${value:.6f}" if value < 0.01 else f"${value:.4f}"


def fmt_tokens(value: int | None, exact: bool) -> str:
    """Token count, prefixed with ~ when estimated."""
    if value is None:
        return "–"
    return f"{value:,}" if exact else f"~{value:,}"


def fmt_rate(value: float | None) -> str:
    """Tokens per second."""
    return "–" if value is None else f"{value:.1f}"


def fmt_status(result: Result) -> str:
    """One word for how a column ended: done, stopped, error, or what made it incomplete."""
    if result.status != "warning":
        return result.status
    if result.finish_reason == "length":
        return "cut (max tokens)"
    if result.finish_reason is None:
        return "no finish signal"
    return "empty" if not result.text.strip() else (result.finish_reason or "warning")


def table(results: list[Result], labels: list[str] | None = None) -> str:
    """A fixed-width metrics table, one row per column, then errors, warnings and what ~ means."""
    head = ("model", "ttft", "total", "tok/s", "in", "out", "think", "cost", "status")
    rows = [head]
    labels = labels or [r.model for r in results]
    for r, label in zip(results, labels):
        rows.append((label, fmt_seconds(r.ttft_s), fmt_seconds(r.total_s), fmt_rate(r.tokens_per_s),
                     fmt_tokens(r.input_tokens, r.tokens_exact), fmt_tokens(r.output_tokens, r.tokens_exact),
                     fmt_tokens(r.reasoning_tokens, r.tokens_exact) if r.reasoning_tokens else "–",
                     fmt_cost(r.cost_usd), fmt_status(r)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"{label}: {r.error}" for r, label in zip(results, labels) if r.error]
    notes += [f"{label}: {w}" for r, label in zip(results, labels) for w in r.warnings]
    if any(not r.tokens_exact for r in results):
        notes.append("~ = estimated locally or disputed (see tokens_source in --json)")
    return "\n".join(lines + ([""] + notes if notes else []))
