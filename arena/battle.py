"""One blind battle: draw two different models, seat them left/right at random, run both at once, hold the answers.

Nothing here tells the reader which side is which model, or which side finished first: unless `live` is set,
the only text a reader sees is both answers together, after both have finished.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from compare import Column, Comparison, make_messages
from compare.result import Result
from compare.tokens import TokenCounter
from providers import Registry, Sampling
from providers.events import Chunk

from .leaks import Identity, named_in

SIDES = ("a", "b")


@dataclass(frozen=True)
class Snapshot:
    """What a reader may see of a battle now: the two answer texts, and whether both have finished."""

    a: str
    b: str
    done: bool = False


def draw(pool: list[str], rng: random.Random) -> tuple[str, str]:
    """Two different ids from the pool, in a random left/right order."""
    ids = sorted(set(pool))
    if len(ids) < 2:
        raise ValueError("a battle needs two different models")
    first, second = rng.sample(ids, 2)
    return (first, second) if rng.random() < 0.5 else (second, first)


@dataclass
class Battle:
    """A battle in flight; `results` holds both Results once `snapshots()` has finished."""

    registry: Registry
    prompt: str
    model_a: str
    model_b: str
    counter: TokenCounter | None = None
    temperature: float | None = 0.7
    max_tokens: int | None = 256
    live: bool = False
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created_at: float = field(default_factory=time.time)
    results: dict[str, Result] = field(default_factory=dict)

    def comparison(self) -> Comparison:
        """Both sides as one comparison: the same prompt, no system prompt, the same settings."""
        messages = make_messages(self.prompt)
        columns = [
            Column(side, model, messages, Sampling(self.temperature, max_tokens=self.max_tokens))
            for side, model in zip(SIDES, (self.model_a, self.model_b))
        ]
        return Comparison(self.registry, columns, self.counter)

    async def snapshots(self, interval: float = 0.05) -> AsyncIterator[Snapshot]:
        """The answers as a reader may see them: once at the end, or (live) as they grow; closing cancels both."""
        comparison = self.comparison()
        parts: dict[str, list[str]] = {side: [] for side in SIDES}
        async for batch in comparison.batches(interval):
            changed = False
            for side, _, event in batch:
                if isinstance(event, Chunk) and not event.thinking:  # thinking stays hidden: it has its own tells
                    parts[side].append(event.text)
                    changed = True
                elif isinstance(event, Result):
                    self.results[side] = event
            if self.live and changed and len(self.results) < 2:
                yield Snapshot("".join(parts["a"]), "".join(parts["b"]))
        yield Snapshot(self.results["a"].text, self.results["b"].text, done=True)

    def invalid_reason(self) -> str | None:
        """Why a vote on this battle cannot count: a reply errored, or named its model, provider or vendor."""
        reasons = []
        for side, model in zip(SIDES, (self.model_a, self.model_b)):
            result = self.results[side]
            if not result.ok:
                reasons.append(f"answer {side.upper()} failed ({result.error or result.status})")
                continue
            names = named_in(result.text, self.identity(model))
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
