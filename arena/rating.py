"""Bradley–Terry ratings on an Elo-like scale, bootstrap confidence intervals and the leaderboard's rank rule.

A game is (model_a, model_b, winner) with winner "model_a", "model_b", "tie" or "tie (bothbad)" (FastChat's
names). Both kinds of tie count half a win each way. The fit maximises the Bradley–Terry likelihood
P(a beats b) = 1 / (1 + 10^((R_b - R_a) / 400)) by Newton's method, with a weak Gaussian prior on the
natural-log strengths (PRIOR) so a model that has only won still gets a finite rating.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

SCALE, BASE, INIT = 400.0, 10.0, 1000.0
# λ of the prior ½·λ·Σθ² on natural-log strengths θ; about what FastChat's LogisticRegression (C=1, battles
# duplicated) applies. 0 gives the plain maximum-likelihood fit (infinite when a model never lost).
PRIOR = 0.1
ROUNDS = 200
MIN_ROUNDS = 100
SEED = 42
SCORES = {"model_a": 1.0, "model_b": 0.0, "tie": 0.5, "tie (bothbad)": 0.5}


@dataclass(frozen=True)
class Row:
    """One leaderboard row."""

    model: str
    rating: float
    ci_low: float
    ci_high: float
    battles: int
    win_rate: float
    rank: int

    def to_json(self) -> dict:
        """The API's row."""
        return {
            "model": self.model,
            "rating": round(self.rating, 1),
            "ci_low": round(self.ci_low, 1),
            "ci_high": round(self.ci_high, 1),
            "battles": self.battles,
            "win_rate": round(self.win_rate, 4),
            "rank": self.rank,
        }


@dataclass(frozen=True)
class Tally:
    """Games grouped by (a, b, score): index arrays into `models`, the score of a, and how often it happened."""

    models: list[str]
    a: np.ndarray
    b: np.ndarray
    score: np.ndarray
    count: np.ndarray


def tally(games: Iterable[tuple[str, str, str]]) -> Tally:
    """Group games; raises ValueError for an unknown winner or a model playing itself."""
    counts: dict[tuple[str, str, float], int] = {}
    for model_a, model_b, winner in games:
        if winner not in SCORES:
            raise ValueError(f"unknown winner {winner!r}; expected one of {', '.join(SCORES)}")
        if model_a == model_b:
            raise ValueError(f"{model_a} cannot play itself")
        key = (model_a, model_b, SCORES[winner])
        counts[key] = counts.get(key, 0) + 1
    models = sorted({m for a, b, _ in counts for m in (a, b)})
    index = {m: i for i, m in enumerate(models)}
    keys = list(counts)
    return Tally(
        models,
        np.array([index[k[0]] for k in keys], dtype=int),
        np.array([index[k[1]] for k in keys], dtype=int),
        np.array([k[2] for k in keys], dtype=float),
        np.array([counts[k] for k in keys], dtype=float),
    )


def fit_strengths(
    t: Tally, weights: np.ndarray | None = None, prior: float = PRIOR, iterations: int = 100
) -> np.ndarray:
    """Natural-log strengths θ (mean zero per connected group) maximising the penalised likelihood."""
    n = len(t.models)
    w = t.count if weights is None else weights
    theta = np.zeros(n)

    def objective(th: np.ndarray) -> float:
        d = th[t.a] - th[t.b]
        # log σ(d) = -log(1 + e^-d), computed without overflow
        return float(
            -(w * (t.score * np.logaddexp(0, -d) + (1 - t.score) * np.logaddexp(0, d))).sum() - 0.5 * prior * (th @ th)
        )

    current = objective(theta)
    for _ in range(iterations):
        d = theta[t.a] - theta[t.b]
        p = 1 / (1 + np.exp(-d))
        grad = np.zeros(n)
        np.add.at(grad, t.a, w * (t.score - p))
        np.add.at(grad, t.b, -w * (t.score - p))
        grad -= prior * theta
        curv = np.zeros((n, n))
        c = w * p * (1 - p)
        np.add.at(curv, (t.a, t.a), c)
        np.add.at(curv, (t.b, t.b), c)
        np.add.at(curv, (t.a, t.b), -c)
        np.add.at(curv, (t.b, t.a), -c)
        curv += prior * np.eye(n)
        step = np.linalg.pinv(curv) @ grad  # pinv: without a prior, strengths are only defined up to a constant
        scale = 1.0
        while scale > 1e-6:  # halve the step until the likelihood does not fall (Newton can overshoot)
            candidate = theta + scale * step
            value = objective(candidate)
            if value >= current - 1e-12:
                break
            scale /= 2
        theta, current = candidate, value
        if np.max(np.abs(scale * step)) < 1e-10:
            break
    return theta


def to_rating(theta: np.ndarray) -> np.ndarray:
    """Natural-log strengths on the Elo-like scale: 1000 + 400·log10-odds."""
    return INIT + SCALE * theta / math.log(BASE)


def bootstrap(t: Tally, rounds: int = ROUNDS, seed: int = SEED, prior: float = PRIOR) -> np.ndarray:
    """Ratings refitted on `rounds` resamples of the games (with replacement): shape (rounds, models)."""
    if rounds < MIN_ROUNDS:
        raise ValueError(f"use at least {MIN_ROUNDS} bootstrap resamples (got {rounds})")
    rng = np.random.default_rng(seed)
    total = int(t.count.sum())
    # Resampling single games is the same as drawing new counts for each distinct (a, b, score) group.
    draws = rng.multinomial(total, t.count / total, size=rounds).astype(float)
    return np.array([to_rating(fit_strengths(t, weights, prior)) for weights in draws])


def ranks(lows: list[float], highs: list[float]) -> list[int]:
    """1 + how many other models have a lower bound above this model's upper bound."""
    return [1 + sum(1 for j, low in enumerate(lows) if j != i and low > high) for i, high in enumerate(highs)]


def leaderboard(
    games: Iterable[tuple[str, str, str]], rounds: int = ROUNDS, seed: int = SEED, prior: float = PRIOR
) -> list[Row]:
    """Rows sorted by rating: point estimate from all games, 95% interval from the bootstrap's 2.5/97.5 percentiles."""
    games = list(games)
    if not games:
        return []
    t = tally(games)
    ratings = to_rating(fit_strengths(t, prior=prior))
    samples = bootstrap(t, rounds, seed, prior)
    lows, highs = np.percentile(samples, 2.5, axis=0), np.percentile(samples, 97.5, axis=0)
    played = np.zeros(len(t.models))
    points = np.zeros(len(t.models))
    np.add.at(played, t.a, t.count)
    np.add.at(played, t.b, t.count)
    np.add.at(points, t.a, t.count * t.score)
    np.add.at(points, t.b, t.count * (1 - t.score))
    rank = ranks(list(lows), list(highs))
    rows = [
        Row(
            m, float(ratings[i]), float(lows[i]), float(highs[i]), int(played[i]), float(points[i] / played[i]), rank[i]
        )
        for i, m in enumerate(t.models)
    ]
    return sorted(rows, key=lambda r: (-r.rating, r.model))
