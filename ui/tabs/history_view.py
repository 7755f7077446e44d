"""What the History tab shows of a saved run (Markdown through the live page's sanitiser), its list rows, and the
Compare tab settings that re-create it."""

from __future__ import annotations

from compare.metric_columns import markdown_table, metric_columns
from compare.record import RunRecord
from compare.repeat_report import repeats_markdown
from compare.report import fmt_tokens
from store import RunSummary, StoredRun
from ui.context import PageContext
from ui.names import N_SLOTS, PROVIDER_DEFAULT, SHARED_REASONING, SHARED_SYSTEM, SHARED_TEMPERATURE, TEMPERATURE_CHOICES
from ui.render import escape_md, thinking_block, untrusted_markdown
from ui.tabs.column_settings import pack_columns, unpack_columns
from ui.tabs.compare_run import empty_history
from ui.tabs.compare_view import KEEP, CompareUpdate
from ui.web.snapshot_page import KIND_TITLES

HISTORY_COLUMNS = metric_columns("ttft", "total", "rate", "input", "output", "cost", "status")
LIST_HEADERS = ["time (UTC)", "kind", "prompt", "models"]


def list_row(summary: RunSummary) -> list[str]:
    """One row of the History table."""
    prompt = " ".join(summary.prompt.split())
    return [
        summary.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        summary.kind,
        prompt[:80] + ("…" if len(prompt) > 80 else ""),
        ", ".join(summary.models),
    ]


def _plain(text: str) -> str:
    return escape_md(text).replace("\n", "  \n")


def run_markdown(run: StoredRun) -> str:
    """A saved run, read-only: prompt, system prompt, settings, metrics, then each column's thinking and reply."""
    record = run.record
    stored = RunRecord.from_json(record)
    results, labels = stored.results, stored.labels()
    when = run.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [
        f"### {KIND_TITLES.get(run.kind, run.kind)} · {when}",
        "",
        f"**Prompt:** {_plain(str(record.get('prompt') or ''))}",
        "",
    ]
    if record.get("system_prompt"):
        lines += [f"**System prompt:** {_plain(str(record['system_prompt']))}", ""]
    params = ", ".join(f"{k} = {v}" for k, v in (record.get("parameters") or {}).items() if v is not None)
    lines += [f"**Settings:** {escape_md(params or 'provider defaults')}", ""]
    if results:
        lines += markdown_table(HISTORY_COLUMNS, results, labels, escape=escape_md) + [""]
    if stored.repeats is not None:
        lines += [repeats_markdown(stored.repeats, escape_md), ""]
    for r, label in zip(results, labels):
        lines += [f"#### {escape_md(label)}", ""]
        if r.error:
            lines += [f"**Error:** {escape_md(r.error)}", ""]
        lines += [f"<small>{escape_md(str(w))}</small>  " for w in r.warnings]
        head = "Thinking" + (
            f" · {escape_md(fmt_tokens(r.reasoning_tokens, r.tokens_exact))} tokens" if r.reasoning_tokens else ""
        )
        lines += [thinking_block(head, r.reasoning) + (untrusted_markdown(r.text) if r.text else "*(no reply)*"), ""]
    return "\n".join(lines)


def _temperature_choice(value, shared) -> str:
    if value is None or value == shared:
        return SHARED_TEMPERATURE
    listed = [c for c in TEMPERATURE_CHOICES[1:] if float(c) == float(value)]
    return listed[0] if listed else f"{float(value):g}"


def rerun_values(ctx: PageContext, record: dict, packed: str) -> CompareUpdate | None:
    """The Compare tab's update that sets this run up again (its conversation starts over), or None when the
    record has no columns to re-create."""
    # slots past the run's columns keep their current settings (`packed` is the page's packed column settings)
    columns = [c for c in record.get("columns") or [] if isinstance(c, dict) and c.get("model")]
    if not columns:
        return None
    columns = columns[: min(N_SLOTS, ctx.options.models_cap)]
    params = record.get("parameters") or {}
    models, systems, temps, reasoning = (list(v) for v in unpack_columns(packed))
    for slot, c in enumerate(columns):
        persona = str(c.get("persona") or "")
        preset = ctx.presets.get(persona)
        models[slot] = c["model"]
        systems[slot] = persona if preset and not preset.steps else SHARED_SYSTEM
        temps[slot] = _temperature_choice(c.get("temperature"), params.get("temperature"))
        # the shared Reasoning control is not reachable from here: spell each column's level out
        reasoning[slot] = c.get("reasoning") or PROVIDER_DEFAULT
    reasoning = [r or SHARED_REASONING for r in reasoning]
    given = lambda value: KEEP if value is None else value  # noqa: E731  (a setting the run left to the default)
    return CompareUpdate(
        prompt=str(record.get("prompt") or ""),
        system=str(record.get("system_prompt") or ""),
        n_columns=len(columns),
        temperature=given(params.get("temperature")),
        max_tokens=given(params.get("max_tokens")),
        history=empty_history(),
        models=models,
        personas=systems,
        temps=temps,
        reasonings=reasoning,
        column_settings=pack_columns(models, systems, temps, reasoning),
    )
