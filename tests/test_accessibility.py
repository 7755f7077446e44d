"""An axe-core scan of every tab in Chromium: no serious or critical accessibility violations, on the Compare tab
before and after a run (light and dark), and on each other tab. axe.min.js is vendored in tests/vendor/ (MPL-2.0).
Each scan's full result goes to test-artifacts/axe-<name>.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.appserver import AppServer
from tests.browser_fixtures import (
    ARTIFACTS,
    require_chromium,
    set_model,
    wait_meta,
)
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")
SCAN_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.map(n => ({target: n.target.join(' '),
                                                                 summary: n.failureSummary}))}));
}"""


@pytest.fixture(scope="module")
def app():
    require_chromium()
    with OpenAIServer(Behaviour(tokens_per_s=400)) as fake:
        with AppServer({"OPENAI_API_KEY": "sk-test-axe", "OPENAI_BASE_URL": fake.url + "/v1"}) as running:
            yield running


def scan(page, name: str) -> list[dict]:
    """Run axe in the page; returns the serious and critical violations (and saves the whole result)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(SCAN_JS)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(violations, indent=2))
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['impact']} {v['id']} ({v['help']}): " + "; ".join(n["target"] for n in v["nodes"][:6]) for v in violations
    )


def test_compare_tab_before_and_after_a_run_in_light_and_dark(new_page, app):
    page = new_page(app.url, viewport={"width": 1366, "height": 768})
    found = scan(page, "compare-before-run")
    assert not found, describe(found)
    set_model(page, 0, "openai:fake-model")
    set_model(page, 1, "openai:gpt-4o-mini")
    page.click("#run")
    for slot in (0, 1):
        wait_meta(page, slot, "done")
    page.locator("#summary").wait_for()
    page.locator("#plot-0 svg, #plot-0 canvas").first.wait_for()
    page.wait_for_timeout(500)
    found = scan(page, "compare-after-run")
    assert not found, describe(found)
    page.locator("#theme-toggle").click()
    page.wait_for_function("() => document.body.classList.contains('dark')")
    page.wait_for_timeout(300)
    found = scan(page, "compare-after-run-dark")
    assert not found, describe(found)


def test_every_other_tab(new_page, app):
    page = new_page(app.url, viewport={"width": 1366, "height": 768})
    names = [n for n in page.locator("#tabs [role=tab]").all_inner_texts() if n != "Compare"]
    assert {"Lessons", "Tokens", "Context windows", "Pipeline"} <= set(names), names
    failures = {}
    for name in names:
        page.get_by_role("tab", name=name, exact=True).click()
        page.wait_for_function(
            "n => [...document.querySelectorAll('#tabs [role=tab]')].find(t => t.innerText === n)"
            ".getAttribute('aria-selected') === 'true'",
            arg=name,
        )
        page.wait_for_timeout(1500)  # tabs that fill when opened (Tokens, Context windows) have drawn by then
        found = scan(page, "tab-" + name.lower().replace(" ", "-"))
        if found:
            failures[name] = describe(found)
    assert not failures, "\n\n".join(f"{tab}:\n{text}" for tab, text in failures.items())
