"""The Store: save, read, list, search and delete runs (comparisons, pipelines, battles) through SQLAlchemy Core."""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .migrations import migrate
from .sqlite_file import DatabaseFileError, make_folder, still_at_path

ID_BYTES = 16  # secrets.token_urlsafe(16): 128 random bits, 22 characters
KINDS = ("compare", "pipeline", "battle")
MAX_OWNER_CHARS = 128
_OWNER_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
# Record fields that carry provider text (errors, notes), where a provider may quote a key back.
_PROVIDER_TEXT = {"error", "warnings", "cost_note", "token_note", "detail", "message"}
# Field names that could only hold a credential: dropped from records before they are stored.
_CREDENTIAL_FIELD = re.compile(r"^(.*[_-])?(api[_-]?key|apikey|secret|password|authorization|owner_token)$", re.I)

_md = sa.MetaData()
RUNS = sa.Table(
    "runs",
    _md,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("owner", sa.String(MAX_OWNER_CHARS), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("prompt", sa.Text, nullable=False),
    sa.Column("system_prompt", sa.Text, nullable=False),
    sa.Column("models", sa.Text, nullable=False),
    sa.Column("record", sa.Text, nullable=False),
)


@dataclass(frozen=True)
class RunSummary:
    """One row of a run listing (no record, no owner)."""

    id: str
    kind: str
    created_at: datetime
    prompt: str
    models: list[str]


@dataclass(frozen=True)
class StoredRun:
    """A saved run: its record as saved, plus who made it and when."""

    id: str
    kind: str
    owner: str
    created_at: datetime
    record: dict


def new_id() -> str:
    """A fresh run id with 128 random bits."""
    return secrets.token_urlsafe(ID_BYTES)


def new_owner_token() -> str:
    """A fresh owner token (192 random bits) for a browser, an API call or a command-line run."""
    return secrets.token_urlsafe(24)


def valid_owner_token(token) -> bool:
    """Whether `token` looks like an owner token: 16 to 128 URL-safe characters."""
    return isinstance(token, str) and bool(_OWNER_TOKEN.match(token))


class Store:
    """Runs kept in one database; the schema is brought up to date on first use (retried if that fails)."""

    def __init__(self, engine: Engine, redact: Callable[[str], str] | None = None, secret_values: Iterable[str] = ()):
        self.engine = engine
        self._redact = redact
        self._secrets = [s for s in secret_values if s]
        self._ready = False
        self._lock = threading.Lock()
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self._file = database if database and database != ":memory:" else None  # a SQLite file: its path

    def migrate(self) -> int:
        """Apply pending schema migrations now; returns the schema version."""
        with self._lock:
            version = migrate(self.engine)
            self._ready = True
            return version

    def _ensure(self) -> None:
        if not self._ready:
            self.migrate()

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        """A connection to the database the path names now: if the SQLite file was deleted or replaced since the pool
        opened it, the pool starts over on the file at the path (a new, migrated one if it is gone), as a restart
        would."""
        self._ensure()
        conn = self.engine.connect()
        if self._file and not still_at_path(conn.info, self._file):
            conn.close()
            try:
                with self._lock:
                    self.engine.dispose()
                    self._ready = False
                    make_folder(self._file)
                self._ensure()
            except (OSError, sa.exc.SQLAlchemyError) as exc:
                raise DatabaseFileError(
                    f"the database file {self._file} was deleted or replaced, and a new one cannot be made there "
                    f"({type(exc).__name__}: {str(exc).splitlines()[0][:160]})"
                ) from exc
            conn = self.engine.connect()
        with conn:
            yield conn

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction (BEGIN IMMEDIATE on SQLite, so a read-then-write cannot lose a race); raises
        DatabaseFileError when the SQLite file left its path while writing, so nothing the next start reads was kept."""
        with self._connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn
            if self._file and not still_at_path(conn.info, self._file):
                raise DatabaseFileError(
                    f"the database file {self._file} was deleted or replaced while writing; the next start will not "
                    "see this write"
                )

    def save_run(self, record: dict, owner: str, kind: str = "compare") -> str:
        """Keep a run record (keys scrubbed) for `owner`; returns its new id."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if not owner or len(owner) > MAX_OWNER_CHARS:
            raise ValueError(f"owner must be 1 to {MAX_OWNER_CHARS} characters")
        clean = self.scrub(record)
        run_id = new_id()
        row = {
            "id": run_id,
            "owner": owner,
            "kind": kind,
            "created_at": datetime.now(UTC),
            "prompt": str(clean.get("prompt") or ""),
            "system_prompt": str(clean.get("system_prompt") or ""),
            "models": "\n".join(models_of(clean)),
            "record": json.dumps(clean, ensure_ascii=False),
        }
        with self.begin() as conn:
            conn.execute(RUNS.insert().values(**row))
        return run_id

    def get_run(self, run_id: str) -> StoredRun | None:
        """The run with this id, or None."""
        with self._connect() as conn:
            row = conn.execute(sa.select(RUNS).where(RUNS.c.id == run_id)).mappings().first()
        if row is None:
            return None
        return StoredRun(row["id"], row["kind"], row["owner"], _utc(row["created_at"]), json.loads(row["record"]))

    def list_runs(
        self, owner: str | None = None, query: str = "", limit: int = 50, kind: str | None = None
    ) -> list[RunSummary]:
        """Runs newest first: only `owner`'s if given; each word of `query` must appear in the prompt or a model id."""
        cols = [RUNS.c.id, RUNS.c.kind, RUNS.c.created_at, RUNS.c.prompt, RUNS.c.models]
        stmt = sa.select(*cols).order_by(RUNS.c.created_at.desc(), RUNS.c.id).limit(max(1, min(int(limit), 500)))
        if owner is not None:
            stmt = stmt.where(RUNS.c.owner == owner)
        if kind is not None:
            stmt = stmt.where(RUNS.c.kind == kind)
        for word in query.split():
            pattern = "%" + re.sub(r"([\\%_])", r"\\\1", word) + "%"
            stmt = stmt.where(
                sa.or_(RUNS.c.prompt.ilike(pattern, escape="\\"), RUNS.c.models.ilike(pattern, escape="\\"))
            )
        with self._connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            RunSummary(r.id, r.kind, _utc(r.created_at), r.prompt, [m for m in r.models.split("\n") if m]) for r in rows
        ]

    def delete_run(self, run_id: str, owner: str) -> bool:
        """Delete a run if `owner` made it; True when something was deleted."""
        with self.begin() as conn:
            done = conn.execute(RUNS.delete().where(RUNS.c.id == run_id, RUNS.c.owner == owner))
        return done.rowcount > 0

    def scrub(self, record: dict) -> dict:
        """A copy of `record` without credential fields, configured keys, or key fragments in provider text."""

        def clean(value, field: str = ""):
            if isinstance(value, dict):
                return {k: clean(v, k) for k, v in value.items() if not _CREDENTIAL_FIELD.match(str(k))}
            if isinstance(value, (list, tuple)):
                return [clean(v, field) for v in value]
            if isinstance(value, str):
                for secret in self._secrets:
                    value = value.replace(secret, "[redacted]")
                if self._redact and field in _PROVIDER_TEXT:
                    value = self._redact(value)
            return value

        return clean(record)

    def close(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()


def models_of(record: dict) -> list[str]:
    """The model ids a record names (columns, then results), each once, in order."""
    seen: dict[str, None] = {}
    for part in ("columns", "results"):
        for item in record.get(part) or []:
            if isinstance(item, dict):
                for model in item.get("models") or [item.get("model")]:
                    if isinstance(model, str) and model:
                        seen.setdefault(model, None)
    return list(seen)


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes (stored as UTC), PostgreSQL the server's time zone
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
