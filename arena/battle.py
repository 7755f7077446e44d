"""One blind battle: draw two different setups, seat them left/right at random, run both at once, hold the answers.

A contestant is a setup (compare/setups.py): a model, optionally a persona, which becomes the side's system prompt,
and a temperature. Nothing here tells the reader which side is which, or which side finished first: unless `live` is
set, the only text a reader sees is both answers together, after both have finished. This module is the arena's one
contact with the comparison engine (Column, Comparison, its events, make_messages).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from compare import Comparison, RequestCheck, build_request
from compare.result import Result
from compare.setups import Setup
from compare.tokens import TokenCounter
from providers import Registry
from providers.events import Chunk

from .leaks import Identity, named_in
from .records import BattleRecord

SIDES = ("a", "b")


@dataclass(frozen=True)
class Snapshot:
    """What a reader may see of a battle now: the two answer texts, and whether both have finished."""

    a: str
    b: str
    done: bool = False


def draw(pool: list[str], rng: random.Random) -> tuple[str, str]:
    """Two different setup ids from the pool, in a random left/right order."""
    ids = sorted(set(pool))
    if len(ids) < 2:
        raise ValueError("a battle needs two different setups")
    first, second = rng.sample(ids, 2)
    return (first, second) if rng.random() < 0.5 else (second, first)


@dataclass
class Battle:
    """A battle in flight; `results` holds both Results once `snapshots()` has finished."""

    registry: Registry
    prompt: str
    setup_a: Setup
    setup_b: Setup
    systems: tuple[str | None, str | None] = (None, None)  # each side's system prompt: its persona's, or none
    counter: TokenCounter | None = None
    temperature: float | None = 0.7  # for a side whose setup names no temperature
    max_tokens: int | None = 256
    live: bool = False
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created_at: float = field(default_factory=time.time)
    results: dict[str, Result] = field(default_factory=dict)

    @property
    def model_a(self) -> str:
        """The setup id shown as "A", on the left."""
        return self.setup_a.id

    @property
    def model_b(self) -> str:
        """The setup id shown as "B", on the right."""
        return self.setup_b.id

    def comparison(self) -> Comparison:
        """Both sides as one run request (column 0 is A): the same prompt, each side's persona and temperature, the
        same max tokens."""
        sides = [
            {"model": setup.model, "system": system or "", "temperature": setup.temperature}
            for setup, system in zip((self.setup_a, self.setup_b), self.systems)
        ]
        raw = {"prompt": self.prompt, "temperature": self.temperature, "max_tokens": self.max_tokens, "columns": sides}
        request = build_request(raw, self.registry, RequestCheck(available_only=False))
        return request.comparison(self.registry, self.counter)

    async def snapshots(self, interval: float = 0.05) -> AsyncIterator[Snapshot]:
        """The answers as a reader may see them: once at the end, or (live) as they grow; closing cancels both."""
        comparison = self.comparison()
        parts: dict[str, list[str]] = {side: [] for side in SIDES}
        async for batch in comparison.batches(interval):
            changed = False
            for key, _, event in batch:
                side = SIDES[int(key)]
                if isinstance(event, Chunk) and not event.thinking:  # thinking stays hidden: it has its own tells
                    parts[side].append(event.text)
                    changed = True
                elif isinstance(event, Result):
                    self.results[side] = event
            if self.live and changed and len(self.results) < 2:
                yield Snapshot("".join(parts["a"]), "".join(parts["b"]))
        yield Snapshot(self.results["a"].text, self.results["b"].text, done=True)

    def record(self, room: str | None = None) -> BattleRecord:
        """The finished battle as it is stored."""
        return BattleRecord(
            self.id,
            self.created_at,
            self.prompt,
            self.model_a,
            self.model_b,
            self.results["a"].to_json(),
            self.results["b"].to_json(),
            self.invalid_reason(),
            room,
        )

    def invalid_reason(self) -> str | None:
        """Why a vote on this battle cannot count: a reply errored, or named its model, provider or vendor (unless
        both sides are the same model: then naming it tells nothing about which side is which)."""
        reasons = []
        same_model = self.setup_a.model == self.setup_b.model
        for side, setup in zip(SIDES, (self.setup_a, self.setup_b)):
            result = self.results[side]
            if not result.ok:
                reasons.append(f"answer {side.upper()} failed ({result.error or result.status})")
                continue
            names = [] if same_model else named_in(result.text, self.identity(setup.model))
            if names:
                quoted = ", ".join(f'"{n}"' for n in names[:4])
                reasons.append(f"answer {side.upper()} names its model, provider or vendor ({quoted})")
        return "; ".join(reasons) or None

    def identity(self, model_id: str) -> Identity:
        """The names that would give this model away."""
        info = self.registry.info(model_id)
        try:
            label = self.registry.resolve(model_id)[0].label
        except Exception:  # an id no provider serves errors anyway; its names are its id and display name
            label = ""
        return Identity(model_id, info.display, label)
