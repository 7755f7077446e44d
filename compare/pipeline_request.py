"""A pipeline request (generate, then transform), checked like a run request: the same caps, sampling and models."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from providers.base import Sampling
from providers.registry import Registry

from .pipeline import PipelineSpec, StepSpec
from .request import RequestCheck, build_sampling
from .validate import InputError, as_model_ids, as_text, check_models, check_prompt, check_text_cap

MAX_PIPELINES = 4


@dataclass(frozen=True)
class PipelineRequest:
    """A checked pipeline run: the input text, the two steps, one model pair per pipeline, shared sampling."""

    prompt: str
    steps: tuple[StepSpec, ...]
    pipelines: tuple[PipelineSpec, ...]
    sampling: Sampling
    visitor: str | None = None

    @property
    def upstream_requests(self) -> int:
        """How many model requests this run can send (what a demo's budget counts)."""
        return len(self.pipelines) * len(self.steps)


def pipelines_cap(models_cap: int) -> int:
    """How many pipelines may run at once (each streams one model at a time)."""
    return max(1, min(MAX_PIPELINES, models_cap))


def build_pipeline_request(raw: Mapping[str, Any], registry: Registry, check: RequestCheck) -> PipelineRequest:
    """A PipelineRequest from raw input (prompt, step1_system, step2_system, step2_prompt, temperature, max_tokens,
    step1_models, step2_models, visitor), or InputError with one sentence that says what to fix."""
    limits = check.limits
    prompt = check_prompt(raw.get("prompt"), limits.prompt_chars)
    texts = {}
    for name, label in (
        ("step1_system", "Step 1's system prompt"),
        ("step2_system", "Step 2's system prompt"),
        ("step2_prompt", "The transform prompt"),
    ):
        texts[name] = check_text_cap(label, as_text(check.labels.get(name, name), raw.get(name)), limits)
    sampling = build_sampling({"temperature": raw.get("temperature"), "max_tokens": raw.get("max_tokens")}, check)
    first, second = as_model_ids(raw.get("step1_models")), as_model_ids(raw.get("step2_models"))
    if len(first) != len(second):
        raise InputError(f"Give one step-2 model per step-1 model ({len(first)} step-1, {len(second)} step-2).")
    cap = pipelines_cap(limits.models)
    if not 1 <= len(first) <= cap:
        raise InputError(f"Choose between 1 and {cap} pipelines.")
    specs = []
    for i, pair in enumerate(zip(first, second)):
        if not all(m.strip() for m in pair):
            raise InputError(f"Pipeline {i + 1} needs a model for both steps (local:smollm2 needs no key).")
        specs.append(PipelineSpec(str(i), tuple(check_models(registry, list(pair), 2))))
    steps = (
        StepSpec(texts["step1_system"], "{input}", "Step 1"),
        StepSpec(texts["step2_system"], texts["step2_prompt"] or "{previous}", "Step 2"),
    )
    return PipelineRequest(prompt, steps, tuple(specs), sampling, raw.get("visitor"))
