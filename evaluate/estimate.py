"""What an evaluation would cost before it runs: an upper-bound estimate from the prompts, the prices and the caps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from compare.request import make_messages
from compare.tokens import TokenCounter
from providers.registry import Registry

from .judge import judge_messages
from .spec import EvalColumn, EvaluationSpec

DEFAULT_CONFIRM_USD = 1.0  # above this the page asks to confirm and the command line asks (or needs --yes)
ASSUMED_ANSWER_TOKENS = 1024  # a column with no max tokens: what an answer is assumed to cost at most
JUDGE_OUTPUT_TOKENS = 300  # a judge's explanation and verdict, typically


@dataclass
class CostEstimate:
    """The estimated cost in USD of the models with known prices, and the models whose price is unknown."""

    usd: float = 0.0
    per_model: dict[str, float] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One sentence: the estimate, and what it leaves out."""
        if not self.usd and self.unknown:
            return f"Estimated cost: unknown (no price known for {', '.join(self.unknown)})."
        text = f"Estimated cost: at most about ${self.usd:.4f} (answers counted at their max tokens)"
        if self.unknown:
            text += f"; not included, no price known for {', '.join(self.unknown)}"
        return text + "."

    def _add(self, registry: Registry, model: str, tokens_in: Callable[[], int], tokens_out: int) -> None:
        info = registry.info(model)
        if info.input_per_m is None or info.output_per_m is None:
            if model not in self.unknown:
                self.unknown.append(model)
            return
        if not (info.input_per_m or info.output_per_m):
            self.per_model.setdefault(model, 0.0)  # free (a local model): nothing to count
            return
        cost = (tokens_in() * info.input_per_m + tokens_out * info.output_per_m) / 1e6
        self.usd += cost
        self.per_model[model] = self.per_model.get(model, 0.0) + cost


def estimate_cost(spec: EvaluationSpec, registry: Registry, counter: TokenCounter) -> CostEstimate:
    """Prompt tokens × price for every column, answers at their max tokens, plus the judge reading both answers."""
    out = CostEstimate()
    for column in spec.columns:
        answer = column.sampling.max_tokens or ASSUMED_ANSWER_TOKENS
        rows = spec.prompts.rows

        def prompt(column: EvalColumn = column, rows: tuple = rows) -> int:
            return sum(counter.count_messages(column.model, column.messages(row)).count for row in rows)

        out._add(registry, column.model, prompt, answer * len(rows))
    judge = spec.judge
    if judge:

        def judge_prompts() -> int:
            total = 0
            for row in spec.prompts.rows:
                for a, b in spec.pairs:
                    caps = [spec.column_by_id[c].sampling.max_tokens or ASSUMED_ANSWER_TOKENS for c in (a, b)]
                    shown, filled = judge_messages(row, "x " * caps[0], "x " * caps[1])
                    total += 2 * counter.count_messages(judge, make_messages(filled, shown.system)).count
            return total

        calls = 2 * len(spec.prompts.rows) * len(spec.pairs)
        out._add(registry, judge, judge_prompts, calls * JUDGE_OUTPUT_TOKENS)
    return out
