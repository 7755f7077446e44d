"""Plain-text formatting of one result's figures, shared by the command line and the page."""

from __future__ import annotations

from .result import Result


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
