"""The Gradio page: a thin layer over the registry and engine."""

from __future__ import annotations

import gradio as gr

from ui.api.classroom import register_classroom_api
from ui.context import PageContext
from ui.tabs.arena import build_arena_tab
from ui.tabs.compare import build_compare_tab
from ui.tabs.history import build_history_tab, wire_history_saving
from ui.tabs.lesson_banner import build_lesson_banner
from ui.tabs.lessons import LessonTargets, build_lessons_tab, wire_lessons
from ui.tabs.link_wiring import build_copy_link, build_link_notes, wire_setup_link
from ui.tabs.pipeline import build_pipeline_tab
from ui.tabs.pipeline_saving import wire_pipeline_saving
from ui.tabs.run_end import chain_run_end
from ui.tabs.tokens import build_context_tab, build_tokens_tab
from ui.web.assets import CSS, KEEP_THINKING_OPEN_JS, PAGE_JS
from ui.web.safety import PageOptions

TITLE = "# LLM side by side <small>one prompt, several models, streaming at once</small>"


def build_demo(ctx: PageContext | None = None) -> gr.Blocks:
    """Build the whole app as a Blocks (no launching here)."""
    ctx = ctx or PageContext.create()
    # delete_cache: Gradio's served copies of run downloads go after a day (checked hourly), so a long-lived
    # classroom server does not fill its disk.
    with gr.Blocks(title="LLM side by side", delete_cache=(3600, 86400), fill_width=True) as demo:
        with gr.Row(elem_id="page-head", equal_height=True):
            gr.Markdown(TITLE, elem_id="page-title")
            # Both buttons are handled by the page's script (ui/web/static/page.js): no server round trip.
            build_copy_link()
            gr.Button("Present", size="sm", scale=0, min_width=80, elem_id="present-toggle")
            gr.Button("Dark mode", size="sm", scale=0, min_width=96, elem_id="theme-toggle")
        if ctx.options.demo_caps:
            o = ctx.options
            gr.Markdown(
                f"<small>Public demo limits: prompts up to {o.max_prompt_chars:,} characters, replies up to "
                f"{o.max_tokens_cap} tokens, {o.max_models} models per run, "
                f"{o.runs_per_minute} runs per minute.</small>"
            )
        # "wrap": on a phone every tab stays one tap away instead of hiding behind an overflow menu.
        with gr.Tabs(elem_id="tabs", overflow_behavior="wrap") as tabs:
            with gr.Tab("Compare", id="compare", elem_id="tab-compare"):
                banners = {"compare": build_lesson_banner("compare")}
                link_notes = build_link_notes()
                compare = build_compare_tab(ctx)
                saving = wire_history_saving(ctx, compare)  # store: keep each finished run, show its snapshot link
            with gr.Tab("Lessons", id="lessons", elem_id="tab-lessons"):
                lessons = build_lessons_tab(ctx)
            with gr.Tab("Tokens", id="tokens", elem_id="tab-tokens") as tokens_tab:
                banners["tokens"] = build_lesson_banner("tokens")
                tokens = build_tokens_tab(ctx, tokens_tab)
            with gr.Tab("Context windows", id="context", elem_id="tab-context") as context_tab:
                banners["context"] = build_lesson_banner("context")
                context = build_context_tab(ctx, context_tab, compare, tokens)
            with gr.Tab("Pipeline", id="pipeline", elem_id="tab-pipeline"):
                banners["pipeline"] = build_lesson_banner("pipeline")
                pipeline = build_pipeline_tab(ctx)
                wire_pipeline_saving(ctx, pipeline, saving)
            with gr.Tab("Arena", id="arena", elem_id="tab-arena") as arena_tab:
                build_arena_tab(ctx, arena_tab)
            # --- History: saved runs and their snapshot links (ui/tabs/history.py) ---
            with gr.Tab("History", id="history", elem_id="tab-history") as history_tab:
                build_history_tab(ctx, history_tab, tabs, compare, saving)
        fills = LessonTargets(tabs, compare, tokens, context, pipeline)
        wire_lessons(ctx, lessons, fills, banners)
        wire_setup_link(ctx, link_notes, lessons, fills, banners)
        # after every tab added its run events (runs, re-runs, lesson runs): one step shows results and saves
        chain_run_end(
            compare.run_events,
            [compare.finalize, saving["part"]],
            show_progress="hidden",
            api_visibility="private",
            show_progress_on=[compare.banner],
        )
        demo.load(None, None, None, js=KEEP_THINKING_OPEN_JS)
        demo.load(None, None, None, js=PAGE_JS)
        _register_api(ctx)
    demo.ctx = ctx
    return demo


def _register_api(ctx: PageContext) -> None:
    from ui.api.arena import register_arena_api
    from ui.api.compare import make_compare_api

    gr.api(
        make_compare_api(ctx), api_name="compare", concurrency_limit=ctx.options.concurrency, concurrency_id="compare"
    )
    register_classroom_api(ctx)
    register_arena_api(ctx)


__all__ = ["CSS", "PageContext", "PageOptions", "build_demo"]
