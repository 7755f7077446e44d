"""The Evaluate tab in Chromium and the `evaluate` API through gradio_client: a shipped set judged in both orders,
a progress bar, the pairs and columns tables, the filter for self-contradicting verdicts, the read-only page, and the
cost confirmation a priced judge needs."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.appserver import AppServer, api_client
from tests.browser_fixtures import require_chromium, screenshot, set_dropdown
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

ANSWER = re.compile(r"\[The Start of Assistant (A|B)'s Answer\]\n(.*?)\n\[The End of Assistant \1's Answer\]", re.S)


def first_then_longer(prompt: str) -> str:
    """A judge that prefers the longer answer, except that it contradicts itself on the 'tokens' prompt."""
    shown = dict(ANSWER.findall(prompt))
    if "what is a token" in prompt:
        return "Position A, always. [[A]]"
    return "[[A]]" if len(shown["A"]) > len(shown["B"]) else "[[B]]"


@pytest.fixture(scope="module")
def fake():
    per_model = {
        "terse": Behaviour(reply="Brief."),
        "wordy": Behaviour(reply="A much longer and more detailed answer with many words in it."),
        "judge": Behaviour(reply_for=first_then_longer),
    }
    with OpenAIServer(Behaviour(), per_model=per_model) as srv:
        yield srv


@pytest.fixture(scope="module")
def app(fake):
    env = {"OPENAI_API_KEY": "sk-test-eval", "OPENAI_BASE_URL": fake.url + "/v1"}
    with AppServer(env) as running:
        yield running


def test_the_api_runs_a_shipped_set_and_returns_the_command_lines_objects(app, fake):
    with api_client(app.url) as client:
        out = client.predict(
            "classroom", ["openai:terse", "openai:wordy"], "openai:judge", 0.7, 64, api_name="/evaluate"
        )
    assert out["prompts"] == 8 and out["columns"] == ["openai:terse", "openai:wordy"]
    assert len(out["answers"]) == 16 and len(out["judgements"]) == 8
    summary = out["summary"]
    [pair] = summary["pairs"]
    assert pair["wins_b"] == 7 and pair["ties"] == 1, "the self-contradicting verdict is a tie"
    assert summary["judge"]["consistency"] == pytest.approx(7 / 8)
    assert set(summary["categories"]) == {"tokens", "context", "prompts", "sampling", "models", "chaining"}
    page = httpx.get(out["url"], timeout=30)
    assert page.status_code == 200 and "openai:wordy" in page.text and "<script" not in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_the_evaluate_tab_shows_progress_tables_and_filters_self_contradictions(new_page, app, fake):
    require_chromium()
    page = new_page(app.url)
    page.get_by_role("tab", name="Evaluate").click()
    set_dropdown(page, "ev-set", "classroom")
    page.locator("#ev-models input").click()
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    for model in ("openai:terse", "openai:wordy"):
        page.locator("#ev-models input").fill(model)
        page.keyboard.press("Enter")
    set_dropdown(page, "ev-judge", "openai:judge")
    page.locator("#ev-run").click()
    page.locator("#ev-progress progress").wait_for(timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('#ev-pairs')?.innerText.includes('openai:wordy is better')", timeout=120_000
    )
    assert "32 of 32 done" in page.locator("#ev-progress").inner_text()  # 16 answers, 16 judge calls
    assert "kept their verdict" in page.locator("#ev-judge-line").inner_text()
    rows = "#ev-answers div[role=row]"  # Gradio 6's Dataframe body: one div per row
    assert page.locator(rows).count() > 2 and "vs openai:terse: won" in page.locator("#ev-answers").inner_text()
    page.locator("#ev-disagreed input").check()
    page.wait_for_function(f"() => document.querySelectorAll('{rows}').length === 2", timeout=30_000)
    shown = page.locator("#ev-answers").inner_text()
    assert shown.count("disagreed with itself") == 2 and "tokens" in shown
    screenshot(page, "evaluate_tab")


def test_an_uploaded_set_with_a_bad_row_is_refused_naming_the_row(new_page, app, tmp_path):
    require_chromium()
    bad = tmp_path / "my-set.csv"
    bad.write_text("prompt,category\nWhat is a token?,basics\n,basics\n", encoding="utf-8")
    page = new_page(app.url)
    page.get_by_role("tab", name="Evaluate").click()
    page.locator("input[data-testid='Upload a set (JSONL or CSV)-upload-button']").set_input_files(str(bad))
    page.wait_for_function("() => document.querySelector('#ev-uploaded')?.innerText.includes('my-set.csv')")
    page.locator("#ev-run").click()
    page.wait_for_function(
        "() => document.querySelector('#ev-banner')?.innerText.includes('my-set.csv, row 3: the prompt is empty')",
        timeout=60_000,
    )
