"""The Compare tab: prompt, system prompt, columns, controls and the results panel, wired to the handlers."""

import gradio as gr

from .context import (N_SLOTS, PROVIDER_DEFAULT, REASONING_CHOICES, SHARED_REASONING, SHARED_SYSTEM, SHARED_TEMPERATURE,
                      TEMPERATURE_CHOICES, PageContext)
from .column_settings import column_settings_field, pack_columns, unpack_columns
from .column_tools import build_column_tools, wire_column_tools
from .handlers import empty_history, gauges, results_panel, run_stream, stop_run
from .queued_stop import STAMP_RUN_JS, STAMP_STOP_JS, click_stamp
from .render import escape_md
from .results_view import SUMMARY_HEADERS


def build_compare_tab(ctx: PageContext) -> None:
    """Lay out the Compare tab inside the current Blocks and wire its events."""
    presets = list(ctx.presets.values())
    first = presets[0] if presets else None
    with gr.Row():
        prompt = gr.Textbox(label="Prompt", lines=1, max_lines=12, scale=3, elem_id="prompt", autofocus=True,
                            value=first.example if first else "", placeholder="Ask something… (Enter runs, Shift+Enter adds a line)")
        system = gr.Textbox(label="System prompt", lines=3, max_lines=12, scale=2, elem_id="system",
                            value=first.system if first else "")
    with gr.Row(equal_height=True):
        preset = gr.Dropdown([p.name for p in presets], value=first.name if first else None, label="Preset", scale=2)
        n_columns = gr.Slider(1, ctx.options.models_cap, value=2, step=1, label="Columns", scale=2, elem_id="n-columns")
        run_btn = gr.Button("Run", variant="primary", scale=1, elem_id="run")
        stop_btn = gr.Button("Stop", variant="stop", scale=1, elem_id="stop")
        clear_btn = gr.Button("Clear", scale=1, elem_id="clear")
    with gr.Accordion("Parameters", open=False):
        with gr.Row():
            temperature = gr.Slider(0, 2, value=0.7, step=0.05, label="Temperature")
            cap = ctx.options.tokens_cap
            max_tokens = gr.Number(value=min(256, cap) if cap else 256, precision=0, label=f"Max tokens{f' (≤ {cap})' if cap else ''}")
            top_p = gr.Slider(0.05, 1, value=1.0, step=0.05, label="top_p")
            seed = gr.Number(value=None, precision=0, label="Seed (blank = random)")
            reasoning = gr.Dropdown(REASONING_CHOICES, value=PROVIDER_DEFAULT, label="Reasoning", elem_id="reasoning",
                                    info="thinking effort for reasoning models; default = each provider's own")
    banner = gr.Markdown(elem_id="banner")
    history = gr.State(empty_history())
    record = gr.State(None)

    defaults = ctx.default_columns()
    choices = ctx.available_ids
    system_choices = [SHARED_SYSTEM] + [p.name for p in presets if not p.steps]
    cols, model_dds, system_dds, temp_nums, reason_dds, gauge_mds, meta_mds, reply_mds = [], [], [], [], [], [], [], []
    with gr.Row(elem_id="columns"):
        for slot in range(N_SLOTS):
            with gr.Column(min_width=120, visible=slot < 2, elem_classes=["model-column"], elem_id=f"col-{slot}") as col:
                model_dds.append(gr.Dropdown(choices, value=defaults[slot][0], label=f"Model {slot + 1}",
                                             allow_custom_value=True, elem_id=f"model-{slot}"))
                with gr.Row():
                    system_dds.append(gr.Dropdown(system_choices, value=defaults[slot][1], label="System prompt",
                                                  elem_id=f"persona-{slot}", scale=3, min_width=90))
                    temp_nums.append(gr.Dropdown(TEMPERATURE_CHOICES, value=SHARED_TEMPERATURE, label="Temperature",
                                                 allow_custom_value=True, scale=2, min_width=70, elem_id=f"temp-{slot}"))
                    reason_dds.append(gr.Dropdown([SHARED_REASONING] + REASONING_CHOICES, value=SHARED_REASONING,
                                                  label="Reasoning", scale=2, min_width=70, elem_id=f"reason-{slot}"))
                gauge_mds.append(gr.Markdown(elem_classes=["gauge"], elem_id=f"gauge-{slot}"))
                meta_mds.append(gr.Markdown(elem_classes=["meta"], elem_id=f"meta-{slot}"))
                reply_mds.append(gr.Markdown(elem_classes=["reply"], elem_id=f"reply-{slot}", buttons=["copy"]))
            cols.append(col)

    tools = build_column_tools(ctx)  # diff two columns, re-run one, continue one (ui/column_tools.py)
    unavailable = gr.Markdown(_unavailable_summary(ctx), elem_id="unavailable")

    with gr.Accordion("Results", open=True):
        summary = gr.Dataframe(headers=SUMMARY_HEADERS, interactive=False, elem_id="summary", wrap=True)
        with gr.Row():
            plots = [gr.BarPlot(x="model", y=y, title=y, height=220, elem_id=f"plot-{i}", sort=None, y_lim=[0, None])
                     for i, y in enumerate(("first token (s)", "total (s)", "tokens/s", "cost (USD)"))]
        with gr.Row():
            json_file = gr.File(label="Run as JSON", elem_id="export-json")
            md_file = gr.File(label="Report (Markdown)", elem_id="export-md")

    with gr.Accordion("Models: what is available and why not", open=False):
        models_table = gr.Dataframe(_models_rows(ctx), headers=["model", "available", "why not", "context window", "$/M in", "$/M out"],
                                    interactive=False, elem_id="models-table", wrap=True)
        refresh = gr.Button("Refresh model list", size="sm")

    # Gradio's page refreshes the loading status of every input and progress target of every event that has run,
    # on each status message (each streamed frame included): keep that set small by showing progress on the banner.
    hidden = dict(show_progress="hidden", api_visibility="private", show_progress_on=[banner])
    setting_dds = [*model_dds, *system_dds, *temp_nums, *reason_dds]
    column_settings = column_settings_field(pack_columns(*zip(*defaults), [SHARED_TEMPERATURE] * N_SLOTS), setting_dds,
                                            **hidden)
    stamp = click_stamp()
    run_inputs = [prompt, system, temperature, max_tokens, top_p, seed, reasoning, n_columns, history, column_settings, stamp]
    run_outputs = [*reply_mds, *meta_mds, banner, history, record]
    # Raw values in and out (no per-component pre/postprocessing, each a thread hop): parse_inputs checks them.
    run_options = dict(preprocess=False, postprocess=False, js=STAMP_RUN_JS)

    async def on_run(request: gr.Request, *values):
        *fixed, packed, clicked_at = values
        async for update in run_stream(ctx, _session(request), *fixed, *unpack_columns(packed), clicked_at=clicked_at):
            yield update

    async def on_stop(request: gr.Request, stop_stamp):
        return await stop_run(ctx, _session(request), stop_stamp)

    finalize = (lambda r: results_panel(ctx, r), [record], [summary, *plots, json_file, md_file])
    run_event = gr.on([run_btn.click, prompt.submit], on_run, run_inputs, run_outputs,
                      concurrency_limit=ctx.options.concurrency, concurrency_id="compare", **run_options, **hidden)
    run_event.then(*finalize, **hidden)
    # Stop only signals the engine: the run's own stream then ends with the partial results, so no late frame
    # from a cancelled generator can overwrite the stopped state.
    stop_btn.click(on_stop, [stamp], [banner], js=STAMP_STOP_JS, preprocess=False, **hidden)
    clear_btn.click(lambda: [""] * (2 * N_SLOTS) + ["", empty_history(), None, None, None],
                    None, [*reply_mds, *meta_mds, banner, history, record, json_file, md_file], **hidden)

    def on_preset(name):
        chosen = ctx.presets.get(name)
        return (chosen.system, chosen.example) if chosen else (gr.skip(), gr.skip())

    preset.change(on_preset, [preset], [system, prompt], **hidden)
    n_columns.change(lambda n: [gr.Column(visible=i < int(n)) for i in range(N_SLOTS)], [n_columns], cols, **hidden)
    gauge_inputs = [prompt, system, n_columns, history, column_settings]

    def on_gauge(p, s, n, hist, packed):
        models, systems, *_ = unpack_columns(packed)
        return gauges(ctx, p, s, n, hist, models, systems)

    gr.on([prompt.change, system.change, n_columns.change, history.change, column_settings.change],
          on_gauge, gauge_inputs, gauge_mds, trigger_mode="always_last", concurrency_limit=4, concurrency_id="gauge", **hidden)

    def on_refresh():
        ctx.refresh_models()
        return [_models_rows(ctx), _unavailable_summary(ctx)] + [gr.Dropdown(choices=ctx.available_ids) for _ in model_dds]

    refresh.click(on_refresh, None, [models_table, unavailable, *model_dds], **hidden)
    demo = gr.context.Context.root_block
    demo.load(on_gauge, gauge_inputs, gauge_mds, **hidden)
    refs = {"prompt": prompt, "system": system, "n_columns": n_columns, "model_dds": model_dds, "system_dds": system_dds,
            "temp_nums": temp_nums, "temperature": temperature, "max_tokens": max_tokens, "gauges": gauge_mds, "history": history,
            "column_settings": column_settings, "run": (on_run, run_inputs, run_outputs), "run_options": run_options,
            "finalize": finalize, "stop_btn": stop_btn, "run_event": run_event, "reply_mds": reply_mds, "meta_mds": meta_mds,
            "banner": banner, "record": record, "reason_dds": reason_dds, "preset": preset}
    wire_column_tools(ctx, tools, refs)
    return refs


def _session(request: gr.Request | None) -> str:
    return getattr(request, "session_hash", None) or "anonymous"


def _unavailable_summary(ctx: PageContext) -> str:
    """One line naming the providers that cannot be used now, grouped by what would fix them, and failed model lists."""
    keys, down, other = {}, {}, {}
    for m in ctx.models:
        reason = m.reason or ""
        if m.available or m.provider in keys or m.provider in down or m.provider in other:
            continue
        if reason.startswith("set ") and reason.endswith(" in .env"):
            keys[m.provider] = reason[4:-8]
        elif "not running" in reason or "did not answer" in reason:
            down[m.provider] = reason
        else:
            other[m.provider] = reason
    parts = []
    if keys:
        parts.append("need a key in .env: " + ", ".join(f"{p} ({k})" for p, k in keys.items()))
    if down:
        parts.append("no server running: " + ", ".join(down))
    if other:
        parts.append("; ".join(f"{p}: {escape_md(r)}" for p, r in other.items()))
    lines = [f"Not selectable now — {' · '.join(parts)}. Details under *Models* below."] if parts else []
    listing = getattr(ctx.registry, "listing_notes", {})
    if listing:
        lines.append("Model lists — " + " · ".join(f"{p}: {escape_md(n)}" for p, n in listing.items()))
    return f"<small>{'<br>'.join(lines)}</small>" if lines else ""


def _models_rows(ctx: PageContext) -> list[list]:
    """Model, available, why not (or, when usable, its notes: a failed model list, why its price is unknown), window, prices."""
    return [[m.id, "yes" if m.available else "no",
             (m.reason or "") if not m.available else "; ".join(n for n in (m.note, m.price_note) if n),
             m.context_window, m.input_per_m, m.output_per_m]
            for m in ctx.models]
