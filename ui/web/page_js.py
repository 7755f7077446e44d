"""Browser-side behaviour of the page: Stop's state, column headers, scrolling columns together, keys, theme and
presentation mode. None of it needs a server round trip, so none of it adds to the Run event's size."""

from __future__ import annotations

from ui.context import SHARED_REASONING, SHARED_SYSTEM, SHARED_TEMPERATURE
from ui.web.assets import static_text

THEME_KEY = "llm-compare-theme"

# Installed once at page load. Gradio unmounts a tab's components when another tab is shown and renders hidden
# columns only when they appear, so the state lives here and is re-applied when a new Stop or column header appears.
PAGE_JS = static_text("page.js", theme_key=THEME_KEY)  # ui/web/static/page.js

# For an event that starts a compare run other than Run (whose click the page's script sees): marks the page busy
# and passes its inputs through unchanged.
BUSY_JS = "(...v) => { window.__llmCompare?.setBusy(true); return v; }"
# Runs when the results step marks the run finished: Stop goes back to inactive.
IDLE_JS = "() => { window.__llmCompare?.setBusy(false); }"
# The Pipeline tab's pair: its Stop is active while one of its runs streams.
PIPELINE_BUSY_JS = "(...v) => { window.__llmCompare?.setBusy(true, 'pl-stop'); return v; }"
PIPELINE_IDLE_JS = "() => { window.__llmCompare?.setBusy(false, 'pl-stop'); }"

# Each column's one-line header, rebuilt in the browser from the packed column settings (see column_settings.py).
HEADERS_JS = """(packed) => {
  let s = {};
  try { s = JSON.parse(packed) || {}; } catch (e) { s = {}; }
  const at = (key, i) => (Array.isArray(s[key]) && typeof s[key][i] === 'string') ? s[key][i] : '';
  return [...Array(%(slots)d).keys()].map(i => {
    const persona = at('systems', i), temp = at('temperatures', i), reason = at('reasoning', i);
    return [at('models', i).trim() || 'no model',
            !persona || persona === '%(shared_system)s' ? 'shared prompt' : persona,
            'temp ' + (temp || '%(shared_temp)s'), 'reasoning ' + (reason || '%(shared_reason)s')].join(' · ');
  });
}"""


def headers_js(slots: int) -> str:
    """HEADERS_JS for this many column slots."""
    return HEADERS_JS % {
        "slots": slots,
        "shared_system": SHARED_SYSTEM,
        "shared_temp": SHARED_TEMPERATURE,
        "shared_reason": SHARED_REASONING,
    }


def column_header(model: str, persona: str, temperature: str, reasoning: str) -> str:
    """A column's header as HEADERS_JS writes it: "model · persona · temp t · reasoning r"."""
    persona = "shared prompt" if not persona or persona == SHARED_SYSTEM else persona
    return " · ".join(
        [
            (model or "").strip() or "no model",
            persona,
            f"temp {temperature or SHARED_TEMPERATURE}",
            f"reasoning {reasoning or SHARED_REASONING}",
        ]
    )
