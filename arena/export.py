"""Votes as JSON lines in the shape of FastChat's cleaned battle logs (clean_battle_data.py's conv_release mode)."""

from __future__ import annotations

import json

from .records import BattleRecord, VoteRecord


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
    }


def json_lines(pairs: list[tuple[BattleRecord, VoteRecord]]) -> str:
    """One JSON object per line, oldest vote first."""
    return "".join(json.dumps(battle_line(b, v), ensure_ascii=False) + "\n" for b, v in pairs)
