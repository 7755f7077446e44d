"""Tools on a finished run: word-level diff of two columns, re-run one column (maybe with another model), and
continue one column's conversation on its own."""

from __future__ import annotations

import html

import gradio as gr

from compare import Column, Comparison, make_messages
from compare.metrics import Result
from compare.record import column_labels, now_iso
from compare.validate import InputError, check_models
from compare.word_diff import diff_html, similarity
from providers.base import Message, Phase, Sampling
from ui.context import N_SLOTS, SHARED_REASONING, SHARED_SYSTEM, ActiveRun, ColumnSpec, PageContext
from ui.render import WARNING_MARK, escape_md, status_line
from ui.tabs.compare_run import ColumnView, empty_history, frame, stream_views, transcript
from ui.tabs.compare_view import FRAME, CompareUpdate, CompareView
from ui.tabs.preset_sync import wire_preset_custom
from ui.web.page_js import BUSY_JS

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


def _column(record: dict | None, name: str) -> tuple[int, dict, dict] | None:
    """(index in the record, column settings, result) for "Column N" of the last run, or None if it was not run."""
    if not record or name not in COLUMN_NAMES:
        return None
    slot = COLUMN_NAMES.index(name) + 1
    for i, column in enumerate(record["columns"]):
        if column["slot"] == slot:
            return i, column, record["results"][i]
    return None


def diff_columns(record: dict | None, left: str, right: str) -> str:
    """Two columns' replies, with words only in the left one struck through and those only in the right one marked."""
    a, b = _column(record, left), _column(record, right)
    if a is None or b is None:
        return "<p>Run a comparison first; then pick two of its columns.</p>"
    labels = column_labels(record["columns"])
    text_a, text_b = a[2]["text"], b[2]["text"]
    head = (
        f"<p><del>{html.escape(left)}: {html.escape(labels[a[0]])}</del> vs <ins>{html.escape(right)}: "
        f"{html.escape(labels[b[0]])}</ins> · {similarity(text_a, text_b):.0%} of words in common</p>"
    )
    return head + f'<div class="diff-text">{diff_html(text_a, text_b)}</div>'


def _earlier(history: list, slot: int, result: dict) -> list[Message]:
    """The column's conversation before the last run's turn (which a completed column has already recorded)."""
    turns = list(history[slot])
    return turns[:-2] if turns and not result.get("error") and not result.get("stopped") else turns


async def rerun_column(
    ctx: PageContext, session: str, record: dict | None, history, target: str, model: str, visitor: str | None = None
):
    """Run one column of the last run again (same prompt and settings, or another model); the others stay as they are.
    A re-run is a run: the same model checks and demo limits apply."""
    history = history or empty_history()
    found = _column(record, target)
    refused = None if found else f"{target} was not part of the last run: run a comparison first."
    if found:
        model = (model or "").strip()
        model = found[1]["model"] if model in ("", SAME_MODEL) else model
        try:
            check_models(ctx.registry, [model], 1)
            if ctx.options.demo_caps and (limited := ctx.limiter.check(visitor or session)):
                raise InputError(limited)
        except InputError as exc:
            refused = str(exc)
    if refused:
        yield CompareUpdate(banner=f"{WARNING_MARK} {escape_md(refused)}", history=history, record=record)
        return
    index, settings, old = found
    slot = settings["slot"] - 1
    earlier = _earlier(history, slot, old)
    params = record["parameters"]
    sampling = Sampling(
        settings["temperature"],
        params.get("top_p"),
        params.get("max_tokens"),
        params.get("seed"),
        settings.get("reasoning"),
    )
    column = Column(
        str(slot),
        model,
        make_messages(record["prompt"], settings["system_prompt"], earlier),
        sampling,
        visitor or session,
    )
    views = {}
    for s, r in zip(record["columns"], record["results"]):
        view = ColumnView(s["model"], _earlier(history, s["slot"] - 1, r), record["prompt"])
        view.show(Result(**r))
        views[s["slot"] - 1] = view
    views[slot] = ColumnView(model, earlier, record["prompt"], meta=status_line(Phase.WAITING))
    comparison = Comparison(ctx.registry, [column], ctx.counter)
    started = now_iso()
    spec = ColumnSpec(slot, model, settings["system_prompt"], sampling, settings.get("persona") or "shared")
    active = ActiveRun(comparison, [spec], record["prompt"], record["system_prompt"], params, started, history)
    async for update in stream_views(ctx, session, active, views, history):
        yield update
    result = comparison.results[str(slot)]
    history = [list(turns) for turns in history]
    history[slot] = earlier + (
        [Message("user", record["prompt"]), Message("assistant", result.text)]
        if not result.error and not result.stopped
        else []
    )
    record = {**record, "columns": list(record["columns"]), "results": list(record["results"])}
    record["columns"][index] = {**settings, "model": model}
    record["results"][index] = result.to_json()
    yield frame(views, "Stopped." if active.stopped else f"Re-ran {target} with {escape_md(model)}.", history, record)


def continue_column(record: dict | None, history, target: str) -> CompareUpdate:
    """Take one column forward on its own: it becomes the only column, with its settings and conversation."""
    found = _column(record, target)
    if found is None:
        return CompareUpdate(banner=f"{WARNING_MARK} {target} was not part of the last run: run a comparison first.")
    _, settings, result = found
    slot = settings["slot"] - 1
    turns = list((history or empty_history())[slot])
    kept = [turns] + [[] for _ in range(N_SLOTS - 1)]
    persona = settings.get("persona") or "shared"
    temperature = settings.get("temperature")
    replies = [transcript(turns[:-2], turns[-2].content, turns[-1].content) if len(turns) >= 2 else ""] + [""] * (
        N_SLOTS - 1
    )
    return CompareUpdate(
        n_columns=1,
        models=[settings["model"]],
        personas=[SHARED_SYSTEM if persona == "shared" else persona],
        temps=["shared" if temperature is None else f"{temperature:g}"],
        reasonings=[settings.get("reasoning") or SHARED_REASONING],
        history=kept,
        record=None,
        replies=replies,
        metas=[""] * N_SLOTS,
        banner=f"Continuing {target} ({escape_md(settings['model'])}) on its own: your next prompt goes to it alone.",
    )
