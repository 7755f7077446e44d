"""A teacher's room: one blind battle for a whole class at a time.

The teacher starts a room (both answers are generated once, for everyone), students open its link and vote once each
per battle with their browser's random voter token, the room shows only how many have voted until the teacher
reveals the tallies and both setups, then "Next battle" shows a new battle in the same room. Everything lives in
the database (arena/room_repository.py), so any replica can serve any request of a room. A room expires ROOM_TTL_S
after its last battle started. A revealed (or replaced) battle's votes count in the leaderboard.
"""

from __future__ import annotations

import asyncio
import hmac
import re
import secrets
import time
from dataclasses import dataclass

from .battle import Battle
from .inputs import battle_id_of, choice_of, token_hash, token_of, valid_text
from .records import ArenaError
from .room_repository import CLOSED, DUPLICATE, RoomView, SqlRooms
from .service import Arena

ROOM_TTL_S = 2 * 3600
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read off a projector and typed on a phone
CODE_LENGTH = 6
_CODE = re.compile(r"[A-Za-z0-9]{4,16}")


class RoomGone(ArenaError):
    """No such room, or it has expired: a page showing it can stop asking."""


@dataclass(frozen=True)
class RoomStarted:
    """A new room (or its next battle): its code, the teacher's token (only when the room is new) and the battle."""

    room: str
    battle_id: str
    teacher_token: str | None = None


class Rooms:
    """Rooms over an Arena (pools, battles, storage of battles) and a room repository."""

    def __init__(self, arena: Arena, repository: SqlRooms, ttl_s: float = ROOM_TTL_S, clock=time.time):
        self.arena = arena
        self.repository = repository
        self.ttl_s = ttl_s
        self.clock = clock

    async def start(self, prompt: str, pool: list[str], interval: float = 0.05, **params) -> RoomStarted:
        """Run a battle from a checked pool and open a room showing it."""
        battle = await self._finished(self.arena.start(prompt, pool, **params), interval)
        token = secrets.token_urlsafe(24)
        for _ in range(8):  # a taken code is unlikely (32^6 codes); try another
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            record = battle.record(room=code)
            opened = await asyncio.to_thread(  # database round trips: off the loop
                self.repository.open_room, code, token_hash(token), pool, record, self._expiry()
            )
            if opened:
                return RoomStarted(code, battle.id, token)
        raise ArenaError("Could not find a free room code; try again.")

    async def next(
        self, code: object, teacher_token: object, prompt: str, interval: float = 0.05, **params
    ) -> RoomStarted:
        """Close the battle shown now and show a new one (same pool); only the teacher can."""
        room = await asyncio.to_thread(self.teacher_room, code, teacher_token)
        pool = self.arena.pool(room.pool, [])  # still available?
        battle = await self._finished(self.arena.start(prompt, pool, **params), interval)
        record = battle.record(room=room.code)
        if not await asyncio.to_thread(self.repository.next_battle, room.code, room.battle.id, record, self._expiry()):
            raise ArenaError("Another battle was started in this room meanwhile; it is the one shown now.")
        return RoomStarted(room.code, battle.id)

    def state(self, code: object, voter: object = None) -> dict:
        """What anyone in the room may see now: the answers and how many voted; after the reveal, also the tallies
        and both setups. With a voter token, also whether that voter has voted."""
        token = token_of("voter", voter, blank_ok=True)
        room = self._room(code)
        out = {
            "room": room.code,
            "battle_id": room.battle.id,
            "prompt": room.battle.prompt,
            "a": room.battle.result_a.get("text") or "",
            "b": room.battle.result_b.get("text") or "",
            "votes": room.votes,
            "revealed": room.closed,
        }
        if token:
            out["voted"] = self.repository.voted(room.battle.id, token_hash(token))
        if room.closed:
            out.update(self._revealed(room, self.repository.tallies(room.battle.id)))
        return out

    def vote(self, code: object, voter: object, choice: object, battle_id: object = None) -> dict:
        """One vote per voter per battle, while the battle is open: {"counted", "reason"}. With `battle_id` (the
        battle the voter saw) a vote that arrives after the next battle started is refused, not moved to it."""
        token, choice, seen = token_of("voter", voter), choice_of(choice), battle_id_of(battle_id)
        room = self._room(code)
        if seen and seen != room.battle.id:
            return {"counted": False, "reason": "A new battle has started in this room: read both answers and vote."}
        outcome = self.repository.add_vote(room.battle.id, token_hash(token), choice, self.clock())
        if outcome == DUPLICATE:
            return {"counted": False, "reason": "You have already voted on this battle: one vote each."}
        if outcome == CLOSED:
            return {"counted": False, "reason": "Voting has closed: the teacher has revealed this battle."}
        return {"counted": True, "reason": None}

    def reveal(self, code: object, teacher_token: object) -> dict:
        """Close voting and show the tallies and both setups; only the teacher can. Revealing again repeats it."""
        room = self.teacher_room(code, teacher_token)
        return self._revealed(room, self.repository.close(room.battle.id, self.clock()))

    @staticmethod
    def _revealed(room: RoomView, tallies: dict[str, int]) -> dict:
        battle = room.battle
        return {
            "tallies": tallies,
            "a_model": battle.model_a,
            "b_model": battle.model_b,
            "counted": battle.invalid is None,  # whether these votes count in the leaderboard
            "reason": f"not counted: {battle.invalid}" if battle.invalid else None,
        }

    async def _finished(self, battle: Battle, interval: float) -> Battle:
        async for _ in battle.snapshots(interval):
            pass
        return battle

    def _expiry(self) -> float:
        return self.clock() + self.ttl_s

    def _room(self, code: object) -> RoomView:
        text = valid_text("room", code).strip()
        if not _CODE.fullmatch(text):
            raise ArenaError(f"A room code is {CODE_LENGTH} letters and digits, like K7PQ2M (got {text[:40]!r}).")
        room = self.repository.view(text.upper())
        if room is None:
            raise RoomGone(f"No room {text.upper()}: check the code, or ask your teacher for the link.")
        if room.expires_at <= self.clock():
            hours = self.ttl_s / 3600
            raise RoomGone(
                f"Room {room.code} has expired (a room lasts {hours:g} hours after its last battle started); "
                "start a new one."
            )
        return room

    def teacher_room(self, code: object, teacher_token: object) -> RoomView:
        """The room, when it exists, has not expired and the token is its teacher's; ArenaError otherwise."""
        room = self._room(code)
        token = valid_text("teacher_token", teacher_token).strip()
        if not token or not hmac.compare_digest(token_hash(token), room.teacher):
            raise ArenaError("Only the teacher who started this room can do that (the teacher_token does not match).")
        return room
