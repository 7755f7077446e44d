"""The classroom API endpoints: `tokenize` (text → tokens per encoding) and `pipeline` (generate → transform)."""

from __future__ import annotations

import gradio as gr

from compare.pipeline import PipelineRun
from compare.pipeline_request import build_pipeline_request
from compare.record import now_iso
from compare.tokenview import MAX_TEXT_CHARS, requested_encodings, tokenize_api
from compare.validate import InputError
from store import new_owner_token
from ui.api.compare import API_LABELS
from ui.context import PageContext
from ui.web.abandon import cancelled_if_abandoned
from ui.web.snapshots import save_run, snapshot_url


def make_tokenize_api(ctx: PageContext):
    """The `tokenize` endpoint bound to this app's registry (for the local models' own tokenizers)."""

    def tokenize(text: str, encodings: list[str] | None = None) -> dict:
        """Split text into tokens per encoding (o200k_base, cl100k_base, local:<model>);

        returns ids, token strings and counts.
        """
        try:
            names = requested_encodings(encodings, ctx.registry)
            if not isinstance(text, str):
                raise InputError("text must be a string.")
            if len(text) > MAX_TEXT_CHARS:
                raise InputError(
                    f"The text is {len(text):,} characters; the tokenize endpoint accepts at most {MAX_TEXT_CHARS:,}."
                )
            return tokenize_api(text, names, ctx.registry)
        except (InputError, ValueError, TypeError) as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    return tokenize


def make_pipeline_api(ctx: PageContext):
    """The `pipeline` endpoint: each (step-1 model, step-2 model) pair runs generate → transform; all pairs at once."""
    preset = ctx.pipeline_preset()
    step1_default = preset.steps[0].system if preset else ""
    step2_default = preset.steps[1].system if preset else ""

    async def pipeline(
        prompt: str,
        step1_models: list[str],
        step2_models: list[str],
        step1_system: str = step1_default,
        step2_system: str = step2_default,
        step2_prompt: str = "{previous}",
        temperature: float = 0.7,
        max_tokens: int = 256,
        request: gr.Request = None,
    ) -> dict:
        """Run step 1 (prompt) then step 2 (step2_prompt with {previous} = the step-1 reply) for each model pair;

        returns each step's metrics and totals.
        """
        raw = {
            "prompt": prompt,
            "step1_models": step1_models,
            "step2_models": step2_models,
            "step1_system": step1_system,
            "step2_system": step2_system,
            "step2_prompt": step2_prompt,
            "temperature": temperature,
            "max_tokens": max_tokens,
        }
        try:
            checked = build_pipeline_request(raw, ctx.registry, ctx.request_check(labels=API_LABELS))
            visitor = ctx.visitor(request)
            if ctx.options.demo_caps and (limited := ctx.limiter.check(visitor, checked.upstream_requests)):
                raise InputError(limited)
        except InputError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        started = now_iso()
        run = PipelineRun(
            ctx.registry, list(checked.pipelines), list(checked.steps), prompt, ctx.counter, checked.sampling
        )
        async with cancelled_if_abandoned(run.cancel):  # a caller that went away stops spending
            results = await run.run()
        owner = new_owner_token()
        run_id, error = await save_run(ctx, run.record(started).to_json(), owner, kind="pipeline")
        saved = {
            "run_id": run_id,
            "snapshot_url": snapshot_url(request, run_id) if run_id else None,
            "owner_token": owner,
        }
        if error:
            saved["store_error"] = error
        return {
            "prompt": prompt,
            "step1_system": checked.steps[0].system,
            "step2_system": checked.steps[1].system,
            "step2_prompt": step2_prompt,
            "pipelines": [r.to_json() for r in results],
            **saved,
        }

    return pipeline


def register_classroom_api(ctx: PageContext) -> None:
    """Register `tokenize` and `pipeline` on the Blocks being built."""
    gr.api(make_tokenize_api(ctx), api_name="tokenize", concurrency_limit=2, concurrency_id="tokens")
    gr.api(
        make_pipeline_api(ctx), api_name="pipeline", concurrency_limit=ctx.options.concurrency, concurrency_id="compare"
    )
