"""Playwright + system Chromium for the browser tests and the browser benchmark: launch, fixtures, page helpers.

The fixtures (`browser`, `new_page`) are registered for every test module by tests/conftest.py's `pytest_plugins`.
Chromium is Debian's /usr/bin/chromium (``playwright install`` needs the internet): without it the tests skip,
unless the CI environment variable is set, in which case they fail.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
VIEWPORT = {"width": 1280, "height": 900}
# Two cores shared by Chromium, the app and the fakes: waits are generous; no test asserts a duration.
TIMEOUT_MS = 60_000
PAGE_LOAD_MS = 120_000


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).is_file():
        return f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def require_chromium() -> None:
    """Skip without Chromium, except under CI (env CI set), where a missing browser is a failure."""
    reason = chromium_missing_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {reason}")
        pytest.skip(reason)


def launch_chromium(pw, **kwargs):
    """Headless system Chromium with the flags that keep it off the network and quiet."""
    return pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, **kwargs)


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module (starting it is the slow part)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch_chromium(pw)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(browser):
    """Factory: a fresh context + page (1280x900, generous timeouts) on `url`, loaded until #run shows and the page's
    script is installed.

    `init_script` runs in the page before any of the app's scripts; `before_goto(page)` can attach listeners; other
    keywords go to the browser context (e.g. one of VIEWPORTS: ``new_page(url, **VIEWPORTS["phone"])``)."""
    contexts = []

    def make(
        url: str, viewport: dict | None = None, init_script: str | None = None, before_goto=None, **context_options
    ):
        context = browser.new_context(**{"viewport": viewport or VIEWPORT, **context_options})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        if init_script:
            page.add_init_script(init_script)
        if before_goto:
            before_goto(page)
        page.goto(url, timeout=PAGE_LOAD_MS)
        page.wait_for_selector("#run", timeout=PAGE_LOAD_MS)
        # the page's own script (Stop state, presentation mode) comes with Gradio's load event, just after
        page.wait_for_function("() => !!window.__llmCompare", timeout=PAGE_LOAD_MS)
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """PNG of the whole page (or, with full_page=False, of what is on screen) under test-artifacts/ (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# The three screens the layout is checked at: a laptop, a 1280x720 projector at 150% zoom (CSS pixels are what
# the layout sees), and a phone.
VIEWPORTS = {
    "laptop": {"viewport": {"width": 1366, "height": 768}},
    "projector": {"viewport": {"width": 853, "height": 480}, "device_scale_factor": 1.5},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
}


# --- page helpers (element ids from ui/tabs/compare.py) ---------------------------------------------------------


def set_dropdown(page, elem_id: str, value: str) -> None:
    """Type a value into a dropdown and pick it: click its option when it is one of the choices (Enter alone can
    race the option list and be undone on blur), else confirm the custom value with Enter."""
    box = page.locator(f"#{elem_id} input")
    box.click()
    box.fill(value)
    option = page.locator(f"#{elem_id} li[role=option][aria-label={json.dumps(value)}]")
    if option.count():
        option.click()
    else:
        box.press("Enter")
    page.wait_for_function("([sel, v]) => document.querySelector(sel).value === v", arg=[f"#{elem_id} input", value])
    box.blur()


COLUMN_SETTING_KEYS = {"model": "models", "persona": "systems", "temp": "temperatures", "reason": "reasoning"}


def open_column_settings(page, slot: int, open: bool = True) -> bool:
    """Unfold (or fold) column `slot`'s settings (its model, persona, temp and reason dropdowns) by clicking its
    header; returns whether they were unfolded before."""
    was_open = page.locator(f"#model-{slot}").is_visible()
    if was_open != open:
        page.locator(f"#head-{slot}").click()
        page.locator(f"#model-{slot}").wait_for(state="visible" if open else "hidden")
    return was_open


def set_column_setting(page, kind: str, slot: int, value: str) -> None:
    """Set column `slot`'s model, persona (system prompt) or temp dropdown (unfolding the column's settings for it,
    then folding them again), and wait until the page's packed column settings (what Run sends, kept in the hidden
    #column-settings field) hold the new value."""
    was_open = open_column_settings(page, slot)
    set_dropdown(page, f"{kind}-{slot}", value)
    page.wait_for_function(
        "([key, slot, v]) => { try { return JSON.parse(document.querySelector("
        "'#column-settings textarea').value)[key][slot] === v; } catch (e) { return false; } }",
        arg=[COLUMN_SETTING_KEYS[kind], slot, value],
    )
    if not was_open:
        open_column_settings(page, slot, open=False)


def set_model(page, slot: int, model_id: str) -> None:
    """Type a model id into column `slot`'s dropdown (it accepts custom values)."""
    set_column_setting(page, "model", slot, model_id)


def set_columns(page, n: int) -> None:
    """Set the Columns slider through its number box and wait for column n-1 to show (and column n to hide)."""
    box = page.locator("#n-columns input[type=number]")
    box.fill(str(n))
    box.press("Enter")
    box.blur()
    page.locator(f"#col-{n - 1}").wait_for(state="visible")
    if page.locator(f"#col-{n}").count():
        page.locator(f"#col-{n}").wait_for(state="hidden")


def one_column(page, model: str, prompt: str = "Say something.") -> None:
    """Show a single column, pick its model and type the prompt."""
    set_columns(page, 1)
    set_model(page, 0, model)
    set_prompt(page, prompt)


def wait_meta(page, slot: int, needle: str) -> None:
    """Wait until column `slot`'s status line contains `needle`."""
    page.wait_for_function(
        "([id, needle]) => document.querySelector('#' + id + ' span.md').innerText.includes(needle)",
        arg=[f"meta-{slot}", needle],
    )


def open_setup(page) -> None:
    """Unfold "System prompt and parameters" (the shared system prompt, temperature, max tokens, top_p, seed)."""
    if not page.locator("#system").is_visible():
        page.locator("#setup .label-wrap").click()
        page.locator("#system").wait_for(state="visible")


def set_system(page, text: str) -> None:
    """Replace the shared system prompt (unfolding the setup for it)."""
    open_setup(page)
    page.locator("#system textarea").fill(text)


def set_prompt(page, text: str) -> None:
    """Replace the prompt text."""
    page.locator("#prompt textarea").fill(text)


def md_selector(elem_id: str) -> str:
    """The rendered Markdown of a gr.Markdown with this elem_id (without its copy button or status tracker)."""
    return f"#{elem_id} span.md"


def md_text(page, elem_id: str) -> str:
    """The visible text of a gr.Markdown."""
    return page.locator(md_selector(elem_id)).inner_text()


SAMPLER_JS = """([ids, every]) => {
  // Record (ms since install, text length of each watched Markdown, status text of each) every `every` ms.
  const t0 = performance.now();
  const read = id => { const el = document.querySelector('#' + id + ' span.md'); return el ? el.innerText : ''; };
  window.__samples = [];
  window.__sampler = setInterval(() => {
    window.__samples.push({t: performance.now() - t0, texts: ids.map(id => read(id).length),
                           metas: ids.map(id => read(id.replace('reply', 'meta')))});
  }, every);
}"""


def start_sampler(page, reply_ids: list[str], every_ms: int = 50) -> None:
    """Sample reply lengths and status lines in the page itself (independent of this process's polling)."""
    page.evaluate(SAMPLER_JS, [reply_ids, every_ms])


def stop_sampler(page) -> list[dict]:
    """Stop sampling and return the samples."""
    return page.evaluate("() => { clearInterval(window.__sampler); return window.__samples; }")


HISTORY_JS = """(ids) => {
  // Every distinct rendered state (text and HTML) of each watched Markdown, in order, via MutationObserver.
  window.__history = {};
  for (const id of ids) {
    const root = document.querySelector('#' + id);
    const log = window.__history[id] = [];
    const record = () => {
      const el = root.querySelector('span.md');
      const state = {t: performance.now(), text: el ? el.innerText : '', html: el ? el.innerHTML : ''};
      if (!log.length || log[log.length - 1].html !== state.html) log.push(state);
    };
    record();
    new MutationObserver(record).observe(root, {subtree: true, childList: true, characterData: true, attributes: true});
  }
}"""


def start_history(page, ids: list[str]) -> None:
    """Record every state the given Markdown blocks pass through (catches states shorter than a poll)."""
    page.evaluate(HISTORY_JS, ids)


def history(page) -> dict[str, list[dict]]:
    """{elem_id: [{t, text, html}, ...]} recorded since start_history."""
    return page.evaluate("() => window.__history")
