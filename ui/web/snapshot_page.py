"""A saved run as a standalone, script-free HTML page: every value escaped, model Markdown through the live page's
sanitiser and a Markdown renderer with raw HTML off."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape

from markdown_it import MarkdownIt

from compare.record import Repeats, RunRecord
from compare.repeat_report import SPREAD_HEADERS, SPREAD_NOTE, spread_rows, verdict_lines
from compare.report import fmt_status, fmt_tokens
from compare.result import Result
from store import StoredRun
from ui.dot_charts import dot_charts_html
from ui.render import untrusted_markdown
from ui.web.export import REPORT_COLUMNS

# The snapshot's own CSP: no scripts, no frames, no remote anything.
SNAPSHOT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
SNAPSHOT_HEADERS = {
    "content-security-policy": SNAPSHOT_CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex",
    "cache-control": "no-cache",
}
KIND_TITLES = {"compare": "Comparison", "pipeline": "Pipeline", "battle": "Battle"}

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1f2328; background: #fff; }
main { max-width: 1400px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 1.4em; margin: 0 0 4px; } h2 { font-size: 1.1em; margin: 24px 0 8px; }
h3 { font-size: 1em; margin: 0 0 6px; }
.meta, .note, footer { color: #59636e; font-size: 0.85em; }
pre.text { white-space: pre-wrap; word-break: break-word; background: #f6f8fa; padding: 8px 12px; border-radius: 6px;
  margin: 0; }
table { border-collapse: collapse; font-size: 0.88em; }
th, td { border: 1px solid #d1d9e0; padding: 3px 8px; text-align: left; }
.columns { display: flex; gap: 12px; overflow-x: auto; } .columns > article { flex: 1 1 0; min-width: 260px;
  border: 1px solid #d1d9e0; border-radius: 6px; padding: 10px 12px; }
.error { color: #b42318; } .warnings { color: #9a6700; font-size: 0.85em; padding-left: 18px; }
details.thinking { border-left: 3px solid #d1d9e0; padding-left: 8px; color: #59636e; margin-bottom: 8px; }
.reply pre { overflow-x: auto; background: #f6f8fa; padding: 8px; } .reply code { font-size: 0.9em; }
.dot-charts { display: flex; flex-wrap: wrap; gap: 12px; }
.dot-note { flex-basis: 100%; color: #59636e; font-size: 0.85em; }
.dot-figure { margin: 0; } .run-dot { fill: #c2410c; fill-opacity: 0.55; stroke: #c2410c; }
.median { stroke: #1f2328; stroke-width: 2.5; }
.row-line { stroke: #d1d9e0; } .dot-chart text { font-size: 11px; fill: #1f2328; } .dot-chart .axis { fill: #59636e; }
"""


def _md_renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])

    def image(self, tokens, idx, options, env):
        # untrusted_markdown already removes images; shortcut references ("![x]" + a definition) get here
        return escape(f"[image removed: {tokens[idx].content or 'untitled'}]")

    def link_open(self, tokens, idx, options, env):
        tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("image", image)
    md.add_render_rule("link_open", link_open)
    return md  # markdown-it's own link check drops javascript:, vbscript:, file: and data: links


_MD = _md_renderer()


def markdown_html(text: str) -> str:
    """Model Markdown as safe HTML: remote images and media stripped, raw HTML shown as text, unsafe links dropped."""
    return _MD.render(untrusted_markdown(text or ""))


def _when(value: datetime | str | None) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value).astimezone(UTC)
        except ValueError:
            return value
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if isinstance(value, datetime) else ""


def _text_block(title: str, text: str) -> str:
    return f"<section><h2>{escape(title)}</h2><pre class=text>{escape(text)}</pre></section>"


def _table(head: list[str], rows: list[list]) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _settings(record: dict) -> str:
    params = record.get("parameters") or {}
    shown = ", ".join(f"{k} = {v}" for k, v in params.items() if v is not None) or "provider defaults"
    columns = record.get("columns") or []
    rows = [
        [
            c.get("slot", i + 1),
            c.get("model", ""),
            c.get("persona", ""),
            c.get("system_prompt", ""),
            "–" if c.get("temperature") is None else c.get("temperature"),
            c.get("reasoning") or "default",
        ]
        for i, c in enumerate(columns)
        if isinstance(c, dict)
    ]
    table = (
        _table(["#", "model", "system prompt choice", "system prompt", "temperature", "reasoning"], rows)
        if rows
        else ""
    )
    return f"<section><h2>Settings</h2><p>{escape(shown)}</p>{table}</section>"


def _metrics(results: list[Result], labels: list[str]) -> str:
    rows = [[label, *(c.text(r) for c in REPORT_COLUMNS)] for r, label in zip(results, labels)]
    head = ["column", *(c.header for c in REPORT_COLUMNS)]
    note = (
        "<p class=note>~ marks token counts estimated locally, "
        "or disputed (the provider's count and a local count differ).</p>"
    )
    return (
        f"<section><h2>Metrics</h2>{_table(head, rows)}"
        f"{note if any(not r.tokens_exact for r in results) else ''}</section>"
    )


def _repeats(repeats: Repeats) -> str:
    verdicts = "".join(f"<li>{escape(line)}</li>" for line in verdict_lines(repeats))
    return (
        f"<section><h2>{repeats.runs_per_column} runs per column</h2>"
        f"<p class=note>Metrics and replies above are run 1's; here is every run's spread. {escape(SPREAD_NOTE)}</p>"
        f"{_table(SPREAD_HEADERS, spread_rows(repeats))}<ul>{verdicts}</ul>{dot_charts_html(repeats)}</section>"
    )


def _column(result: Result, label: str, column: dict, record: dict) -> str:
    parts = [f"<article><h3>{escape(label)}</h3><p class=meta>{escape(fmt_status(result))}</p>"]
    own_system = column.get("system_prompt")
    if own_system and own_system != record.get("system_prompt"):
        parts.append(f"<p class=meta>System prompt: {escape(own_system)}</p>")
    if result.error:
        parts.append(f"<p class=error>{escape(result.error)}</p>")
    if result.warnings:
        parts.append("<ul class=warnings>" + "".join(f"<li>{escape(str(w))}</li>" for w in result.warnings) + "</ul>")
    if result.reasoning:
        head = "Thinking" + (
            f" · {fmt_tokens(result.reasoning_tokens, result.tokens_exact)} tokens" if result.reasoning_tokens else ""
        )
        parts.append(
            f"<details class=thinking><summary>{escape(head)}</summary>{markdown_html(result.reasoning)}</details>"
        )
    parts.append(
        f"<div class=reply>{markdown_html(result.text) if result.text else '<p class=meta>(no reply)</p>'}"
        "</div></article>"
    )
    return "".join(parts)


def run_html(run: StoredRun) -> str:
    """The body of a run's page: prompt, system prompt, settings, metrics, then each column's thinking and reply."""
    record = run.record
    stored = RunRecord.from_json(record)
    results, columns, labels = stored.results, [c.to_json() for c in stored.columns], stored.labels()
    title = f"{KIND_TITLES.get(run.kind, run.kind.title())} · {_when(run.created_at)}"
    parts = [
        f"<header><h1>{escape(title)}</h1>"
        f"<p class=meta>Read-only snapshot · started {escape(_when(record.get('started_at')))}"
        f" · finished {escape(_when(record.get('finished_at')))}</p></header>",
        _text_block("Prompt", str(record.get("prompt") or "")),
    ]
    if record.get("system_prompt"):
        parts.append(_text_block("System prompt", str(record["system_prompt"])))
    parts.append(_settings(record))
    if results:
        parts.append(_metrics(results, labels))
        if stored.repeats is not None:
            parts.append(_repeats(stored.repeats))
        parts.append(
            "<section><h2>Replies</h2><div class=columns>"
            + "".join(_column(r, label, c, record) for r, label, c in zip(results, labels, columns))
            + "</div></section>"
        )
    return "".join(parts)


def page(title: str, body: str) -> str:
    """A complete HTML document around `body` (no scripts; styles inline)."""
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content='width=device-width, "
        f"initial-scale=1'><meta name=referrer content=no-referrer><title>{escape(title)}</title><style>{STYLE}</style>"
        f"</head><body><main>{body}</main></body></html>"
    )


def snapshot_document(run: StoredRun) -> str:
    """The full snapshot page of a run."""
    prompt = str(run.record.get("prompt") or "")
    title = f"{prompt[:60]}{'…' if len(prompt) > 60 else ''} · LLM side by side"
    footer = (
        "<footer><p>Saved by LLM side by side. Keys are never stored. The person who made this run can delete it "
        "from the History tab.</p></footer>"
    )
    return page(title, run_html(run) + footer)


def not_found_document() -> str:
    """The page for an unknown or deleted snapshot."""
    return page("Snapshot not found", "<h1>Snapshot not found</h1><p>This snapshot does not exist or was deleted.</p>")


def record_json(run: StoredRun) -> str:
    """A run as a JSON download: id, kind, time and the record as saved."""
    return json.dumps(
        {"run_id": run.id, "kind": run.kind, "created_at": run.created_at.isoformat(), "record": run.record},
        indent=2,
        ensure_ascii=False,
    )
