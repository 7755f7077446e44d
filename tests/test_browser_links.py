"""Setup links in a real browser: a link opens the page ready, Run sends exactly that setup, the address follows
the setup, Copy link copies it, and hostile or over-long links stay inert or are clipped with a note.

The app runs in this process against a fake OpenAI server; what the server received is checked."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.appserver import AppServer
from tests.browser_fixtures import (
    md_text,
    open_setup,
    require_chromium,
    set_column_setting,
    set_prompt,
    wait_meta,
)
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

SETTINGS_JS = "() => JSON.parse(document.querySelector('#column-settings textarea').value)"


@pytest.fixture(scope="module")
def fake():
    require_chromium()
    per_model = {"alpha": Behaviour(reply="alpha says hi"), "beta": Behaviour(reply="beta says hi")}
    with OpenAIServer(Behaviour(), per_model=per_model) as srv:
        yield srv


@pytest.fixture(scope="module")
def app(fake):
    with AppServer({"OPENAI_API_KEY": "sk-test-SECRET-1234567890", "OPENAI_BASE_URL": fake.url + "/v1"}) as running:
        yield running


def link(app, **params) -> str:
    return app.url + "?" + urlencode(params)


def href(page) -> str:
    """The address as the page has it now (page.url can lag behind history.replaceState)."""
    return page.evaluate("() => location.href")


def query(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(href(page)).query, keep_blank_values=True).items()}


def wait_query(page, key: str, value: str) -> None:
    page.wait_for_function("([k, v]) => new URLSearchParams(location.search).get(k) === v", arg=[key, value])


def test_a_link_opens_the_setup_and_run_sends_exactly_that(new_page, app, fake):
    page = new_page(
        link(
            app,
            models="openai:alpha,nope:ghost,openai:beta",
            system="Answer in one line.",
            prompt="Count to three.",
            temperature="0.3",
            max_tokens="40",
            personas=",,Sarcastic persona",
        )
    )
    wait_meta(page, 1, "not available here: nope:ghost (unknown provider 'nope'")
    assert page.locator("#prompt textarea").input_value() == "Count to three."
    assert [page.locator(f"#col-{i}").is_visible() for i in range(4)] == [True, True, True, False]
    settings = page.evaluate(SETTINGS_JS)
    assert settings["models"][:3] == ["openai:alpha", "nope:ghost", "openai:beta"]
    assert settings["systems"][:3] == ["(shared)", "(shared)", "Sarcastic persona"]
    fake.reset()
    page.click("#run")
    for slot in (0, 2):
        wait_meta(page, slot, "done")
    wait_meta(page, 1, "error · unknown provider 'nope'")  # the run's own word on it; the other columns ran
    assert md_text(page, "reply-0") == "alpha says hi" and md_text(page, "reply-2") == "beta says hi"
    sent = {r.body["model"]: r.body for r in fake.requests if r.path.endswith("/chat/completions")}
    assert set(sent) == {"alpha", "beta"}
    alpha, beta = sent["alpha"], sent["beta"]
    assert alpha["messages"] == [
        {"role": "system", "content": "Answer in one line."},
        {"role": "user", "content": "Count to three."},
    ]
    assert "sarcastic" in beta["messages"][0]["content"].lower() and beta["messages"][1]["content"] == "Count to three."
    for body in (alpha, beta):
        assert body["temperature"] == 0.3 and body.get("max_tokens", body.get("max_completion_tokens")) == 40


def test_the_address_follows_the_setup_and_copy_link_copies_it(new_page, app):
    page = new_page(app.url, permissions=["clipboard-read", "clipboard-write"])
    set_prompt(page, "What is a haiku?")
    wait_query(page, "prompt", "What is a haiku?")
    set_column_setting(page, "model", 1, "openai:beta")
    set_column_setting(page, "temp", 0, "1.2")
    wait_query(page, "temps", "1.2,")
    address = query(page)
    assert address["models"].split(",")[1] == "openai:beta" and len(address["models"].split(",")) == 2
    page.click("#copy-link")
    page.wait_for_function("() => document.querySelector('#copy-link-status').textContent === 'Link copied.'")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == href(page)
    # the copied link opens the same setup
    again = new_page(copied)
    again.wait_for_function("() => document.querySelector('#prompt textarea').value === 'What is a haiku?'")
    assert again.evaluate(SETTINGS_JS)["models"][:2] == page.evaluate(SETTINGS_JS)["models"][:2]
    assert again.evaluate(SETTINGS_JS)["temperatures"][:2] == ["1.2", "shared"]


def test_hostile_and_over_long_links_are_inert_or_clipped_with_a_note(new_page, app):
    evil = '<img src=x onerror="window.__pwned=1">'
    models = ",".join([evil] + ["openai:alpha"] * 9)
    prompt = "<script>window.__pwned=2</script>" + "x" * 5000
    page = new_page(link(app, models=models, prompt=prompt, system=evil, temperature="9", preset="<b>Nope</b>"))
    page.wait_for_function("() => document.querySelector('#link-notes span.md')?.innerText.includes('left out')")
    notes = md_text(page, "link-notes")
    assert "10 models; this page runs at most 8" in notes
    assert f"prompt was {len(prompt):,} characters: clipped to the first 4,000" in notes
    assert "temperature was ignored" in notes and "Unknown preset '<b>Nope</b>' ignored" in notes
    page.locator("#col-7").wait_for(state="visible")
    wait_meta(page, 0, "not available here: " + evil)
    assert page.locator("#prompt textarea").input_value() == prompt[:4000]
    open_setup(page)
    assert page.locator("#system textarea").input_value() == evil
    assert page.locator("#link-notes b, #meta-0 img, #link-notes img").count() == 0
    assert page.evaluate("() => window.__pwned") is None


def test_each_lesson_link_opens_its_lesson(new_page, app):
    page = new_page(app.url)
    page.click("#tab-lessons-button") if page.locator("#tab-lessons-button").count() else page.get_by_role(
        "tab", name="Lessons"
    ).click()
    lesson_link = page.locator("#lesson-02-temperature a[href='?lesson=02-temperature']")
    lesson_link.wait_for()
    opened = new_page(app.url + lesson_link.get_attribute("href"))
    opened.locator("#lesson-banner-compare").wait_for(state="visible")
    assert "Temperature" in md_text(opened, "lesson-banner-text-compare")
    opened.wait_for_function(
        "() => JSON.parse(document.querySelector('#column-settings textarea').value)"
        ".temperatures.slice(0, 4).join() === '0,0,1.2,1.2'"
    )
    assert [opened.locator(f"#col-{i}").is_visible() for i in range(5)] == [True] * 4 + [False]
    assert query(opened)["lesson"] == "02-temperature"
