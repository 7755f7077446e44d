"""The Compare tab, built around the replies: a prompt row (Run, Stop, Clear), one line of setup, the reply columns
(each under a one-line header that unfolds its settings), then the results once a run has finished."""

import time

import gradio as gr

from compare.validate import MAX_REPEAT
from ui.context import PageContext
from ui.names import (
    N_SLOTS,
    PROVIDER_DEFAULT,
    REASONING_CHOICES,
    SHARED_REASONING,
    SHARED_SYSTEM,
    SHARED_TEMPERATURE,
    TEMPERATURE_CHOICES,
)
from ui.tabs.column_settings import column_header, column_settings_field, pack_columns, unpack_columns
from ui.tabs.column_tools import build_column_tools, wire_column_tools
from ui.tabs.column_view import empty_history
from ui.tabs.compare_run import RUN_FIELDS, run_stream, stop_run
from ui.tabs.compare_view import FRAME, CompareUpdate, CompareView
from ui.tabs.gauges import gauges
from ui.tabs.models_panel import MODELS_HEADERS, MODELS_WIDTHS
from ui.tabs.models_panel import models_rows as _models_rows
from ui.tabs.models_panel import unavailable_summary as _unavailable_summary
from ui.tabs.repeat_page import run_views
from ui.tabs.results_panel import results_panel
from ui.tabs.results_view import SUMMARY_HEADERS
from ui.tabs.run_end import RunEndPart
from ui.web.assets import HEADERS_JS, IDLE_JS
from ui.web.queued_stop import queued_at

__all__ = ["build_compare_tab", "_models_rows", "_unavailable_summary"]
PLOTS = ("first token (s)", "total (s)", "tokens/s", "cost (USD)")
# Widths that fit the summary at 1366 px without breaking a header's words; narrower screens scroll it sideways.
SUMMARY_WIDTHS = {"#": "40px", "column": "180px", "status": "104px", "counts": "90px"}


def summary_widths(headers: list[str]) -> list[str]:
    """Column widths for the summary table, by header (86 px for each figure, 110 px for the cost)."""
    return [SUMMARY_WIDTHS.get(h, "110px" if h.startswith("cost") else "86px") for h in headers]


def build_compare_tab(ctx: PageContext) -> CompareView:
    """Lay out the Compare tab inside the current Blocks, wire its events and return its components."""
    presets = list(ctx.presets.values())
    first = presets[0] if presets else None
    with gr.Row(elem_id="prompt-row", equal_height=True):
        prompt = gr.Textbox(
            label="Prompt",
            show_label=False,
            container=False,
            lines=1,
            max_lines=8,
            scale=6,
            min_width=220,
            elem_id="prompt",
            autofocus=True,
            value=first.example if first else "",
            placeholder="Ask something… (Enter runs, Shift+Enter adds a line)",
        )
        run_btn = gr.Button("Run", variant="primary", scale=0, min_width=70, elem_id="run")
        # Inactive until a run starts: page.js (ui/web/static/) switches it, so no event gains an output.
        stop_btn = gr.Button("Stop", variant="stop", scale=0, min_width=70, elem_id="stop", interactive=False)
        clear_btn = gr.Button("Clear", scale=0, min_width=70, elem_id="clear")
    with gr.Row(elem_id="setup-row", equal_height=True):
        n_columns = gr.Number(
            2,
            precision=0,
            minimum=1,
            maximum=ctx.options.models_cap,
            step=1,
            label="Columns",
            scale=0,
            min_width=150,
            elem_id="n-columns",
        )
        preset = gr.Dropdown(
            [p.name for p in presets],
            value=first.name if first else None,
            label="Preset",
            scale=2,
            min_width=200,
            elem_id="preset",
        )
        scroll_sync = gr.Checkbox(
            True, label="Scroll together", scale=0, min_width=170, elem_id="scroll-sync", interactive=True
        )
        with gr.Accordion("System prompt and parameters", open=False, elem_id="setup"):
            system = gr.Textbox(
                label="System prompt (for columns set to the shared prompt)",
                lines=2,
                max_lines=12,
                elem_id="system",
                value=first.system if first else "",
            )
            with gr.Row():
                temperature = gr.Slider(0, 2, value=0.7, step=0.05, label="Temperature", elem_id="temperature")
                cap = ctx.options.tokens_cap
                max_tokens = gr.Number(
                    value=min(256, cap) if cap else 256,
                    precision=0,
                    elem_id="max-tokens",
                    label=f"Max tokens{f' (≤ {cap})' if cap else ''}",
                )
                top_p = gr.Slider(0.05, 1, value=1.0, step=0.05, label="top_p", elem_id="top-p")
                # A text box, not gr.Number: a rendered Number turns blank into 0, which pinned every run's seed.
                seed = gr.Textbox("", label="Seed (blank = random)", placeholder="random", elem_id="seed", max_lines=1)
                reasoning = gr.Dropdown(
                    REASONING_CHOICES,
                    value=PROVIDER_DEFAULT,
                    label="Reasoning",
                    elem_id="reasoning",
                    info="thinking effort for reasoning models; default = each provider's own",
                )
                repeat = gr.Number(
                    1,
                    precision=0,
                    minimum=1,
                    maximum=MAX_REPEAT,
                    step=1,
                    label="Runs per column",
                    elem_id="repeat",
                    info=(
                        "above 1: median (p10–p90) and better-or-within-noise verdicts "
                        "(4 or more can tell models apart)"
                    ),
                )
    banner = gr.Markdown(elem_id="banner")
    # A repeat run's columns show run 1; this shows another run in every column (hidden while a run streams).
    run_switch = gr.Radio([], label="Run shown in the columns", visible=False, elem_id="run-switch")
    history = gr.State(empty_history())
    record = gr.State(None)

    defaults = ctx.default_columns()
    choices = ctx.available_ids
    system_choices = [SHARED_SYSTEM] + [p.name for p in presets if not p.steps]
    cols, heads, model_dds, system_dds, temp_nums, reason_dds = [], [], [], [], [], []
    gauge_mds, meta_mds, reply_mds = [], [], []
    with gr.Row(elem_id="columns"):
        for slot in range(N_SLOTS):
            model, persona = defaults[slot]
            with gr.Column(
                min_width=120, visible=slot < 2, elem_classes=["model-column"], elem_id=f"col-{slot}"
            ) as col:
                heads.append(
                    gr.Button(
                        column_header(model, persona, SHARED_TEMPERATURE, SHARED_REASONING),
                        size="sm",
                        elem_id=f"head-{slot}",
                        elem_classes=["col-head"],
                    )
                )
                with gr.Group(elem_classes=["col-settings"], elem_id=f"settings-{slot}"):
                    model_dds.append(
                        gr.Dropdown(
                            choices,
                            value=model,
                            label=f"Model {slot + 1}",
                            allow_custom_value=True,
                            elem_id=f"model-{slot}",
                        )
                    )
                    with gr.Row():
                        system_dds.append(
                            gr.Dropdown(
                                system_choices,
                                value=persona,
                                label="System prompt",
                                elem_id=f"persona-{slot}",
                                scale=3,
                                min_width=130,
                            )
                        )
                        temp_nums.append(
                            gr.Dropdown(
                                TEMPERATURE_CHOICES,
                                value=SHARED_TEMPERATURE,
                                label="Temperature",
                                allow_custom_value=True,
                                scale=2,
                                min_width=100,
                                elem_id=f"temp-{slot}",
                            )
                        )
                        reason_dds.append(
                            gr.Dropdown(
                                [SHARED_REASONING] + REASONING_CHOICES,
                                value=SHARED_REASONING,
                                label="Reasoning",
                                scale=2,
                                min_width=100,
                                elem_id=f"reason-{slot}",
                            )
                        )
                reply_mds.append(gr.Markdown(elem_classes=["reply"], elem_id=f"reply-{slot}", buttons=["copy"]))
                meta_mds.append(gr.Markdown(elem_classes=["meta"], elem_id=f"meta-{slot}"))
                gauge_mds.append(gr.Markdown(elem_classes=["gauge"], elem_id=f"gauge-{slot}"))
            cols.append(col)

    tools = build_column_tools(ctx)  # diff, re-run and continue, directly under the replies

    # Hidden by the "pending" class until a run finishes, and again after Clear; a class rather than visible=False
    # keeps #summary and the rest in the page, so nothing waiting for them finds them missing.
    with gr.Column(elem_id="results", elem_classes=["pending"]) as results_col:
        summary = gr.Dataframe(
            headers=SUMMARY_HEADERS,
            interactive=False,
            elem_id="summary",
            wrap=True,
            label="Summary",
            column_widths=summary_widths(SUMMARY_HEADERS),
        )
        with gr.Row():
            plots = [
                gr.BarPlot(x="model", y=y, title=y, height=220, elem_id=f"plot-{i}", sort=None, y_lim=[0, None])
                for i, y in enumerate(PLOTS)
            ]
        dots = gr.HTML(elem_id="dot-charts")
        with gr.Row():
            json_file = gr.File(label="Run as JSON", elem_id="export-json")
            md_file = gr.File(label="Report (Markdown)", elem_id="export-md")

    unavailable = gr.Markdown(_unavailable_summary(ctx), elem_id="unavailable")
    with gr.Accordion("Models: what is available and why not", open=False, elem_id="models"):
        models_table = gr.Dataframe(
            _models_rows(ctx),
            headers=MODELS_HEADERS,
            column_widths=MODELS_WIDTHS,
            interactive=False,
            elem_id="models-table",
            wrap=True,
        )
        refresh = gr.Button("Refresh model list", size="sm")
    run_done = gr.Textbox(visible="hidden", elem_id="run-done", show_label=False, container=False)

    # Gradio's page refreshes the loading status of every input and progress target of every event that has run,
    # on each status message (each streamed frame included): keep that set small by showing progress on the banner.
    hidden = dict(show_progress="hidden", api_visibility="private", show_progress_on=[banner])
    setting_dds = [*model_dds, *system_dds, *temp_nums, *reason_dds]
    column_settings = column_settings_field(
        pack_columns(*zip(*defaults), [SHARED_TEMPERATURE] * N_SLOTS), setting_dds, **hidden
    )
    column_settings.change(None, [column_settings], heads, js=HEADERS_JS, **hidden)
    view = CompareView(
        prompt,
        system,
        temperature,
        max_tokens,
        top_p,
        seed,
        reasoning,
        repeat,
        n_columns,
        preset,
        scroll_sync,
        run_btn,
        stop_btn,
        clear_btn,
        banner,
        run_switch,
        history,
        record,
        column_settings,
        results_col,
        summary,
        plots,
        dots,
        json_file,
        md_file,
        run_done,
        cols,
        heads,
        model_dds,
        system_dds,
        temp_nums,
        reason_dds,
        reply_mds,
        meta_mds,
        gauge_mds,
    )
    # One value in: Gradio's inputs-as-a-set idiom hands the handler {component: value}, read back by name.
    run_inputs = set(view.targets(*RUN_FIELDS, "history", "column_settings"))
    run_outputs = view.targets(*FRAME)
    # Raw values in and out (no per-component pre/postprocessing, each a thread hop): build_request checks them.
    # No `js` step either: the page's script marks Stop active when it sees the click (ui/web/static/page.js).
    run_options = dict(preprocess=False, postprocess=False)

    async def on_run(values: dict, request: gr.Request):
        page = view.by_name(values)
        async for update in run_stream(ctx, _session(request), page, ctx.visitor(request), queued_at()):
            yield view.apply(update)

    async def on_stop(request: gr.Request):
        return await stop_run(ctx, _session(request), queued_at())

    def on_finished(_request, run_record):
        # The results step also shows the results (first run) and marks the run over, which makes Stop inactive.
        update = results_panel(ctx, run_record)
        if run_record:
            update.results = gr.Column(elem_classes=["shown"])
        update.run_done = str(time.time())
        return view.apply(update)

    # chained after every run event (runs, re-runs, lesson runs) by ui.tabs.run_end, together with History's save
    finalize = RunEndPart(
        on_finished,
        [record],
        view.targets("summary", "plots", "json_file", "md_file", "dots", "run_switch", "results", "run_done"),
    )
    run_event = gr.on(
        [run_btn.click, prompt.submit],
        on_run,
        run_inputs,
        run_outputs,
        concurrency_limit=ctx.options.concurrency,
        concurrency_id="compare",
        **run_options,
        **hidden,
    )
    run_done.change(None, None, None, js=IDLE_JS, **hidden)
    # Stop only signals the engine: the run's own stream then ends with the partial results, so no late frame
    # from a cancelled generator can overwrite the stopped state.
    stop_btn.click(on_stop, None, [banner], **hidden)

    def on_clear():
        return view.apply(
            CompareUpdate(
                replies=[""] * N_SLOTS,
                metas=[""] * N_SLOTS,
                banner="",
                history=empty_history(),
                record=None,
                json_file=None,
                md_file=None,
                summary=None,
                plots=[None] * len(PLOTS),
                dots="",
                run_switch=gr.Radio([], value=None, visible=False),
                results=gr.Column(elem_classes=["pending"]),
            )
        )

    clear_btn.click(
        on_clear,
        None,
        view.targets(
            "replies",
            "metas",
            "banner",
            "history",
            "record",
            "json_file",
            "md_file",
            "summary",
            "plots",
            "dots",
            "run_switch",
            "results",
        ),
        **hidden,
    )

    def on_switch(choice, run_record, conversation):
        return view.apply(run_views(run_record, conversation, choice) or CompareUpdate())

    run_switch.input(on_switch, [run_switch, record, history], view.targets("replies", "metas"), **hidden)

    def on_preset(name):
        chosen = ctx.presets.get(name)
        return (chosen.system, chosen.example) if chosen else (gr.skip(), gr.skip())

    preset.change(on_preset, [preset], [system, prompt], **hidden)
    n_columns.change(_column_visibility, [n_columns], cols, **hidden)
    gauge_inputs = [prompt, system, n_columns, history, column_settings]

    def on_gauge(p, s, n, hist, packed):
        models, systems, *_ = unpack_columns(packed)
        return gauges(ctx, p, s, n, hist, models, systems)

    gr.on(
        [prompt.change, system.change, n_columns.change, history.change, column_settings.change],
        on_gauge,
        gauge_inputs,
        gauge_mds,
        trigger_mode="always_last",
        concurrency_limit=4,
        concurrency_id="gauge",
        **hidden,
    )

    def on_refresh():
        ctx.refresh_models()
        return [_models_rows(ctx), _unavailable_summary(ctx)] + [
            gr.Dropdown(choices=ctx.available_ids) for _ in model_dds
        ]

    refresh.click(on_refresh, None, [models_table, unavailable, *model_dds], **hidden)
    demo = gr.context.Context.root_block
    demo.load(on_gauge, gauge_inputs, gauge_mds, **hidden)
    view.run, view.run_options = (on_run, run_inputs, run_outputs), run_options
    view.run_events, view.finalize = [run_event], finalize
    wire_column_tools(ctx, tools, view)
    return view


def _column_visibility(n) -> list:
    """Show the first n columns; a box left blank or out of range (while typing) changes nothing."""
    try:
        n = int(n)
    except (TypeError, ValueError):
        n = 0
    if not 1 <= n <= N_SLOTS:
        return [gr.skip()] * N_SLOTS
    return [gr.Column(visible=i < n) for i in range(N_SLOTS)]


def _session(request: gr.Request | None) -> str:
    return getattr(request, "session_hash", None) or "anonymous"
