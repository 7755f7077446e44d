"""The newcomer's path in a real browser: no keys, the default page, one click on Run, two local replies."""

from __future__ import annotations

import pytest

from tests.appserver import AppServer
from tests.browser_fixtures import md_text, require_chromium, screenshot


@pytest.fixture(scope="module")
def app():
    require_chromium()
    with AppServer({}) as running:  # no keys, no servers: only the embedded model is available
        yield running


def test_default_page_compares_two_local_columns_with_metrics_and_charts(new_page, app):
    page = new_page(app.url)
    assert (
        page.locator("#model-0 input").input_value() == page.locator("#model-1 input").input_value() == "local:smollm2"
    )
    assert page.locator("#persona-0 input").input_value() != page.locator("#persona-1 input").input_value()
    page.click("#run")
    page.wait_for_function(
        "() => [0, 1].every(i => document.querySelector('#meta-' + i + ' span.md')"
        ".innerText.match(/done|cut \\(max tokens\\)/))",
        timeout=180_000,
    )
    for slot in (0, 1):
        meta = md_text(page, f"meta-{slot}")
        assert "first token" in meta and "tok/s" in meta and "$0" in meta, meta  # local runs cost nothing
        assert len(md_text(page, f"reply-{slot}").split()) >= 3
    page.locator("#plot-2 svg").wait_for()  # tokens/s chart
    page.wait_for_function("() => document.querySelector('#summary').innerText.includes('Sarcastic persona')")
    summary = page.locator("#summary").inner_text()
    # labels name the model and what differs between the two columns: their personas
    assert "local:smollm2 · shared" in summary and "local:smollm2 · Sarcastic persona" in summary, summary
    screenshot(page, "browser_newcomer")
