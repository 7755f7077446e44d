"""The arena below the page: draws, held answers, one vote per battle in SQL, caps, dates, export and the CLI.

Real fake servers on 127.0.0.1, the real store on a temporary SQLite file (tests/test_arena_postgres.py runs the
database-facing tests again on PostgreSQL by overriding `db_env`)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from arena import Arena, ArenaError, VoteCap
from arena.battle import draw
from arena.repository import SqlRepository
from store import open_store
from tests.arena_helpers import GATED, GatedOpenAIServer
from tests.engine_helpers import registry_for
from tests.fakes.server import Behaviour

ROOT = Path(__file__).resolve().parent.parent
FAST, SLOW = "openai:gpt-4o-mini", f"openai:{GATED}"
FASTKEY = {"gpt-4o-mini": Behaviour(reply="Paris is the capital of France.")}


@pytest.fixture(scope="module")
def fake():
    with GatedOpenAIServer(Behaviour(reply="An answer."), per_model=FASTKEY) as srv:
        yield srv


@pytest.fixture
def db_env(tmp_path) -> dict:
    """How the store is configured, as the app reads it."""
    return {"COMPARE_DB": str(tmp_path / "arena.db")}


@pytest.fixture
def make_arena(fake, db_env):
    registry = registry_for({"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": fake.url + "/v1"}, catalog_prices=True)
    stores = []

    def make(**kwargs) -> Arena:
        stores.append(open_store(db_env))
        return Arena(registry, SqlRepository(stores[-1]), **kwargs)

    yield make
    fake.gate.set()  # a failed test must not leave a request held
    for store in stores:
        store.close()
    fake.gate.clear()
    fake.waiting.clear()


def finished_battle(arena: Arena, pool=("openai:gpt-4o-mini", "openai:gpt-4o"), prompt="Capital of France?") -> str:
    return asyncio.run(arena.battle(prompt, list(pool)))["battle_id"]


def test_draw_never_pairs_a_model_with_itself_and_uses_both_placements():
    pairs = [draw(["x:1", "x:2", "x:3", "x:2"], random.Random(seed)) for seed in range(60)]
    assert all(a != b for a, b in pairs)
    assert {("x:1", "x:2"), ("x:2", "x:1")} <= set(pairs)
    assert pairs == [draw(["x:1", "x:2", "x:3"], random.Random(seed)) for seed in range(60)]  # seeded: reproducible


@pytest.mark.parametrize("live", [False, True])
def test_a_side_that_finishes_first_shows_nothing_until_both_have(make_arena, fake, live):
    arena = make_arena(rng=random.Random(1), live=live)
    battle = arena.start("Capital of France?", [FAST, SLOW])
    fast_side = "a" if battle.model_a == FAST else "b"
    seen = []

    async def scenario():
        async def read():
            async for snapshot in arena.run(battle):
                seen.append(snapshot)

        reader = asyncio.create_task(read())
        while fast_side not in battle.results:  # the engine holds the fast side's whole result...
            await asyncio.sleep(0.01)
        assert fake.waiting.is_set() and len(battle.results) == 1  # ...while the other side is still held
        shown_early = list(seen)
        fake.gate.set()
        await reader
        return shown_early

    shown_early = asyncio.run(asyncio.wait_for(scenario(), 60))
    if live:  # the setting that allows live streaming does show it
        assert shown_early and getattr(shown_early[-1], fast_side) == "Paris is the capital of France."
    else:
        assert shown_early == []
        assert len(seen) == 1 and seen[0].done
    assert {seen[-1].a, seen[-1].b} == {"Paris is the capital of France.", "An answer."}


def test_one_vote_per_battle_is_enforced_by_the_database(make_arena):
    first, second = make_arena(rng=random.Random(2)), make_arena()  # two engines on one file, like two processes
    battle_id = finished_battle(first)
    barrier = threading.Barrier(2)
    outcomes = []

    def vote(arena, choice):
        barrier.wait()
        try:
            outcomes.append(arena.vote(battle_id, choice)["choice"])
        except ArenaError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=vote, args=(a, c)) for a, c in ((first, "a"), (second, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(o in ("a", "b") for o in outcomes) == [False, True], outcomes
    assert any("already has its vote" in o for o in outcomes)
    with first.repository.store.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM votes")) == 1
        assert conn.scalar(sa.text("SELECT count(*) FROM battles")) == 1
        assert conn.scalar(sa.text("SELECT max(version) FROM schema_version")) >= 2


def test_pool_problems_are_clear_sentences(make_arena):
    arena = make_arena()
    with pytest.raises(ArenaError, match="at least two different setups"):
        arena.pool([FAST, FAST], [])
    with pytest.raises(ArenaError, match="at least two different setups"):
        arena.pool([" openai:gpt-4o-mini~0.70 ", "openai:gpt-4o-mini~0.7"], [])  # one setup, spelt twice
    with pytest.raises(ArenaError, match="Unknown model"):
        arena.pool([FAST, "nonsense"], [])
    with pytest.raises(ArenaError, match="anthropic:claude-3-5-haiku-latest is not available: set ANTHROPIC_API_KEY"):
        arena.pool([FAST, "anthropic:claude-3-5-haiku-latest#sarcastic-persona"], [])
    with pytest.raises(ArenaError, match="no persona named 'grumpy' \\(personas: explain-like-five, helpful-"):
        arena.pool([FAST, f"{FAST}#grumpy"], [])
    with pytest.raises(ArenaError, match="temperature must be between 0 and 2 \\(got 9\\)"):
        arena.pool([FAST, f"{FAST}~9"], [])
    with pytest.raises(ArenaError, match="models must be a list of setup ids"):
        arena.pool([[FAST], ["openai:gpt-4o"]], [])
    assert arena.pool(None, [FAST, "openai:gpt-4o"]) == [FAST, "openai:gpt-4o"]
    # Setup ids come back canonical: the preset's short name, the temperature as a plain number.
    assert arena.pool([FAST, f"{FAST}#04-sarcastic-persona~1.20"], []) == [FAST, f"{FAST}#sarcastic-persona~1.2"]
    # With one model available, the default pool is that model plain and under two personas.
    assert arena.pool([], [FAST]) == [FAST, f"{FAST}#sarcastic-persona", f"{FAST}#explain-like-five"]


def test_vote_cap_per_visitor_per_hour(make_arena):
    now = [0.0]
    arena = make_arena(vote_cap=VoteCap(2, clock=lambda: now[0]))
    ids = [finished_battle(arena) for _ in range(4)]
    arena.vote(ids[0], "a", "10.0.0.1")
    with pytest.raises(ArenaError, match="already has its vote"):  # refused votes do not use up the cap
        arena.vote(ids[0], "a", "10.0.0.1")
    arena.vote(ids[1], "tie", "10.0.0.1")
    with pytest.raises(ArenaError, match="2 votes per hour per visitor; try again in 60 min"):
        arena.vote(ids[2], "b", "10.0.0.1")
    arena.vote(ids[2], "b", "10.0.0.2")  # another visitor has their own
    now[0] = 3600.0
    arena.vote(ids[3], "both_bad", "10.0.0.1")


def test_date_filter_and_fastchat_shaped_export(make_arena):
    clock = [1_764_460_800.0]  # 2025-11-30 00:00 UTC
    arena = make_arena(rng=random.Random(3), clock=lambda: clock[0])
    for choice in ("a", "b", "tie", "both_bad"):
        arena.vote(finished_battle(arena), choice)
        clock[0] += 86400  # one vote a day: 11-30, 12-01, 12-02, 12-03
    assert sum(r.battles for r in arena.leaderboard().rows) == 8
    assert sum(r.battles for r in arena.leaderboard("2025-12-01", "2025-12-02").rows) == 4
    assert arena.leaderboard("2025-12-04").rows == []
    with pytest.raises(ArenaError, match="'since' must be a date"):
        arena.leaderboard("yesterday")
    with pytest.raises(ArenaError, match="empty"):
        arena.leaderboard("2025-12-02", "2025-12-01")
    lines = [json.loads(line) for line in arena.export().splitlines()]
    assert [line["winner"] for line in lines] == ["model_a", "model_b", "tie", "tie (bothbad)"]
    for line in lines:
        assert {
            "question_id",
            "model_a",
            "model_b",
            "winner",
            "tstamp",
            "conversation_a",
            "conversation_b",
            "turn",
            "anony",
        } <= set(line)
        assert line["anony"] is True and line["turn"] == 1 and isinstance(line["tstamp"], float)
        assert [m["role"] for m in line["conversation_a"]] == ["user", "assistant"]
        assert line["conversation_a"][0]["content"] == "Capital of France?"
        assert {line["model_a"], line["model_b"]} == {"openai:gpt-4o-mini", "openai:gpt-4o"}
    assert len(arena.export("2025-12-03").splitlines()) == 1


def cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "compare", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_leaderboard_reads_the_same_store(make_arena, db_env, fake):
    arena = make_arena(rng=random.Random(4))
    for _ in range(3):
        battle_id = finished_battle(arena)
        battle = arena.repository.battle(battle_id)
        arena.vote(battle_id, "a" if battle.model_a == "openai:gpt-4o" else "b")  # gpt-4o wins every time
    done = cli("leaderboard", "--json", env=db_env)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    assert rows == [r.to_json() for r in arena.leaderboard().rows]
    assert [(r["model"], r["battles"], r["win_rate"], r["rank"]) for r in rows] == [
        ("openai:gpt-4o", 3, 1.0, 1),
        ("openai:gpt-4o-mini", 3, 0.0, 2),
    ]
    text = cli("leaderboard", env=db_env)
    assert text.returncode == 0 and text.stdout.splitlines()[0].split()[:3] == ["rank", "model", "rating"]
    assert "openai:gpt-4o " in text.stdout
    styled = cli("leaderboard", "--json", "--style-control", "--by", "model", env=db_env)
    assert styled.returncode == 0, styled.stderr
    assert json.loads(styled.stdout) == arena.leaderboard(style_control=True, by="model").to_json()
    table = cli("leaderboard", "--style-control", env=db_env).stdout
    assert "style-controlled" in table.splitlines()[0] and "style length: " in table
    bad = cli("leaderboard", "--since", "soon", env=db_env)
    assert bad.returncode == 2 and "'since' must be a date" in bad.stderr and "Traceback" not in bad.stderr
    # "leaderboard" after a flag is still a prompt
    prompt = cli(
        "-m", "openai:gpt-4o-mini", "leaderboard", env={"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": fake.url + "/v1"}
    )
    assert prompt.returncode == 0 and "Paris is the capital of France." in prompt.stdout
    assert fake.requests[-1].body["messages"][-1] == {"role": "user", "content": "leaderboard"}
