"""The Pipeline tab: step 1 generates, step 2 transforms each step-1 reply; several pipelines side by side."""

from __future__ import annotations

from dataclasses import dataclass, field

import gradio as gr

from compare import Delta, Finished, StateChange
from compare.pipeline import PipelineDone, PipelineResult, PipelineRun, PipelineSpec, StepSpec
from compare.record import now_iso
from compare.report import fmt_cost, fmt_seconds
from compare.validate import InputError, check_models, check_params, check_prompt
from providers.base import Phase
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
from ui.web.page_js import PIPELINE_BUSY_JS, PIPELINE_IDLE_JS
from ui.web.queued_stop import NOT_STARTED, queued_at

MAX_PIPELINES = 4
STEP2_HINT = "{previous} is replaced by the step-1 reply (added at the end when missing)"


def pipeline_preset(ctx: PageContext):
    """The first preset with two steps (summarize, then translate), or None."""
    return next((p for p in ctx.presets.values() if len(p.steps) >= 2), None)


def pipelines_cap(ctx: PageContext) -> int:
    """How many pipelines may run at once (each streams one model at a time)."""
    return max(1, min(MAX_PIPELINES, ctx.options.models_cap))


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


def parse_pipeline_inputs(
    ctx: PageContext,
    prompt,
    step1_system,
    step2_system,
    step2_prompt,
    temperature,
    max_tokens,
    pairs: list[tuple[str, str]],
):
    """Validate pipeline input; returns (steps, specs, params) or raises InputError."""
    opts = ctx.options
    check_prompt(prompt, opts.prompt_cap)
    if opts.prompt_cap and len(step2_prompt or "") > opts.prompt_cap:
        raise InputError(
            f"The transform prompt is {len(step2_prompt):,} characters; this demo allows at most {opts.prompt_cap:,}."
        )
    max_tokens = None if max_tokens in (None, "") else int(max_tokens)
    check_params(temperature, max_tokens, None, None, opts.tokens_cap)
    if opts.tokens_cap and max_tokens is None:
        max_tokens = opts.tokens_cap
    if not 1 <= len(pairs) <= pipelines_cap(ctx):
        raise InputError(f"Choose between 1 and {pipelines_cap(ctx)} pipelines.")
    specs = []
    for i, (first, second) in enumerate(pairs):
        if not (first or "").strip() or not (second or "").strip():
            raise InputError(f"Pipeline {i + 1} needs a model for both steps (local:smollm2 needs no key).")
        specs.append(PipelineSpec(str(i), tuple(check_models(ctx.registry, [first, second], 2))))
    steps = [
        StepSpec(step1_system or "", "{input}", "Step 1"),
        StepSpec(step2_system or "", step2_prompt or "{previous}", "Step 2"),
    ]
    return steps, specs, {"temperature": temperature, "max_tokens": max_tokens}


def build_pipeline_tab(ctx: PageContext) -> dict:
    """Lay out the Pipeline tab inside the current Blocks, wire run/stop, and return its handles."""
    preset = pipeline_preset(ctx)
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
            chosen = [(models[2 * i], models[2 * i + 1]) for i in range(int(n or 0))]
            steps, specs, params = parse_pipeline_inputs(ctx, p, sys1, sys2, p2, temp, mt, chosen)
            if ctx.options.demo_caps and (limited := ctx.limiter.check(ctx.visitor(request))):
                raise InputError(limited)
        except (InputError, ValueError, TypeError) as exc:
            yield [gr.skip()] * len(outs) + [f"{WARNING_MARK} {exc}"]
            return
        run = PipelineRun(ctx.registry, specs, steps, p, ctx.counter, **params)
        started = now_iso()
        views = {(s.key, i): StepView(status_line(Phase.WAITING) if i == 0 else "") for s in specs for i in range(2)}
        active[session] = (run, views)
        yield _frame(run, views, "")
        try:
            async with cancelled_if_abandoned(run.cancel):
                async for batch in run.batches(ctx.options.coalesce_s):
                    for key, step, event in batch:
                        if isinstance(event, PipelineDone):
                            for index, step_result in enumerate(event.result.steps):  # a stopped step sends no Finished
                                views[(key, index)].meta = result_line(step_result)
                            _mark_skipped(views, event.result)
                            continue
                        view = views[(key, step)]
                        if isinstance(event, Delta):
                            (view.thinking if event.thinking else view.parts).append(event.text)
                        elif isinstance(event, StateChange) and event.phase not in (Phase.DONE, Phase.ERROR):
                            view.meta = status_line(event.phase, event.detail, run.live_ttft(key, step))
                        elif isinstance(event, Finished):
                            view.parts, view.meta = [event.result.text], result_line(event.result)
                            view.thinking, view.thinking_head = [event.result.reasoning], thinking_head(event.result)
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
