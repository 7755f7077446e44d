"""Comparing, not just reading: labels that say what differs, dated costs, a word diff, re-running one column with
another model, continuing one column alone, and the page faults around them (preset, lesson banner, unsent cost)."""

from __future__ import annotations

import re

import pytest

from providers import prices
from tests.appserver import AppServer
from tests.browser_fixtures import (
    md_text,
    require_chromium,
    screenshot,
    set_column_setting,
    set_dropdown,
    set_model,
    set_prompt,
    set_system,
    wait_meta,
)
from tests.engine_helpers import CATALOG_PRICES
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

MINI = "The sky looks blue because air scatters blue light more than red light."
NANO = "The sky looks blue because tiny molecules scatter short blue waves the most."
GPT4O = "Sunlight scatters off air molecules, and blue scatters the most."


@pytest.fixture(scope="module")
def app():
    require_chromium()
    per_model = {
        "gpt-4o-mini": Behaviour(reply=MINI, tokens_per_s=40),
        "gpt-4.1-nano": Behaviour(reply=NANO, tokens_per_s=40),
        "gpt-4o": Behaviour(reply=GPT4O, tokens_per_s=40),
    }
    with OpenAIServer(per_model=per_model) as fake:
        env = {
            "OPENAI_API_KEY": "sk-test-SECRET-1234567890",
            "OPENAI_BASE_URL": fake.url + "/v1",
            "COMPARE_CONFIG": str(CATALOG_PRICES),
        }
        with AppServer(env) as running:
            running.fake = fake
            yield running


def chats(fake) -> list[dict]:
    return [r.body for r in fake.requests if r.path.endswith("/chat/completions")]


def open_tools(page) -> None:
    if not page.locator("#diff-show").is_visible():
        page.locator("#column-tools button, #column-tools .label-wrap").first.click()
    page.locator("#diff-show").wait_for(state="visible")


def test_diff_rerun_with_another_model_and_continue_alone(new_page, app):
    page = new_page(app.url)
    set_model(page, 0, "openai:gpt-4o-mini")
    set_model(page, 1, "openai:gpt-4.1-nano")
    set_column_setting(page, "temp", 0, "0.3")
    set_prompt(page, "Why is the sky blue?")
    page.click("#run")
    for slot in (0, 1):
        wait_meta(page, slot, "done")
    assert f"({prices.label()})" in md_text(page, "meta-0"), md_text(page, "meta-0")
    page.wait_for_function("() => document.querySelector('#summary').innerText.includes('gpt-4.1-nano')")
    summary = page.locator("#summary").inner_text()
    assert "openai:gpt-4o-mini · t=0.3" in summary and "openai:gpt-4.1-nano · t=0.7" in summary, summary
    assert prices.label() in summary

    open_tools(page)
    page.click("#diff-show")
    page.locator("#diff-view del").first.wait_for()
    removed = " ".join(page.locator("#diff-view .diff-text del").all_inner_texts())
    added = " ".join(page.locator("#diff-view .diff-text ins").all_inner_texts())
    assert "air" in removed and "molecules" in added and "sky" not in removed + added

    before = len(chats(app.fake))
    set_dropdown(page, "tool-column", "Column 2")
    set_dropdown(page, "tool-model", "openai:gpt-4o")
    page.click("#tool-rerun")
    page.wait_for_function("t => document.querySelector('#reply-1').innerText.includes(t)", arg=GPT4O.split()[-1])
    wait_meta(page, 1, "done")
    sent = chats(app.fake)[before:]
    assert [b["model"] for b in sent] == ["gpt-4o"], "only the chosen column runs again"
    assert md_text(page, "reply-0").strip() == MINI, "the other column is left as it was"
    page.wait_for_function(
        "() => document.querySelector('#summary').innerText.includes('openai:gpt-4o ')"
        " || document.querySelector('#summary').innerText.includes('openai:gpt-4o\\t')"
    )

    page.click("#tool-continue")
    page.locator("#col-1").wait_for(state="hidden")
    assert page.locator("#model-0 input").input_value() == "openai:gpt-4o"
    set_prompt(page, "And at sunset?")
    page.click("#run")
    wait_meta(page, 0, "done")
    follow_up = chats(app.fake)[-1]
    assert follow_up["model"] == "gpt-4o" and [m["role"] for m in follow_up["messages"]][-3:] == [
        "user",
        "assistant",
        "user",
    ]
    assert follow_up["messages"][-2]["content"] == GPT4O
    screenshot(page, "browser_column_tools")


def test_preset_reads_custom_after_an_edit_and_unsent_columns_cost_nothing(new_page, app):
    page = new_page(app.url)
    set_system(page, "You only answer in haiku.")
    page.wait_for_function("() => [...document.querySelectorAll('input')].some(i => i.value === 'custom')")
    set_model(page, 0, "openai:gpt-4o-mini")
    set_model(page, 1, "anthropic:claude-3-5-haiku-latest")  # no key: never sent
    page.click("#run")
    wait_meta(page, 1, "error")
    meta = md_text(page, "meta-1")
    assert "set ANTHROPIC_API_KEY" in meta and re.search(r"cost unknown \(not sent\)", meta), meta


def test_a_lesson_keeps_its_banner_with_a_way_back(new_page, app):
    page = new_page(app.url)
    page.get_by_role("tab", name="Lessons").click()
    page.locator("#lesson-run-1").click()
    banner = page.locator("#lesson-banner-compare")
    banner.wait_for(state="visible")
    assert "Lesson 1: System prompt vs user prompt" in banner.inner_text()
    wait_meta(page, 0, "done")
    assert banner.is_visible(), "the banner outlives the run"
    page.locator("#lesson-back-compare").click()
    page.locator("#lesson-run-1").wait_for(state="visible")
