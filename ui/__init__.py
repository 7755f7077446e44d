"""The Gradio page: a thin layer over the registry and engine."""
from __future__ import annotations

import gradio as gr

from .classroom_api import register_classroom_api
from .compare_tab import build_compare_tab
from .context import PageContext
from .lesson_banner import build_lesson_banner
from .lessons_tab import build_lessons_tab, wire_lessons
from .pipeline_tab import build_pipeline_tab
from .safety import PageOptions
from .thinking_fold import KEEP_THINKING_OPEN_JS
from .tokens_tab import build_context_tab, build_tokens_tab

CSS = """
#columns { flex-wrap: nowrap !important; gap: 8px; overflow-x: auto; }
#columns > .model-column { min-width: 140px !important; flex: 1 1 0 !important; }
.model-column .reply { font-size: 0.92em; }
.model-column .meta, .model-column .gauge { font-size: 0.8em; color: var(--body-text-color-subdued); }
#pipelines { flex-wrap: nowrap !important; gap: 8px; overflow-x: auto; }
#pipelines > .pipeline-column { min-width: 160px !important; flex: 1 1 0 !important; }
.pipeline-column .reply { font-size: 0.92em; }
.pipeline-column .meta, .pipeline-column .totals { font-size: 0.8em; color: var(--body-text-color-subdued); }
.pipeline-column .totals { border-top: 1px solid var(--border-color-primary); padding-top: 4px; }
#tok-views { flex-wrap: nowrap !important; gap: 8px; overflow-x: auto; }
#tok-views > .token-column { min-width: 200px !important; flex: 1 1 0 !important; }
.token-column .token-view { max-height: 320px; overflow-y: auto; }
.token-column .token-note { font-size: 0.8em; color: var(--body-text-color-subdued); margin-top: 4px; }
.lesson-error { color: var(--error-text-color); }
details.thinking { border-left: 3px solid var(--border-color-primary); padding-left: 8px; margin-bottom: 8px;
                   color: var(--body-text-color-subdued); }
details.thinking summary { cursor: pointer; font-size: 0.85em; }
"""
INTRO = ("# LLM side by side\nOne prompt, several models, streaming at once — with time to first token, "
         "total time, tokens per second, token counts and cost for each. The embedded local model needs no keys.")


def build_demo(ctx: PageContext | None = None) -> gr.Blocks:
    """Build the whole app as a Blocks (no launching here)."""
    ctx = ctx or PageContext.create()
    # delete_cache: Gradio's served copies of run downloads go after a day (checked hourly), so a long-lived
    # classroom server does not fill its disk.
    with gr.Blocks(title="LLM side by side", delete_cache=(3600, 86400)) as demo:
        gr.Markdown(INTRO)
        if ctx.options.demo_caps:
            o = ctx.options
            gr.Markdown(f"<small>Public demo limits: prompts up to {o.max_prompt_chars:,} characters, replies up to "
                        f"{o.max_tokens_cap} tokens, {o.max_models} models per run, {o.runs_per_minute} runs per minute.</small>")
        with gr.Tabs(elem_id="tabs") as tabs:
            with gr.Tab("Compare", id="compare", elem_id="tab-compare"):
                banners = {"compare": build_lesson_banner("compare")}
                compare = build_compare_tab(ctx)
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
        wire_lessons(ctx, lessons, tabs, compare, tokens, context, pipeline, banners)
        demo.load(None, None, None, js=KEEP_THINKING_OPEN_JS)
        _register_api(ctx)
    demo.ctx = ctx
    return demo


def _register_api(ctx: PageContext) -> None:
    from .api import make_compare_api

    gr.api(make_compare_api(ctx), api_name="compare", concurrency_limit=ctx.options.concurrency, concurrency_id="compare")
    register_classroom_api(ctx)


__all__ = ["CSS", "PageContext", "PageOptions", "build_demo"]
