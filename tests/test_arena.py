"""The arena end to end through gradio_client: /battle, /vote and /leaderboard of a running app over the wire fakes."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from gradio_client.exceptions import AppError

from tests.appserver import AppServer, api_client
from tests.arena_helpers import GatedOpenAIServer
from tests.engine_helpers import CATALOG_PRICES
from tests.fakes.anthropic_server import AnthropicServer
from tests.fakes.server import Behaviour
from ui.web.safety import PageOptions

OPENAI_KEY, ANTHROPIC_KEY = "sk-test-SECRET-1234567890", "sk-ant-test-SECRET-0987654321"
REPLIES = {
    "gpt-4o-mini": "Paris is the capital of France.",
    "gpt-4o": "The capital is Paris.",
    "gpt-4.1": "Paris.",
    "gpt-4.1-mini": "It is Paris, I believe.",
}
SELF_NAMING = "As Claude, made by Anthropic, I would say Paris."
MINI, FOUR_O, CLAUDE, BROKEN = (
    "openai:gpt-4o-mini",
    "openai:gpt-4o",
    "anthropic:claude-3-5-haiku-latest",
    "openai:fault-500",
)
NAMES = ("gpt", "openai", "claude", "anthropic", "fault", "mini", "model")


@pytest.fixture(scope="module")
def fakes():
    per_model = {name: Behaviour(reply=reply) for name, reply in REPLIES.items()}
    per_model["fault-500"] = Behaviour(fault="500")
    with GatedOpenAIServer(Behaviour(), per_model=per_model) as oa, AnthropicServer(Behaviour(reply=SELF_NAMING)) as an:
        yield oa, an


def env_for(fakes, db) -> dict:
    oa, an = fakes
    return {
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": oa.url + "/v1",
        "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
        "ANTHROPIC_BASE_URL": an.url,
        "COMPARE_CONFIG": str(CATALOG_PRICES),
        "COMPARE_DB": str(db),
    }


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return tmp_path_factory.mktemp("arena") / "arena.db"


@pytest.fixture(scope="module")
def app(fakes, db):
    with AppServer(env_for(fakes, db)) as running:
        yield running


def battle(client, models, prompt="What is the capital of France?") -> dict:
    return client.predict(prompt, models, api_name="/battle")


def vote(client, battle_id, choice) -> dict:
    return client.predict(battle_id, choice, api_name="/vote")


def count(db, table: str) -> int:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        n = conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))
    engine.dispose()
    return n


def refused(call) -> str:
    """The message of an AppError: a sentence for people, no traceback, no key."""
    with pytest.raises(AppError) as caught:
        call()
    message = str(caught.value)
    assert "Traceback" not in message and 'File "' not in message and len(message) < 600
    assert "SECRET" not in message
    return message


def test_battle_is_blind_and_the_vote_reveals_names_and_metrics(client, app, db):
    out = battle(client, [MINI, FOUR_O])
    assert set(out) == {"battle_id", "a", "b"}
    assert {out["a"], out["b"]} == {REPLIES["gpt-4o-mini"], REPLIES["gpt-4o"]}
    identifying = json.dumps(out).lower().replace(out["battle_id"], "")
    assert not [n for n in NAMES if n in identifying]
    stored = app.ctx.arena.repository.battle(out["battle_id"])
    assert out["a"] == REPLIES[stored.model_a.split(":")[1]]  # A is the recorded left-hand model
    shown = vote(client, out["battle_id"], "a")
    assert (shown["counted"], shown["reason"], shown["winner"]) == (True, None, "model_a")
    assert (shown["a_model"], shown["b_model"]) == (stored.model_a, stored.model_b)
    for side in ("a_metrics", "b_metrics"):
        m = shown[side]
        assert m["status"] == "done" and m["error"] is None
        assert 0 < m["ttft_s"] <= m["total_s"] and m["output_tokens"] > 0 and m["cost_usd"] > 0
    # Voting is closed: a second vote is refused and nothing is stored twice.
    votes_before = count(db, "votes")
    assert "already has its vote" in refused(lambda: vote(client, out["battle_id"], "b"))
    assert count(db, "votes") == votes_before


def test_placement_is_drawn_at_random_and_recorded(client, app):
    placements = set()
    for seed in range(6):
        app.ctx.arena.rng = random.Random(seed)
        out = battle(client, [MINI, FOUR_O])
        stored = app.ctx.arena.repository.battle(out["battle_id"])
        assert {stored.model_a, stored.model_b} == {MINI, FOUR_O}
        assert (out["a"], out["b"]) == (REPLIES[stored.model_a[7:]], REPLIES[stored.model_b[7:]])
        placements.add(stored.model_a)
    assert placements == {MINI, FOUR_O}
    app.ctx.arena.rng = random.Random(99)
    drawn = app.ctx.arena.repository.battle(battle(client, None)["battle_id"])  # default pool: every available model
    assert drawn.model_a != drawn.model_b and {drawn.model_a, drawn.model_b} <= set(app.ctx.available_ids)


def test_a_reply_naming_its_model_is_not_counted(client):
    out = battle(client, [MINI, CLAUDE])
    assert SELF_NAMING in (out["a"], out["b"])
    shown = vote(client, out["battle_id"], "a" if out["a"] == SELF_NAMING else "b")
    assert shown["counted"] is False
    side = "A" if shown["a_model"] == CLAUDE else "B"
    assert shown["reason"] == f'not counted: answer {side} names its model, provider or vendor ("Claude", "Anthropic")'
    board = client.predict(api_name="/leaderboard")["rows"]
    assert CLAUDE not in [r["model"] for r in board]


def test_an_errored_side_is_not_counted_and_the_reveal_says_why(client):
    out = battle(client, [MINI, BROKEN])
    shown = vote(client, out["battle_id"], "tie")
    broken = "a" if shown["a_model"] == BROKEN else "b"
    assert out[broken] == ""
    assert shown["counted"] is False
    assert f"answer {broken.upper()} failed (OpenAI (HTTP 500)" in shown["reason"]
    assert shown[f"{broken}_metrics"]["status"] == "error" and "HTTP 500" in shown[f"{broken}_metrics"]["error"]
    assert "SECRET" not in json.dumps(shown)


def test_bad_input_is_refused_clearly_and_stores_nothing(client, db):
    before = count(db, "battles"), count(db, "votes")
    out = battle(client, [MINI, FOUR_O])
    assert "No battle with id 'nope'" in refused(lambda: vote(client, "nope", "a"))
    assert "must be one of a, b, tie, both_bad (got 'maybe')" in refused(
        lambda: vote(client, out["battle_id"], "maybe")
    )
    assert "The prompt is empty" in refused(lambda: battle(client, [MINI, FOUR_O], prompt="  "))
    assert "at least two different setups" in refused(lambda: battle(client, [MINI]))
    assert "at least two different setups" in refused(lambda: battle(client, [MINI, MINI]))
    assert "Unknown model in the pool" in refused(lambda: battle(client, [MINI, "nosuch:model"]))
    assert "no persona named 'grumpy'" in refused(lambda: battle(client, [MINI, f"{MINI}#grumpy"]))
    # hostile shapes (issue 27): one sentence each, never a traceback
    assert "models must be a list of setup ids" in refused(lambda: battle(client, [[MINI], [FOUR_O]]))
    assert "The prompt must be text (got int 42)" in refused(lambda: battle(client, [MINI, FOUR_O], prompt=42))
    assert "'since' must be text (got int 20251130)" in refused(
        lambda: client.predict(20251130, "", api_name="/leaderboard")
    )
    assert "'until' must be text (got list" in refused(lambda: client.predict("", ["2025"], api_name="/leaderboard"))
    assert "style_control must be true or false" in refused(
        lambda: client.predict("", "", "yes", api_name="/leaderboard")
    )
    assert "by must be one of setup, model" in refused(
        lambda: client.predict("", "", False, "x", api_name="/leaderboard")
    )
    assert "battle_id must be text" in refused(lambda: vote(client, ["nope"], "a"))
    assert "voter must be 16 to 128 letters" in refused(
        lambda: client.predict(out["battle_id"], "a", "me", api_name="/vote")
    )
    assert (count(db, "battles"), count(db, "votes")) == (before[0] + 1, before[1])  # only the good battle
    assert vote(client, out["battle_id"], "both_bad")["counted"] is True  # the bad votes did not close it


def test_leaderboard_reflects_counted_votes_and_filters_by_date(client, app):
    pool = ["openai:gpt-4.1", "openai:gpt-4.1-mini"]
    for _ in range(3):
        out = battle(client, pool)
        winner = "a" if app.ctx.arena.repository.battle(out["battle_id"]).model_a == pool[0] else "b"
        vote(client, out["battle_id"], winner)
    rows = {r["model"]: r for r in client.predict(api_name="/leaderboard")["rows"]}
    best, worst = rows[pool[0]], rows[pool[1]]
    assert set(best) == {"model", "rating", "ci_low", "ci_high", "battles", "win_rate", "rank"}
    assert (best["battles"], best["win_rate"], worst["battles"], worst["win_rate"]) == (3, 1.0, 3, 0.0)
    assert best["rating"] > 1000 > worst["rating"] and best["rank"] < worst["rank"]
    assert best["ci_low"] <= best["rating"] <= best["ci_high"]
    today = datetime.now(UTC).date()
    assert client.predict(str(today + timedelta(days=1)), "", api_name="/leaderboard")["rows"] == []
    assert pool[0] in [r["model"] for r in client.predict(str(today), str(today), api_name="/leaderboard")["rows"]]
    assert "must be a date" in refused(lambda: client.predict("last week", "", api_name="/leaderboard"))
    styled = client.predict("", "", True, api_name="/leaderboard")
    assert set(styled["style"]) == {"length", "headers", "lists", "bold"}
    assert set(styled["style"]["length"]) == {"coef", "ci_low", "ci_high"}
    plain = {r["model"]: r for r in client.predict(api_name="/leaderboard")["rows"]}
    for row in styled["rows"]:  # the raw columns are the plain leaderboard's; style control adds its own
        assert {k: row[k] for k in plain[row["model"]]} == plain[row["model"]]
        assert row["style_ci_low"] <= row["style_rating"] <= row["style_ci_high"]
    lines = [json.loads(line) for line in app.ctx.arena.export().splitlines()]
    assert lines and all(
        {"model_a", "model_b", "winner", "tstamp", "conversation_a", "conversation_b"} <= set(x) for x in lines
    )
    assert CLAUDE not in {m for x in lines for m in (x["model_a"], x["model_b"])}  # uncounted votes stay out


def test_a_persona_is_the_side_s_system_prompt_and_its_temperature_the_side_s(client, app, fakes):
    oa, _ = fakes
    sarcastic = f"{MINI}#04-sarcastic-persona~1.20"
    out = battle(client, [sarcastic, MINI], prompt="Which setup am I talking to?")
    stored = app.ctx.arena.repository.battle(out["battle_id"])
    assert {stored.model_a, stored.model_b} == {f"{MINI}#sarcastic-persona~1.2", MINI}  # canonical setup ids
    sent = [r.body for r in oa.requests if r.path == "/v1/chat/completions"][-2:]
    by_system = {body["messages"][0]["role"]: body for body in sent}
    persona = by_system["system"]
    assert persona["messages"][0]["content"].startswith("You are a witty, sarcastic assistant.")
    assert persona["temperature"] == 1.2
    plain = by_system["user"]  # no persona: no system prompt at all, the arena's temperature
    assert plain["messages"] == [{"role": "user", "content": "Which setup am I talking to?"}]
    assert plain["temperature"] == 0.7
    shown = vote(client, out["battle_id"], "tie")
    assert shown["counted"] is True  # both sides are one model: a reply naming it would not tell them apart
    assert {shown["a_model"], shown["b_model"]} == {f"{MINI}#sarcastic-persona~1.2", MINI}


def test_without_keys_two_setups_of_the_embedded_model_battle(tmp_path):
    # no keys: only the embedded model; a tiny token cap keeps the real model quick
    options = PageOptions(demo_caps=True, max_tokens_cap=8, runs_per_minute=30)
    with AppServer({"COMPARE_DB": str(tmp_path / "a.db")}, options) as lone, api_client(lone.url) as c:
        named = battle(c, ["local:smollm2", "local:smollm2~1.2"], prompt="Name a colour.")
        assert named["a"].strip() and named["b"].strip()
        shown = vote(c, named["battle_id"], "a")
        assert {shown["a_model"], shown["b_model"]} == {"local:smollm2", "local:smollm2~1.2"}
        assert shown["a_metrics"]["status"] in ("done", "warning") and shown["a_metrics"]["output_tokens"] <= 8
        drawn = battle(c, [], prompt="Name an animal.")  # the default pool: the model plain and under two personas
        stored = lone.ctx.arena.repository.battle(drawn["battle_id"])
        default_pool = {"local:smollm2", "local:smollm2#sarcastic-persona", "local:smollm2#explain-like-five"}
        assert {stored.model_a, stored.model_b} <= default_pool and stored.model_a != stored.model_b
        assert vote(c, drawn["battle_id"], "b")["counted"] is True
        rows = c.predict(api_name="/leaderboard")["rows"]
        assert {r["model"] for r in rows} == {"local:smollm2", "local:smollm2~1.2", stored.model_a, stored.model_b}
        assert c.predict("", "", False, "model", api_name="/leaderboard")["rows"] == []  # one model: nothing to rate


def test_demo_vote_cap_per_visitor(fakes, tmp_path):
    with AppServer(env_for(fakes, tmp_path / "capped.db"), PageOptions(demo_caps=True, votes_per_hour=1)) as capped:
        with api_client(capped.url) as c:
            first, second = battle(c, [MINI, FOUR_O]), battle(c, [MINI, FOUR_O])
            vote(c, first["battle_id"], "a")
            assert "allows 1 vote per hour per visitor" in refused(lambda: vote(c, second["battle_id"], "a"))


def test_an_unreachable_database_stops_the_battle_before_any_request(fakes, tmp_path):
    oa, _ = fakes
    env = {**env_for(fakes, tmp_path / "unused.db"), "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"}  # closed
    with AppServer(env) as down:
        with api_client(down.url) as c:
            sent = len([r for r in oa.requests if r.path == "/v1/chat/completions"])
            message = refused(lambda: battle(c, [MINI, FOUR_O]))
            assert "The arena's database is not reachable right now" in message
            assert len([r for r in oa.requests if r.path == "/v1/chat/completions"]) == sent
            assert "not reachable" in refused(lambda: c.predict(api_name="/leaderboard"))


def test_arena_flags_reach_the_page_options():
    from ui.web.flags import options_from_args, parse_args

    assert (PageOptions().votes_per_hour, PageOptions().arena_live) == (30, False)
    options = options_from_args(parse_args(["--demo-limits", "--votes-per-hour", "5", "--arena-live"]))
    assert (options.demo_caps, options.votes_per_hour, options.arena_live) == (True, 5, True)
