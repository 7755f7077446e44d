"""Vote hygiene: down-weighting prompts asked very often, and spotting a voter who keeps picking the same side.

FastChat's deduplication keeps a random sample of `cutoff` battles of a prompt asked more often than that; here every
such battle stays, weighted cutoff / n, so the prompt's total weight is the same and no vote is thrown away at
random. A voter's A/B split is checked with a two-sided binomial test against a fair coin (ties and "both bad" tell
nothing about sides and are left out)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PROMPT_CAP = 10  # a prompt in more battles than this has its battles' total weight held at this many
SIDE_MIN_VOTES = 6  # fewer votes for A or B cannot show a bias (6 of 6 on one side: p = 0.031)
SIDE_ALPHA = 0.05


def normalised_prompt(text: str) -> str:
    """The prompt as compared for repeats: case and runs of whitespace ignored."""
    return " ".join((text or "").casefold().split())


def prompt_weights(prompts: Sequence[str], cap: int = PROMPT_CAP) -> list[float]:
    """One weight per item (a battle's prompt): 1, or cap / n for a prompt that n > cap items share."""
    if cap < 1:
        raise ValueError(f"the prompt cap must be at least 1 (got {cap})")
    keys = [normalised_prompt(p) for p in prompts]
    seen = Counter(keys)
    return [min(1.0, cap / seen[k]) for k in keys]


@dataclass(frozen=True)
class SideBias:
    """A voter's votes for A and for B, the binomial test's p value, and whether that looks like side-picking."""

    a: int
    b: int
    p_value: float

    @property
    def flagged(self) -> bool:
        """Enough A/B votes, and a split a fair voter would rarely produce."""
        return self.a + self.b >= SIDE_MIN_VOTES and self.p_value < SIDE_ALPHA

    def describe(self) -> str | None:
        """One line for the export when flagged, e.g. "picked A in 9 of 10 votes for a side (p = 0.021)"."""
        if not self.flagged:
            return None
        side, n = ("A", self.a) if self.a >= self.b else ("B", self.b)
        return f"picked {side} in {n} of {self.a + self.b} votes for a side (p = {self.p_value:.3f})"


def side_bias(choices: Iterable[str]) -> SideBias:
    """The side test over one voter's choices ("a", "b", "tie", "both_bad")."""
    from scipy.stats import binomtest

    counts = Counter(choices)
    a, b = counts.get("a", 0), counts.get("b", 0)
    p = binomtest(max(a, b), a + b, 0.5).pvalue if a + b else 1.0
    return SideBias(a, b, float(p))
