"""Versioned schema migrations, applied in order when a store is first used.

Adding a migration (e.g. the arena's `battles` and `votes` tables) is one function plus one entry at the end of
MIGRATIONS, with the next version number::

    def _battles_and_votes(conn: Connection) -> None:
        md = sa.MetaData()
        sa.Table("votes", md, sa.Column("id", sa.String(64), primary_key=True), ...)
        md.create_all(conn)

    MIGRATIONS = [..., Migration(2, "battles and votes", _battles_and_votes)]

Rules: never edit or reorder a migration that has shipped (a database that ran it will not run it again); define
the tables a migration creates inside the migration itself (frozen), not by importing the current table objects;
keep to SQLAlchemy Core so the same function runs on SQLite and PostgreSQL. All pending migrations run in one
transaction under a lock (PostgreSQL: an advisory lock; SQLite: BEGIN IMMEDIATE), so two processes starting at once
apply each migration exactly once, and a failing migration leaves the schema as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

# pg_advisory_xact_lock key: any constant shared by every process of this app ("llmc" in ASCII).
PG_LOCK_KEY = 0x6C6C6D63

_md = sa.MetaData()
SCHEMA_VERSION = sa.Table(
    "schema_version",
    _md,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Migration:
    """One schema step: its version (1, 2, 3, ... with no gaps), a name, and a function run inside the transaction."""

    version: int
    name: str
    apply: Callable[[Connection], None]


def _runs(conn: Connection) -> None:
    md = sa.MetaData()
    sa.Table(
        "runs",
        md,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("system_prompt", sa.Text, nullable=False),
        sa.Column("models", sa.Text, nullable=False),  # model ids, one per line, for search
        sa.Column("record", sa.Text, nullable=False),  # the full run record as JSON
        sa.Index("ix_runs_created_at", "created_at"),
        sa.Index("ix_runs_owner_created_at", "owner", "created_at"),
    )
    md.create_all(conn)


def _battles_and_votes(conn: Connection) -> None:
    """The arena (arena/repository.py): finished blind battles, and at most one vote each (the primary key)."""
    md = sa.MetaData()
    sa.Table(
        "battles",
        md,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("model_a", sa.String(200), nullable=False),  # shown as "A", on the left
        sa.Column("model_b", sa.String(200), nullable=False),
        sa.Column("result_a", sa.Text, nullable=False),  # compare.metrics.Result as JSON
        sa.Column("result_b", sa.Text, nullable=False),
        sa.Column("invalid", sa.Text, nullable=True),  # why a vote on it cannot count
        sa.Index("ix_battles_created_at", "created_at"),
    )
    sa.Table(
        "votes",
        md,
        sa.Column("battle_id", sa.String(64), sa.ForeignKey("battles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("choice", sa.String(16), nullable=False),
        sa.Column("counted", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_votes_created_at", "created_at"),
    )
    md.create_all(conn)


def _rooms_and_voters(conn: Connection) -> None:
    """The arena's rooms (arena/room_repository.py): a teacher's room shows one battle at a time to a class, each
    voter votes once per battle; and who cast an ordinary vote (a hash of the browser's voter token, or null)."""
    md = sa.MetaData()
    sa.Table("battles", md, sa.Column("id", sa.String(64), primary_key=True))  # made by step 2: for the keys only
    rooms = sa.Table(
        "rooms",
        md,
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("teacher", sa.String(64), nullable=False),  # sha-256 of the teacher's token, never the token
        sa.Column("pool", sa.Text, nullable=False),  # the setup ids its battles draw from, as JSON
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("battle_id", sa.String(64), sa.ForeignKey("battles.id"), nullable=False),  # the battle shown now
    )
    room_battles = sa.Table(
        "room_battles",
        md,
        sa.Column("battle_id", sa.String(64), sa.ForeignKey("battles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("room", sa.String(16), nullable=False),
        sa.Column("votes", sa.Integer, nullable=False),  # updated with each vote: its row lock orders votes and reveal
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),  # revealed, or replaced by the next one
        sa.Index("ix_room_battles_room", "room"),
    )
    room_votes = sa.Table(
        "room_votes",
        md,
        sa.Column("battle_id", sa.String(64), sa.ForeignKey("battles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("voter", sa.String(64), primary_key=True),  # sha-256 of the browser's voter token
        sa.Column("choice", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_room_votes_created_at", "created_at"),
    )
    md.create_all(conn, tables=[rooms, room_battles, room_votes])
    conn.execute(sa.text("ALTER TABLE votes ADD COLUMN voter VARCHAR(64)"))


def _evaluations(conn: Connection) -> None:
    """Evaluations (evaluate/repository.py): a prompt set across columns, each answer and each judgement stored as it
    finishes, so a stopped or crashed evaluation resumes without asking anything twice."""
    md = sa.MetaData()
    sa.Table(
        "evaluations",
        md,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),  # the prompt set's name
        sa.Column("spec", sa.Text, nullable=False),  # prompts, columns, judge and sampling as JSON
        sa.Index("ix_evaluations_owner_created_at", "owner", "created_at"),
    )
    sa.Table(
        "evaluation_answers",
        md,
        sa.Column(
            "evaluation_id", sa.String(64), sa.ForeignKey("evaluations.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("prompt_id", sa.String(64), primary_key=True),
        sa.Column("column_id", sa.String(300), primary_key=True),
        sa.Column("result", sa.Text, nullable=False),  # compare.result.Result as JSON
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "evaluation_judgements",
        md,
        sa.Column(
            "evaluation_id", sa.String(64), sa.ForeignKey("evaluations.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("prompt_id", sa.String(64), primary_key=True),
        sa.Column("a", sa.String(300), primary_key=True),
        sa.Column("b", sa.String(300), primary_key=True),
        sa.Column("swapped", sa.Boolean, primary_key=True),  # False: a shown as Assistant A; True: b shown as A
        sa.Column("verdict", sa.String(1), nullable=True),  # A, B, C, or null when the judge gave none
        sa.Column("result", sa.Text, nullable=False),  # the judge's Result as JSON (its full explanation is the text)
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    md.create_all(conn)


MIGRATIONS: list[Migration] = [
    Migration(1, "runs", _runs),
    Migration(2, "battles and votes", _battles_and_votes),
    Migration(3, "rooms, room votes and voters", _rooms_and_voters),
    Migration(4, "evaluations, their answers and judgements", _evaluations),
]


def latest_version() -> int:
    """The schema version this code brings a database to."""
    return MIGRATIONS[-1].version if MIGRATIONS else 0


def current_version(conn: Connection) -> int:
    """The highest migration applied to this database (0 for a new one)."""
    if not sa.inspect(conn).has_table(SCHEMA_VERSION.name):
        return 0
    return conn.scalar(sa.select(sa.func.max(SCHEMA_VERSION.c.version))) or 0


def migrate(engine: Engine) -> int:
    """Apply every pending migration under a lock; returns the database's schema version afterwards."""
    versions = [m.version for m in MIGRATIONS]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"store migrations must be numbered 1, 2, 3, ... in order; got {versions}")
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.execution_options(sqlite_begin="IMMEDIATE")  # take the write lock before reading the version
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
            SCHEMA_VERSION.create(conn, checkfirst=True)
            current = current_version(conn)
            if current > latest_version():
                # a newer release migrated this database; additive migrations keep older code working
                log.warning("store schema is at version %s, newer than this code's %s", current, latest_version())
            for migration in MIGRATIONS:
                if migration.version > current:
                    migration.apply(conn)
                    conn.execute(
                        SCHEMA_VERSION.insert().values(
                            version=migration.version, name=migration.name, applied_at=datetime.now(UTC)
                        )
                    )
                    log.info("store schema migrated to version %s (%s)", migration.version, migration.name)
            return max(current, latest_version())
