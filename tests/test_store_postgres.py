"""The store's tests again on a real PostgreSQL server, which this module starts itself: a throwaway cluster
(initdb + pg_ctl, as the `postgres` user when run as root) in a temp dir on a free 127.0.0.1 port.

Skipped when no PostgreSQL binaries are installed, unless CI is set (then it fails): tests/run.sh installs Debian's
`postgresql` package on a CI machine."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from store import database_url, open_store
from tests.fakes.process import free_port
from tests.test_store import (check_other_process, record, test_a_failing_migration_leaves_the_schema_as_it_was,  # noqa: F401
                              test_an_appended_migration_runs_once_on_an_existing_database, test_bad_kind_and_owner_are_refused,
                              test_delete_only_by_its_owner, test_list_is_newest_first_per_owner_and_kind,
                              test_migrations_are_versioned_and_idempotent, test_migrations_must_be_numbered_without_gaps,
                              test_save_get_and_ids_with_128_random_bits, test_search_by_prompt_words_and_model_ids,
                              test_two_stores_migrating_at_once_apply_each_migration_once,
                              test_two_stores_on_one_database_see_each_others_writes)


def postgres_bin() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's newest /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _as_postgres(args: list, cwd: Path) -> list:
    # PostgreSQL refuses to run as root: drop to the postgres user the Debian package creates
    return ["runuser", "-u", "postgres", "--", *map(str, args)] if os.geteuid() == 0 else list(map(str, args))


@pytest.fixture(scope="module")
def pg_server():
    """A PostgreSQL server for this module: yields its base URL (database "postgres", user "postgres", trust auth)."""
    bin_dir = postgres_bin()
    reason = None if bin_dir else "PostgreSQL binaries (initdb, pg_ctl) not found"
    if bin_dir and os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            reason = "running as root and there is no postgres user to run the server as"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"the PostgreSQL tests cannot run under CI: {reason}")
        pytest.skip(reason)
    home = Path(tempfile.mkdtemp(prefix="llm-compare-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(home, user.pw_uid, user.pw_gid)
    data, port = home / "data", free_port()

    def run(*args):
        done = subprocess.run(_as_postgres(list(args), home), cwd=home, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, f"{args[0]} failed:\n{done.stdout}\n{done.stderr}"

    try:
        run(bin_dir / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
        options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
        run(bin_dir / "pg_ctl", "-D", data, "-o", options, "-l", home / "server.log", "-w", "-t", "120", "start")
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_postgres([bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "stop"], home), cwd=home,
                           capture_output=True, timeout=120)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty database on the server for one test (dropped afterwards)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(database_url({"DATABASE_URL": f"{pg_server}/postgres"}), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield f"{pg_server}/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def make_store(pg_url):
    """Stores on one fresh PostgreSQL database, configured the way the app is: DATABASE_URL (postgresql://)."""
    made = []

    def make():
        made.append(open_store({"DATABASE_URL": pg_url}))
        return made[-1]

    yield make
    for s in made:
        s.close()


def test_the_store_really_is_on_postgresql(make_store):
    store = make_store()
    store.save_run(record(), "o")
    assert store.engine.dialect.name == "postgresql" and store.engine.dialect.driver == "psycopg"
    with store.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM runs")) == 1


def test_another_process_on_postgresql_sees_this_ones_runs_and_the_reverse(make_store, pg_url):
    check_other_process({"DATABASE_URL": pg_url}, make_store())
