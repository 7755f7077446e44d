"""What the Evaluate tab, the `evaluate` API and `python -m compare eval` share: checking a request, starting and
resuming an evaluation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from compare.presets import Preset
from compare.request import RequestCheck, build_sampling
from compare.setups import Setup, SetupError, parse_setup, persona_of, personas
from compare.validate import InputError, as_model_ids, as_text, check_models
from providers.base import Sampling
from providers.registry import Registry

from .prompt_set import PromptSet
from .spec import EvalColumn, EvaluationSpec

MAX_COLUMNS = 8


@dataclass(frozen=True)
class EvaluationLimits:
    """What an evaluation may ask for beyond a run's limits: the set's size, and whether a judge that costs money
    (any model that does not run on this machine) is allowed."""

    max_prompts: int | None = None
    keyed_judge: bool = True


def build_spec(
    raw: Mapping[str, Any],
    prompts: PromptSet,
    registry: Registry,
    check: RequestCheck,
    limits: EvaluationLimits = EvaluationLimits(),
) -> EvaluationSpec:
    """An EvaluationSpec from raw input (models: model or setup ids such as local:smollm2#sarcastic-persona~1.2;
    judge: a model id or blank; temperature, max_tokens, reasoning), or InputError saying what to fix."""
    if limits.max_prompts is not None and len(prompts.rows) > limits.max_prompts:
        raise InputError(f"The set has {len(prompts.rows)} prompts; this demo allows at most {limits.max_prompts}.")
    setups = [_setup(text, check) for text in as_model_ids(raw.get("models")) if text.strip()]
    if len({s.id for s in setups}) < 2:
        raise InputError(
            "An evaluation needs at least two different columns to judge against each other: two "
            "models, or one model under two setups (e.g. local:smollm2 and local:smollm2#sarcastic-persona)."
        )
    check_models(registry, [s.model for s in setups], min(check.limits.models, MAX_COLUMNS))
    sampling = build_sampling(raw, check)
    columns = tuple(_column(label, setup, sampling, check) for label, setup in zip(_labels(setups), setups))
    judge = as_text("judge", raw.get("judge")).strip() or None
    if judge is not None:
        check_models(registry, [judge], 1)
        if not limits.keyed_judge and not registry.info(judge).runs_locally:
            raise InputError(f"This demo does not allow {judge} as a judge: pick a model that runs on this machine.")
    return EvaluationSpec(prompts, columns, judge)


def default_columns(available: list[str], presets: Iterable[Preset]) -> list[str]:
    """Two columns to start from: two available models, or the only one plain and under a persona."""
    models = list(dict.fromkeys(available))
    if len(models) >= 2:
        return models[:2]
    known = personas(presets)
    extra = [Setup(models[0], name).id for name in ("sarcastic-persona",) if models and name in known]
    return models[:1] + extra


def _setup(text: str, check: RequestCheck) -> Setup:
    try:
        return parse_setup(text, check.presets.values())
    except SetupError as exc:
        raise InputError(str(exc)) from None


def _column(label: str, setup: Setup, shared: Sampling, check: RequestCheck) -> EvalColumn:
    """A column from a setup: its persona's system prompt (None: each prompt's own) and its temperature."""
    preset = persona_of(setup, check.presets.values())
    sampling = replace(shared, temperature=shared.temperature if setup.temperature is None else setup.temperature)
    return EvalColumn(label, setup.model, sampling, setup.preset or "shared", preset.system if preset else None)


def _labels(setups: list[Setup]) -> list[str]:
    """Column ids: the setup id, numbered when the same setup appears twice."""
    ids = [s.id for s in setups]
    return [i if ids.count(i) == 1 else f"{i} #{n + 1}" for n, i in enumerate(ids)]
