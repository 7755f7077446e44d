"""Rooms, style control and vote hygiene below the page: expiry, a reveal racing the class's votes, two replicas on
one database, style features read from the stored answers, the by-model view and the export's flags. Real fake
server, the real store on SQLite (tests/test_arena_postgres.py runs the database-facing ones again on PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import threading
import uuid

import numpy as np
import pytest

from arena import ArenaError, BattleRecord, VoteRecord
from arena.room_repository import SqlRooms
from arena.rooms import Rooms
from tests import test_arena_service as arena_tests

# the arena tests' fixtures: the fake server, the store's configuration (PostgreSQL's module overrides it), arenas
fake, db_env, make_arena = arena_tests.fake, arena_tests.db_env, arena_tests.make_arena
finished_battle = arena_tests.finished_battle

MINI, FOUR_O = "openai:gpt-4o-mini", "openai:gpt-4o"


def rooms_over(arena, **kwargs) -> Rooms:
    return Rooms(arena, SqlRooms(arena.repository.store), **kwargs)


def open_room(rooms: Rooms, pool=(MINI, FOUR_O)):
    return asyncio.run(rooms.start("Capital of France?", list(pool)))


def test_a_room_expires_after_its_last_battle(make_arena):
    now = [1_000_000.0]
    arena = make_arena(clock=lambda: now[0])
    rooms = rooms_over(arena, ttl_s=3600, clock=lambda: now[0])
    started = open_room(rooms)
    now[0] += 3000
    asyncio.run(rooms.next(started.room, started.teacher_token, "And of Spain?"))  # a battle restarts the clock
    now[0] += 3000
    assert rooms.state(started.room)["votes"] == 0
    now[0] += 601
    for call in (
        lambda: rooms.state(started.room),
        lambda: rooms.vote(started.room, secrets.token_hex(16), "a"),
        lambda: rooms.reveal(started.room, started.teacher_token),
    ):
        with pytest.raises(ArenaError, match=f"Room {started.room} has expired \\(a room lasts 1 hours"):
            call()


def test_a_reveal_racing_the_class_counts_exactly_the_votes_that_got_in(make_arena):
    arena = make_arena(rng=random.Random(7))
    rooms, other = rooms_over(arena), rooms_over(make_arena())  # two engines on one database, like two replicas
    started = open_room(rooms)
    barrier = threading.Barrier(31)
    outcomes: list[dict] = []
    revealed: list[dict] = []

    def student(i: int):
        barrier.wait()
        outcomes.append((rooms if i % 2 else other).vote(started.room, secrets.token_hex(16), "ab"[i % 2]))

    def teacher():
        barrier.wait()
        revealed.append(other.reveal(started.room, started.teacher_token))

    threads = [threading.Thread(target=student, args=(i,)) for i in range(30)] + [threading.Thread(target=teacher)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    counted = [o for o in outcomes if o["counted"]]
    late = [o for o in outcomes if not o["counted"]]
    assert len(outcomes) == 30 and all("Voting has closed" in o["reason"] for o in late)
    assert sum(revealed[0]["tallies"].values()) == len(counted)  # nothing counted after the reveal, nothing lost
    assert rooms.state(started.room)["votes"] == len(counted)


def test_only_one_next_battle_wins_a_race(make_arena):
    arena = make_arena()
    rooms = rooms_over(arena)
    started = open_room(rooms)
    room = rooms.teacher_room(started.room, started.teacher_token)
    first, second = (asyncio.run(rooms._finished(arena.start(p, [MINI, FOUR_O]), 0.05)) for p in ("One?", "Two?"))
    store = rooms.repository
    assert store.next_battle(room.code, room.battle.id, first.record(room=room.code), 10**10) is True
    assert store.next_battle(room.code, room.battle.id, second.record(room=room.code), 10**10) is False
    assert rooms.state(started.room)["battle_id"] == first.id
    assert arena.repository.battle(second.id) is None  # the loser's battle is not kept


def test_by_model_merges_setups_and_drops_a_model_against_itself(make_arena):
    arena = make_arena(rng=random.Random(3))
    sarcastic = f"{MINI}#sarcastic-persona"
    for pool, wins in (((MINI, FOUR_O), MINI), ((sarcastic, FOUR_O), sarcastic), ((MINI, sarcastic), MINI)):
        battle_id = finished_battle(arena, pool)
        battle = arena.repository.battle(battle_id)
        arena.vote(battle_id, "a" if battle.model_a == wins else "b")
    by_setup = {r.model: r.battles for r in arena.leaderboard().rows}
    assert by_setup == {MINI: 2, sarcastic: 2, FOUR_O: 2}
    by_model = {r.model: (r.battles, r.win_rate) for r in arena.leaderboard(by="model").rows}
    assert by_model == {MINI: (2, 1.0), FOUR_O: (2, 0.0)}  # the persona's battle against its own model is left out


def test_the_export_flags_a_voter_who_always_picks_one_side_and_weights_repeated_prompts(make_arena):
    arena = make_arena(rng=random.Random(4))
    lefty, fair = secrets.token_hex(16), secrets.token_hex(16)
    for i in range(8):
        arena.vote(finished_battle(arena, prompt="hi"), "a", voter=lefty)
        arena.vote(finished_battle(arena, prompt=f"Question {i}?"), "ab"[i % 2], voter=fair)
    lines = [json.loads(line) for line in arena.export().splitlines()]
    flags = {line["judge"]: line["judge_flag"] for line in lines}
    assert len(flags) == 2 and lefty not in flags and fair not in flags  # hashes, never the tokens
    assert set(flags.values()) == {"picked A in 8 of 8 votes for a side (p = 0.008)", None}
    assert {line["weight"] for line in lines if line["conversation_a"][0]["content"] == "hi"} == {1.0}  # 8 <= 10
    for _ in range(4):  # "hi" asked in 12 battles now: each weighs 10/12
        finished_battle(arena, prompt="hi")
        arena.vote(finished_battle(arena, prompt="HI "), "b")
    weights = {line["weight"] for line in map(json.loads, arena.export().splitlines()) if line["judge"] is None}
    assert weights == {round(10 / 12, 4)}


def test_style_control_reads_length_from_the_stored_answers(make_arena):
    # Two setups of equal substance; "long" writes longer answers but the lengths overlap; voters pick the longer
    # answer 9 times in 10. Stored as battles and votes, rated through the arena.
    arena = make_arena()
    rng = np.random.default_rng(11)
    for i in range(240):
        words = {"x:long": int(rng.integers(60, 160)), "x:short": int(rng.integers(30, 130))}
        a, b = ("x:long", "x:short") if rng.random() < 0.5 else ("x:short", "x:long")
        longer = "a" if words[a] > words[b] else "b"
        choice = longer if rng.random() < 0.9 else "ab".replace(longer, "")
        battle = BattleRecord(
            uuid.uuid4().hex,
            1_700_000_000.0 + i,
            f"Question {i}?",
            a,
            b,
            {"text": "word " * words[a]},
            {"text": "word " * words[b]},
        )
        arena.repository.add_battle(battle)
        arena.repository.add_vote(VoteRecord(battle.id, choice, True, None, battle.created_at))
    board = arena.leaderboard(style_control=True)
    rows = {r.model: r for r in board.rows}
    long, short = rows["x:long"], rows["x:short"]
    assert long.ci_low > short.ci_high  # raw: the longer setup clearly ahead
    assert abs(long.style_rating - short.style_rating) < (long.rating - short.rating) / 2
    assert long.style_ci_low <= short.style_ci_high and short.style_ci_low <= long.style_ci_high
    assert board.style["length"].coef > 0 and board.style["bold"].coef is None
