"""The blind arena: battles between two anonymous models, one vote each, and a Bradley–Terry leaderboard."""

from .records import CHOICES, BattleRecord, VoteRecord
from .service import Arena, ArenaError, VoteCap

__all__ = ["Arena", "ArenaError", "BattleRecord", "CHOICES", "VoteCap", "VoteRecord"]
