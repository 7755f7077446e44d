"""The Preset picker says "custom" once the system prompt no longer is the chosen preset's (an edit, a lesson)."""

from __future__ import annotations

import gradio as gr

from ui.context import PageContext
from ui.names import CUSTOM_PRESET


def preset_after_edit(ctx: PageContext, name, system) -> object:
    """The picker's update for the current system prompt: unchanged while it matches the preset, else "custom"."""
    chosen = ctx.presets.get(name)
    if name == CUSTOM_PRESET or (chosen is not None and chosen.system == (system or "")):
        return gr.skip()
    names = [p.name for p in ctx.presets.values()]
    return gr.Dropdown(choices=names + [CUSTOM_PRESET], value=CUSTOM_PRESET)


def wire_preset_custom(ctx: PageContext, preset: gr.Dropdown, system: gr.Textbox) -> None:
    """Watch the system prompt and relabel the picker when it stops matching."""
    system.change(
        lambda name, text: preset_after_edit(ctx, name, text),
        [preset, system],
        [preset],
        show_progress="hidden",
        api_visibility="private",
        trigger_mode="always_last",
    )
