"""History in a real browser: a comparison is saved with a snapshot link, listed only for the browser that made it
(share/demo mode), opened read-only, re-run into the Compare tab and deleted; a store that is down keeps the replies."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.appserver import AppServer
from tests.browser_fixtures import (
    md_text,
    require_chromium,
    screenshot,
    set_column_setting,
    set_model,
    set_prompt,
    wait_meta,
)
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour
from ui.web.safety import PageOptions

PROMPT = "Name three rivers, please."
ROWS = "#history-table div[role=row]"  # Gradio 6's Dataframe body: one div per row (the header is a <tr>)
LISTED_JS = "p => [...document.querySelectorAll('#history-table div[role=row]')].some(r => r.innerText.includes(p))"


@pytest.fixture(scope="module")
def fake():
    require_chromium()
    per_model = {
        "alpha": Behaviour(reply="Nile, Amazon, Danube."),
        "beta": Behaviour(reply="Rhine <script>x()</script> Loire"),
    }
    with OpenAIServer(Behaviour(), per_model=per_model) as srv:
        yield srv


@pytest.fixture(scope="module")
def app(fake, tmp_path_factory):
    env = {
        "OPENAI_API_KEY": "sk-test-SECRET-1234567890",
        "OPENAI_BASE_URL": fake.url + "/v1",
        "COMPARE_DB": str(tmp_path_factory.mktemp("db") / "compare.db"),
    }
    with AppServer(env, PageOptions(demo_caps=True, runs_per_minute=30)) as running:
        yield running


def run_comparison(page) -> None:
    set_model(page, 0, "openai:alpha")
    set_model(page, 1, "openai:beta")
    set_column_setting(page, "temp", 1, "1.2")
    set_prompt(page, PROMPT)
    page.click("#run")
    for slot in (0, 1):
        wait_meta(page, slot, "done")


def open_history(page) -> None:
    page.get_by_role("tab", name="History", exact=True).click()


def test_a_run_is_saved_listed_opened_rerun_and_deleted(new_page, app):
    page = new_page(app.url)
    run_comparison(page)
    link = page.locator("#saved-run a")
    link.wait_for()
    url = link.get_attribute("href")
    assert url.startswith(app.url + "snapshot/")
    snapshot = httpx.get(url, timeout=30)
    assert snapshot.status_code == 200 and "Nile, Amazon, Danube." in snapshot.text

    live_reply = md_text(page, "reply-1")
    open_history(page)
    page.wait_for_function(LISTED_JS, arg=PROMPT)
    rows = page.locator(ROWS)
    assert rows.count() == 1 and "openai:alpha, openai:beta" in rows.first.inner_text()
    rows.first.locator("[role=gridcell]").nth(2).click()
    page.wait_for_function("() => document.querySelector('#history-view')?.innerText.includes('Nile, Amazon, Danube.')")
    view = page.locator("#history-view")
    assert live_reply.strip() and live_reply.strip() in view.inner_text()  # the live page's sanitiser, same result
    assert view.locator("script").count() == 0
    assert page.locator("#history-link a").get_attribute("href") == url
    with page.expect_download() as download:
        page.click("#history-export")
    exported = json.loads(Path(download.value.path()).read_text())
    assert exported["run_id"] == url.rsplit("/", 1)[1] and exported["record"]["prompt"] == PROMPT
    assert "owner" not in json.dumps(exported)  # the owner token is a credential: never exported
    screenshot(page, "history-open-run")

    # Re-run: the Compare tab gets the prompt, models and the column's own temperature back; nothing runs by itself.
    page.get_by_role("tab", name="Compare", exact=True).click()
    set_prompt(page, "something else")
    set_model(page, 1, "openai:alpha")
    open_history(page)
    page.click("#history-rerun")
    page.wait_for_function("p => document.querySelector('#prompt textarea').value === p", arg=PROMPT)
    assert page.locator("#tab-compare").is_visible()
    assert page.locator("#model-1 input").input_value() == "openai:beta"
    assert page.locator("#temp-1 input").input_value() == "1.2"
    packed = json.loads(page.locator("#column-settings textarea").input_value())  # what Run will send
    assert packed["models"][:2] == ["openai:alpha", "openai:beta"] and packed["temperatures"][1] == "1.2"

    # Another browser (its own localStorage, so its own owner token) sees none of this visitor's runs.
    other = new_page(app.url)
    open_history(other)
    other.wait_for_function(
        "() => document.querySelector('#history-note')?.innerText.includes('No runs from this browser')"
    )
    assert other.locator(ROWS).count() == 0

    # The owner token survives a reload: the run is still listed as this browser's, and it can delete it.
    page.reload()
    page.wait_for_selector("#run")
    open_history(page)
    page.wait_for_function(LISTED_JS, arg=PROMPT)
    page.locator(ROWS).first.locator("[role=gridcell]").nth(2).click()
    page.wait_for_function("() => document.querySelector('#history-view')?.innerText.includes('Nile')")
    page.click("#history-delete")
    page.wait_for_function("() => document.querySelector('#history-status')?.innerText.includes('Deleted')")
    assert httpx.get(url, timeout=30).status_code == 404
    assert "No runs from this browser" in md_text(page, "history-note")


def test_a_store_that_is_down_keeps_the_replies_and_says_so_once(new_page, fake):
    env = {
        "OPENAI_API_KEY": "sk-test-SECRET-1234567890",
        "OPENAI_BASE_URL": fake.url + "/v1",
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none",
    }  # nothing listens on port 9
    with AppServer(env) as down:
        page = new_page(down.url)
        run_comparison(page)
        page.wait_for_function("() => document.querySelector('#banner')?.innerText.includes('not saved to History')")
        assert md_text(page, "banner").count("not saved to History") == 1
        assert "Nile, Amazon, Danube." in md_text(page, "reply-0")
        assert page.locator("#saved-run a").count() == 0
