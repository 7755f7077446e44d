"""The Pipeline tab: step 1 generates, step 2 transforms each step-1 reply; several pipelines side by side."""

from __future__ import annotations

from dataclasses import dataclass, field

import gradio as gr

from compare.pipeline import PipelineDone, PipelineResult, PipelineRun
from compare.pipeline_request import MAX_PIPELINES, build_pipeline_request
from compare.pipeline_request import pipelines_cap as cap_for
from compare.record import now_iso
from compare.report import fmt_cost, fmt_seconds
from compare.result import Result
from compare.validate import InputError
from providers.events import Chunk, Phase, Status
from ui.context import PageContext
from ui.render import (
    WARNING_MARK,
    md_tokens,
    result_line,
    status_line,
    thinking_block,
    thinking_head,
    untrusted_markdown,
)
from ui.web.abandon import cancelled_if_abandoned
from ui.web.assets import PIPELINE_BUSY_JS, PIPELINE_IDLE_JS
from ui.web.queued_stop import NOT_STARTED, queued_at

STEP2_HINT = "{previous} is replaced by the step-1 reply (added at the end when missing)"


def pipelines_cap(ctx: PageContext) -> int:
    """How many pipelines may run at once on this page."""
    return cap_for(ctx.options.models_cap)


def default_pairs(ctx: PageContext) -> list[tuple[str, str]]:
    """(step-1, step-2) models per slot: cloud→local first when a cloud model is available, else local→local."""
    cloud, local, _ = ctx.resolve_models(["cloud", "local", "open"])
    return [(cloud, local), (local, local), (cloud, cloud), (local, local)]


@dataclass
class StepView:
    """What one step of one pipeline shows."""

    meta: str = ""
    parts: list[str] = field(default_factory=list)
    thinking: list[str] = field(default_factory=list)
    thinking_head: str = "Thinking…"


def totals_line(result: PipelineResult) -> str:
    """The pipeline's totals: summed tokens, time (step 1 + step 2) and cost (unknown if any step's is)."""
    if not result.steps:
        return ""
    t = result.totals()
    times = " + ".join(fmt_seconds(r.total_s) for r in result.steps)
    state = "stopped" if result.stopped else "failed" if result.error else "done" if result.complete else "so far"
    tokens = [md_tokens(t[k], t["tokens_exact"]) for k in ("input_tokens", "output_tokens")]
    return (
        f"**Pipeline total ({state})** · in {tokens[0]} · out {tokens[1]} · "
        f"time {fmt_seconds(t['total_s'])} ({times}) · cost {fmt_cost(t['cost_usd'])}"
    )


def build_pipeline_tab(ctx: PageContext) -> dict:
    """Lay out the Pipeline tab inside the current Blocks, wire run/stop, and return its handles."""
    preset = ctx.pipeline_preset()
    s1, s2 = (preset.steps[0], preset.steps[1]) if preset else (None, None)
    cap = pipelines_cap(ctx)
    gr.Markdown(
        "**Generate → transform.** Step 1 answers the prompt; step 2 runs the transform prompt on each step-1 "
        "reply, with a model chosen per step. Each pipeline shows both steps streaming, their metrics and totals."
    )
    with gr.Row():
        with gr.Column():
            step1_system = gr.Textbox(
                s1.system if s1 else "", label="Step 1 · system prompt", lines=2, elem_id="pl-system1"
            )
            prompt = gr.Textbox(
                preset.example if preset else "",
                label="Step 1 · prompt (the input)",
                lines=4,
                max_lines=12,
                elem_id="pl-prompt",
            )
        with gr.Column():
            step2_system = gr.Textbox(
                s2.system if s2 else "", label="Step 2 · system prompt", lines=2, elem_id="pl-system2"
            )
            step2_prompt = gr.Textbox(
                s2.prompt if s2 else "{previous}",
                label=f"Step 2 · transform prompt ({STEP2_HINT})",
                lines=4,
                max_lines=12,
                elem_id="pl-prompt2",
            )
    with gr.Row(equal_height=True):
        n_pipelines = gr.Slider(1, cap, value=min(2, cap), step=1, label="Pipelines", scale=2, elem_id="pl-n")
        tokens_cap = ctx.options.tokens_cap
        max_tokens = gr.Number(
            value=min(256, tokens_cap or 256),
            precision=0,
            scale=1,
            elem_id="pl-max-tokens",
            label=f"Max tokens per step{f' (≤ {tokens_cap})' if tokens_cap else ''}",
        )
        temperature = gr.Slider(0, 2, value=0.7, step=0.05, label="Temperature", scale=2)
        run_btn = gr.Button("Run pipelines", variant="primary", scale=1, elem_id="pl-run")
        stop_btn = gr.Button("Stop", variant="stop", scale=1, elem_id="pl-stop")
    banner = gr.Markdown(elem_id="pl-banner")
    pairs, columns, model_dds, outs = default_pairs(ctx), [], [], []
    with gr.Row(elem_id="pipelines"):
        for slot in range(MAX_PIPELINES):
            with gr.Column(
                visible=slot < min(2, cap), min_width=160, elem_classes=["pipeline-column"], elem_id=f"pl-col-{slot}"
            ) as col:
                gr.Markdown(f"#### Pipeline {slot + 1}")
                for step in range(2):
                    model_dds.append(
                        gr.Dropdown(
                            ctx.available_ids,
                            value=pairs[slot][step],
                            label=f"Step {step + 1} model",
                            allow_custom_value=True,
                            elem_id=f"pl-model-{slot}-{step}",
                        )
                    )
                gr.Markdown("**Step 1 · generate**", elem_classes=["step-arrow"])
                meta1 = gr.Markdown(elem_classes=["meta"], elem_id=f"pl-meta-{slot}-0")
                reply1 = gr.Markdown(elem_classes=["reply"], elem_id=f"pl-reply-{slot}-0", buttons=["copy"])
                gr.Markdown("**↓ Step 2 · transform**", elem_classes=["step-arrow"])
                meta2 = gr.Markdown(elem_classes=["meta"], elem_id=f"pl-meta-{slot}-1")
                reply2 = gr.Markdown(elem_classes=["reply"], elem_id=f"pl-reply-{slot}-1", buttons=["copy"])
                totals = gr.Markdown(elem_classes=["totals"], elem_id=f"pl-totals-{slot}")
            columns.append(col)
            outs += [meta1, reply1, meta2, reply2, totals]
    active: dict[str, tuple[PipelineRun, dict]] = {}
    finished: dict[str, tuple[PipelineRun, str]] = {}
    run_inputs = [prompt, step1_system, step2_system, step2_prompt, temperature, max_tokens, n_pipelines, *model_dds]
    run_outputs = [*outs, banner]

    async def on_run(request: gr.Request, *values):
        p, sys1, sys2, p2, temp, mt, n, *models = values
        session = getattr(request, "session_hash", None) or "anonymous"
        if ctx.stops.cancels(session, "pipeline", queued_at()):
            yield [gr.skip()] * len(outs) + [NOT_STARTED]
            return
        try:
            pairs = [(models[2 * i], models[2 * i + 1]) for i in range(_count(n))]
            raw = {
                "prompt": p,
                "step1_system": sys1,
                "step2_system": sys2,
                "step2_prompt": p2,
                "temperature": temp,
                "max_tokens": mt,
                "step1_models": [a for a, _ in pairs],
                "step2_models": [b for _, b in pairs],
            }
            checked = build_pipeline_request(raw, ctx.registry, ctx.request_check())
            visitor = ctx.visitor(request)
            if ctx.options.demo_caps and (limited := ctx.limiter.check(visitor, checked.upstream_requests)):
                raise InputError(limited)
        except InputError as exc:
            yield [gr.skip()] * len(outs) + [f"{WARNING_MARK} {exc}"]
            return
        run = PipelineRun(ctx.registry, list(checked.pipelines), list(checked.steps), p, ctx.counter, checked.sampling)
        specs = checked.pipelines
        started = now_iso()
        views = {(s.key, i): StepView(status_line(Phase.WAITING) if i == 0 else "") for s in specs for i in range(2)}
        active[session] = (run, views)
        yield _frame(run, views, "")
        try:
            async with cancelled_if_abandoned(run.cancel):
                async for batch in run.batches(ctx.options.coalesce_s):
                    for key, step, event in batch:
                        if isinstance(event, PipelineDone):
                            for index, step_result in enumerate(
                                event.result.steps
                            ):  # a step cut short ends without its Result
                                views[(key, index)].meta = result_line(step_result)
                            _mark_skipped(views, event.result)
                            continue
                        view = views[(key, step)]
                        if isinstance(event, Chunk):
                            (view.thinking if event.thinking else view.parts).append(event.text)
                        elif isinstance(event, Status):
                            view.meta = status_line(event.phase, event.detail, run.live_ttft(key, step))
                        elif isinstance(event, Result):
                            view.parts, view.meta = [event.text], result_line(event)
                            view.thinking, view.thinking_head = [event.reasoning], thinking_head(event)
                    yield _frame(run, views, "")
        finally:
            if active.get(session, (None,))[0] is run:
                del active[session]
        stopped = any(r.stopped for r in run.results.values())
        finished[session] = (run, started)  # the History step saves it (ui/tabs/pipeline_saving.py)
        yield _frame(run, views, "Stopped." if stopped else "")

    async def on_stop(request: gr.Request):
        # Stop only signals the engine; the run's own stream then ends with the partial results (no late frames).
        session = getattr(request, "session_hash", None) or "anonymous"
        ctx.stops.note(session, "pipeline", queued_at())
        entry = active.get(session)
        if entry is None:
            return ""
        await entry[0].cancel()
        return "Stopped."

    hidden = dict(show_progress="hidden", api_visibility="private", show_progress_on=[banner])
    run_event = run_btn.click(
        on_run, run_inputs, run_outputs, concurrency_limit=ctx.options.concurrency, concurrency_id="compare", **hidden
    )
    run_event.then(None, None, None, js=PIPELINE_IDLE_JS, **hidden)  # in the browser only: no round trip
    stop_btn.click(on_stop, None, [banner], **hidden)
    n_pipelines.change(
        lambda n: [gr.Column(visible=i < int(n)) for i in range(MAX_PIPELINES)], [n_pipelines], columns, **hidden
    )
    return {
        "prompt": prompt,
        "step1_system": step1_system,
        "step2_system": step2_system,
        "step2_prompt": step2_prompt,
        "n_pipelines": n_pipelines,
        "model_dds": model_dds,
        "max_tokens": max_tokens,
        "temperature": temperature,
        "run": (on_run, run_inputs, run_outputs),
        "stop_btn": stop_btn,
        "run_event": run_event,
        "busy_js": PIPELINE_BUSY_JS,
        "idle_js": PIPELINE_IDLE_JS,
        "finished": finished,
        "banner": banner,
    }


def _mark_skipped(views: dict, result: PipelineResult) -> None:
    for step in range(len(result.steps), len(result.models)):
        why = f"step {len(result.steps)} failed" if result.error else "stopped"
        views[(result.key, step)].meta = f"<small>not run: {why}</small>"


def _frame(run: PipelineRun, views: dict, banner: str) -> list:
    out = []
    for slot in range(MAX_PIPELINES):
        key = str(slot)
        if key not in run.results:
            out += [""] * 5
            continue
        for step in range(2):
            view = views[(key, step)]
            out += [
                view.meta,
                thinking_block(view.thinking_head, "".join(view.thinking)) + untrusted_markdown("".join(view.parts)),
            ]
        out.append(totals_line(run.results[key]))
    return out + [banner]


def _count(n) -> int:
    """The Pipelines slider's value as a count (0 when it is not a whole number)."""
    try:
        return int(n)
    except (TypeError, ValueError, OverflowError):
        return 0
