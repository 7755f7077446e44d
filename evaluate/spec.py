"""What an evaluation runs: the prompt set, the columns (a model plus its settings, as on Compare) and the judge."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from compare.request import make_messages
from providers.base import Message, Sampling

from .prompt_set import PromptRow, PromptSet


@dataclass(frozen=True)
class EvalColumn:
    """One contestant: its id (unique in the evaluation), model, persona and the system prompt it brings (None: each
    prompt's own), and its sampling."""

    id: str
    model: str
    sampling: Sampling
    persona: str = "shared"
    system: str | None = None

    def messages(self, row: PromptRow) -> tuple[Message, ...]:
        """What this column is asked for one row: its own system prompt (a persona's) or the row's, then the prompt."""
        return make_messages(row.prompt, self.system if self.system is not None else row.system)

    def to_json(self) -> dict:
        """The column as the store keeps it."""
        s = self.sampling
        return {
            "id": self.id,
            "model": self.model,
            "persona": self.persona,
            "system": self.system,
            "sampling": {
                "temperature": s.temperature,
                "top_p": s.top_p,
                "max_tokens": s.max_tokens,
                "seed": s.seed,
                "reasoning": s.reasoning,
            },
        }

    @classmethod
    def from_json(cls, data: dict) -> EvalColumn:
        """A stored column read back."""
        return cls(
            data["id"], data["model"], Sampling(**data["sampling"]), data.get("persona") or "shared", data.get("system")
        )


@dataclass(frozen=True)
class EvaluationSpec:
    """The prompts, the columns and the judge (a model id, None: answers only)."""

    prompts: PromptSet
    columns: tuple[EvalColumn, ...]
    judge: str | None = None

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Every pair of column ids, in column order."""
        return list(combinations([c.id for c in self.columns], 2))

    @property
    def column_by_id(self) -> dict[str, EvalColumn]:
        """Columns by id."""
        return {c.id: c for c in self.columns}

    @property
    def answers_total(self) -> int:
        """How many answers the evaluation asks for."""
        return len(self.prompts.rows) * len(self.columns)

    @property
    def judgements_total(self) -> int:
        """How many judge calls it makes: every pair on every prompt, in both orders."""
        return len(self.prompts.rows) * len(self.pairs) * 2 if self.judge else 0

    @property
    def judge_competes(self) -> list[str]:
        """The columns whose model is the judge's own (flagged beside their results)."""
        return [c.id for c in self.columns if c.model == self.judge]

    def to_json(self) -> dict:
        """The spec as the store keeps it."""
        return {
            "set": self.prompts.name,
            "prompts": [r.to_json() for r in self.prompts.rows],
            "columns": [c.to_json() for c in self.columns],
            "judge": self.judge,
        }

    @classmethod
    def from_json(cls, data: dict) -> EvaluationSpec:
        """A stored spec read back."""
        rows = tuple(PromptRow(**r) for r in data["prompts"])
        columns = tuple(EvalColumn.from_json(c) for c in data["columns"])
        return cls(PromptSet(data["set"], rows), columns, data.get("judge"))
