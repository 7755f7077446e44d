"""The arena's tables as the code reads and writes them today (store/migrations.py creates them: steps 2 and 3), and
the database access every arena repository shares: the store opened on first use, the schema brought up to date,
and an unreachable database turned into one clear ArenaError."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from .records import ArenaError

_md = sa.MetaData()
BATTLES = sa.Table(
    "battles",
    _md,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("prompt", sa.Text, nullable=False),
    sa.Column("model_a", sa.String(200), nullable=False),
    sa.Column("model_b", sa.String(200), nullable=False),
    sa.Column("result_a", sa.Text, nullable=False),
    sa.Column("result_b", sa.Text, nullable=False),
    sa.Column("invalid", sa.Text, nullable=True),
)
VOTES = sa.Table(
    "votes",
    _md,
    sa.Column("battle_id", sa.String(64), sa.ForeignKey("battles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("choice", sa.String(16), nullable=False),
    sa.Column("counted", sa.Boolean, nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("voter", sa.String(64), nullable=True),
)
ROOMS = sa.Table(
    "rooms",
    _md,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("teacher", sa.String(64), nullable=False),
    sa.Column("pool", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("battle_id", sa.String(64), sa.ForeignKey("battles.id"), nullable=False),
)
ROOM_BATTLES = sa.Table(
    "room_battles",
    _md,
    sa.Column("battle_id", sa.String(64), sa.ForeignKey("battles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("room", sa.String(16), nullable=False),
    sa.Column("votes", sa.Integer, nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
)
ROOM_VOTES = sa.Table(
    "room_votes",
    _md,
    sa.Column("battle_id", sa.String(64), sa.ForeignKey("battles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("voter", sa.String(64), primary_key=True),
    sa.Column("choice", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


def to_time(unix: float) -> datetime:
    """A Unix time as the aware UTC datetime the tables store."""
    return datetime.fromtimestamp(unix, UTC)


def to_unix(value: datetime) -> float:
    """A stored time as Unix time."""
    # SQLite hands back naive datetimes; every stored time is UTC
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


class SqlAccess:
    """Reading and writing through a store.Store (SQLite or PostgreSQL), opened and migrated on first use."""

    def __init__(self, store):
        self._store = store  # a Store, or a function giving one (so nothing opens until the arena is used)
        self._migrated = False

    @property
    def store(self):
        """The store (opened now if it was given as a function)."""
        if callable(self._store):
            self._store = self._store()
        return self._store

    def ready(self) -> None:
        """Raise ArenaError now if the database cannot be reached (checked before a battle spends anything)."""
        if not self._migrated:
            with self._read():
                pass

    @contextmanager
    def _read(self):
        """A connection for reading (the schema brought up to date on first use)."""
        with reachable():
            if not self._migrated:
                self.store.migrate()
                self._migrated = True
            with self.store.engine.connect() as conn:
                yield conn

    @contextmanager
    def _write(self):
        """A write transaction (the store migrates on first use)."""
        with reachable(), self.store.begin() as conn:
            yield conn


@contextmanager
def reachable():
    """A database that is down or locked becomes one clear ArenaError (the page and the API show it)."""
    try:
        yield
    except OperationalError as exc:
        raise ArenaError(
            f"The arena's database is not reachable right now ({str(exc.orig)[:200]}); try again later."
        ) from None
