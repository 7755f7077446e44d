"""Battles and votes in the store's database (tables made by store/migrations.py's "battles and votes" step)."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from .records import ArenaError, BattleRecord, VoteRecord

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
)


def _time(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


def _unix(value: datetime) -> float:
    # SQLite hands back naive datetimes; every stored time is UTC
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


class SqlRepository:
    """The arena's repository over a store.Store (SQLite or PostgreSQL).

    One vote per battle is the votes table's key.
    """

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
        with _reachable():
            if not self._migrated:
                self.store.migrate()
                self._migrated = True
            with self.store.engine.connect() as conn:
                yield conn

    @contextmanager
    def _write(self):
        with _reachable(), self.store.begin() as conn:
            yield conn

    def add_battle(self, battle: BattleRecord) -> None:
        """Store a finished battle (results scrubbed of keys as the store scrubs runs)."""
        row = {
            "id": battle.id,
            "created_at": _time(battle.created_at),
            "prompt": battle.prompt,
            "model_a": battle.model_a,
            "model_b": battle.model_b,
            "invalid": battle.invalid,
            "result_a": json.dumps(self.store.scrub(battle.result_a), ensure_ascii=False),
            "result_b": json.dumps(self.store.scrub(battle.result_b), ensure_ascii=False),
        }
        with self._write() as conn:
            conn.execute(BATTLES.insert().values(**row))

    def battle(self, battle_id: str) -> BattleRecord | None:
        """The battle with this id, or None."""
        with self._read() as conn:
            row = conn.execute(sa.select(BATTLES).where(BATTLES.c.id == battle_id)).mappings().first()
        return _battle(row) if row else None

    def vote_for(self, battle_id: str) -> VoteRecord | None:
        """The battle's vote, or None."""
        with self._read() as conn:
            row = conn.execute(sa.select(VOTES).where(VOTES.c.battle_id == battle_id)).mappings().first()
        return _vote(row) if row else None

    def add_vote(self, vote: VoteRecord) -> bool:
        """Insert the vote; the primary key turns a second vote (even a simultaneous one) into False."""
        row = {
            "battle_id": vote.battle_id,
            "choice": vote.choice,
            "counted": vote.counted,
            "reason": vote.reason,
            "created_at": _time(vote.created_at),
        }
        try:
            with self._write() as conn:
                conn.execute(VOTES.insert().values(**row))
        except IntegrityError:
            return False
        return True

    def votes(
        self, since: float | None = None, until: float | None = None, counted_only: bool = True
    ) -> list[tuple[BattleRecord, VoteRecord]]:
        """Votes cast in [since, until), oldest first, with their battles."""
        stmt = (
            sa.select(BATTLES, *[c.label(f"vote_{c.name}") for c in VOTES.c])
            .join(VOTES, VOTES.c.battle_id == BATTLES.c.id)
            .order_by(VOTES.c.created_at, VOTES.c.battle_id)
        )
        if since is not None:
            stmt = stmt.where(VOTES.c.created_at >= _time(since))
        if until is not None:
            stmt = stmt.where(VOTES.c.created_at < _time(until))
        if counted_only:
            stmt = stmt.where(VOTES.c.counted.is_(True))
        with self._read() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [(_battle(r), _vote({c.name: r[f"vote_{c.name}"] for c in VOTES.c})) for r in rows]


@contextmanager
def _reachable():
    """A database that is down or locked becomes one clear ArenaError (the page and the API show it)."""
    try:
        yield
    except OperationalError as exc:
        raise ArenaError(
            f"The arena's database is not reachable right now ({str(exc.orig)[:200]}); try again later."
        ) from None


def _battle(row) -> BattleRecord:
    return BattleRecord(
        row["id"],
        _unix(row["created_at"]),
        row["prompt"],
        row["model_a"],
        row["model_b"],
        json.loads(row["result_a"]),
        json.loads(row["result_b"]),
        row["invalid"],
    )


def _vote(row) -> VoteRecord:
    return VoteRecord(row["battle_id"], row["choice"], bool(row["counted"]), row["reason"], _unix(row["created_at"]))


def open_repository(store=None) -> SqlRepository:
    """The repository over `store`, or over the store the app's settings name (COMPARE_DB / DATABASE_URL, .env)."""
    if store is None:
        from providers import Settings
        from store import open_store

        settings = Settings.load()
        store = open_store(settings.env, settings.redact, settings.secret_values())
    return SqlRepository(store)
