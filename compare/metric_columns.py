"""The metric columns every results table picks from: each one's headers, its text and its number for one Result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .report import fmt_cost, fmt_rate, fmt_seconds, fmt_status, fmt_tokens
from .result import Result


@dataclass(frozen=True)
class MetricColumn:
    """One metric column: headers for narrow text, reports and number tables; how a Result reads in each."""

    key: str
    short: str  # the command line's fixed-width table
    header: str  # Markdown report, History and snapshot
    table_header: str  # the page's summary table, whose cells are numbers
    text: Callable[[Result], str]
    number: Callable[[Result], object]
    narrow_text: Callable[[Result], str] | None = None  # the command line's text, where it differs from `text`

    def narrow(self, result: Result) -> str:
        """The command line's text for this column."""
        return (self.narrow_text or self.text)(result)


def _round(value, digits: int):
    return None if value is None else round(value, digits)


def _itl(r: Result) -> str:
    return "–" if r.itl_p50_ms is None else f"{r.itl_p50_ms:.0f} / {(r.itl_p95_ms or 0):.0f}"


METRIC_COLUMNS = (
    MetricColumn("status", "status", "status", "status", fmt_status, fmt_status),
    MetricColumn(
        "ttft", "ttft", "first token", "first token (s)", lambda r: fmt_seconds(r.ttft_s), lambda r: _round(r.ttft_s, 3)
    ),
    MetricColumn(
        "answer",
        "answer",
        "answer",
        "answer (s)",
        lambda r: fmt_seconds(r.answer_ttft_s),
        lambda r: _round(r.answer_ttft_s, 3),
    ),
    MetricColumn(
        "total", "total", "total", "total (s)", lambda r: fmt_seconds(r.total_s), lambda r: _round(r.total_s, 3)
    ),
    MetricColumn(
        "queued", "queued", "queued", "queued (s)", lambda r: fmt_seconds(r.queue_s), lambda r: _round(r.queue_s, 3)
    ),
    MetricColumn(
        "rate", "tok/s", "tok/s", "tokens/s", lambda r: fmt_rate(r.tokens_per_s), lambda r: _round(r.tokens_per_s, 1)
    ),
    MetricColumn("itl", "itl", "ITL p50 / p95 (ms)", "ITL p50 (ms)", _itl, lambda r: _round(r.itl_p50_ms, 1)),
    MetricColumn(
        "input",
        "in",
        "input",
        "input tokens",
        lambda r: fmt_tokens(r.input_tokens, r.tokens_exact),
        lambda r: r.input_tokens,
    ),
    MetricColumn(
        "output",
        "out",
        "output",
        "output tokens",
        lambda r: fmt_tokens(r.output_tokens, r.tokens_exact),
        lambda r: r.output_tokens,
    ),
    # the narrow table says "–" for no thinking at all, 0 included; the reports show the count as given
    MetricColumn(
        "thinking",
        "think",
        "thinking",
        "thinking tokens",
        lambda r: fmt_tokens(r.reasoning_tokens, r.tokens_exact),
        lambda r: r.reasoning_tokens,
        lambda r: fmt_tokens(r.reasoning_tokens, r.tokens_exact) if r.reasoning_tokens else "–",
    ),
    MetricColumn("counts", "counts", "counts", "counts", lambda r: r.tokens_source, lambda r: r.tokens_source),
    MetricColumn("cost", "cost", "cost", "cost (USD)", lambda r: fmt_cost(r.cost_usd), lambda r: _round(r.cost_usd, 6)),
    MetricColumn(
        "finish", "finish", "finish", "finish", lambda r: r.finish_reason or "none", lambda r: r.finish_reason
    ),
)
_BY_KEY = {c.key: c for c in METRIC_COLUMNS}


def metric_columns(*keys: str) -> tuple[MetricColumn, ...]:
    """The columns named by `keys`, in that order (a view's choice of metrics)."""
    return tuple(_BY_KEY[key] for key in keys)


def markdown_table(
    columns: tuple[MetricColumn, ...],
    results: list[Result],
    labels: list[str],
    first: str = "column",
    escape: Callable[[str], str] = str,
) -> list[str]:
    """A Markdown metrics table, one row per result after its label, every cell passed through `escape`."""
    head = [first, *(c.header for c in columns)]
    rows = [[label, *(c.text(r) for c in columns)] for r, label in zip(results, labels)]
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + [
        "| " + " | ".join(escape(str(cell)) for cell in row) + " |" for row in rows
    ]
