"""The Compare tab's controls in Chromium: Stop only active while a run streams, a blank seed staying blank after
Parameters is opened, columns scrolling together, presentation mode (one key runs) and the light/dark toggle."""

from __future__ import annotations

import time

import pytest

from tests.appserver import AppServer
from tests.browser_fixtures import (
    one_column,
    require_chromium,
    screenshot,
    set_model,
    wait_meta,
)
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

LONG = " ".join(f"line{i}\n" for i in range(400))  # one word per line: long replies that must scroll
SLOW = " ".join(f"slow{i}" for i in range(400))  # 20 s at 20/s: stopped long before the end


@pytest.fixture(scope="module")
def fake():
    require_chromium()
    per_model = {
        "long1": Behaviour(reply=LONG, tokens_per_s=2000, chunk_words=20),
        "long2": Behaviour(reply=LONG + LONG, tokens_per_s=2000, chunk_words=20),
        "slow": Behaviour(reply=SLOW, tokens_per_s=20),
    }
    with OpenAIServer(Behaviour(tokens_per_s=400), per_model=per_model) as srv:
        yield srv


@pytest.fixture(scope="module")
def app(fake):
    with AppServer({"OPENAI_API_KEY": "sk-test-controls", "OPENAI_BASE_URL": fake.url + "/v1"}) as running:
        yield running


def chats(fake) -> list[dict]:
    return [r.body for r in fake.requests if r.path.endswith("/chat/completions")]


def test_stop_is_active_only_while_a_run_streams(new_page, app):
    page = new_page(app.url)
    stop = page.locator("#stop")
    assert stop.is_disabled(), "Stop looks active before anything runs"
    one_column(page, "openai:slow")
    page.click("#run")
    wait_meta(page, 0, "streaming")
    assert stop.is_enabled()
    stop.click()
    wait_meta(page, 0, "stopped")
    page.wait_for_function("() => document.querySelector('#stop').disabled")
    set_model(page, 0, "openai:fake-model")
    page.click("#run")
    wait_meta(page, 0, "done")
    page.wait_for_function("() => document.querySelector('#stop').disabled")
    # Enter in the prompt box runs too, and makes Stop active the same way
    set_model(page, 0, "openai:slow")
    page.locator("#prompt textarea").press("Enter")
    wait_meta(page, 0, "streaming")
    assert stop.is_enabled()
    stop.click()
    wait_meta(page, 0, "stopped")
    page.wait_for_function("() => document.querySelector('#stop').disabled")
    # Back from another tab (Gradio re-renders the tab), Stop is still inactive.
    page.get_by_role("tab", name="Lessons").click()
    page.get_by_role("tab", name="Compare").click()
    page.locator("#stop").wait_for()
    assert page.locator("#stop").is_disabled()


def test_opening_parameters_keeps_a_blank_seed_blank(new_page, app, fake):
    page = new_page(app.url)
    set_model(page, 0, "openai:fake-model")
    set_model(page, 1, "openai:gpt-4o-mini")
    page.locator("#setup .label-wrap").click()
    seed = page.locator("#seed input, #seed textarea").first
    seed.wait_for()
    assert seed.input_value() == ""
    fake.reset()
    page.click("#run")
    for slot in (0, 1):
        wait_meta(page, slot, "done")
    sent = chats(fake)
    assert len(sent) == 2 and all("seed" not in body for body in sent), sent  # blank = random: no seed is sent
    seed.fill("42")
    page.click("#clear")
    page.wait_for_function("() => !document.querySelector('#meta-1 span.md').innerText.trim()")
    fake.reset()
    page.click("#run")
    for slot in (0, 1):
        wait_meta(page, slot, "done")
    assert [body.get("seed") for body in chats(fake)] == [42, 42]


def test_columns_scroll_together_unless_unticked(new_page, app):
    page = new_page(app.url, viewport={"width": 1366, "height": 768})
    set_model(page, 0, "openai:long1")
    set_model(page, 1, "openai:long2")
    page.click("#run")
    for slot in (0, 1):
        wait_meta(page, slot, "done")
    ratio = (
        "id => { const el = document.querySelector('#' + id); "
        "return el.scrollTop / (el.scrollHeight - el.clientHeight); }"
    )
    scroll = (
        "([id, r]) => { const el = document.querySelector('#' + id); "
        "el.scrollTop = r * (el.scrollHeight - el.clientHeight); }"
    )
    assert page.evaluate(
        "() => { const el = document.querySelector('#reply-1'); return el.scrollHeight > 2 * el.clientHeight; }"
    ), "long replies scroll inside their column"
    page.evaluate(scroll, ["reply-0", 0.5])
    page.wait_for_function(f"() => Math.abs(({ratio})('reply-1') - 0.5) < 0.03")
    page.evaluate(scroll, ["reply-1", 0.9])  # either column leads
    page.wait_for_function(f"() => Math.abs(({ratio})('reply-0') - 0.9) < 0.03")
    screenshot(page, "controls-scrolled-together", full_page=False)
    page.locator("#scroll-sync input").uncheck()
    page.wait_for_timeout(300)
    page.evaluate(scroll, ["reply-0", 0.0])
    page.wait_for_timeout(400)
    assert abs(page.evaluate(ratio, "reply-1") - 0.9) < 0.03, "columns moved together with the box unticked"


def test_presentation_mode_hides_setup_enlarges_text_and_runs_on_one_key(new_page, app, fake):
    page = new_page(app.url + "?present=1", viewport={"width": 853, "height": 480}, device_scale_factor=1.5)
    assert page.evaluate("document.body.classList.contains('present')")
    assert page.locator("#present-toggle").get_attribute("aria-pressed") == "true"
    for hidden in ("#setup-row", "#setup", "#models"):
        assert not page.locator(hidden).is_visible(), hidden
    assert page.locator("#head-0").is_visible() and page.locator("#prompt").is_visible()
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Escape")
    page.locator("#setup-row").wait_for(state="visible")
    normal = page.locator("#reply-1 span.md").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")

    set_model(page, 0, "openai:fake-model")
    set_model(page, 1, "openai:gpt-4o-mini")
    page.locator("#present-toggle").click()
    page.locator("#setup-row").wait_for(state="hidden")
    fake.reset()
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("r")
    for slot in (0, 1):
        wait_meta(page, slot, "done")
    assert len(chats(fake)) == 2
    size = page.locator("#reply-1 span.md").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 1.3 * normal, (size, normal)
    screenshot(page, "controls-presentation-projector", full_page=False)

    page.locator("#present-toggle").click()
    page.locator("#setup-row").wait_for(state="visible")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("r")  # outside presentation mode a bare key does nothing...
    page.wait_for_timeout(700)
    assert len(chats(fake)) == 2
    page.keyboard.press("Control+Enter")  # ...but Ctrl+Enter runs from anywhere on the tab
    deadline = time.monotonic() + 30
    while len(chats(fake)) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(chats(fake)) == 4


def test_theme_toggle_switches_dark_mode_and_remembers_it(new_page, app):
    page = new_page(app.url)
    dark = "() => document.body.classList.contains('dark')"
    assert not page.evaluate(dark)  # the system scheme (light in the test browser)
    page.locator("#theme-toggle").click()
    assert page.evaluate(dark) and page.locator("#theme-toggle").get_attribute("aria-pressed") == "true"
    screenshot(page, "controls-dark-mode", full_page=False)
    page.reload()
    page.wait_for_selector("#run")
    page.wait_for_function(dark)
    page.locator("#theme-toggle").click()
    assert not page.evaluate(dark)
    assert page.evaluate("localStorage.getItem('llm-compare-theme')") == "light"
