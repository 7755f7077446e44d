"""The arena's votes as the games the shared statistics (stats/) rate, and the voters the export flags.

Each vote is a game between the battle's two setups (or, by model, the setups' models: a battle between two setups
of one model then says nothing about models and is left out). A battle's votes form one resampling group (a room's
class voted on the same two answers), and each battle is weighted down when its prompt was asked in very many
battles (stats.hygiene.prompt_weights). Style features come from both stored answer texts."""

from __future__ import annotations

from collections import defaultdict

import stats
from compare.setups import SetupError, split_setup_id

from .records import BattleRecord, VoteRecord

BY = ("setup", "model")


def contestant(setup_id: str, by: str) -> str:
    """What a leaderboard row rates: the setup id itself, or (by model) its model."""
    if by == "setup":
        return setup_id
    try:
        return split_setup_id(setup_id).model
    except SetupError:  # an id stored before setups existed, or odd: rate it as written
        return setup_id


def battle_weights(pairs: list[tuple[BattleRecord, VoteRecord]]) -> dict[str, float]:
    """Each battle's weight from how often its prompt was asked across these battles."""
    battles = {battle.id: battle.prompt for battle, _ in pairs}
    return dict(zip(battles, stats.prompt_weights(list(battles.values()))))


def games(pairs: list[tuple[BattleRecord, VoteRecord]], by: str = "setup", style: bool = False) -> list[stats.Game]:
    """One game per vote (see the module docstring)."""
    weights = battle_weights(pairs)
    out = []
    for battle, vote in pairs:
        a, b = contestant(battle.model_a, by), contestant(battle.model_b, by)
        if a == b:
            continue
        styles = {}
        if style:
            styles = {
                "style_a": stats.style_features(battle.result_a.get("text") or ""),
                "style_b": stats.style_features(battle.result_b.get("text") or ""),
            }
        out.append(stats.Game(a, b, vote.winner, weights[battle.id], battle.id, **styles))
    return out


def standings(
    pairs: list[tuple[BattleRecord, VoteRecord]],
    by: str = "setup",
    style_control: bool = False,
    rounds: int = stats.ROUNDS,
    seed: int = stats.SEED,
) -> stats.Leaderboard:
    """The leaderboard of these votes."""
    return stats.leaderboard(games(pairs, by, style_control), rounds, seed, style_control=style_control)


def voter_flags(pairs: list[tuple[BattleRecord, VoteRecord]]) -> dict[str, str]:
    """Voter -> why their votes look like side-picking, for voters flagged by stats.side_bias."""
    choices: dict[str, list[str]] = defaultdict(list)
    for _, vote in pairs:
        if vote.voter:
            choices[vote.voter].append(vote.choice)
    flags = {voter: stats.side_bias(picked).describe() for voter, picked in choices.items()}
    return {voter: flag for voter, flag in flags.items() if flag}
