"""Rooms in the store's database, so every replica sees the same room (tables: arena/tables.py).

Ordering without locks in Python: a vote first bumps its battle's `room_battles.votes` where the battle is still
open, then inserts the vote (primary key: battle and voter) in the same transaction; the reveal closes the battle
with one UPDATE and then counts. On PostgreSQL the UPDATEs take the battle row's lock, so a vote either commits
before the reveal counts or finds the battle closed; on SQLite every write transaction is serialised anyway."""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .records import CHOICES, BattleRecord
from .repository import battle_of, battle_row
from .tables import BATTLES, ROOM_BATTLES, ROOM_VOTES, ROOMS, SqlAccess, to_time, to_unix

COUNTED, DUPLICATE, CLOSED = "counted", "duplicate", "closed"


class _Replaced(Exception):
    """Another battle took the room's screen first."""


@dataclass(frozen=True)
class RoomView:
    """A room and the battle it shows now: how many votes it has, and whether it is closed (revealed)."""

    code: str
    teacher: str  # the hash of the teacher's token
    pool: list[str]
    expires_at: float
    battle: BattleRecord
    votes: int
    closed: bool


class SqlRooms(SqlAccess):
    """Rooms, their battles and their votes over a store.Store (SQLite or PostgreSQL)."""

    def open_room(self, code: str, teacher: str, pool: list[str], battle: BattleRecord, expires_at: float) -> bool:
        """Store the room with its first battle; False (nothing stored) when the code is taken."""
        try:
            with self._write() as conn:
                conn.execute(BATTLES.insert().values(**battle_row(self.store, battle)))
                conn.execute(ROOM_BATTLES.insert().values(battle_id=battle.id, room=code, votes=0))
                conn.execute(
                    ROOMS.insert().values(
                        code=code,
                        teacher=teacher,
                        pool=json.dumps(pool),
                        created_at=to_time(battle.created_at),
                        expires_at=to_time(expires_at),
                        battle_id=battle.id,
                    )
                )
        except IntegrityError:
            return False
        return True

    def next_battle(self, code: str, shown: str, battle: BattleRecord, expires_at: float) -> bool:
        """Close the battle shown now and show `battle` instead; False (nothing stored) when another battle replaced
        `shown` meanwhile."""
        try:
            with self._write() as conn:
                conn.execute(BATTLES.insert().values(**battle_row(self.store, battle)))
                conn.execute(ROOM_BATTLES.insert().values(battle_id=battle.id, room=code, votes=0))
                moved = conn.execute(
                    ROOMS.update()
                    .where(ROOMS.c.code == code, ROOMS.c.battle_id == shown)
                    .values(battle_id=battle.id, expires_at=to_time(expires_at))
                ).rowcount
                if not moved:
                    raise _Replaced  # rolls the transaction back: the new battle is not kept
                self._close(conn, shown, battle.created_at)
        except _Replaced:
            return False
        return True

    def view(self, code: str) -> RoomView | None:
        """The room and the battle it shows now, or None."""
        stmt = (
            sa.select(
                ROOMS.c.code,
                ROOMS.c.teacher,
                ROOMS.c.pool,
                ROOMS.c.expires_at,
                ROOM_BATTLES.c.room,
                ROOM_BATTLES.c.votes,
                ROOM_BATTLES.c.closed_at,
                *BATTLES.c,
            )
            .select_from(
                ROOMS.join(BATTLES, BATTLES.c.id == ROOMS.c.battle_id).join(
                    ROOM_BATTLES, ROOM_BATTLES.c.battle_id == ROOMS.c.battle_id
                )
            )
            .where(ROOMS.c.code == code)
        )
        with self._read() as conn:
            row = conn.execute(stmt).mappings().first()
        if row is None:
            return None
        return RoomView(
            row["code"],
            row["teacher"],
            json.loads(row["pool"]),
            to_unix(row["expires_at"]),
            battle_of(row),
            row["votes"],
            row["closed_at"] is not None,
        )

    def add_vote(self, battle_id: str, voter: str, choice: str, at: float) -> str:
        """COUNTED, or DUPLICATE (this voter already voted on it), or CLOSED (revealed or replaced)."""
        try:
            with self._write() as conn:
                opened = conn.execute(
                    ROOM_BATTLES.update()
                    .where(ROOM_BATTLES.c.battle_id == battle_id, ROOM_BATTLES.c.closed_at.is_(None))
                    .values(votes=ROOM_BATTLES.c.votes + 1)
                ).rowcount
                if not opened:
                    return CLOSED
                conn.execute(
                    ROOM_VOTES.insert().values(battle_id=battle_id, voter=voter, choice=choice, created_at=to_time(at))
                )
        except IntegrityError:
            return DUPLICATE
        return COUNTED

    def voted(self, battle_id: str, voter: str) -> bool:
        """Whether this voter has voted on this battle."""
        stmt = sa.select(ROOM_VOTES.c.choice).where(ROOM_VOTES.c.battle_id == battle_id, ROOM_VOTES.c.voter == voter)
        with self._read() as conn:
            return conn.execute(stmt).first() is not None

    def close(self, battle_id: str, at: float) -> dict[str, int]:
        """Close the battle for voting (if it is still open) and return its tallies by choice."""
        with self._write() as conn:
            self._close(conn, battle_id, at)
            return self._tallies(conn, battle_id)

    def tallies(self, battle_id: str) -> dict[str, int]:
        """The battle's votes by choice (a, b, tie, both_bad)."""
        with self._read() as conn:
            return self._tallies(conn, battle_id)

    @staticmethod
    def _close(conn, battle_id: str, at: float) -> None:
        conn.execute(
            ROOM_BATTLES.update()
            .where(ROOM_BATTLES.c.battle_id == battle_id, ROOM_BATTLES.c.closed_at.is_(None))
            .values(closed_at=to_time(at))
        )

    @staticmethod
    def _tallies(conn, battle_id: str) -> dict[str, int]:
        stmt = (
            sa.select(ROOM_VOTES.c.choice, sa.func.count())
            .where(ROOM_VOTES.c.battle_id == battle_id)
            .group_by(ROOM_VOTES.c.choice)
        )
        return {choice: 0 for choice in CHOICES} | {choice: n for choice, n in conn.execute(stmt).all()}
