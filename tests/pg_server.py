"""A throwaway PostgreSQL server for tests: a cluster (initdb + pg_ctl, as the `postgres` user when run as root) in a
temp dir on a free 127.0.0.1 port, and a fresh database per test.

The fixtures (`pg_server`, `pg_url`) are registered for every test module by tests/conftest.py's `pytest_plugins`.

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

from store import database_url
from tests.fakes.process import free_port


def postgres_bin() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's newest /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]), reverse=True
    )
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
            subprocess.run(
                _as_postgres([bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "stop"], home),
                cwd=home,
                capture_output=True,
                timeout=120,
            )
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
