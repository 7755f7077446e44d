"""The run store on SQLite: versioned migrations, save/get/list/search/delete, ids, two stores on one file, keys.

The backend-neutral tests take the `make_store` fixture (a factory of Store objects on one fresh database);
tests/test_store_postgres.py runs them again on a real PostgreSQL server."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from datetime import UTC
from pathlib import Path

import pytest
import sqlalchemy as sa

import store.migrations as migrations
from store import DEFAULT_DB, RUNS, Migration, database_url, latest_version, open_store
from tests.conftest import make_settings

REPO = Path(__file__).resolve().parent.parent
KEY = "sk-test-SECRET-1234567890"


def record(prompt="Explain tokens", models=("openai:gpt-4o-mini", "local:smollm2"), **extra) -> dict:
    """A run record shaped like ui/web/export.py's run_record."""
    return {
        "app": "llm-compare",
        "started_at": "2026-01-01T00:00:00.000+00:00",
        "finished_at": "2026-01-01T00:00:01.000+00:00",
        "prompt": prompt,
        "system_prompt": "Be brief.",
        "parameters": {"temperature": 0.7, "max_tokens": 64},
        "columns": [{"slot": i + 1, "model": m, "persona": "shared"} for i, m in enumerate(models)],
        "results": [{"model": m, "text": f"reply from {m}", "error": None, "warnings": []} for m in models],
        **extra,
    }


@pytest.fixture
def make_store(tmp_path):
    """Stores on one fresh SQLite file (each call: a new Store and engine, as another process would have)."""
    made = []

    def make():
        made.append(open_store({"COMPARE_DB": str(tmp_path / "db" / "compare.db")}))
        return made[-1]

    yield make
    for s in made:
        s.close()


def applied(store) -> list[int]:
    with store.engine.connect() as conn:
        return [row[0] for row in conn.execute(sa.select(migrations.SCHEMA_VERSION.c.version).order_by("version"))]


def tables(store) -> set[str]:
    return set(sa.inspect(store.engine).get_table_names())


# --- migrations ---------------------------------------------------------------------------------------------


def test_migrations_are_versioned_and_idempotent(make_store):
    store = make_store()
    assert store.migrate() == latest_version()
    assert applied(store) == list(range(1, latest_version() + 1))
    assert {"schema_version", "runs"} <= tables(store)
    assert make_store().migrate() == latest_version()  # a second open changes nothing
    assert applied(store) == list(range(1, latest_version() + 1))


def test_an_appended_migration_runs_once_on_an_existing_database(make_store, monkeypatch):
    store = make_store()
    run_id = store.save_run(record(), "owner-1")
    calls = []

    def add_notes(conn):
        calls.append(1)
        md = sa.MetaData()
        sa.Table("notes", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.Text))
        md.create_all(conn)

    monkeypatch.setattr(
        migrations, "MIGRATIONS", [*migrations.MIGRATIONS, Migration(latest_version() + 1, "notes", add_notes)]
    )
    assert make_store().migrate() == latest_version()
    assert make_store().migrate() == latest_version()
    assert calls == [1] and "notes" in tables(store)
    assert applied(store)[-1] == latest_version()
    assert store.get_run(run_id).record["prompt"] == "Explain tokens"  # existing rows untouched


def test_a_failing_migration_leaves_the_schema_as_it_was(make_store, monkeypatch):
    store = make_store()
    store.migrate()
    before = applied(store)

    def broken(conn):
        md = sa.MetaData()
        sa.Table("half_done", md, sa.Column("id", sa.Integer, primary_key=True))
        md.create_all(conn)
        raise RuntimeError("migration bug")

    monkeypatch.setattr(
        migrations, "MIGRATIONS", [*migrations.MIGRATIONS, Migration(latest_version() + 1, "broken", broken)]
    )
    with pytest.raises(RuntimeError, match="migration bug"):
        make_store().migrate()
    assert "half_done" not in tables(store)  # the DDL was rolled back with the version row
    assert applied(store) == before


def test_migrations_must_be_numbered_without_gaps(make_store, monkeypatch):
    monkeypatch.setattr(
        migrations, "MIGRATIONS", [*migrations.MIGRATIONS, Migration(latest_version() + 2, "gap", lambda c: None)]
    )
    with pytest.raises(RuntimeError, match="numbered 1, 2, 3"):
        make_store().migrate()


def test_two_stores_migrating_at_once_apply_each_migration_once(make_store, monkeypatch):
    both_started = threading.Barrier(2)
    calls = []

    def slow(conn):  # holds the migration lock while the other store tries to migrate
        calls.append(1)
        threading.Event().wait(0.5)

    monkeypatch.setattr(
        migrations, "MIGRATIONS", [*migrations.MIGRATIONS, Migration(latest_version() + 1, "slow", slow)]
    )
    stores, outcomes = [make_store(), make_store()], []

    def migrate(s):
        both_started.wait()
        try:
            outcomes.append(s.migrate())
        except Exception as exc:  # collected: the assertion below names it
            outcomes.append(exc)

    threads = [threading.Thread(target=migrate, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes == [latest_version()] * 2, outcomes
    assert calls == [1]
    assert applied(stores[0]) == list(range(1, latest_version() + 1))


# --- runs ---------------------------------------------------------------------------------------------------


def test_save_get_and_ids_with_128_random_bits(make_store):
    store = make_store()
    ids = [store.save_run(record(f"prompt {i}"), "owner-1") for i in range(20)]
    assert len(set(ids)) == 20
    for run_id in ids:
        assert len(base64.urlsafe_b64decode(run_id + "=" * (-len(run_id) % 4))) >= 16
    run = store.get_run(ids[3])
    assert (run.id, run.kind, run.owner) == (ids[3], "compare", "owner-1")
    assert run.record == record("prompt 3")
    assert run.created_at.tzinfo == UTC
    assert store.get_run("no-such-run-id-0000000") is None


def test_list_is_newest_first_per_owner_and_kind(make_store):
    store = make_store()
    first = store.save_run(record("one"), "alice")
    second = store.save_run(record("two"), "bob", kind="pipeline")
    third = store.save_run(record("three"), "alice", kind="battle")
    assert [r.id for r in store.list_runs()] == [third, second, first]
    assert [r.id for r in store.list_runs("alice")] == [third, first]
    assert [r.id for r in store.list_runs(kind="pipeline")] == [second]
    assert [r.id for r in store.list_runs(limit=2)] == [third, second]
    summary = store.list_runs("bob")[0]
    assert (summary.kind, summary.prompt, summary.models) == (
        "pipeline",
        "two",
        ["openai:gpt-4o-mini", "local:smollm2"],
    )
    assert not hasattr(summary, "owner") and not hasattr(summary, "record")


def test_search_by_prompt_words_and_model_ids(make_store):
    store = make_store()
    tokens = store.save_run(record("Explain what a TOKEN is", models=("openai:gpt-4o-mini",)), "o")
    poem = store.save_run(record("Write a poem about 100% effort", models=("anthropic:claude-3-5-haiku",)), "o")
    store.save_run(record("Unrelated_thing", models=("local:smollm2",)), "o")
    assert [r.id for r in store.list_runs(query="token")] == [tokens]
    assert [r.id for r in store.list_runs(query="CLAUDE")] == [poem]
    assert [r.id for r in store.list_runs(query="poem claude")] == [poem]  # every word must match
    assert store.list_runs(query="poem gpt-4o") == []
    assert [r.id for r in store.list_runs(query="100%")] == [poem]
    assert store.list_runs(query="0%e") == []  # % and _ are literal, not wildcards
    assert store.list_runs(query="Unrelated-thing") == []


def test_delete_only_by_its_owner(make_store):
    store = make_store()
    run_id = store.save_run(record(), "alice")
    assert store.delete_run(run_id, "mallory") is False
    assert store.get_run(run_id) is not None
    assert store.delete_run(run_id, "alice") is True
    assert store.get_run(run_id) is None
    assert store.delete_run(run_id, "alice") is False


def test_bad_kind_and_owner_are_refused(make_store):
    store = make_store()
    with pytest.raises(ValueError, match="kind"):
        store.save_run(record(), "o", kind="chat")
    with pytest.raises(ValueError, match="owner"):
        store.save_run(record(), "")


def test_two_stores_on_one_database_see_each_others_writes(make_store):
    a, b = make_store(), make_store()
    from_a = a.save_run(record("from a"), "alice")
    from_b = b.save_run(record("from b"), "bob")
    assert b.get_run(from_a).record["prompt"] == "from a"
    assert {r.id for r in a.list_runs()} == {from_a, from_b}
    assert b.delete_run(from_a, "alice")
    assert a.get_run(from_a) is None


def _child_env(store_env: dict) -> dict:
    return {**{k: v for k, v in os.environ.items() if k not in ("COMPARE_DB", "DATABASE_URL")}, **store_env}


def test_another_process_sees_this_ones_runs_and_the_reverse(make_store, tmp_path):
    check_other_process({"COMPARE_DB": str(tmp_path / "db" / "compare.db")}, make_store())


def check_other_process(store_env: dict, here) -> None:
    """A run saved here is read by a child process, and a run the child saves is read here."""
    mine = here.save_run(record("saved by the parent"), "parent")
    code = (
        "import os, sys; from store import open_store; s = open_store(os.environ); "
        "print(s.get_run(sys.argv[1]).record['prompt']); print(s.save_run({'prompt': 'saved by the child'}, 'child'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, mine],
        cwd=REPO,
        env=_child_env(store_env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen, theirs = done.stdout.splitlines()
    assert seen == "saved by the parent"
    assert here.get_run(theirs).record == {"prompt": "saved by the child"}


# --- keys ---------------------------------------------------------------------------------------------------


def test_keys_are_never_stored(tmp_path):
    settings = make_settings({"OPENAI_API_KEY": KEY, "COMPARE_DB": str(tmp_path / "k.db")})
    store = open_store(settings.env, settings.redact, settings.secret_values())
    leaky = record(prompt=f"my key is {KEY}", api_key=KEY, headers={"Authorization": f"Bearer {KEY}"})
    leaky["results"][0]["error"] = "OpenAI (HTTP 401): Incorrect API key provided: sk-tes********7890."
    leaky["results"][0]["warnings"] = [f"server said {KEY}"]
    run_id = store.save_run(leaky, "o")
    with store.engine.connect() as conn:
        raw, prompt = conn.execute(sa.select(RUNS.c.record, RUNS.c.prompt).where(RUNS.c.id == run_id)).one()
    assert "SECRET" not in raw + prompt and "sk-tes****" not in raw
    assert prompt == "my key is [redacted]"
    saved = json.loads(raw)
    assert "api_key" not in saved and "Authorization" not in saved["headers"]
    assert saved["results"][0]["error"] == "OpenAI (HTTP 401): Incorrect API key provided: [redacted]."
    assert saved["prompt"] == "my key is [redacted]"
    store.close()
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("k.db"))
    assert KEY.encode() not in files and b"SECRET" not in files


# --- configuration ------------------------------------------------------------------------------------------


def test_database_url_from_the_environment(tmp_path):
    assert database_url({}) == f"sqlite:///{DEFAULT_DB}"
    assert DEFAULT_DB == REPO / "data" / "compare.db"
    assert database_url({"COMPARE_DB": str(tmp_path / "x.db")}) == f"sqlite:///{tmp_path / 'x.db'}"
    assert database_url({"DATABASE_URL": "postgres://u:p@h:5/d", "COMPARE_DB": "x"}) == "postgresql+psycopg://u:p@h:5/d"
    assert database_url({"DATABASE_URL": "postgresql://u@h/d"}) == "postgresql+psycopg://u@h/d"
    assert database_url({"DATABASE_URL": "postgresql+psycopg://u@h/d"}) == "postgresql+psycopg://u@h/d"


def test_the_sqlite_folder_is_created_on_first_use(tmp_path):
    store = open_store({"COMPARE_DB": str(tmp_path / "new" / "folder" / "compare.db")})
    store.save_run(record(), "o")
    assert (tmp_path / "new" / "folder" / "compare.db").is_file()
    store.close()


def test_a_database_that_is_down_fails_on_use_not_on_open():
    store = open_store({"DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"})  # nothing listens on port 9
    with pytest.raises(sa.exc.OperationalError):
        store.save_run(record(), "o")
