"""Run records and their downloads: JSON for machines, Markdown for people."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from compare.metric_columns import markdown_table, metric_columns
from compare.record import RunRecord
from compare.repeat_report import repeats_markdown

REPORT_COLUMNS = metric_columns(
    "ttft", "answer", "total", "rate", "itl", "input", "output", "thinking", "cost", "finish", "status"
)


def markdown_report(data: dict) -> str:
    """A readable report of a run: settings, a metrics table, then each reply."""
    record = RunRecord.from_json(data)
    lines = [f"# Comparison run {record.started_at}", "", "## Prompt", "", record.prompt, ""]
    if record.system_prompt:
        lines += ["## System prompt", "", record.system_prompt, ""]
    params = ", ".join(f"{k} = {v}" for k, v in record.parameters.items() if v is not None) or "provider defaults"
    lines += [f"Parameters: {params}", "", "## Metrics", ""]
    lines += markdown_table(REPORT_COLUMNS, record.results, [r.model for r in record.results], first="model")
    lines += [
        "",
        "~ marks token counts estimated locally, or disputed (the provider's count and a local count differ).",
        "",
    ]
    if record.repeats:  # every run is in the JSON download; here the spread and the verdicts
        lines += ["## Runs per column", "", repeats_markdown(record.repeats)]
    for column, r in zip(record.columns, record.results):
        lines += [f"## {r.model}", ""]
        if column.system_prompt and column.system_prompt != record.system_prompt:
            lines += [f"*System prompt:* {column.system_prompt}", ""]
        if r.error:
            lines += [f"**Error:** {r.error}", ""]
        lines += [f"- {w}" for w in r.warnings] + ([""] if r.warnings else [])
        if r.reasoning:
            lines += ["<details><summary>Thinking</summary>", "", r.reasoning, "", "</details>", ""]
        lines += [r.text or "*(no reply)*", ""]
    return "\n".join(lines)


KEEP_DOWNLOADS_S = 3600
MAX_DOWNLOADS = 400  # files kept at most (two per run), however busy the hour


def write_downloads(record: dict, folder: Path) -> tuple[str, str]:
    """Write a run's JSON and Markdown files into `folder` and return their paths; files there older than an hour
    go first (Gradio serves its own copies, made as the files are returned, so ours are only needed briefly)."""
    folder.mkdir(parents=True, exist_ok=True)
    prune_downloads(folder, MAX_DOWNLOADS - 2)
    # unique per run: two sessions can finish runs started in the same second
    name = f"comparison-{record['started_at'].replace(':', '').replace('-', '')[:15]}-{uuid.uuid4().hex[:8]}"
    json_path, md_path = folder / f"{name}.json", folder / f"{name}.md"
    json_path.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    md_path.write_text(markdown_report(record), encoding="utf-8")
    return str(json_path), str(md_path)


def prune_downloads(folder: Path, keep: int) -> None:
    """Delete downloads older than an hour, then the oldest beyond `keep` files."""
    cutoff = time.time() - KEEP_DOWNLOADS_S
    files = []
    for path in folder.glob("comparison-*"):
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:  # another session pruned it a moment ago
            continue
        if mtime < cutoff:
            path.unlink(missing_ok=True)
        else:
            files.append((mtime, path))
    for _, path in sorted(files)[: max(0, len(files) - keep)]:
        path.unlink(missing_ok=True)
