"""Battles and votes in the store's database (tables made by store/migrations.py; read and written as arena/tables.py
describes them). A room's votes (arena/room_repository.py writes them) are read back here with the ordinary ones."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .records import BattleRecord, VoteRecord
from .tables import BATTLES, ROOM_BATTLES, ROOM_VOTES, VOTES, SqlAccess, to_time, to_unix

# a battle row with the room it belongs to, if any
_BATTLE_COLUMNS = [*BATTLES.c, ROOM_BATTLES.c.room]
_WITH_ROOM = BATTLES.outerjoin(ROOM_BATTLES, ROOM_BATTLES.c.battle_id == BATTLES.c.id)


class SqlRepository(SqlAccess):
    """The arena's repository over a store.Store (SQLite or PostgreSQL).

    One vote per battle is the votes table's key.
    """

    def add_battle(self, battle: BattleRecord) -> None:
        """Store a finished ordinary battle."""
        row = battle_row(self.store, battle)
        with self._write() as conn:
            conn.execute(BATTLES.insert().values(**row))

    def battle(self, battle_id: str) -> BattleRecord | None:
        """The battle with this id, or None."""
        with self._read() as conn:
            stmt = sa.select(*_BATTLE_COLUMNS).select_from(_WITH_ROOM).where(BATTLES.c.id == battle_id)
            row = conn.execute(stmt).mappings().first()
        return battle_of(row) if row else None

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
            "created_at": to_time(vote.created_at),
            "voter": vote.voter,
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
        """Votes cast in [since, until), oldest first, with their battles: the ordinary ones, and each room's once
        its battle closed (revealed, or replaced by the room's next battle)."""
        ordinary = (
            sa.select(*_BATTLE_COLUMNS, *[c.label(f"vote_{c.name}") for c in VOTES.c])
            .select_from(_WITH_ROOM.join(VOTES, VOTES.c.battle_id == BATTLES.c.id))
            .where(*_window(VOTES.c.created_at, since, until))
        )
        if counted_only:
            ordinary = ordinary.where(VOTES.c.counted.is_(True))
        in_rooms = (
            sa.select(*_BATTLE_COLUMNS, *[c.label(f"vote_{c.name}") for c in ROOM_VOTES.c])
            .select_from(_WITH_ROOM.join(ROOM_VOTES, ROOM_VOTES.c.battle_id == BATTLES.c.id))
            .where(ROOM_BATTLES.c.closed_at.is_not(None), *_window(ROOM_VOTES.c.created_at, since, until))
        )
        if counted_only:
            in_rooms = in_rooms.where(BATTLES.c.invalid.is_(None))
        with self._read() as conn:
            pairs = [(battle_of(r), _vote(_prefixed(r, VOTES))) for r in conn.execute(ordinary).mappings()]
            for r in conn.execute(in_rooms).mappings():
                battle = battle_of(r)
                pairs.append((battle, room_vote(battle, _prefixed(r, ROOM_VOTES))))
        return sorted(pairs, key=lambda p: (p[1].created_at, p[1].battle_id, p[1].voter or ""))


def battle_row(store, battle: BattleRecord) -> dict:
    """A finished battle as its row (results scrubbed of keys as the store scrubs runs)."""
    return {
        "id": battle.id,
        "created_at": to_time(battle.created_at),
        "prompt": battle.prompt,
        "model_a": battle.model_a,
        "model_b": battle.model_b,
        "invalid": battle.invalid,
        "result_a": json.dumps(store.scrub(battle.result_a), ensure_ascii=False),
        "result_b": json.dumps(store.scrub(battle.result_b), ensure_ascii=False),
    }


def _window(column, since: float | None, until: float | None) -> list:
    """Conditions keeping `column` within [since, until) (open-ended where None)."""
    clauses = []
    if since is not None:
        clauses.append(column >= to_time(since))
    if until is not None:
        clauses.append(column < to_time(until))
    return clauses


def _prefixed(row, table: sa.Table) -> dict:
    return {c.name: row[f"vote_{c.name}"] for c in table.c}


def battle_of(row) -> BattleRecord:
    """A battle from its row (with the room column of the outer join, when selected)."""
    return BattleRecord(
        row["id"],
        to_unix(row["created_at"]),
        row["prompt"],
        row["model_a"],
        row["model_b"],
        json.loads(row["result_a"]),
        json.loads(row["result_b"]),
        row["invalid"],
        row.get("room"),
    )


def _vote(row) -> VoteRecord:
    return VoteRecord(
        row["battle_id"],
        row["choice"],
        bool(row["counted"]),
        row["reason"],
        to_unix(row["created_at"]),
        row.get("voter"),
    )


def room_vote(battle: BattleRecord, row) -> VoteRecord:
    """A room vote as a VoteRecord: it counts unless its battle cannot (a reply failed or named its model)."""
    reason = f"not counted: {battle.invalid}" if battle.invalid else None
    return VoteRecord(
        row["battle_id"], row["choice"], battle.invalid is None, reason, to_unix(row["created_at"]), row["voter"]
    )


def open_repository(store=None) -> SqlRepository:
    """The repository over `store`, or over the store the app's settings name (COMPARE_DB / DATABASE_URL, .env)."""
    if store is None:
        from providers import Settings
        from store import open_store

        settings = Settings.load()
        store = open_store(settings.env, settings.redact, settings.secret_values())
    return SqlRepository(store)
