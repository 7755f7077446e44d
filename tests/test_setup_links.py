"""Setup links: a page address's query read into a checked setup (ui/tabs/setup_link.py), and what the page fills in."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from compare.lessons import load_lessons
from providers import Settings
from tests.appserver import ISOLATION_ENV
from ui.context import PageContext
from ui.names import SHARED_SYSTEM, SHARED_TEMPERATURE
from ui.tabs.setup_link import lesson_link, parse_setup_link
from ui.web.safety import PageOptions

LESSONS = [lesson.name for lesson in load_lessons()]


def make_ctx(options=None, **env):
    return PageContext.create(Settings.load(env={**ISOLATION_ENV, **env}, dotenv_path=None), options or PageOptions())


@pytest.fixture(scope="module")
def ctx():
    return make_ctx()


def test_a_plain_link_sets_exactly_what_it_names(ctx):
    link = parse_setup_link(
        {
            "models": "local:smollm2, local:smollm2",
            "system": "Be terse.",
            "prompt": "Why?",
            "temperature": "0.3",
            "max_tokens": "64",
            "personas": ",Sarcastic persona",
            "temps": "0,shared",
        },
        ctx,
        LESSONS,
    )
    assert link.models == ["local:smollm2", "local:smollm2"] and not link.unavailable
    assert (link.system, link.prompt, link.temperature, link.max_tokens) == ("Be terse.", "Why?", 0.3, 64)
    assert link.personas == [SHARED_SYSTEM, "Sarcastic persona"] and link.temps == ["0", SHARED_TEMPERATURE]
    assert link.notes == []


def test_nothing_given_changes_nothing(ctx):
    link = parse_setup_link({"__theme": "dark"}, ctx, LESSONS)
    assert not link.sets_compare and link.lesson is None and link.notes == []


def test_unknown_models_are_named_with_the_reason_and_the_rest_kept(ctx):
    link = parse_setup_link({"models": "local:smollm2,nope,openai:gpt-4o-mini,local:ghost"}, ctx, LESSONS)
    assert link.models == ["local:smollm2", "nope", "openai:gpt-4o-mini", "local:ghost"]
    assert set(link.unavailable) == {1, 2, 3}
    assert link.unavailable[1].startswith("not available here: nope (") and "provider:model" in link.unavailable[1]
    assert "OPENAI_API_KEY" in link.unavailable[2]  # no key in this environment
    assert "local:smollm2" in link.unavailable[3]  # what is configured instead


def test_more_models_than_columns_are_clipped_with_a_note():
    ctx = make_ctx(PageOptions(demo_caps=True, max_models=2))
    link = parse_setup_link({"models": "local:smollm2,local:smollm2,local:a,local:b", "temps": "0,0,1,1"}, ctx)
    assert link.models == ["local:smollm2"] * 2 and link.temps == ["0", "0"]
    assert any("4 models" in n and "at most 2" in n and "local:a, local:b" in n for n in link.notes), link.notes
    assert any("4 column temperatures" in n for n in link.notes), link.notes


def test_over_long_texts_are_clipped_to_the_page_limit_with_a_note():
    ctx = make_ctx(PageOptions(max_prompt_chars=50))
    link = parse_setup_link({"prompt": "p" * 80, "system": "s" * 51, "models": "x:" + "m" * 500}, ctx)
    assert link.prompt == "p" * 50 and link.system == "s" * 50
    assert len(link.models[0]) == 200
    assert [n.split(" was")[0] for n in link.notes] == [
        "Column 1: the model id",
        "The link's system prompt",
        "The link's prompt",
    ]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"temperature": "3"}, "temperature was ignored: Temperature must be between 0 and 2"),
        ({"temperature": "nan"}, "Temperature must be a number"),
        ({"max_tokens": "1.5"}, "Max tokens must be a whole number"),
        ({"max_tokens": "0"}, "Max tokens must be a whole number from 1"),
        ({"temps": "hot"}, "column 1 temperature was ignored"),
        ({"personas": "<b>Root</b>"}, "Column 1: unknown system prompt preset '<b>Root</b>'"),
        ({"preset": "No such"}, "Unknown preset 'No such' ignored; known: Helpful assistant"),
        ({"lesson": "99-missing"}, "Unknown lesson '99-missing' ignored; known: 01-system-vs-user"),
    ],
)
def test_bad_values_are_ignored_with_a_note(ctx, params, expected):
    link = parse_setup_link(params, ctx, LESSONS)
    assert (link.temperature, link.max_tokens, link.preset, link.lesson) == (None, None, None, None)
    assert any(expected in n for n in link.notes), link.notes


def test_max_tokens_follows_the_demo_cap():
    ctx = make_ctx(PageOptions(demo_caps=True, max_tokens_cap=100))
    assert parse_setup_link({"max_tokens": "100"}, ctx).max_tokens == 100
    assert "from 1 to 100" in parse_setup_link({"max_tokens": "101"}, ctx).notes[0]


def test_every_lesson_has_a_link_that_names_it(ctx):
    for name in LESSONS:
        query = dict(parse_qsl(urlsplit(lesson_link(name)).query))
        assert parse_setup_link(query, ctx, LESSONS).lesson == name


# --- what the page fills in (ui/tabs/link_wiring.py), without a browser ------------------------------------------


@pytest.fixture(scope="module")
def page():
    from tests.appserver import build_demo_for

    demo = build_demo_for({})
    return demo


def load_updates(page, query: dict) -> dict:
    """Run the page's link handler for a query; {elem_id: value} of what it sets."""
    import gradio as gr

    handler = next(
        fn.fn
        for fn in page.fns.values()
        if getattr(fn.fn, "__name__", "") == "on_load" and fn.fn.__module__ == "ui.tabs.link_wiring"
    )
    request = gr.Request(query_params=query)
    updates = handler(request)
    return {getattr(c, "elem_id", None): v for c, v in updates.items()}


def test_a_link_fills_every_column_it_names_under_the_shared_prompt(page):
    out = load_updates(page, {"models": "local:smollm2,bad id", "system": "<script>alert(1)</script>"})
    assert out["n-columns"] == 2 and out["model-0"] == "local:smollm2" and out["model-1"] == "bad id"
    assert out["persona-0"] == out["persona-1"] == SHARED_SYSTEM
    assert out["system"] == "<script>alert(1)</script>"  # a text box shows text: inert
    assert out["meta-1"].endswith(
        "not available here: bad id (model id 'bad id' should look like provider:model, e.g. "
        "local:smollm2 or openai:gpt-4o-mini)"
    )
    assert "meta-0" not in out


def test_notes_are_escaped_markdown(page):
    out = load_updates(page, {"preset": "<img src=x onerror=alert(1)>"})
    assert "\\<img src=x onerror=alert(1)\\>" in out["link-notes"] and not re.search(r"(?<!\\)<img", out["link-notes"])


def test_a_lesson_link_fills_its_setup_and_shows_its_banner(page):
    out = load_updates(page, {"lesson": "02-temperature"})
    assert out["n-columns"] == 4 and [out[f"temp-{i}"] for i in range(4)] == ["0", "0", "1.2", "1.2"]
    assert "Temperature" in out["lesson-banner-text-compare"]
    # the link's own values win over the lesson's
    out = load_updates(page, {"lesson": "02-temperature", "models": "local:smollm2", "temps": "0.3"})
    assert out["n-columns"] == 1 and out["temp-0"] == "0.3" and out["prompt"].startswith("Write the opening")
    # a lesson on another tab fills that tab and selects it
    out = load_updates(page, {"lesson": "04-tokens"})
    assert out["tok-text"] and out["tabs"].selected == "tokens" and "n-columns" not in out
