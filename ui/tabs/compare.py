"""The Compare tab's events: Run streams every column, Stop, Clear, a run picked among repeats, presets, the
context gauges and the model list; the components come from ui/tabs/compare_layout.py."""

import time

import gradio as gr

from ui.context import PageContext
from ui.names import N_SLOTS
from ui.tabs.column_settings import unpack_columns
from ui.tabs.column_tools import wire_column_tools
from ui.tabs.column_view import empty_history
from ui.tabs.compare_layout import PLOTS, lay_out_compare
from ui.tabs.compare_run import RUN_FIELDS, run_stream, stop_run
from ui.tabs.compare_view import FRAME, CompareUpdate, CompareView
from ui.tabs.gauges import gauges
from ui.tabs.models_panel import models_rows, unavailable_summary
from ui.tabs.repeat_page import run_views
from ui.tabs.results_panel import results_panel
from ui.tabs.run_end import RunEndPart
from ui.web.assets import IDLE_JS
from ui.web.queued_stop import queued_at


def build_compare_tab(ctx: PageContext) -> CompareView:
    """Lay out the Compare tab inside the current Blocks, wire its events and return its components."""
    layout = lay_out_compare(ctx)
    view, tools, hidden = layout.view, layout.tools, layout.hidden
    prompt, system, n_columns, preset, banner = view.prompt, view.system, view.n_columns, view.preset, view.banner
    history, record, run_switch, run_done = view.history, view.record, view.run_switch, view.run_done
    run_btn, stop_btn, clear_btn = view.run_btn, view.stop_btn, view.clear_btn
    column_settings, cols, model_dds, gauge_mds = view.column_settings, view.columns, view.models, view.gauges
    models_table, unavailable, refresh = layout.models_table, layout.unavailable, layout.refresh
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
        return [models_rows(ctx), unavailable_summary(ctx)] + [
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
