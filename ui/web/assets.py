"""The page's CSS and JavaScript: files in ui/web/static/, read once, with the page's named values filled in.

Whole scripts (page.js, link.js, thinking_fold.js) are installed at page load; hooks/*.js are the small functions
events run in the browser instead of a server round trip."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ui.names import CUSTOM_PRESET, N_SLOTS, SHARED_REASONING, SHARED_SYSTEM, SHARED_TEMPERATURE

STATIC = Path(__file__).resolve().parent / "static"
THEME_KEY = "llm-compare-theme"


@cache
def _raw(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def static_text(name: str, **values) -> str:
    """ui/web/static/<name> with each __KEY__ replaced by values["key"] (a file without them is returned as it is)."""
    text = _raw(name)
    for key, value in values.items():
        token = f"__{key.upper()}__"
        if token not in text:
            raise KeyError(f"{name} has no {token} to fill")
        text = text.replace(token, str(value))
    return text


def hook(name: str, **values) -> str:
    """One event's browser function, ui/web/static/hooks/<name>.js, without its leading comment lines."""
    lines = static_text(f"hooks/{name}.js", **values).splitlines()
    while lines and lines[0].lstrip().startswith("//"):
        lines.pop(0)
    return "\n".join(lines)


CSS = static_text("page.css")
# Installed once at page load. Gradio unmounts a tab's components when another tab is shown and renders hidden
# columns only when they appear, so the state lives here and is re-applied when a new Stop or column header appears.
PAGE_JS = static_text("page.js", theme_key=THEME_KEY)
# Setup keys are rewritten from the page's values; any other key (lesson, Gradio's own such as __theme) is kept.
LINK_JS = static_text(
    "link.js", slots=N_SLOTS, shared_system=SHARED_SYSTEM, shared_temp=SHARED_TEMPERATURE, custom=CUSTOM_PRESET
)
KEEP_THINKING_OPEN_JS = static_text("thinking_fold.js")
BUSY_JS, IDLE_JS = hook("busy"), hook("idle")
PIPELINE_BUSY_JS, PIPELINE_IDLE_JS = hook("pipeline_busy"), hook("pipeline_idle")
FOLLOW_JS = hook("follow")
PACK_COLUMNS_JS = hook("pack_columns")
HEADERS_JS = hook(
    "headers",
    slots=N_SLOTS,
    shared_system=SHARED_SYSTEM,
    shared_temp=SHARED_TEMPERATURE,
    shared_reason=SHARED_REASONING,
)
