"""The pairwise judge: MT-Bench's published prompts, a verdict read from the judge's text, and two orders combined.

Every pair of answers is judged twice, with the positions swapped; the two verdicts must agree, otherwise the pair
is a tie (as MT-Bench's `play_a_match_pair` does). A verdict the judge did not give in the required format is
recorded as unparseable and counted apart, never as a tie.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .prompt_set import PromptRow

JUDGES_DIR = Path(__file__).resolve().parent.parent / "prompts" / "judges"
GENERAL, WITH_REFERENCE = "pair-v2", "pair-math-v1"
JUDGE_MAX_TOKENS = 1024
_VERDICT = re.compile(r"\[\[(A|B|C)\]\]")
TIE, UNPARSEABLE = "tie", None


@dataclass(frozen=True)
class JudgePrompt:
    """One published judge prompt: its system prompt and its user-prompt template."""

    name: str
    system: str
    template: str


@cache
def judge_prompt(name: str) -> JudgePrompt:
    """The judge prompt prompts/judges/<name>.json."""
    data = json.loads((JUDGES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return JudgePrompt(data["name"], data["system_prompt"], data["prompt_template"])


def judge_messages(row: PromptRow, answer_a: str, answer_b: str) -> tuple[JudgePrompt, str]:
    """(the prompt used, the filled user prompt) for one order: the reference variant when the row has one."""
    prompt = judge_prompt(WITH_REFERENCE if row.reference.strip() else GENERAL)
    # One pass, so braces inside answers are never treated as placeholders.
    values = {"question": row.prompt, "answer_a": answer_a, "answer_b": answer_b, "ref_answer_1": row.reference}
    filled = re.sub(r"\{(question|answer_a|answer_b|ref_answer_1)\}", lambda m: values[m.group(1)], prompt.template)
    return prompt, filled


def read_verdict(text: str) -> str | None:
    """The judge's verdict letter, A, B or C (the last one it wrote), or None when it gave none in the format."""
    found = _VERDICT.findall(text or "")
    return found[-1] if found else None


@dataclass(frozen=True)
class PairVerdict:
    """Two judgements of one pair on one prompt, and what they add up to.

    first: the verdict with `a` shown as Assistant A; swapped: with `b` shown as Assistant A (letters, or None).
    winner: a column id, "tie", or None when either verdict was unparseable.
    """

    a: str
    b: str
    first: str | None
    swapped: str | None

    @property
    def winner(self) -> str | None:
        """a or b when both orders pick the same answer; "tie" when they disagree or both say tie."""
        if self.first is None or self.swapped is None:
            return UNPARSEABLE
        pick_first = {"A": self.a, "B": self.b}.get(self.first, TIE)
        pick_swapped = {"A": self.b, "B": self.a}.get(self.swapped, TIE)
        return pick_first if pick_first == pick_swapped else TIE

    @property
    def consistent(self) -> bool | None:
        """Whether the verdict survived the swap (None when unparseable): the same answer, or a tie both times."""
        if self.first is None or self.swapped is None:
            return None
        pick_first = {"A": self.a, "B": self.b}.get(self.first, TIE)
        return pick_first == {"A": self.b, "B": self.a}.get(self.swapped, TIE)

    @property
    def favoured_position(self) -> str | None:
        """When the verdict did not survive: the position the judge picked both times ("A" or "B"), if any."""
        if self.consistent is not False or self.first != self.swapped or self.first == "C":
            return None
        return self.first

    @property
    def score_a(self) -> float | None:
        """1 when a won, 0.5 for a tie, 0 when b won; None when unparseable."""
        winner = self.winner
        if winner is None:
            return None
        return 1.0 if winner == self.a else 0.0 if winner == self.b else 0.5
