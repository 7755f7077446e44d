"""Run records and their downloads: JSON for machines, Markdown for people."""
from __future__ import annotations

import json
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from compare.metrics import Result
from compare.report import fmt_cost, fmt_rate, fmt_seconds, fmt_tokens


def run_record(prompt: str, system: str, params: dict, columns: list[dict], results: list[Result], started_at: str) -> dict:
    """Everything about one run, JSON-ready."""
    return {"app": "llm-compare", "started_at": started_at,
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "prompt": prompt, "system_prompt": system, "parameters": params, "columns": columns,
            "results": [r.to_json() for r in results]}


def markdown_report(record: dict) -> str:
    """A readable report of a run: settings, a metrics table, then each reply."""
    lines = [f"# Comparison run {record['started_at']}", "", "## Prompt", "", record["prompt"], ""]
    if record.get("system_prompt"):
        lines += ["## System prompt", "", record["system_prompt"], ""]
    params = ", ".join(f"{k} = {v}" for k, v in record["parameters"].items() if v is not None) or "provider defaults"
    lines += [f"Parameters: {params}", "", "## Metrics", "",
              "| model | first token | total | tok/s | input | output | cost | status |", "|---|---|---|---|---|---|---|---|"]
    for r in record["results"]:
        status = "stopped" if r["stopped"] else ("error" if r["error"] else "ok")
        lines.append(f"| {r['model']} | {fmt_seconds(r['ttft_s'])} | {fmt_seconds(r['total_s'])} | {fmt_rate(r['tokens_per_s'])} | "
                     f"{fmt_tokens(r['input_tokens'], r['tokens_exact'])} | {fmt_tokens(r['output_tokens'], r['tokens_exact'])} | "
                     f"{fmt_cost(r['cost_usd'])} | {status} |")
    lines += ["", "~ marks token counts estimated locally.", ""]
    for column, r in zip(record["columns"], record["results"]):
        lines += [f"## {r['model']}", ""]
        if column.get("system_prompt") and column["system_prompt"] != record.get("system_prompt"):
            lines += [f"*System prompt:* {column['system_prompt']}", ""]
        if r["error"]:
            lines += [f"**Error:** {r['error']}", ""]
        lines += [r["text"] or "*(no reply)*", ""]
    return "\n".join(lines)


def write_downloads(record: dict) -> tuple[str, str]:
    """Write the JSON and Markdown files for a run; returns their paths."""
    folder = Path(tempfile.mkdtemp(prefix="llm-compare-"))
    stamp = record["started_at"].replace(":", "").replace("-", "")[:15]
    json_path = folder / f"comparison-{stamp}.json"
    md_path = folder / f"comparison-{stamp}.md"
    json_path.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    md_path.write_text(markdown_report(record), encoding="utf-8")
    return str(json_path), str(md_path)
