"""Bradley–Terry fits on an Elo-like scale, with optional per-game weights and covariates (style control).

A game is (model_a, model_b, winner) with winner "model_a", "model_b", "tie" or "tie (bothbad)" (FastChat's
names); both kinds of tie count half a win each way. The fit maximises

    Σ w · [s · log σ(d) + (1 − s) · log σ(−d)] − ½·λ·(|θ|² + |β|²),    d = θ_a − θ_b + x·β

by Newton's method, where θ are natural-log strengths, x the game's covariates (none without style control) and β
their coefficients. The weak Gaussian prior λ (PRIOR) keeps a model that has only won at a finite rating; on the
rating scale P(a beats b) = 1 / (1 + 10^((R_b − R_a) / 400)).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .style import StyleFeatures

SCALE, BASE, INIT = 400.0, 10.0, 1000.0
# λ of the prior on natural-log strengths (and covariate coefficients); about what FastChat's LogisticRegression
# (C=1, battles duplicated) applies. 0 gives the plain maximum-likelihood fit (infinite when a model never lost).
PRIOR = 0.1
SCORES = {"model_a": 1.0, "model_b": 0.0, "tie": 0.5, "tie (bothbad)": 0.5}


@dataclass(frozen=True)
class Game:
    """One judged pair: A, B, the winner (FastChat's names), a weight, a resampling group and each side's style."""

    model_a: str
    model_b: str
    winner: str
    weight: float = 1.0  # e.g. below 1 for a prompt asked very often (stats.hygiene.prompt_weights)
    group: str | None = None  # games of one group are resampled together (a battle's votes, a prompt's verdicts)
    style_a: StyleFeatures | None = None
    style_b: StyleFeatures | None = None


@dataclass(frozen=True)
class Tally:
    """Games as arrays, identical games merged into one row with a count.

    `a`, `b` index into `models`; `score` is A's score; `weight` one game's weight; `group` the row's resampling
    group (None: every game is its own); `styles` each row's (A, B) style features (None without them)."""

    models: list[str]
    a: np.ndarray
    b: np.ndarray
    score: np.ndarray
    count: np.ndarray
    weight: np.ndarray
    group: np.ndarray | None = None
    styles: list[tuple[StyleFeatures, StyleFeatures]] | None = None

    @property
    def games(self) -> int:
        """How many games (not rows) the tally holds."""
        return int(self.count.sum())


def as_game(game: Game | Sequence[str]) -> Game:
    """A Game from a Game or an (a, b, winner) tuple."""
    if isinstance(game, Game):
        return game
    if len(game) != 3:
        raise ValueError(f"a game is (model_a, model_b, winner); got {game!r}")
    return Game(game[0], game[1], game[2])


def tally(games: Iterable[Game | Sequence[str]]) -> Tally:
    """Group games; raises ValueError for an unknown winner, a model playing itself or a negative weight."""
    counts: dict[tuple, int] = {}
    grouped = False
    with_style = True
    for i, game in enumerate(map(as_game, games)):
        if game.winner not in SCORES:
            raise ValueError(f"unknown winner {game.winner!r}; expected one of {', '.join(SCORES)}")
        if game.model_a == game.model_b:
            raise ValueError(f"{game.model_a} cannot play itself")
        if not game.weight >= 0:
            raise ValueError(f"a game's weight must be 0 or more (got {game.weight})")
        grouped = grouped or game.group is not None
        with_style = with_style and game.style_a is not None and game.style_b is not None
        group = game.group if game.group is not None else ("", i)  # an ungrouped game is its own group
        key = (game.model_a, game.model_b, SCORES[game.winner], game.weight, group, game.style_a, game.style_b)
        counts[key] = counts.get(key, 0) + 1
    if not grouped:  # without groups, identical games merge (the bootstrap then redraws counts, not groups)
        merged: dict[tuple, int] = {}
        for key, n in counts.items():
            bare = key[:4] + (None,) + key[5:]
            merged[bare] = merged.get(bare, 0) + n
        counts = merged
    models = sorted({m for key in counts for m in key[:2]})
    index = {m: i for i, m in enumerate(models)}
    keys = list(counts)
    group_ids = {g: i for i, g in enumerate(dict.fromkeys(k[4] for k in keys))} if grouped else {}
    return Tally(
        models,
        np.array([index[k[0]] for k in keys], dtype=int),
        np.array([index[k[1]] for k in keys], dtype=int),
        np.array([k[2] for k in keys], dtype=float),
        np.array([counts[k] for k in keys], dtype=float),
        np.array([k[3] for k in keys], dtype=float),
        np.array([group_ids[k[4]] for k in keys], dtype=int) if grouped else None,
        [(k[5], k[6]) for k in keys] if with_style and keys else None,
    )


@dataclass(frozen=True)
class Fit:
    """A fit's natural-log strengths θ (one per model) and covariate coefficients β (one per covariate)."""

    strengths: np.ndarray
    coefficients: np.ndarray


def fit(
    t: Tally,
    covariates: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    prior: float = PRIOR,
    iterations: int = 100,
) -> Fit:
    """Maximise the penalised likelihood; `covariates` has one row per tally row, `weights` (default: each row's
    count × weight) one entry per row."""
    n = len(t.models)
    x = np.zeros((len(t.a), 0)) if covariates is None else np.asarray(covariates, dtype=float)
    k = x.shape[1]
    w = t.count * t.weight if weights is None else weights
    params = np.zeros(n + k)

    def margin(p: np.ndarray) -> np.ndarray:
        return p[t.a] - p[t.b] + x @ p[n:]

    def objective(p: np.ndarray) -> float:
        d = margin(p)
        # log σ(d) = -log(1 + e^-d), computed without overflow
        loss = w * (t.score * np.logaddexp(0, -d) + (1 - t.score) * np.logaddexp(0, d))
        return float(-loss.sum() - 0.5 * prior * (p @ p))

    def by_model(values: np.ndarray, index: np.ndarray) -> np.ndarray:
        return np.bincount(index, weights=values, minlength=n)

    current = objective(params)
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-margin(params)))
        residual, c = w * (t.score - p), w * p * (1 - p)
        grad = np.concatenate([by_model(residual, t.a) - by_model(residual, t.b), x.T @ residual]) - prior * params
        # The curvature, block by block: a game moves A's and B's strengths in opposite directions (bincount over
        # the n×n cells is far faster than a dense design-matrix product) and its covariates with them.
        curv = np.zeros((n + k, n + k))
        cells = np.bincount(t.a * n + t.b, weights=c, minlength=n * n).reshape(n, n)
        curv[:n, :n] = np.diag(by_model(c, t.a) + by_model(c, t.b)) - cells - cells.T
        if k:
            cross = np.stack([by_model(c * x[:, j], t.a) - by_model(c * x[:, j], t.b) for j in range(k)], axis=1)
            curv[:n, n:], curv[n:, :n], curv[n:, n:] = cross, cross.T, x.T @ (x * c[:, None])
        curv += prior * np.eye(n + k)
        step = np.linalg.pinv(curv) @ grad  # pinv: without a prior, strengths are only defined up to a constant
        if np.max(np.abs(step), initial=0.0) < 1e-10:
            break
        # Halve the step until the likelihood does not fall (Newton can overshoot); "fall" allows for rounding in a
        # sum over many games, which would otherwise halve every step near the optimum.
        slack = 1e-12 * max(1.0, abs(current))
        scale = 1.0
        while True:
            candidate = params + scale * step
            value = objective(candidate)
            if value >= current - slack or scale < 1e-6:
                break
            scale /= 2
        params, current = candidate, value
    return Fit(params[:n], params[n:])


def fit_strengths(t: Tally, weights: np.ndarray | None = None, prior: float = PRIOR) -> np.ndarray:
    """Natural-log strengths θ (mean zero) of the plain fit, without covariates."""
    return fit(t, weights=weights, prior=prior).strengths


def to_rating(theta: np.ndarray) -> np.ndarray:
    """Natural-log strengths on the Elo-like scale: 1000 + 400·log10-odds."""
    return INIT + SCALE * theta / math.log(BASE)
