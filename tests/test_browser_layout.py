"""The Compare tab's layout in Chromium at a laptop, a projector (1280x720 at 150%) and a phone: replies on the first
screen, results only after a run, every tab one tap away, and the page faults found in use (Clear, the copy button,
the models table, dropdown arrows, emoji status marks). Screenshots at each size go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.appserver import AppServer
from tests.browser_fixtures import (
    VIEWPORTS,
    md_text,
    open_column_settings,
    require_chromium,
    screenshot,
    set_model,
    set_prompt,
    wait_meta,
)
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

WORDS = " ".join(f"word{i}" for i in range(70))
OTHER = " ".join(f"other{i}" for i in range(70))
EMOJI = re.compile("[\u23f3\U0001f4e6\u25b6\u2713\u2717\u25a0\u26a0\ufe0f]")

# The rectangle of the first line of text in a reply, in viewport coordinates.
FIRST_LINE_JS = """(id) => {
  const md = document.querySelector('#' + id + ' span.md');
  const walk = document.createTreeWalker(md, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    const r = range.getClientRects()[0];
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};
  }
  return null;
}"""

# How many line boxes of a reply's text lie under its copy button.
COPY_OVERLAP_JS = """(id) => {
  const button = document.querySelector('#' + id + ' .icon-button-wrapper button').getBoundingClientRect();
  const walk = document.createTreeWalker(document.querySelector('#' + id + ' span.md'), NodeFilter.SHOW_TEXT);
  let hits = 0, lines = 0;
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    const range = document.createRange(); range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (!r.width) continue;
      lines++;
      if (r.right > button.left && r.left < button.right && r.bottom > button.top && r.top < button.bottom) hits++;
    }
  }
  return {hits, lines};
}"""

# Header cells whose text wraps onto more lines than it has words (broken inside a word), and whether the header
# row reaches past the table's visible area.
TABLE_HEADERS_JS = """(id) => {
  const broken = [], cut = [];
  const view = document.querySelector('#' + id + ' .virtual-table-viewport').getBoundingClientRect();
  for (const th of document.querySelectorAll('#' + id + ' thead th')) {
    const range = document.createRange(); range.selectNodeContents(th.querySelector('span'));
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
    if (lines > th.innerText.trim().split(/\\s+/).length) broken.push(th.innerText);
    if (th.getBoundingClientRect().right > view.right + 1) cut.push(th.innerText);
  }
  return {broken, cut};
}"""

# Where a dropdown's text would end (full text, or clipped at its content box) against where its arrow starts.
DROPDOWN_JS = """(id) => {
  const input = document.querySelector('#' + id + ' input'), icon = document.querySelector('#' + id + ' .icon-wrap');
  const s = getComputedStyle(input), r = input.getBoundingClientRect();
  const ctx = document.createElement('canvas').getContext('2d'); ctx.font = s.font;
  const left = r.left + parseFloat(s.borderLeftWidth) + parseFloat(s.paddingLeft);
  const room = input.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  return {textEnd: left + Math.min(ctx.measureText(input.value).width, room), arrow: icon.getBoundingClientRect().left,
          value: input.value};
}"""


@pytest.fixture(scope="module")
def fake():
    require_chromium()
    per_model = {"alpha": Behaviour(reply=WORDS, tokens_per_s=400), "beta": Behaviour(reply=OTHER, tokens_per_s=400)}
    with OpenAIServer(Behaviour(tokens_per_s=400), per_model=per_model) as srv:
        yield srv


@pytest.fixture(scope="module")
def app(fake):
    with AppServer({"OPENAI_API_KEY": "sk-test-layout", "OPENAI_BASE_URL": fake.url + "/v1"}) as running:
        yield running


def two_columns(page) -> None:
    set_model(page, 0, "openai:alpha")
    set_model(page, 1, "openai:beta")
    set_prompt(page, "Count, please.")
    page.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")


def run_and_wait(page, slots=(0, 1)) -> None:
    page.click("#run")
    for slot in slots:
        wait_meta(page, slot, "done")


@pytest.mark.parametrize("screen", ["laptop", "projector"])
def test_first_line_of_every_reply_is_on_the_first_screen_after_run(new_page, app, screen):
    page = new_page(app.url, **VIEWPORTS[screen])
    two_columns(page)
    screenshot(page, f"layout-{screen}-before-run", full_page=False)
    assert not page.locator("#results").is_visible() and not page.locator("#summary").is_visible(), (
        "results before a run"
    )
    run_and_wait(page)
    page.locator("#summary").wait_for()
    height = page.evaluate("innerHeight")
    assert page.evaluate("scrollY") == 0
    for slot in (0, 1):
        line = page.evaluate(FIRST_LINE_JS, f"reply-{slot}")
        assert line and 0 <= line["top"] and line["bottom"] <= height, (screen, slot, line, height)
    screenshot(page, f"layout-{screen}-after-run", full_page=False)
    screenshot(page, f"layout-{screen}-after-run-full")


def test_phone_shows_every_tab_one_tap_away_and_tables_scroll_sideways(new_page, app):
    page = new_page(app.url, **VIEWPORTS["phone"])
    width = page.evaluate("innerWidth")
    screenshot(page, "layout-phone-before-run", full_page=False)
    assert not page.get_by_role("button", name="More tabs").is_visible(), "tabs hidden behind an overflow menu"
    tabs = page.locator("#tabs [role=tab]")
    names = tabs.all_inner_texts()
    assert {"Compare", "Lessons", "Tokens", "Context windows", "Pipeline"} <= set(names), names
    for i, name in enumerate(names):
        box = tabs.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (name, box)
        tabs.nth(i).tap()
        page.wait_for_function(
            "n => [...document.querySelectorAll('#tabs [role=tab]')].find(t => t.innerText === n)"
            ".getAttribute('aria-selected') === 'true'",
            arg=name,
        )
    tabs.nth(names.index("Compare")).tap()
    page.locator("#run").wait_for()

    set_model(page, 0, "openai:alpha")
    set_model(page, 1, "openai:beta")
    open_column_settings(page, 0)
    for elem_id in ("preset", "model-0", "persona-0", "temp-0", "reason-0"):
        box = page.evaluate(DROPDOWN_JS, elem_id)
        assert box["textEnd"] <= box["arrow"] + 0.5, (elem_id, box)  # the text never runs into the arrow
    screenshot(page, "layout-phone-column-settings", full_page=False)
    open_column_settings(page, 0, open=False)

    run_and_wait(page)
    page.locator("#summary thead th").first.wait_for(state="visible")
    scroller = page.locator("#summary .virtual-table-viewport")
    assert scroller.evaluate("el => el.scrollWidth > el.clientWidth && getComputedStyle(el).overflowX === 'auto'")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page itself scrolls sideways"
    assert page.evaluate(TABLE_HEADERS_JS, "summary")["broken"] == []
    screenshot(page, "layout-phone-after-run", full_page=False)
    screenshot(page, "layout-phone-after-run-full")


def test_results_appear_after_a_run_and_clear_removes_them(new_page, app):
    page = new_page(app.url)
    two_columns(page)
    assert not page.locator("#results").is_visible()
    run_and_wait(page)
    page.wait_for_function("() => document.querySelector('#summary')?.innerText.includes('openai:beta')")
    page.locator("#plot-0").wait_for()
    page.locator("#export-json a[download]").wait_for()

    page.click("#clear")
    page.locator("#results").wait_for(state="hidden")
    assert not md_text(page, "reply-0").strip() and not md_text(page, "meta-1").strip()
    # A run that never starts (empty prompt) must not bring the old table back.
    set_prompt(page, "")
    page.click("#run")
    page.wait_for_function("() => document.querySelector('#banner span.md').innerText.includes('prompt is empty')")
    page.wait_for_timeout(500)
    assert not page.locator("#results").is_visible() and not page.locator("#summary").is_visible()


def test_status_marks_need_no_emoji_font(new_page, app):
    page = new_page(app.url)
    two_columns(page)
    run_and_wait(page)
    for slot in (0, 1):
        meta = page.locator(f"#meta-{slot} span.md")
        assert not EMOJI.search(meta.inner_text()), meta.inner_text()
        mark = meta.locator(".st.st-done")
        assert mark.count() == 1 and mark.evaluate("el => el.getBoundingClientRect().width") >= 6  # drawn by CSS


def test_copy_button_covers_no_reply_text(new_page, app):
    page = new_page(app.url, viewport={"width": 1366, "height": 768})
    two_columns(page)
    run_and_wait(page)
    for slot in (0, 1):
        page.locator(f"#reply-{slot}").hover()
        seen = page.evaluate(COPY_OVERLAP_JS, f"reply-{slot}")
        assert seen["lines"] >= 2 and seen["hits"] == 0, seen


def test_models_table_fits_at_1366px(new_page, app):
    page = new_page(app.url, viewport={"width": 1366, "height": 768})
    page.locator("#models .label-wrap").click()
    page.locator("#models-table thead th").first.wait_for()
    seen = page.evaluate(TABLE_HEADERS_JS, "models-table")
    assert seen == {"broken": [], "cut": []}, seen
    screenshot(page, "layout-laptop-models-table")


def test_column_header_unfolds_its_settings_and_follows_them(new_page, app):
    page = new_page(app.url)
    head = page.locator("#head-1")
    assert not page.locator("#model-1").is_visible() and head.get_attribute("aria-expanded") == "false"
    assert head.inner_text().strip().startswith(page.locator("#model-1 input").input_value() + " · ")
    head.click()
    page.locator("#model-1").wait_for(state="visible")
    assert head.get_attribute("aria-expanded") == "true"
    set_model(page, 1, "openai:beta")
    page.wait_for_function("() => document.querySelector('#head-1').innerText.trim().startsWith('openai:beta · ')")
    assert "temp shared" in head.inner_text() and "reasoning shared" in head.inner_text()
    head.click()
    page.locator("#model-1").wait_for(state="hidden")
