"""The Evaluate tab: a prompt set across columns, every pair of answers judged twice with the positions swapped;
progress while it runs, then the pairs, the ratings, speed and cost, and every answer with its verdicts."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import gradio as gr

from compare.validate import InputError
from evaluate.prompt_set import shipped_sets
from evaluate.repository import StoredEvaluation
from evaluate.runner import EvaluationRun, Progress
from evaluate.service import default_columns
from evaluate.summary import summarize
from evaluate.text_report import COLUMN_HEADERS, jsonl_export, markdown_report
from ui.api.evaluate import evaluation_url, prepare, read_set, repository
from ui.context import PageContext
from ui.render import WARNING_MARK, escape_md
from ui.tabs.evaluate_view import (
    ALL,
    ANSWER_HEADERS,
    CATEGORY_HEADERS,
    PAIR_HEADERS,
    answers_frame,
    categories_frame,
    columns_frame,
    pairs_frame,
    progress_html,
    summary_markdown,
)
from ui.web.abandon import cancelled_if_abandoned
from ui.web.queued_stop import NOT_STARTED, queued_at

HIDDEN = dict(show_progress="hidden", api_visibility="private")
UPLOADED = "(the uploaded file)"
FRAME_S = 0.25  # progress updates at most this often


def build_evaluate_tab(ctx: PageContext) -> dict:
    """Lay out the Evaluate tab inside the current Blocks and wire it."""
    gr.Markdown(
        "**Evaluate** a prompt set: every prompt goes to every column; a judge model compares each pair of "
        "answers twice, with the answers swapped, and a verdict that changes with the order counts as a tie."
    )
    ids = ctx.available_ids
    with gr.Row(equal_height=True):
        set_choice = gr.Dropdown(
            list(shipped_sets()) + [UPLOADED],
            value="general",
            label="Prompt set",
            elem_id="ev-set",
            scale=1,
            min_width=200,
        )
        # A button, not a drop zone: one clear control (the drop zone's inner texts fail contrast and naming checks).
        upload = gr.UploadButton(
            "Upload a set (JSONL or CSV)", file_types=[".jsonl", ".csv"], elem_id="ev-upload", scale=1, min_width=200
        )
        uploaded = gr.Markdown(
            "<small>A set has a prompt per row and, optionally, id, system, category and reference.</small>",
            elem_id="ev-uploaded",
            min_width=200,  # on a phone the row wraps instead of squeezing this to a letter a line
        )
    with gr.Row(equal_height=True):
        models = gr.Dropdown(
            ids,
            value=default_columns(ids, ctx.presets.values()),
            multiselect=True,
            allow_custom_value=True,
            label="Columns (two or more models)",
            elem_id="ev-models",
            scale=3,
        )
        judge = gr.Dropdown(
            ["", *ids],
            value=ids[0] if ids else "",
            allow_custom_value=True,
            label="Judge (blank: answers only)",
            elem_id="ev-judge",
            scale=2,
        )
        cap = ctx.options.tokens_cap
        max_tokens = gr.Number(
            min(256, cap) if cap else 256, precision=0, label="Max tokens per answer", elem_id="ev-max-tokens", scale=1
        )
    with gr.Row(equal_height=True):
        confirm = gr.Checkbox(
            False,
            label=f"Run even if the estimated cost is above ${ctx.options.eval_confirm_usd:g}",
            elem_id="ev-confirm",
        )
        resume = gr.Textbox("", label="Resume evaluation (its id)", max_lines=1, elem_id="ev-resume")
        run_btn = gr.Button("Evaluate", variant="primary", elem_id="ev-run", scale=0, min_width=110)
        stop_btn = gr.Button("Stop", variant="stop", elem_id="ev-stop", scale=0, min_width=80)
    progress = gr.HTML(elem_id="ev-progress")
    banner = gr.Markdown(elem_id="ev-banner")
    shown = gr.State(None)  # the evaluation id the results below show
    with gr.Column(elem_id="ev-results"):
        judge_line = gr.Markdown(elem_id="ev-judge-line")
        pairs = gr.Dataframe(headers=PAIR_HEADERS, interactive=False, wrap=True, label="Pairs", elem_id="ev-pairs")
        categories = gr.Dataframe(
            headers=CATEGORY_HEADERS,
            interactive=False,
            wrap=True,
            elem_id="ev-categories",
            label="By category (few prompts each: wide intervals)",
        )
        columns = gr.Dataframe(
            headers=COLUMN_HEADERS, interactive=False, wrap=True, label="Columns", elem_id="ev-columns"
        )
        with gr.Row(equal_height=True):
            only_disagreed = gr.Checkbox(
                False, label="Only where the judge disagreed with itself", elem_id="ev-disagreed"
            )
            category = gr.Dropdown([ALL], value=ALL, label="Category", elem_id="ev-category")
        answers = gr.Dataframe(
            headers=ANSWER_HEADERS, interactive=False, wrap=True, label="Every answer", elem_id="ev-answers"
        )
        with gr.Row():
            # shown once there is something to download (an empty file box is an unlabelled control)
            jsonl_file = gr.File(label="Every answer and verdict (JSON lines)", elem_id="ev-jsonl", visible=False)
            md_file = gr.File(label="Report (Markdown)", elem_id="ev-md", visible=False)
    parts = {
        "judge_line": judge_line,
        "pairs": pairs,
        "categories": categories,
        "columns": columns,
        "category": category,
        "answers": answers,
        "jsonl_file": jsonl_file,
        "md_file": md_file,
    }
    outputs = [progress, banner, shown, *parts.values()]
    active: dict[str, EvaluationRun] = {}

    async def on_run(values: dict, request: gr.Request):
        session = getattr(request, "session_hash", None) or "anonymous"
        if ctx.stops.cancels(session, "evaluate", queued_at()):
            yield {banner: NOT_STARTED}
            return
        try:
            prompts = None
            if not str(values[resume] or "").strip():
                prompts = await asyncio.to_thread(_read, ctx, values[set_choice], values[upload])
            raw = {
                "models": values[models],
                "judge": values[judge],
                "max_tokens": values[max_tokens],
                "confirm_cost": bool(values[confirm]),
                "resume": values[resume],
            }
            job = await prepare(ctx, raw, prompts, ctx.visitor(request))
        except InputError as exc:
            yield {banner: f"{WARNING_MARK} {escape_md(str(exc))}", progress: ""}
            return
        active[session] = job.run
        link = evaluation_url(request, job.stored.id)
        head = f"Evaluation `{job.stored.id}` · [read-only page]({link})"
        if job.estimate is not None:
            head += f" · {escape_md(job.estimate.describe())}"
        latest: list[Progress] = []
        task = asyncio.create_task(job.run.run(lambda e: latest.append(e) if isinstance(e, Progress) else None))
        try:
            async with cancelled_if_abandoned(job.run.cancel):  # a closed tab stops spending
                while not task.done():
                    await asyncio.sleep(FRAME_S)
                    if latest:
                        yield {progress: progress_html(latest[-1]), banner: head}
                await task
        finally:
            active.pop(session, None)
            if not task.done():
                task.cancel()
        stopped = latest and latest[-1].done < latest[-1].total
        note = "Stopped: resume it with its id to finish; nothing already answered is asked again." if stopped else ""
        results = {parts[name]: value for name, value in (await _results(ctx, job.stored)).items()}
        yield {
            **results,
            progress: progress_html(latest[-1] if latest else None, note),
            banner: head,
            shown: job.stored.id,
        }

    async def on_stop(request: gr.Request):
        session = getattr(request, "session_hash", None) or "anonymous"
        ctx.stops.note(session, "evaluate", queued_at())
        run = active.get(session)
        if run is not None:
            await run.cancel()
        return "Stopped."

    async def on_filter(evaluation_id, disagreed, chosen):
        if not evaluation_id:
            return gr.skip()
        stored = await asyncio.to_thread(repository(ctx).load, evaluation_id)
        return answers_frame(stored, bool(disagreed), chosen or ALL) if stored else gr.skip()

    inputs = {set_choice, upload, models, judge, max_tokens, confirm, resume}
    run_btn.click(
        on_run, inputs, outputs, concurrency_limit=ctx.options.concurrency, concurrency_id="compare", **HIDDEN
    )
    stop_btn.click(on_stop, None, [banner], **HIDDEN)
    gr.on([only_disagreed.change, category.change], on_filter, [shown, only_disagreed, category], [answers], **HIDDEN)

    def on_upload(file):
        name = Path(file if isinstance(file, str) else getattr(file, "name", "")).name
        return UPLOADED, f"<small>Uploaded: {escape_md(name)}</small>"

    upload.upload(on_upload, [upload], [set_choice, uploaded], **HIDDEN)
    return {"run_btn": run_btn, "banner": banner, "progress": progress}


def _read(ctx: PageContext, choice: str, upload):
    """The chosen set: a shipped one, or the uploaded file."""
    if choice == UPLOADED or (upload and choice not in shipped_sets()):
        if not upload:
            raise InputError("Upload a prompt set first (JSONL or CSV), or pick a shipped one.")
        path = Path(upload if isinstance(upload, str) else upload.name)
        limit = ctx.options.max_upload_bytes if ctx.options.demo_caps else None
        with path.open("rb") as f:
            data = f.read(limit + 1 if limit else -1)
        return read_set(ctx, "", data, path.name)
    return read_set(ctx, choice)


async def _results(ctx: PageContext, stored: StoredEvaluation) -> dict:
    """The result components' values for a finished (or stopped) evaluation."""
    # summarising (two bootstraps), the tables and the downloads take a noticeable part of a second: off the loop
    values = await asyncio.to_thread(_result_values, ctx, stored)
    values["category"] = gr.Dropdown([ALL, *stored.spec.prompts.categories], value=ALL)
    values["jsonl_file"] = gr.File(str(values["jsonl_file"]), visible=True)
    values["md_file"] = gr.File(str(values["md_file"]), visible=True)
    return values


def _result_values(ctx: PageContext, stored: StoredEvaluation) -> dict:
    summary = summarize(stored)
    folder = ctx.downloads_dir
    stamp = f"evaluation-{time.strftime('%Y%m%d-%H%M%S')}-{stored.id[:8]}"
    jsonl, md = folder / f"{stamp}.jsonl", folder / f"{stamp}.md"
    jsonl.write_text(jsonl_export(stored), encoding="utf-8")
    md.write_text(markdown_report(stored, summary=summary), encoding="utf-8")
    return {
        "judge_line": summary_markdown(summary, escape_md),
        "pairs": pairs_frame(summary),
        "categories": categories_frame(summary),
        "columns": columns_frame(summary),
        "answers": answers_frame(stored),
        "jsonl_file": jsonl,
        "md_file": md,
    }
