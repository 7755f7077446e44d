"""One full blind battle in Chromium.

Pick the pool, battle, both answers appear together, vote, the reveal names both.
"""

from __future__ import annotations

import json

import pytest

from tests.appserver import AppServer
from tests.arena_helpers import GATED, GatedOpenAIServer, openai_app_env, wait_for
from tests.browser_fixtures import history, md_text, screenshot, start_history
from tests.fakes.server import Behaviour

FAST_REPLY, SLOW_REPLY = "Quick answer: Paris.", "Slow but sure: the capital of France is Paris."
FAST, SLOW = "openai:gpt-4o-mini", f"openai:{GATED}"


@pytest.fixture(scope="module")
def fake():
    with GatedOpenAIServer(
        Behaviour(reply=SLOW_REPLY, tokens_per_s=20),
        models=["gpt-4o-mini", GATED],
        per_model={"gpt-4o-mini": Behaviour(reply=FAST_REPLY)},
    ) as srv:
        yield srv
        srv.gate.set()


@pytest.fixture(scope="module")
def app(fake, tmp_path_factory):
    with AppServer(openai_app_env(fake, tmp_path_factory.mktemp("arena") / "arena.db")) as running:
        yield running


def pick_pool(page, ids: list[str]) -> None:
    """Empty the pool picker, then choose each id from its options."""
    page.locator("#arena-pool .remove-all").click()
    box = page.locator("#arena-pool input")
    for model_id in ids:
        box.click()
        box.fill(model_id)
        page.locator(f"#arena-pool li[role=option][aria-label={json.dumps(model_id)}]").click()
    page.wait_for_function("n => document.querySelectorAll('#arena-pool .token').length === n", arg=len(ids))
    box.blur()


def test_a_full_blind_battle(new_page, app, fake):
    arena = app.ctx.arena
    started = []
    start = arena.start
    arena.start = lambda *a, **k: started.append(start(*a, **k)) or started[-1]  # to see the engine's side of it

    page = new_page(app.url)
    page.get_by_role("tab", name="Arena").click()
    pick_pool(page, [FAST, SLOW])
    page.locator("#arena-prompt textarea").fill("What is the capital of France?")
    start_history(page, ["arena-a", "arena-b", "arena-status"])
    page.locator("#arena-battle").click()

    # The fast side has finished and the engine holds its whole result; the other side is still held at the server.
    wait_for(lambda: started and len(started[0].results) == 1 and fake.waiting.is_set(), "the fast side to finish")
    battle = started[0]
    assert {battle.model_a, battle.model_b} == {FAST, SLOW}
    # Anything the page was sent before this click is shown before the export's own answer (one ordered stream).
    page.locator("#arena-export-btn").click()
    page.wait_for_function("() => document.querySelector('#arena-board-note span.md').innerText.includes('exported')")
    assert md_text(page, "arena-a") == "" and md_text(page, "arena-b") == ""
    assert "Both answering" in md_text(page, "arena-status")
    assert page.locator("#arena-vote-a").is_disabled()
    screenshot(page, "arena-waiting")

    fake.gate.set()
    page.wait_for_function("() => document.querySelector('#arena-status span.md').innerText.includes('Both answered')")
    texts = {"a": md_text(page, "arena-a"), "b": md_text(page, "arena-b")}
    expected = {
        "a": FAST_REPLY if battle.model_a == FAST else SLOW_REPLY,
        "b": FAST_REPLY if battle.model_b == FAST else SLOW_REPLY,
    }
    assert texts == expected
    seen = history(page)
    for side in ("a", "b"):  # each pane went from empty straight to its whole answer: nothing partial, nothing early
        assert [s["text"] for s in seen[f"arena-{side}"] if s["text"]] == [expected[side]]
    statuses = [s["text"] for s in seen["arena-status"] if s["text"]]
    assert all("Both answering" in s or "Both answered" in s for s in statuses), statuses
    for head in ("arena-head-a", "arena-head-b"):
        assert GATED not in md_text(page, head) and "gpt" not in md_text(page, head)

    page.locator("#arena-vote-b").click()
    page.wait_for_function("() => document.querySelector('#arena-reveal span.md').innerText.includes('was')")
    reveal = md_text(page, "arena-reveal")
    assert "Your vote counts" in reveal
    assert f"A was {battle.model_a}" in reveal and f"B was {battle.model_b}" in reveal
    assert "first token" in reveal and "tok/s" in reveal
    assert battle.model_a in md_text(page, "arena-head-a") and battle.model_b in md_text(page, "arena-head-b")
    for key in ("a", "b", "tie", "both_bad"):
        assert page.locator(f"#arena-vote-{key}").is_disabled()
    vote = arena.repository.vote_for(battle.id)
    assert (vote.choice, vote.counted) == ("b", True)
    screenshot(page, "arena-revealed")

    # The next battle is blind again: the heads lose the names, the reveal empties, voting reopens.
    page.locator("#arena-battle").click()
    page.wait_for_function("() => !document.querySelector('#arena-vote-a').disabled")
    assert (md_text(page, "arena-head-a"), md_text(page, "arena-head-b"), md_text(page, "arena-reveal")) == (
        "A",
        "B",
        "",
    )
    assert "Both answered" in md_text(page, "arena-status") and len(started) == 2

    page.locator("#arena-refresh").click()
    page.wait_for_function(
        "ids => ids.every(id => document.querySelector('#arena-leaderboard').innerText.includes(id))", arg=[FAST, SLOW]
    )
