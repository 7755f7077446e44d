"""The Gradio page: a thin layer over the registry and engine."""
from __future__ import annotations

import gradio as gr

from .compare_tab import build_compare_tab
from .context import PageContext
from .safety import PageOptions

CSS = """
#columns { flex-wrap: nowrap !important; gap: 8px; overflow-x: auto; }
#columns > .model-column { min-width: 140px !important; flex: 1 1 0 !important; }
.model-column .reply { font-size: 0.92em; }
.model-column .meta, .model-column .gauge { font-size: 0.8em; color: var(--body-text-color-subdued); }
"""
INTRO = ("# LLM side by side\nOne prompt, several models, streaming at once — with time to first token, "
         "total time, tokens per second, token counts and cost for each. The embedded local model needs no keys.")


def build_demo(ctx: PageContext | None = None) -> gr.Blocks:
    """Build the whole app as a Blocks (no launching here)."""
    ctx = ctx or PageContext.create()
    with gr.Blocks(title="LLM side by side") as demo:
        gr.Markdown(INTRO)
        if ctx.options.demo_caps:
            o = ctx.options
            gr.Markdown(f"<small>Public demo limits: prompts up to {o.max_prompt_chars:,} characters, replies up to "
                        f"{o.max_tokens_cap} tokens, {o.max_models} models per run, {o.runs_per_minute} runs per minute.</small>")
        with gr.Tabs():
            with gr.Tab("Compare", id="compare"):
                build_compare_tab(ctx)
        _register_api(ctx)
    demo.ctx = ctx
    return demo


def _register_api(ctx: PageContext) -> None:
    from .api import make_compare_api

    gr.api(make_compare_api(ctx), api_name="compare", concurrency_limit=ctx.options.concurrency, concurrency_id="compare")


__all__ = ["CSS", "PageContext", "PageOptions", "build_demo"]
