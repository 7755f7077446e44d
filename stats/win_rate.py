"""A pairwise win rate with a 95% bootstrap interval that resamples groups (e.g. an evaluation's prompts: each prompt
contributes all of its verdicts together), a tie counting half, and whether the result is within noise."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from .leaderboard import SEED

WIN_RATE_ROUNDS = 1000  # cheap (no refits), so more than the leaderboard's


@dataclass(frozen=True)
class WinRate:
    """How often the first side won (ties half), its 95% interval, and how many verdicts and groups it rests on."""

    rate: float
    ci_low: float
    ci_high: float
    verdicts: int
    groups: int

    @property
    def within_noise(self) -> bool:
        """True when the interval includes 0.5: the data cannot tell the two sides apart."""
        return self.ci_low <= 0.5 <= self.ci_high

    def to_json(self) -> dict:
        """The fields, rounded, and within_noise."""
        return {
            "rate": round(self.rate, 4),
            "ci_low": round(self.ci_low, 4),
            "ci_high": round(self.ci_high, 4),
            "verdicts": self.verdicts,
            "groups": self.groups,
            "within_noise": self.within_noise,
        }


def win_rate(
    scores: Sequence[float],
    groups: Sequence[Hashable] | None = None,
    rounds: int = WIN_RATE_ROUNDS,
    seed: int = SEED,
) -> WinRate:
    """Win rate of the first side from scores 1 (win), 0.5 (tie) or 0 (loss); `groups` (one per score, default: each
    score its own) are resampled whole."""
    values = np.asarray(scores, dtype=float)
    if values.size == 0:
        raise ValueError("a win rate needs at least one verdict")
    if np.any((values < 0) | (values > 1)) or np.any(np.isnan(values)):
        raise ValueError("scores must be between 0 (loss) and 1 (win); a tie is 0.5")
    labels = list(range(values.size)) if groups is None else list(groups)
    if len(labels) != values.size:
        raise ValueError(f"got {values.size} scores but {len(labels)} groups")
    index = {g: i for i, g in enumerate(dict.fromkeys(labels))}
    member = np.array([index[g] for g in labels])
    sums = np.bincount(member, weights=values, minlength=len(index))
    sizes = np.bincount(member, minlength=len(index)).astype(float)
    drawn = np.random.default_rng(seed).multinomial(len(index), np.full(len(index), 1 / len(index)), size=rounds)
    rates = (drawn @ sums) / (drawn @ sizes)
    low, high = np.percentile(rates, [2.5, 97.5])
    return WinRate(float(values.mean()), float(low), float(high), int(values.size), len(index))
