"""The arena's operations, shared by the page and the API: battle, vote, leaderboard and export."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from providers import Registry
from providers.registry import UnknownModelError

from . import rating
from .battle import Battle, Snapshot, draw
from .export import json_lines
from .records import CHOICES, ArenaError, BattleRecord, Repository, VoteRecord

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
    """Blind battles between two models drawn from a pool, one vote each, and the ratings those votes give."""

    def __init__(
        self,
        registry: Registry,
        repository: Repository,
        counter=None,
        rng: random.Random | None = None,
        live: bool = False,
        vote_cap: VoteCap | None = None,
        clock=time.time,
    ):
        self.registry = registry
        self.repository = repository
        self.counter = counter
        self.rng = rng or random.SystemRandom()
        self.live = live
        self.vote_cap = vote_cap
        self.clock = clock

    def pool(self, requested: list[str] | str | None, available: list[str]) -> list[str]:
        """The models a battle draws from: the ones asked for (default: all available); at least two usable."""
        asked = [requested] if isinstance(requested, str) else list(requested or [])
        ids = list(dict.fromkeys(m.strip() for m in asked if m and m.strip()))
        if not ids:
            ids = list(available)
        for model_id in ids:
            try:
                reason = self.registry.unusable_reason(model_id)
            except UnknownModelError as exc:
                raise ArenaError(f"Unknown model in the pool: {exc}.") from None
            if reason:
                raise ArenaError(f"{model_id} is not available: {reason}.")
        if len(ids) < 2:
            have = ", ".join(ids) or "none"
            raise ArenaError(
                f"A battle needs at least two different available models (the pool has: {have}). "
                "Add a key in .env or start a local server to get another model."
            )
        return ids

    def start(
        self, prompt: str, pool: list[str], temperature: float | None = 0.7, max_tokens: int | None = 256
    ) -> Battle:
        """A battle between two models drawn from a checked pool (see `pool`), not yet running."""
        left, right = draw(pool, self.rng)
        return Battle(
            self.registry,
            prompt,
            left,
            right,
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
                record = BattleRecord(
                    battle.id,
                    battle.created_at,
                    battle.prompt,
                    battle.model_a,
                    battle.model_b,
                    battle.results["a"].to_json(),
                    battle.results["b"].to_json(),
                    battle.invalid_reason(),
                )
                await asyncio.to_thread(self.repository.add_battle, record)  # a database round trip: off the loop
            yield snapshot

    async def battle(self, prompt: str, pool: list[str], interval: float = 0.05, **params) -> dict:
        """Run one battle from a checked pool to the end: {"battle_id", "a", "b"} (the two answers, nothing else)."""
        battle = self.start(prompt, pool, **params)
        async for snapshot in self.run(battle, interval):
            final = snapshot
        return {"battle_id": battle.id, "a": final.a, "b": final.b}

    def vote(self, battle_id: str, choice: str, visitor: str | None = None) -> dict:
        """Record the battle's one vote and reveal both models and their metrics."""
        choice = str(choice or "").strip().lower()
        if choice not in CHOICES:
            raise ArenaError(f"The vote must be one of {', '.join(CHOICES)} (got {choice[:40]!r}).")
        battle = self.repository.battle(str(battle_id or "").strip())
        if battle is None:
            raise ArenaError(
                f"No battle with id {str(battle_id)[:64]!r}: start a battle first and vote with its battle_id."
            )
        if self.repository.vote_for(battle.id) is not None:
            raise ArenaError("This battle already has its vote; voting is closed. Start a new battle.")
        cap = self.vote_cap if visitor is not None else None
        if cap is not None and visitor is not None and (message := cap.take(visitor)):
            raise ArenaError(message)
        reason = f"not counted: {battle.invalid}" if battle.invalid else None
        vote = VoteRecord(battle.id, choice, battle.invalid is None, reason, self.clock())
        if not self.repository.add_vote(vote):  # another vote got in first
            if cap is not None and visitor is not None:
                cap.give_back(visitor)
            raise ArenaError("This battle already has its vote; voting is closed. Start a new battle.")
        return reveal(battle, vote)

    def leaderboard(
        self, since: str | None = None, until: str | None = None, rounds: int = rating.ROUNDS, seed: int = rating.SEED
    ) -> list[rating.Row]:
        """Ratings from the counted votes cast on or after `since` and on or before `until` (YYYY-MM-DD, UTC)."""
        pairs = self.repository.votes(*date_range(since, until))
        return rating.leaderboard([(b.model_a, b.model_b, v.winner) for b, v in pairs], rounds, seed)

    def export(self, since: str | None = None, until: str | None = None) -> str:
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


def date_range(since: str | None, until: str | None) -> tuple[float | None, float | None]:
    """[start of `since`, end of `until`) in Unix time; blank means open-ended."""

    def day(text: str | None, label: str) -> datetime | None:
        text = (text or "").strip()
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
