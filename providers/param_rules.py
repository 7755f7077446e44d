"""Per-model parameter rules, read from the catalog as data: sampling, reasoning control and the max-tokens name."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import ChatRequest

DEFAULT_BUDGETS = {"low": 1024, "medium": 4096, "high": 16384}


@dataclass(frozen=True)
class ParamRules:
    """How one model takes its parameters.

    reasoning: "effort" (reasoning_effort), "budget" (Anthropic thinking budget), "think" (Ollama think),
    "always" (reasons, no control), "none" (no reasoning control), or None (unknown: send what the user set).
    effort_off: the effort value that turns reasoning off, None when it cannot be turned off.
    budgets: reasoning tokens per level, added on top of the answer's max tokens.
    default_on: the model reasons when no level is set.
    """

    sampling: bool = True
    reasoning: str | None = None
    effort_off: str | None = "none"
    max_tokens_param: str = "max_tokens"
    budgets: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_BUDGETS))
    default_on: bool = False


def rules_for(catalog: dict, model_id: str) -> ParamRules:
    """The first catalog rule whose pattern matches the model id (ParamRules() when none does)."""
    for rule in catalog.get("parameter_rules", []):
        if fnmatch.fnmatchcase(model_id, rule["match"]):
            fields = {k: v for k, v in rule.items() if k in ParamRules.__dataclass_fields__}
            return ParamRules(**fields)
    return ParamRules()


def shape_request(request: ChatRequest, rules: ParamRules, model_id: str) -> tuple[ChatRequest, list[str]]:
    """Drop what this model does not take, before sending; returns the request and a note per change."""
    notes = []
    if not rules.sampling:
        for name in ("temperature", "top_p"):
            value = getattr(request, name)
            if value is not None:
                request = request.without(name)
                if value != 1:
                    notes.append(f"{name} {value:g} not sent: {model_id} only takes the default")
    level = request.reasoning
    if level is not None:
        if rules.reasoning == "none" and level != "off":
            request = replace(request, reasoning=None)
            notes.append(f"reasoning {level} not sent: {model_id} has no reasoning control")
        elif rules.reasoning == "none":
            request = replace(request, reasoning=None)
        elif rules.reasoning == "always":
            request = replace(request, reasoning=None)
            notes.append(f"reasoning {level} not sent: {model_id} always reasons and has no control")
        elif rules.reasoning == "effort" and level == "off" and rules.effort_off is None:
            request = replace(request, reasoning="low")
            notes.append(f"{model_id} cannot turn reasoning off; sent the lowest effort (low)")
    return request, notes


def effort_value(level: str, rules: ParamRules) -> str:
    """The reasoning_effort string for a level."""
    return (rules.effort_off or "low") if level == "off" else level


def budget_for(level: str | None, rules: ParamRules) -> int:
    """Reasoning tokens allowed on top of the answer for a level (the middle one when unset)."""
    return rules.budgets.get(level or "medium", rules.budgets.get("medium", 4096))


def reasoning_allowance(request: ChatRequest, rules: ParamRules) -> int:
    """Tokens to add to a max-tokens cap that also counts reasoning, so the answer keeps its own budget."""
    level = request.reasoning
    if rules.reasoning is None:  # unknown model: the user asked for reasoning, so make room for it
        return budget_for(level, rules) if level in ("low", "medium", "high") else 0
    if rules.reasoning not in ("effort", "always"):
        return 0
    if level in ("low", "medium", "high") or (level is None and rules.default_on):
        return budget_for(level, rules)
    return 0
