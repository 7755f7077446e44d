"""A teacher's room in Chromium: the teacher starts it on the Arena tab, two students vote with one tap each on
390 px phones, the projector shows only the count until the teacher reveals, then the bar of the tallies; the next
battle reopens voting on the phones."""

from __future__ import annotations

import re

import pytest

from tests.appserver import AppServer
from tests.arena_helpers import openai_app_env
from tests.browser_fixtures import PAGE_LOAD_MS, TIMEOUT_MS, VIEWPORTS, md_text, screenshot
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour
from tests.test_accessibility import describe, scan
from tests.test_browser_arena import pick_pool

LONG = "Paris is the capital of France.\n\n" + "\n".join(f"- **Point {i}:** more about Paris." for i in range(15))
SHORT = "The capital is Paris."
MINI, FOUR_O = "openai:gpt-4o-mini", "openai:gpt-4o"
NAMES = ("gpt", "openai")


@pytest.fixture(scope="module")
def fake():
    replies = {"gpt-4o-mini": Behaviour(reply=LONG), "gpt-4o": Behaviour(reply=SHORT)}
    with OpenAIServer(Behaviour(), per_model=replies) as srv:
        yield srv


@pytest.fixture(scope="module")
def app(fake, tmp_path_factory):
    with AppServer(openai_app_env(fake, tmp_path_factory.mktemp("room") / "room.db")) as running:
        yield running


def open_room(browser, link: str, screen: str):
    """A fresh browser profile (its own localStorage, so its own voter token) on a room link."""
    page = browser.new_context(**VIEWPORTS[screen]).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(link, timeout=PAGE_LOAD_MS)
    page.wait_for_function(
        "() => (document.querySelector('#room-count span.md')?.innerText || '').includes('vote')", timeout=PAGE_LOAD_MS
    )
    return page


def wait_text(page, elem_id: str, needle: str) -> None:
    page.wait_for_function(
        "([id, n]) => (document.querySelector('#' + id + ' span.md')?.innerText || '').includes(n)",
        arg=[elem_id, needle],
    )


def test_a_room_on_phones_and_a_projector(new_page, browser, app):
    teacher = new_page(app.url)
    teacher.get_by_role("tab", name="Arena").click()
    pick_pool(teacher, [MINI, FOUR_O])
    teacher.locator("#arena-prompt textarea").fill("What is the capital of France?")
    teacher.locator("#arena-room-start").click()
    wait_text(teacher, "room-head", "Room")
    code = re.search(r"Room (\w{6})", md_text(teacher, "room-head")).group(1)
    link = f"{app.url}?room={code}"
    assert teacher.locator("#room-reveal").is_visible() and not teacher.locator("#room-vote-a").is_visible()
    screenshot(teacher, "room-teacher")
    battle = app.ctx.arena.repository.battle(app.ctx.rooms.state(code)["battle_id"])

    phones = [open_room(browser, link, "phone") for _ in range(2)]
    projector = open_room(browser, link + "&present=1", "projector")
    for phone in phones:
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        assert not phone.locator("#page-head").is_visible() and not phone.locator("#arena-battle").is_visible()
        for key in ("a", "b", "tie", "both_bad"):  # every vote button on screen, without scrolling
            box = phone.locator(f"#room-vote-{key}").bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844
        assert {md_text(phone, "room-a"), md_text(phone, "room-b")} >= {SHORT}
        assert not [n for n in NAMES if n in phone.locator("#room").inner_text().lower()]
    screenshot(phones[0], "room-phone-before-vote", full_page=False)
    found = scan(phones[0], "room-phone")
    assert not found, describe(found)

    phones[0].locator("#room-vote-a").tap()  # one tap is the whole vote
    phones[1].locator("#room-vote-b").tap()
    for phone in phones:
        wait_text(phone, "room-count", "Your vote is in")
        assert phone.locator("#room-vote-a").is_disabled() and phone.locator("#room-vote-b").is_disabled()
    wait_text(projector, "room-count", "2 votes")
    assert not projector.locator("#room-vote-a").is_visible() and not projector.locator("#room-reveal").is_visible()
    assert projector.locator(".room-bar").count() == 0  # the count only: no tallies before the reveal
    assert not [n for n in NAMES if n in projector.locator("#room").inner_text().lower()]
    screenshot(projector, "room-projector-counting", full_page=False)
    phones[0].reload()  # the voter token is kept in the browser: after a reload it has still voted
    wait_text(phones[0], "room-count", "Your vote is in")

    teacher.locator("#room-reveal").click()
    projector.locator(".room-bar").wait_for()
    assert projector.locator(".room-bar").get_attribute("aria-label") == "A 1, B 1, Tie 0, Both bad 0"
    names = projector.locator(".room-names").inner_text()
    assert f"A was {battle.model_a}" in names and f"B was {battle.model_b}" in names
    screenshot(projector, "room-projector-revealed", full_page=False)
    found = scan(projector, "room-projector-revealed")
    assert not found, describe(found)
    phones[1].locator(".room-bar").wait_for()
    screenshot(phones[1], "room-phone-revealed")

    teacher.locator("#room-next-prompt textarea").fill("And the capital of Italy?")
    teacher.locator("#room-next").click()
    for phone in phones:  # the next battle reaches the phones by itself: voting is open again
        wait_text(phone, "room-prompt", "Italy")
        phone.wait_for_function("() => !document.querySelector('#room-vote-a').disabled")
        assert phone.locator(".room-bar").count() == 0
    wait_text(projector, "room-count", "0 votes")
