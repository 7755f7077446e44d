"""Where runs are kept: SQLite by default (COMPARE_DB, default data/compare.db next to app.py), PostgreSQL when
DATABASE_URL is set. SQLAlchemy Core only; the schema is versioned by store/migrations.py (see its docstring to add
tables). Nothing here imports Gradio.

    store = open_store(settings.env, settings.redact, settings.secret_values())
    run_id = store.save_run(record, owner)  # kind="compare" | "pipeline" | "battle"
    store.get_run(run_id); store.list_runs(owner, "query"); store.delete_run(run_id, owner)
    store.engine                            # for other tables (with store.begin() for a write transaction)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .migrations import MIGRATIONS, Migration, latest_version
from .runs import (
    ID_BYTES,
    KINDS,
    RUNS,
    RunSummary,
    Store,
    StoredRun,
    models_of,
    new_id,
    new_owner_token,
    valid_owner_token,
)
from .sqlite_file import INFO_KEY, DatabaseFileError, file_id, make_folder

APP_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = APP_DIR / "data" / "compare.db"


def database_url(env: Mapping[str, str]) -> str:
    """The SQLAlchemy URL for this configuration: DATABASE_URL (postgres:// spelled for psycopg 3), else COMPARE_DB."""
    url = (env.get("DATABASE_URL") or "").strip()
    if url:
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url
    path = Path(env.get("COMPARE_DB") or DEFAULT_DB).expanduser()
    return f"sqlite:///{path.resolve()}"


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get their folder, WAL (readers never wait for a writer) and a busy timeout."""
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    database = sa.make_url(url).database
    on_disk = database if database and database != ":memory:" else None
    if on_disk:
        make_folder(on_disk)
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn, record):
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below), so DDL is transactional too
        dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute("PRAGMA busy_timeout=30000")
        dbapi_conn.execute("PRAGMA foreign_keys=ON")
        if on_disk:  # which file this connection writes (store/sqlite_file.py)
            record.info[INFO_KEY] = file_id(on_disk)

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN " + conn.get_execution_options().get("sqlite_begin", ""))

    return engine


def open_store(
    env: Mapping[str, str], redact: Callable[[str], str] | None = None, secret_values: Iterable[str] = ()
) -> Store:
    """A Store for these environment variables; `redact` (the settings' own) and `secret_values` (the configured
    keys) are what it scrubs from every record it saves: the caller hands them over, the store knows no providers."""
    # nothing connects until the store is first used, so a database that is down does not stop the app starting
    env = {k: v for k, v in env.items() if v}  # empty means unset, as in Settings.get
    return Store(make_engine(database_url(env)), redact=redact, secret_values=secret_values)


__all__ = [
    "APP_DIR",
    "DEFAULT_DB",
    "ID_BYTES",
    "KINDS",
    "MIGRATIONS",
    "Migration",
    "DatabaseFileError",
    "RUNS",
    "RunSummary",
    "Store",
    "StoredRun",
    "database_url",
    "latest_version",
    "make_engine",
    "models_of",
    "new_id",
    "new_owner_token",
    "open_store",
    "valid_owner_token",
]
