"""Every run of a repeat comparison as a dot, one row per column, one small chart per timing (inline SVG)."""

from __future__ import annotations

from html import escape

from compare.record import Repeats
from compare.repeats import percentile
from compare.result import Result

DOT_METRICS = (("ttft_s", "first token (s)"), ("total_s", "total (s)"), ("tokens_per_s", "tokens/s"))
WIDTH, ROW, LEFT, PAD = 300, 24, 34, 10  # px: chart width, row height, room for "#n", right padding


def _fmt(value: float) -> str:
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2 if abs(value) >= 0.1 else 3
    return f"{value:.{digits}f}"


def metric_chart(metric: str, title: str, columns: list[tuple[str, list[Result]]]) -> str:
    """One timing's chart: a row per column ("#n"), a dot per successful run, a tick at the median."""
    values = [
        [(k, float(getattr(r, metric))) for k, r in enumerate(runs, 1) if r.ok and getattr(r, metric) is not None]
        for _, runs in columns
    ]
    top = max((v for row in values for _, v in row), default=0.0) or 1.0
    span = WIDTH - LEFT - PAD
    x = lambda v: LEFT + span * v / (top * 1.05)  # noqa: E731
    height = ROW * len(columns) + 22
    parts = [
        f'<svg class="dot-chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-label="{escape(title)}: every run of each column as a dot">',
        f'<text x="{LEFT}" y="{height - 6}" class="axis">0</text>',
        f'<text x="{WIDTH - PAD}" y="{height - 6}" class="axis" text-anchor="end">{_fmt(top * 1.05)}</text>',
    ]
    for i, ((label, _), row) in enumerate(zip(columns, values)):
        y = ROW * i + ROW / 2 + 2
        parts.append(f'<text x="2" y="{y + 4}" class="row-label"><title>{escape(label)}</title>#{i + 1}</text>')
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - PAD}" y1="{y}" y2="{y}" class="row-line"/>')
        for run, value in row:
            parts.append(
                f'<circle cx="{x(value):.1f}" cy="{y}" r="4" class="run-dot" data-column="{i + 1}" data-run="{run}">'
                f"<title>{escape(label)}, run {run}: {_fmt(value)}</title></circle>"
            )
        if row:
            median = percentile([v for _, v in row], 50)
            parts.append(
                f'<line x1="{x(median):.1f}" x2="{x(median):.1f}" y1="{y - 8}" y2="{y + 8}" class="median">'
                f"<title>{escape(label)}, median: {_fmt(median)}</title></line>"
            )
        else:
            parts.append(f'<text x="{LEFT + 4}" y="{y + 4}" class="axis">no successful run</text>')
    parts.append("</svg>")
    return f'<figure class="dot-figure"><figcaption>{escape(title)}</figcaption>{"".join(parts)}</figure>'


def dot_charts_html(repeats: Repeats | None) -> str:
    """The three charts side by side for a run with repeats; empty for a single run."""
    if not repeats:
        return ""
    columns = list(zip(repeats.labels, repeats.runs))
    charts = "".join(metric_chart(metric, title, columns) for metric, title in DOT_METRICS)
    return (
        f'<div class="dot-charts" id="dot-charts-body"><p class="dot-note">Every run as a dot '
        f"({repeats.runs_per_column} per column; failed runs left out); the tick is the median. "
        f"Rows are numbered as in the summary.</p>{charts}</div>"
    )
