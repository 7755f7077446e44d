"""The `evaluate` API endpoint, and the evaluation flow the Evaluate tab shares with it: check the set and the
columns, estimate the cost, start (or resume), run paced by the demo's budget, summarize."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from compare.validate import InputError, as_text
from evaluate.estimate import CostEstimate, estimate_cost
from evaluate.prompt_set import PromptSet, load_prompt_set, parse_prompt_set, shipped_sets
from evaluate.repository import EvaluationRepository, StoredEvaluation
from evaluate.runner import EvaluationRun
from evaluate.service import build_spec
from evaluate.summary import answer_line, judgement_lines, summarize
from store import new_owner_token
from ui.context import PageContext
from ui.web.abandon import cancelled_if_abandoned
from ui.web.evaluation_page import EVALUATION_PREFIX
from ui.web.snapshots import app_url


@dataclass
class EvaluationJob:
    """An evaluation about to run (or resume) for one visitor."""

    stored: StoredEvaluation
    estimate: CostEstimate | None  # None for a resumed evaluation (its cost was accepted when it started)
    run: EvaluationRun


def repository(ctx: PageContext) -> EvaluationRepository:
    """This page's evaluations, in its store."""
    return EvaluationRepository(ctx.store)


def read_set(ctx: PageContext, source: str, data: bytes | None = None, name: str = "") -> PromptSet:
    """A prompt set from a shipped set's name, an uploaded file's bytes, or a set's JSONL/CSV text."""
    limit = ctx.options.evaluation_limits.max_prompts
    cap = ctx.options.prompt_cap
    if data is not None:
        if ctx.options.demo_caps and len(data) > ctx.options.max_upload_bytes:
            raise InputError(
                f"{name or 'The file'} is {len(data):,} bytes; this demo takes at most "
                f"{ctx.options.max_upload_bytes:,}."
            )
        return parse_prompt_set(data, name or "upload.jsonl", limit, cap)
    source = as_text("prompt_set", source).strip()
    if source in shipped_sets():
        return load_prompt_set(source, limit, cap)
    if not source:
        raise InputError(f"No prompt set: name one of {', '.join(shipped_sets())}, or give a set's JSONL or CSV text.")
    return parse_prompt_set(source.encode("utf-8"), "prompt set", limit, cap)


async def prepare(ctx: PageContext, raw: dict, prompts: PromptSet | None, visitor: str) -> EvaluationJob:
    """Check a new evaluation (or find one to resume), estimate its cost, and keep its spec in the store."""
    repo = repository(ctx)
    resume = as_text("resume", raw.get("resume")).strip()
    if resume:
        stored = await asyncio.to_thread(repo.load, resume[:64])
        if stored is None:
            raise InputError(f"No evaluation with id {resume[:64]!r}.")
        return EvaluationJob(stored, None, _run(ctx, repo, stored, visitor))
    if prompts is None:
        raise InputError("No prompt set given.")
    spec = build_spec(raw, prompts, ctx.registry, ctx.request_check(), ctx.options.evaluation_limits)
    estimate = await asyncio.to_thread(estimate_cost, spec, ctx.registry, ctx.counter)
    if estimate.usd > ctx.options.eval_confirm_usd and not raw.get("confirm_cost"):
        raise InputError(
            f"{estimate.describe()} That is above ${ctx.options.eval_confirm_usd:g}: confirm the cost to run it."
        )
    owner = as_text("owner", raw.get("owner")).strip() or new_owner_token()
    stored = await asyncio.to_thread(lambda: repo.load(repo.create(spec, owner)))
    assert stored is not None
    return EvaluationJob(stored, estimate, _run(ctx, repo, stored, visitor))


def _run(ctx: PageContext, repo: EvaluationRepository, stored: StoredEvaluation, visitor: str) -> EvaluationRun:
    async def pace() -> None:  # a demo's per-visitor budget of upstream requests paces the evaluation
        while (wait := ctx.limiter.take_request(visitor)) > 0:
            await asyncio.sleep(min(wait, 5.0))

    return EvaluationRun(
        ctx.registry, repo, stored, ctx.counter, pace if ctx.options.demo_caps else None, client=visitor
    )


def evaluation_url(request, evaluation_id: str) -> str:
    """The read-only page of an evaluation."""
    return f"{app_url(request)}{EVALUATION_PREFIX}{evaluation_id}"


def result_objects(stored: StoredEvaluation) -> dict:
    """The evaluation as the command line's JSON lines give it: the head, each answer, each judged pair, the
    summary."""
    spec = stored.spec
    return {
        "evaluation_id": stored.id,
        "prompts": len(spec.prompts.rows),
        "columns": [c.id for c in spec.columns],
        "answers": [answer_line(p, c, r) for (p, c), r in stored.answers.items()],
        "judgements": judgement_lines(spec, stored.judgements.values()),
        "summary": {"summary": True, **summarize(stored)},
    }


def make_evaluate_api(ctx: PageContext) -> Callable:
    """The `evaluate` endpoint bound to this page."""

    async def evaluate(
        prompt_set: str,
        models: list[str],
        judge: str = "",
        temperature: float = 0.7,
        max_tokens: int = 256,
        confirm_cost: bool = False,
        resume: str = "",
        request: gr.Request = None,
    ) -> dict:
        """Run a prompt set (a shipped set's name: general, reasoning, classroom; or JSONL/CSV text) across models,
        each pair of answers judged twice with the positions swapped.

        Returns the command line's --json objects: evaluation_id, prompts, columns, answers, judgements, summary.
        An evaluation estimated above the confirmation threshold needs confirm_cost=true; resume=ID continues one.
        """
        visitor = ctx.visitor(request)
        raw = {
            "models": models,
            "judge": judge,
            "temperature": temperature,
            "max_tokens": max_tokens,
            "confirm_cost": confirm_cost is True,
            "resume": resume,
        }
        try:
            prompts = None if as_text("resume", resume).strip() else read_set(ctx, prompt_set)
            job = await prepare(ctx, raw, prompts, visitor)
        except InputError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        async with cancelled_if_abandoned(job.run.cancel):  # a caller that went away stops spending
            await job.run.run()
        return {
            **(await asyncio.to_thread(result_objects, job.stored)),  # the summary's bootstraps: off the loop
            "url": evaluation_url(request, job.stored.id),
            "estimate": job.estimate.describe() if job.estimate else None,
        }

    return evaluate
