"""Tools on a finished run: word-level diff of two columns, re-run one column (maybe with another model), and
continue one column's conversation on its own."""

from __future__ import annotations

import html
from dataclasses import replace

import gradio as gr

from compare import Comparison, build_request
from compare.record import RunRecord, now_iso
from compare.validate import InputError
from compare.word_diff import diff_html, similarity
from providers.base import Message
from providers.events import Phase
from ui.context import ActiveRun, PageContext
from ui.names import N_SLOTS, SHARED_REASONING, SHARED_SYSTEM
from ui.render import WARNING_MARK, escape_md, status_line
from ui.tabs.column_view import ColumnView, empty_history, frame, transcript
from ui.tabs.compare_run import stream_views
from ui.tabs.compare_view import FRAME, CompareUpdate, CompareView
from ui.tabs.preset_sync import wire_preset_custom
from ui.web.assets import BUSY_JS

SAME_MODEL = "(same model)"
COLUMN_NAMES = [f"Column {i + 1}" for i in range(N_SLOTS)]
HIDDEN = dict(show_progress="hidden", api_visibility="private")


def build_column_tools(ctx: PageContext) -> dict:
    """Lay out the tools (inside the current Blocks) and return their components."""
    with gr.Accordion("Compare two replies · re-run one column · continue one", open=False, elem_id="column-tools"):
        with gr.Row(equal_height=True):
            left = gr.Dropdown(
                COLUMN_NAMES, value=COLUMN_NAMES[0], label="Differences between", elem_id="diff-left", min_width=120
            )
            right = gr.Dropdown(COLUMN_NAMES, value=COLUMN_NAMES[1], label="and", elem_id="diff-right", min_width=120)
            diff_btn = gr.Button("Show differences", elem_id="diff-show", min_width=120)
        diff_view = gr.HTML(elem_id="diff-view", elem_classes=["diff-view"])
        with gr.Row(equal_height=True):
            target = gr.Dropdown(
                COLUMN_NAMES, value=COLUMN_NAMES[0], label="Column", elem_id="tool-column", min_width=120
            )
            model = gr.Dropdown(
                [SAME_MODEL] + ctx.available_ids,
                value=SAME_MODEL,
                allow_custom_value=True,
                label="Run it with",
                elem_id="tool-model",
                min_width=160,
            )
            rerun_btn = gr.Button("Re-run this column", elem_id="tool-rerun", min_width=120)
            continue_btn = gr.Button("Continue with this reply", elem_id="tool-continue", min_width=120)
    return {
        "left": left,
        "right": right,
        "diff_btn": diff_btn,
        "diff_view": diff_view,
        "target": target,
        "model": model,
        "rerun_btn": rerun_btn,
        "continue_btn": continue_btn,
    }


def wire_column_tools(ctx: PageContext, tools: dict, view: CompareView) -> None:
    """Connect the tools to the Compare tab's components, and the Preset picker's "custom" label."""
    wire_preset_custom(ctx, view.preset, view.system)
    tools["diff_btn"].click(diff_columns, [view.record, tools["left"], tools["right"]], [tools["diff_view"]], **HIDDEN)

    async def on_rerun(request: gr.Request, record, history, target, model):
        session = getattr(request, "session_hash", None) or "anonymous"
        async for update in rerun_column(ctx, session, record, history, target, model, ctx.visitor(request)):
            yield view.apply(update)

    event = tools["rerun_btn"].click(
        on_rerun,
        [view.record, view.history, tools["target"], tools["model"]],
        view.targets(*FRAME),
        js=BUSY_JS,
        concurrency_limit=ctx.options.concurrency,
        concurrency_id="compare",
        **HIDDEN,
    )
    view.run_events.append(event)  # results and History follow a re-run like a run
    outputs = view.targets("n_columns", "models", "personas", "temps", "reasonings", *FRAME)
    tools["continue_btn"].click(
        lambda *values: view.apply(continue_column(*values)),
        [view.record, view.history, tools["target"]],
        outputs,
        **HIDDEN,
    )


def _column(record: RunRecord | None, name: str) -> int | None:
    """The index in the record of "Column N" of the last run, or None if it was not run."""
    if record is None or name not in COLUMN_NAMES:
        return None
    return record.column_index(COLUMN_NAMES.index(name) + 1)


def diff_columns(record: RunRecord | None, left: str, right: str) -> str:
    """Two columns' replies with the words only in the left one struck through and those only in the right one
    marked."""
    a, b = _column(record, left), _column(record, right)
    if record is None or a is None or b is None:
        return "<p>Run a comparison first; then pick two of its columns.</p>"
    labels = record.column_labels()
    text_a, text_b = record.results[a].text, record.results[b].text
    head = (
        f"<p><del>{html.escape(left)}: {html.escape(labels[a])}</del> vs <ins>{html.escape(right)}: "
        f"{html.escape(labels[b])}</ins> · {similarity(text_a, text_b):.0%} of words in common</p>"
    )
    return head + f'<div class="diff-text">{diff_html(text_a, text_b)}</div>'


def _earlier(history: list, slot: int, ok: bool) -> list[Message]:
    """The column's conversation before the last run's turn (which a completed column has already recorded)."""
    turns = list(history[slot])
    return turns[:-2] if turns and ok else turns


async def rerun_column(
    ctx: PageContext,
    session: str,
    record: RunRecord | None,
    history,
    target: str,
    model: str,
    visitor: str | None = None,
):
    """Run one column of the last run again (same prompt and settings, or another model); the others stay as they
    are. A re-run is a run: the same request checks and demo limits apply."""
    history = history or empty_history()
    visitor = visitor or session
    index = _column(record, target)
    if record is None or index is None:
        yield _refused(f"{target} was not part of the last run: run a comparison first.", history, record)
        return
    settings, old = record.columns[index], record.results[index]
    slot = settings.slot - 1
    earlier = _earlier(history, slot, old.ok)
    model = (model or "").strip()
    column = {
        "model": settings.model if model in ("", SAME_MODEL) else model,
        "persona": settings.persona,
        "system": settings.system_prompt,
        "temperature": settings.temperature,
        "reasoning": settings.reasoning,
        "history": earlier,
    }
    raw = {
        **record.parameters,
        "prompt": record.prompt,
        "system": record.system_prompt,
        "columns": [column],
        "visitor": visitor,
    }
    try:
        request = build_request(raw, ctx.registry, ctx.request_check())
        if ctx.options.demo_caps and (limited := ctx.limiter.check(visitor, request.upstream_requests)):
            raise InputError(limited)
    except InputError as exc:
        yield _refused(str(exc), history, record)
        return
    request = replace(request, columns=(replace(request.columns[0], slot=slot),))
    views = {}
    for c, r in zip(record.columns, record.results):
        views[c.slot - 1] = ColumnView(c.model, _earlier(history, c.slot - 1, r.ok), record.prompt)
        views[c.slot - 1].show(r)
    new_model = request.columns[0].model
    views[slot] = ColumnView(new_model, earlier, record.prompt, meta=status_line(Phase.WAITING))
    comparison = Comparison(ctx.registry, request.engine_columns(), ctx.counter)
    active = ActiveRun(comparison, request, now_iso(), history)
    async for update in stream_views(ctx, session, active, views, history):
        yield update
    result = comparison.results[str(slot)]
    history = [list(turns) for turns in history]
    history[slot] = earlier + ([Message("user", record.prompt), Message("assistant", result.text)] if result.ok else [])
    columns, results = list(record.columns), list(record.results)
    columns[index], results[index] = replace(settings, model=new_model), result
    record = replace(record, columns=columns, results=results)
    yield frame(
        views, "Stopped." if active.stopped else f"Re-ran {target} with {escape_md(new_model)}.", history, record
    )


def _refused(message: str, history, record: RunRecord | None) -> CompareUpdate:
    return CompareUpdate(banner=f"{WARNING_MARK} {escape_md(message)}", history=history, record=record)


def continue_column(record: RunRecord | None, history, target: str) -> CompareUpdate:
    """Take one column forward on its own: it becomes the only column, with its settings and conversation."""
    index = _column(record, target)
    if record is None or index is None:
        return CompareUpdate(banner=f"{WARNING_MARK} {target} was not part of the last run: run a comparison first.")
    settings = record.columns[index]
    turns = list((history or empty_history())[settings.slot - 1])
    kept = [turns] + [[] for _ in range(N_SLOTS - 1)]
    persona, temperature = settings.persona or "shared", settings.temperature
    replies = [transcript(turns[:-2], turns[-2].content, turns[-1].content) if len(turns) >= 2 else ""]
    return CompareUpdate(
        n_columns=1,
        models=[settings.model],
        personas=[SHARED_SYSTEM if persona == "shared" else persona],
        temps=["shared" if temperature is None else f"{temperature:g}"],
        reasonings=[settings.reasoning or SHARED_REASONING],
        history=kept,
        record=None,
        replies=replies + [""] * (N_SLOTS - 1),
        metas=[""] * N_SLOTS,
        banner=(f"Continuing {target} ({escape_md(settings.model)}) on its own: your next prompt goes to it alone."),
    )
