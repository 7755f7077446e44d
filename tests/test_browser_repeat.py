"""Runs per column in Chromium (4, the fewest whose verdicts can tell two models apart).

The banner's spread and verdicts, a dot per run, the summary's "median (p10–p90)", and the run switcher showing each
run's own reply in the columns.
"""

from __future__ import annotations

import pytest

from tests.appserver import AppServer
from tests.browser_fixtures import (
    open_setup,
    require_chromium,
    screenshot,
    set_columns,
    set_model,
    wait_meta,
)
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour


@pytest.fixture(scope="module")
def fake():
    require_chromium()
    per_model = {
        "quick": Behaviour(
            reply="a quick answer of a few words", first_token_delay_s=0.01, jitter=0.3, number_replies=True
        ),
        "slow": Behaviour(
            reply="a slower answer of a few words",
            first_token_delay_s=0.3,
            tokens_per_s=50,
            jitter=0.3,
            number_replies=True,
        ),
    }
    with OpenAIServer(Behaviour(), per_model=per_model) as srv:
        yield srv


@pytest.fixture(scope="module")
def app(fake):
    with AppServer({"OPENAI_API_KEY": "sk-test-repeat", "OPENAI_BASE_URL": fake.url + "/v1"}) as running:
        yield running


def reply_text(page, slot: int) -> str:
    return page.locator(f"#reply-{slot}").inner_text()


def test_four_runs_per_column_show_spread_dots_verdicts_and_a_switcher(new_page, app, fake, capfd):
    page = new_page(app.url)
    set_columns(page, 2)
    set_model(page, 0, "openai:quick")
    set_model(page, 1, "openai:slow")
    open_setup(page)
    page.locator("#repeat input").fill("4")
    page.locator("#prompt textarea").fill("Say something.")
    fake.reset()
    page.click("#run")
    page.wait_for_function("() => document.querySelector('#banner').innerText.includes('4 runs per column')")
    assert len([r for r in fake.requests if r.path.endswith("/chat/completions")]) == 8
    banner = page.locator("#banner").inner_text()
    assert "median (p10–p90)" in banner and "ttft_s: openai:quick vs openai:slow: openai:quick is better" in banner
    page.locator("#dot-charts svg").first.wait_for()
    assert page.locator("#dot-charts circle.run-dot").count() == 4 * 2 * 3, "a dot per run, per column, per chart"
    assert "median (p10–p90)" in page.locator("#summary").inner_text()
    assert not page.locator("#plot-0").is_visible(), "the dots replace the one-run bars"

    switch = page.locator("#run-switch")
    assert switch.is_visible() and switch.get_by_label("Run 4").count() == 1
    wait_meta(page, 0, "run 1 of 4")
    first = reply_text(page, 0)
    switch.get_by_label("Run 3").check()
    wait_meta(page, 0, "run 3 of 4")
    wait_meta(page, 1, "run 3 of 4")
    third = reply_text(page, 0)
    assert third != first and third.startswith("reply ") and first.startswith("reply ")
    screenshot(page, "repeat-runs")

    page.click("#clear")
    page.wait_for_function(
        "() => !document.querySelector('#run-switch') || document.querySelector('#run-switch').offsetParent === null"
    )
    assert "Traceback" not in capfd.readouterr().err, "the page's events (its load included) ran without a server error"
