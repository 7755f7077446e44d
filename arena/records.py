"""What the arena keeps: a finished battle and its one vote, and the small interface every repository offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class ArenaError(ValueError):
    """Bad arena input (or an unreachable database), with a message that says what to do instead."""


# vote choice -> FastChat's winner name (both kinds of tie count half for the rating)
CHOICES = {"a": "model_a", "b": "model_b", "tie": "tie", "both_bad": "tie (bothbad)"}


@dataclass(frozen=True)
class BattleRecord:
    """A finished battle: the prompt, which model sat on each side, both results, and why a vote cannot count."""

    id: str
    created_at: float  # Unix time, as FastChat's tstamp
    prompt: str
    model_a: str  # shown as "A", on the left
    model_b: str  # shown as "B", on the right
    result_a: dict  # compare.metrics.Result.to_json()
    result_b: dict
    invalid: str | None = None  # decided when the battle finished: a reply errored or named its model
    room: str | None = None  # the room whose class voted on it (None: an ordinary battle with its one vote)


@dataclass(frozen=True)
class VoteRecord:
    """A vote: an ordinary battle's one vote, or one voter's vote on a room's battle."""

    battle_id: str
    choice: str  # a key of CHOICES
    counted: bool
    reason: str | None
    created_at: float
    voter: str | None = None  # a hash of the voter's browser token (never the token, never an address)

    @property
    def winner(self) -> str:
        """FastChat's name for the outcome: model_a, model_b, tie or tie (bothbad)."""
        return CHOICES[self.choice]


class Repository(Protocol):
    """Where battles and votes live."""

    def ready(self) -> None:
        """Raise ArenaError if battles cannot be stored now."""

    def add_battle(self, battle: BattleRecord) -> None:
        """Store a finished battle."""

    def battle(self, battle_id: str) -> BattleRecord | None:
        """The battle with this id, or None."""

    def vote_for(self, battle_id: str) -> VoteRecord | None:
        """The battle's vote, or None."""

    def add_vote(self, vote: VoteRecord) -> bool:
        """Store the vote; False (and nothing stored) when the battle already has one. Atomic."""

    def votes(
        self, since: float | None = None, until: float | None = None, counted_only: bool = True
    ) -> list[tuple[BattleRecord, VoteRecord]]:
        """Votes cast in [since, until), oldest first, with their battles (a room's votes once its battle closed)."""
