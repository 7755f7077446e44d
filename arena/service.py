"""The arena's operations, shared by the page and the API: battle, vote, leaderboard and export (rooms: rooms.py)."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import stats
from compare.presets import Preset, load_presets
from providers import Registry

from .battle import Battle, Snapshot, draw
from .contestants import Contestants
from .export import json_lines
from .inputs import battle_id_of, choice_of, token_hash, token_of, valid_text
from .records import ArenaError, BattleRecord, Repository, VoteRecord
from .standings import BY, standings

METRICS = (
    "status",
    "error",
    "ttft_s",
    "total_s",
    "tokens_per_s",
    "input_tokens",
    "output_tokens",
    "tokens_exact",
    "cost_usd",
    "cost_note",
    "finish_reason",
)


class VoteCap:
    """At most `per_hour` votes per visitor in any sliding hour."""

    def __init__(self, per_hour: int, clock=time.monotonic):
        self.per_hour = per_hour
        self._clock = clock
        self._votes: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def take(self, visitor: str) -> str | None:
        """Use one of the visitor's votes and return None, or return why not."""
        with self._lock:
            now, votes = self._clock(), self._votes[visitor]
            while votes and now - votes[0] >= 3600:
                votes.popleft()
            if len(votes) >= self.per_hour:
                return (
                    f"This demo allows {self.per_hour} vote{'s' if self.per_hour != 1 else ''} per hour per visitor; "
                    f"try again in {(3600 - (now - votes[0])) / 60:.0f} min."
                )
            votes.append(now)
            return None

    def give_back(self, visitor: str) -> None:
        """Return the last vote taken (it was not stored)."""
        with self._lock:
            if self._votes[visitor]:
                self._votes[visitor].pop()


class Arena:
    """Blind battles between two setups drawn from a pool, one vote each, and the ratings those votes give."""

    def __init__(
        self,
        registry: Registry,
        repository: Repository,
        counter=None,
        rng: random.Random | None = None,
        live: bool = False,
        vote_cap: VoteCap | None = None,
        clock=time.time,
        presets: list[Preset] | None = None,
    ):
        self.registry = registry
        self.repository = repository
        self.counter = counter
        self.rng = rng or random.SystemRandom()
        self.live = live
        self.vote_cap = vote_cap
        self.clock = clock
        self.contestants = Contestants(registry, load_presets() if presets is None else presets)

    def pool(self, requested: list[str] | str | None, available: list[str]) -> list[str]:
        """The setup ids a battle draws from (see Contestants.pool); at least two, each usable now."""
        return self.contestants.pool(requested, available)

    def start(
        self, prompt: str, pool: list[str], temperature: float | None = 0.7, max_tokens: int | None = 256
    ) -> Battle:
        """A battle between two setups drawn from a checked pool (see `pool`), not yet running."""
        left, right = (self.contestants.setup(s) for s in draw(pool, self.rng))
        return Battle(
            self.registry,
            prompt,
            left,
            right,
            (self.contestants.system(left), self.contestants.system(right)),
            self.counter,
            temperature,
            max_tokens,
            self.live,
            created_at=self.clock(),
        )

    async def run(self, battle: Battle, interval: float = 0.05) -> AsyncIterator[Snapshot]:
        """Run a battle; it is stored before the final snapshot, so a vote can follow at once."""
        async for snapshot in battle.snapshots(interval):
            if snapshot.done:
                # a database round trip: off the loop
                await asyncio.to_thread(self.repository.add_battle, battle.record())
            yield snapshot

    async def battle(self, prompt: str, pool: list[str], interval: float = 0.05, **params) -> dict:
        """Run one battle from a checked pool to the end: {"battle_id", "a", "b"} (the two answers, nothing else)."""
        battle = self.start(prompt, pool, **params)
        async for snapshot in self.run(battle, interval):
            final = snapshot
        return {"battle_id": battle.id, "a": final.a, "b": final.b}

    def vote(self, battle_id: object, choice: object, visitor: str | None = None, voter: object = None) -> dict:
        """Record the battle's one vote and reveal both setups and their metrics; `voter` is the browser's token."""
        choice, battle_id = choice_of(choice), battle_id_of(battle_id)
        voter_key = token_hash(token) if (token := token_of("voter", voter, blank_ok=True)) else None
        battle = self.repository.battle(battle_id)
        if battle is None:
            raise ArenaError(f"No battle with id {battle_id[:64]!r}: start a battle first and vote with its battle_id.")
        if battle.room is not None:
            raise ArenaError("This battle belongs to a room: vote in the room (room_vote), not here.")
        if self.repository.vote_for(battle.id) is not None:
            raise ArenaError("This battle already has its vote; voting is closed. Start a new battle.")
        cap = self.vote_cap if visitor is not None else None
        if cap is not None and visitor is not None and (message := cap.take(visitor)):
            raise ArenaError(message)
        reason = f"not counted: {battle.invalid}" if battle.invalid else None
        vote = VoteRecord(battle.id, choice, battle.invalid is None, reason, self.clock(), voter_key)
        if not self.repository.add_vote(vote):  # another vote got in first
            if cap is not None and visitor is not None:
                cap.give_back(visitor)
            raise ArenaError("This battle already has its vote; voting is closed. Start a new battle.")
        return reveal(battle, vote)

    def leaderboard(
        self,
        since: object = None,
        until: object = None,
        style_control: object = False,
        by: object = "setup",
        rounds: int = stats.ROUNDS,
        seed: int = stats.SEED,
    ) -> stats.Leaderboard:
        """Ratings from the counted votes cast on or after `since` and on or before `until` (YYYY-MM-DD, UTC), of
        setups or (by="model") models, optionally style-controlled."""
        if not isinstance(style_control, bool):
            raise ArenaError(f"style_control must be true or false (got {str(style_control)[:40]!r}).")
        if by not in BY:
            raise ArenaError(f"by must be one of {', '.join(BY)} (got {str(by)[:40]!r}).")
        pairs = self.repository.votes(*date_range(since, until))
        return standings(pairs, str(by), style_control, rounds, seed)

    def export(self, since: object = None, until: object = None) -> str:
        """The counted votes as JSON lines shaped like FastChat's battle logs."""
        return json_lines(self.repository.votes(*date_range(since, until)))


def reveal(battle: BattleRecord, vote: VoteRecord) -> dict:
    """What a vote answers: counted or not and why, both models, and each side's metrics."""
    return {
        "counted": vote.counted,
        "reason": vote.reason,
        "choice": vote.choice,
        "winner": vote.winner,
        "a_model": battle.model_a,
        "b_model": battle.model_b,
        "a_metrics": {k: battle.result_a.get(k) for k in METRICS},
        "b_metrics": {k: battle.result_b.get(k) for k in METRICS},
    }


def date_range(since: object, until: object) -> tuple[float | None, float | None]:
    """[start of `since`, end of `until`) in Unix time; blank means open-ended."""

    def day(text: object, label: str) -> datetime | None:
        text = valid_text(f"'{label}'", text).strip()
        if not text:
            return None
        try:
            return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise ArenaError(f"'{label}' must be a date like 2026-11-30 (got {text[:40]!r}).") from None

    start, end = day(since, "since"), day(until, "until")
    if start and end and end < start:
        raise ArenaError("The date range is empty: 'until' is before 'since'.")
    return (start.timestamp() if start else None, (end + timedelta(days=1)).timestamp() if end else None)
