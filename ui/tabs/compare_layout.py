"""The Compare tab's components, laid out: a prompt row (Run, Stop, Clear), one line of setup, the reply columns
(each under a one-line header that unfolds its settings), the results once a run has finished, the models panel."""

from dataclasses import dataclass

import gradio as gr

from compare.server_sharing import Sharing
from compare.validate import MAX_REPEAT
from ui.context import PageContext
from ui.names import (
    N_SLOTS,
    PROVIDER_DEFAULT,
    REASONING_CHOICES,
    SHARED_SYSTEM,
    SHARED_TEMPERATURE,
)
from ui.tabs.column_settings import column_settings_field, pack_columns
from ui.tabs.column_tools import build_column_tools
from ui.tabs.column_view import empty_history
from ui.tabs.compare_view import CompareView
from ui.tabs.models_panel import MODELS_HEADERS, MODELS_WIDTHS, models_rows, unavailable_summary
from ui.tabs.reply_columns import lay_out_reply_columns
from ui.tabs.results_view import SUMMARY_HEADERS
from ui.web.assets import HEADERS_JS

PLOTS = ("first token (s)", "total (s)", "tokens/s", "cost (USD)")
# Widths that fit the summary at 1366 px without breaking a header's words; narrower screens scroll it sideways.
SUMMARY_WIDTHS = {"#": "40px", "column": "180px", "status": "104px", "counts": "90px"}


@dataclass
class CompareLayout:
    """The tab's components: the view its handlers update, the column tools and the models panel."""

    view: CompareView
    tools: dict  # ui/tabs/column_tools.py
    models_table: gr.Dataframe
    unavailable: gr.Markdown
    refresh: gr.Button
    hidden: dict  # the options every quiet event of the tab takes (quiet_events)


def summary_widths(headers: list[str]) -> list[str]:
    """Column widths for the summary table, by header (86 px for each figure, 110 px for the cost)."""
    return [SUMMARY_WIDTHS.get(h, "110px" if h.startswith("cost") else "86px") for h in headers]


def quiet_events(banner: gr.Markdown) -> dict:
    """Options for events that show no progress of their own and are not API endpoints."""
    # Gradio's page refreshes the loading status of every input and progress target of every event that has run,
    # on each status message (each streamed frame included): keep that set small by showing progress on the banner.
    return dict(show_progress="hidden", api_visibility="private", show_progress_on=[banner])


def lay_out_compare(ctx: PageContext) -> CompareLayout:
    """Create the Compare tab's components inside the current Blocks (its events are wired by ui/tabs/compare.py)."""
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
            same_server = gr.Radio(
                [str(s) for s in Sharing],
                value=str(Sharing.TOGETHER),
                label="Columns sharing a server",
                elem_id="same-server",
                info=(
                    "a local server (llama.cpp, Ollama) may serve columns one after another: together marks "
                    "runs that waited and leaves them out of verdicts; one at a time gives clean speeds; "
                    "under load counts the waits"
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
    slots = lay_out_reply_columns(defaults, choices, system_choices)
    cols, heads, model_dds, system_dds = slots.columns, slots.heads, slots.models, slots.personas
    temp_nums, reason_dds, reply_mds, meta_mds, gauge_mds = (
        slots.temps,
        slots.reasonings,
        slots.replies,
        slots.metas,
        slots.gauges,
    )

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

    unavailable = gr.Markdown(unavailable_summary(ctx), elem_id="unavailable")
    with gr.Accordion("Models: what is available and why not", open=False, elem_id="models"):
        models_table = gr.Dataframe(
            models_rows(ctx),
            headers=MODELS_HEADERS,
            column_widths=MODELS_WIDTHS,
            interactive=False,
            elem_id="models-table",
            wrap=True,
        )
        refresh = gr.Button("Refresh model list", size="sm")
    run_done = gr.Textbox(visible="hidden", elem_id="run-done", show_label=False, container=False)

    hidden = quiet_events(banner)
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
        same_server,
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
    return CompareLayout(view, tools, models_table, unavailable, refresh, hidden)
