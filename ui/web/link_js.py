"""Browser side of setup links: the address follows the Compare setup (history.replaceState), Copy link copies it.

Only the address and the clipboard live here; reading a link's values is Python's job (ui/web/setup_link.py)."""

from __future__ import annotations

from ui.context import N_SLOTS, SHARED_SYSTEM, SHARED_TEMPERATURE
from ui.tabs.preset_sync import CUSTOM
from ui.web.assets import static_text

# Installed once at page load. Setup keys are rewritten from the page's values; any other key (lesson, Gradio's
# own such as __theme) is kept, so a lesson link keeps its banner when reopened.
LINK_JS = static_text(
    "link.js", slots=N_SLOTS, shared_system=SHARED_SYSTEM, shared_temp=SHARED_TEMPERATURE, custom=CUSTOM
)  # ui/web/static/link.js

# The change event's step: hands the Compare setup to LINK_JS (no server round trip).
FOLLOW_JS = (
    "(prompt, system, temperature, maxTokens, preset, n, packed) => { window.__llmLink?.follow("
    "{prompt, system, temperature, maxTokens, preset, n, packed}); return []; }"
)
