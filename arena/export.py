"""Votes as JSON lines in the shape of FastChat's cleaned battle logs (clean_battle_data.py's conv_release mode), plus
what vote hygiene found: who voted (a hash, as FastChat's `judge`), whether that voter keeps picking one side, and the
weight the leaderboard gives the battle (below 1 for a prompt asked very often)."""

from __future__ import annotations

import json

from .records import BattleRecord, VoteRecord
from .standings import battle_weights, voter_flags


def battle_line(battle: BattleRecord, vote: VoteRecord) -> dict:
    """One battle as FastChat writes it: models, winner, both conversations in OpenAI format, time stamp."""

    def conversation(result: dict) -> list[dict]:
        return [{"role": "user", "content": battle.prompt}, {"role": "assistant", "content": result.get("text") or ""}]

    return {
        "question_id": battle.id,
        "model_a": battle.model_a,
        "model_b": battle.model_b,
        "winner": vote.winner,
        "conversation_a": conversation(battle.result_a),
        "conversation_b": conversation(battle.result_b),
        "turn": 1,
        "anony": True,
        "tstamp": vote.created_at,
        "judge": vote.voter,
    }


def json_lines(pairs: list[tuple[BattleRecord, VoteRecord]]) -> str:
    """One JSON object per line, oldest vote first, each with `room`, `judge_flag` and `weight`."""
    flags, weights = voter_flags(pairs), battle_weights(pairs)
    lines = []
    for battle, vote in pairs:
        line = battle_line(battle, vote)
        line.update(room=battle.room, judge_flag=flags.get(vote.voter or ""), weight=round(weights[battle.id], 4))
        lines.append(json.dumps(line, ensure_ascii=False) + "\n")
    return "".join(lines)
