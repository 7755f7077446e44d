"""Rating statistics shared by the arena, evaluations and the command line (no Gradio, no store).

leaderboard(games, style_control=True)   # Bradley–Terry ratings, bootstrap intervals, ranks, style coefficients
style_features(text)                     # tokens, headers, list items, bold spans of one answer
win_rate(scores, groups)                 # pairwise win rate, group-bootstrap interval, within_noise
prompt_weights(prompts); side_bias(choices)   # vote hygiene
"""

from .bradley_terry import PRIOR, SCORES, Fit, Game, Tally, fit, fit_strengths, tally, to_rating
from .hygiene import PROMPT_CAP, SideBias, normalised_prompt, prompt_weights, side_bias
from .leaderboard import (
    MIN_ROUNDS,
    ROUNDS,
    SEED,
    Coefficient,
    Leaderboard,
    Row,
    bootstrap,
    leaderboard,
    ranks,
    resample_weights,
)
from .style import FEATURES, StyleFeatures, style_covariates, style_features
from .win_rate import WinRate, win_rate

__all__ = [
    "FEATURES",
    "MIN_ROUNDS",
    "PRIOR",
    "PROMPT_CAP",
    "ROUNDS",
    "SCORES",
    "SEED",
    "Coefficient",
    "Fit",
    "Game",
    "Leaderboard",
    "Row",
    "SideBias",
    "StyleFeatures",
    "Tally",
    "WinRate",
    "bootstrap",
    "fit",
    "fit_strengths",
    "leaderboard",
    "normalised_prompt",
    "prompt_weights",
    "ranks",
    "resample_weights",
    "side_bias",
    "style_covariates",
    "style_features",
    "tally",
    "to_rating",
    "win_rate",
]
