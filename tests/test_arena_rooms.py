"""A teacher's room end to end through gradio_client: room_start, room_state, room_vote, room_reveal and room_next of
a running app over the OpenAI wire fake, ten voters, and the hostile inputs a public link invites."""

from __future__ import annotations

import json
import secrets

import pytest
from gradio_client.exceptions import AppError

from tests.appserver import AppServer
from tests.arena_helpers import openai_app_env
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

REPLIES = {"gpt-4o-mini": "Paris is the capital of France.", "gpt-4o": "The capital is Paris."}
MINI, FOUR_O = "openai:gpt-4o-mini", "openai:gpt-4o"
PROMPT = "What is the capital of France?"
HIDDEN_UNTIL_REVEAL = ("tallies", "a_model", "b_model", "gpt", "openai")


@pytest.fixture(scope="module")
def fake():
    with OpenAIServer(Behaviour(), per_model={name: Behaviour(reply=r) for name, r in REPLIES.items()}) as srv:
        yield srv


@pytest.fixture(scope="module")
def app(fake, tmp_path_factory):
    with AppServer(openai_app_env(fake, tmp_path_factory.mktemp("rooms") / "rooms.db")) as running:
        yield running


def call(client, name: str, *args):
    return client.predict(*args, api_name=f"/{name}")


def refused(do) -> str:
    """The message of an AppError: one sentence, no traceback."""
    with pytest.raises(AppError) as caught:
        do()
    message = str(caught.value)
    assert "Traceback" not in message and 'File "' not in message and len(message) < 600
    return message


def voter() -> str:
    """A browser's random voter token."""
    return secrets.token_hex(16)


def test_a_class_of_ten_votes_blind_and_only_the_teacher_reveals(client, app):
    started = call(client, "room_start", [MINI, FOUR_O], PROMPT)
    assert set(started) == {"room", "link", "teacher_token", "battle_id"}
    code, token = started["room"], started["teacher_token"]
    assert started["link"] == f"{app.url}?room={code}"
    stored = app.ctx.arena.repository.battle(started["battle_id"])
    assert (stored.room, {stored.model_a, stored.model_b}) == (code, {MINI, FOUR_O})

    class_ = [voter() for _ in range(10)]
    choices = ["a"] * 6 + ["b"] * 3 + ["tie"]
    for n, (student, choice) in enumerate(zip(class_, choices), start=1):
        assert call(client, "room_vote", code, student, choice, started["battle_id"]) == {
            "counted": True,
            "reason": None,
        }
        state = call(client, "room_state", code, "")
        assert set(state) == {"room", "battle_id", "prompt", "a", "b", "votes", "revealed"}
        assert (state["votes"], state["revealed"], state["prompt"]) == (n, False, PROMPT)
        assert {state["a"], state["b"]} == set(REPLIES.values())
        shown = json.dumps(state).lower().replace(state["battle_id"], "")
        assert not [word for word in HIDDEN_UNTIL_REVEAL if word in shown]  # no tallies, no names
    assert call(client, "room_state", code, class_[0])["voted"] is True
    assert call(client, "room_state", code, voter())["voted"] is False

    # A second vote is refused and changes nothing; so is the ordinary one-vote endpoint (it would reveal the names).
    again = call(client, "room_vote", code, class_[0], "b")
    assert again == {"counted": False, "reason": "You have already voted on this battle: one vote each."}
    assert "belongs to a room" in refused(lambda: call(client, "vote", started["battle_id"], "a", ""))
    # A forged reveal is refused; the room stays closed to everyone, the leaderboard does not have its votes yet.
    assert "Only the teacher who started this room" in refused(lambda: call(client, "room_reveal", code, voter()))
    assert "Only the teacher" in refused(lambda: call(client, "room_reveal", code, ""))
    assert "Only the teacher" in refused(lambda: call(client, "room_next", code, token[:-1] + "x", "Next?"))
    assert call(client, "room_state", code, "")["votes"] == 10
    assert call(client, "leaderboard")["rows"] == []

    revealed = call(client, "room_reveal", code, token)
    assert revealed["tallies"] == {"a": 6, "b": 3, "tie": 1, "both_bad": 0}
    assert (revealed["a_model"], revealed["b_model"]) == (stored.model_a, stored.model_b)
    assert (revealed["counted"], revealed["reason"]) == (True, None)
    assert call(client, "room_reveal", code, token) == revealed  # revealing again repeats it
    late = call(client, "room_vote", code, voter(), "b")
    assert late == {"counted": False, "reason": "Voting has closed: the teacher has revealed this battle."}
    after = call(client, "room_state", code, "")
    assert after["revealed"] is True and after["tallies"] == revealed["tallies"] and after["votes"] == 10
    assert after["a_model"] == stored.model_a

    rows = {r["model"]: r for r in call(client, "leaderboard")["rows"]}  # room votes count once revealed
    assert rows[stored.model_a]["battles"] == rows[stored.model_b]["battles"] == 10
    assert rows[stored.model_a]["win_rate"] == pytest.approx((6 + 0.5) / 10)
    lines = [json.loads(line) for line in app.ctx.arena.export().splitlines()]
    assert len(lines) == 10 and {line["room"] for line in lines} == {code}
    assert not any(student in json.dumps(lines) for student in class_)  # the export has hashes, not tokens
    assert len({line["judge"] for line in lines}) == 10

    # Next battle: the same room, a new battle open for votes; a vote sent for the old one is not moved to it.
    following = call(client, "room_next", code, token, "And of Italy?")
    assert set(following) == {"room", "link", "battle_id"} and following["room"] == code
    state = call(client, "room_state", code, class_[0])
    assert (state["battle_id"], state["votes"], state["revealed"], state["voted"]) == (
        following["battle_id"],
        0,
        False,
        False,
    )
    stale = call(client, "room_vote", code, class_[0], "a", started["battle_id"])
    assert stale["counted"] is False and "new battle has started" in stale["reason"]
    assert call(client, "room_vote", code, class_[0], "a", following["battle_id"])["counted"] is True


def test_room_inputs_are_refused_in_one_sentence(client):
    started = call(client, "room_start", [MINI, FOUR_O], PROMPT)
    code, token = started["room"], started["teacher_token"]
    assert "No room ZZZZZZ" in refused(lambda: call(client, "room_state", "zzzzzz", ""))
    assert "A room code is 6 letters and digits" in refused(lambda: call(client, "room_state", "../etc", ""))
    assert "room must be text (got list" in refused(lambda: call(client, "room_state", [code], ""))
    assert "voter must be 16 to 128 letters" in refused(lambda: call(client, "room_vote", code, "me", "a"))
    assert "The vote must be one of a, b, tie, both_bad" in refused(
        lambda: call(client, "room_vote", code, voter(), "c")
    )
    assert "The prompt is empty" in refused(lambda: call(client, "room_next", code, token, " "))
    assert "models must be a list of setup ids" in refused(lambda: call(client, "room_start", [[MINI]], PROMPT))
    assert "at least two different setups" in refused(lambda: call(client, "room_start", [MINI], PROMPT))
    assert call(client, "room_state", code.lower(), "")["room"] == code  # codes are read off a projector: any case
