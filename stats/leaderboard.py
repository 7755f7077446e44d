"""A leaderboard from games: Bradley–Terry ratings with bootstrap intervals and ranks, optionally style-controlled.

The 95% interval is the 2.5th–97.5th percentile of ROUNDS refits on resamples of the games (seeded: the same games
give the same table). A resample draws games with replacement, or whole groups when games carry one (a battle's
room votes, an evaluation prompt's verdicts). Rank = 1 + the number of models whose lower bound is above this
model's upper bound. With style control the same resamples are refitted with the style covariates beside the
strengths: the strengths become the style-controlled ratings, and the covariates' coefficients say how much voters
favour length and markdown (natural-log odds per standard deviation of the normalised difference).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .bradley_terry import PRIOR, Game, Tally, fit, tally, to_rating
from .style import FEATURES, style_covariates

ROUNDS = 200
MIN_ROUNDS = 100
SEED = 42


@dataclass(frozen=True)
class Row:
    """One leaderboard row; the style_* fields are set only with style control."""

    model: str
    rating: float
    ci_low: float
    ci_high: float
    battles: int
    win_rate: float
    rank: int
    style_rating: float | None = None
    style_ci_low: float | None = None
    style_ci_high: float | None = None
    style_rank: int | None = None

    def to_json(self) -> dict:
        """The API's row (the style fields only when set)."""
        out = {
            "model": self.model,
            "rating": round(self.rating, 1),
            "ci_low": round(self.ci_low, 1),
            "ci_high": round(self.ci_high, 1),
            "battles": self.battles,
            "win_rate": round(self.win_rate, 4),
            "rank": self.rank,
        }
        if self.style_rating is not None and self.style_ci_low is not None and self.style_ci_high is not None:
            out["style_rating"] = round(self.style_rating, 1)
            out["style_ci_low"] = round(self.style_ci_low, 1)
            out["style_ci_high"] = round(self.style_ci_high, 1)
            out["style_rank"] = self.style_rank
        return out


@dataclass(frozen=True)
class Coefficient:
    """A style covariate's coefficient and 95% interval; None when the feature never varied in these games."""

    coef: float | None
    ci_low: float | None
    ci_high: float | None

    def to_json(self) -> dict:
        """{"coef", "ci_low", "ci_high"}, rounded."""
        return {k: None if v is None else round(v, 4) for k, v in vars(self).items()}


@dataclass(frozen=True)
class Leaderboard:
    """Rows sorted by rating, and (with style control) the style coefficients by feature name."""

    rows: list[Row]
    style: dict[str, Coefficient] | None = None

    def to_json(self) -> dict:
        """{"rows": [...]} plus "style" with style control."""
        out: dict = {"rows": [r.to_json() for r in self.rows]}
        if self.style is not None:
            out["style"] = {name: c.to_json() for name, c in self.style.items()}
        return out


def resample_weights(t: Tally, rounds: int = ROUNDS, seed: int = SEED) -> np.ndarray:
    """Per-row weights of `rounds` bootstrap resamples, shape (rounds, rows): games drawn with replacement, or whole
    groups when the tally has them."""
    if rounds < MIN_ROUNDS:
        raise ValueError(f"use at least {MIN_ROUNDS} bootstrap resamples (got {rounds})")
    rng = np.random.default_rng(seed)
    if t.group is None:
        # Resampling single games is the same as drawing new counts for each distinct game.
        total = t.games
        return rng.multinomial(total, t.count / total, size=rounds).astype(float) * t.weight
    groups = int(t.group.max()) + 1
    drawn = rng.multinomial(groups, np.full(groups, 1 / groups), size=rounds).astype(float)
    return drawn[:, t.group] * t.count * t.weight


def bootstrap(t: Tally, rounds: int = ROUNDS, seed: int = SEED, prior: float = PRIOR) -> np.ndarray:
    """Ratings refitted on `rounds` resamples (see resample_weights): shape (rounds, models)."""
    return np.array([to_rating(fit(t, weights=w, prior=prior).strengths) for w in resample_weights(t, rounds, seed)])


def ranks(lows: Sequence[float], highs: Sequence[float]) -> list[int]:
    """1 + how many other models have a lower bound above this model's upper bound."""
    return [1 + sum(1 for j, low in enumerate(lows) if j != i and low > high) for i, high in enumerate(highs)]


def _interval(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.percentile(samples, 2.5, axis=0), np.percentile(samples, 97.5, axis=0)


def leaderboard(
    games: Iterable[Game | Sequence[str]],
    rounds: int = ROUNDS,
    seed: int = SEED,
    prior: float = PRIOR,
    style_control: bool = False,
) -> Leaderboard:
    """Ratings from all games, intervals from the bootstrap; with style control every game needs both styles."""
    games = list(games)
    if not games:
        return Leaderboard([], {} if style_control else None)
    t = tally(games)
    weights = resample_weights(t, rounds, seed)
    ratings = to_rating(fit(t, prior=prior).strengths)
    lows, highs = _interval(np.array([to_rating(fit(t, weights=w, prior=prior).strengths) for w in weights]))
    rank = ranks(list(lows), list(highs))
    styled, style = None, None
    if style_control:
        if t.styles is None:
            raise ValueError("style control needs the style features of both answers of every game")
        x, varies = style_covariates(t.styles, t.count)
        point = fit(t, x, prior=prior)
        refits = [fit(t, x, w, prior) for w in weights]
        s_low, s_high = _interval(np.array([to_rating(f.strengths) for f in refits]))
        c_low, c_high = _interval(np.array([f.coefficients for f in refits]))
        styled = (to_rating(point.strengths), s_low, s_high, ranks(list(s_low), list(s_high)))
        style = {
            name: Coefficient(
                *(float(v[j]) for v in (point.coefficients, c_low, c_high)) if varies[j] else (None, None, None)
            )
            for j, name in enumerate(FEATURES)
        }
    played, points = np.zeros(len(t.models)), np.zeros(len(t.models))
    np.add.at(played, t.a, t.count)
    np.add.at(played, t.b, t.count)
    np.add.at(points, t.a, t.count * t.score)
    np.add.at(points, t.b, t.count * (1 - t.score))
    rows = [
        Row(
            m,
            float(ratings[i]),
            float(lows[i]),
            float(highs[i]),
            int(played[i]),
            float(points[i] / played[i]),
            rank[i],
            *((float(styled[0][i]), float(styled[1][i]), float(styled[2][i]), styled[3][i]) if styled else ()),
        )
        for i, m in enumerate(t.models)
    ]
    return Leaderboard(sorted(rows, key=lambda r: (-r.rating, r.model)), style)
