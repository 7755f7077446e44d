"""The classroom API endpoints: `tokenize` (text → tokens per encoding) and `pipeline` (generate → transform)."""

from __future__ import annotations

import gradio as gr

from compare.pipeline import PipelineRun
from compare.record import now_iso
from compare.tokenview import requested_encodings, tokenize_api
from compare.validate import InputError, as_model_ids, as_text
from store import new_owner_token
from ui.context import PageContext
from ui.tabs.pipeline import parse_pipeline_inputs, pipeline_preset
from ui.tabs.pipeline_saving import pipeline_record
from ui.tabs.tokens import MAX_CHARS
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
            if len(text) > MAX_CHARS:
                raise InputError(
                    f"The text is {len(text):,} characters; the tokenize endpoint accepts at most {MAX_CHARS:,}."
                )
            return tokenize_api(text, names, ctx.registry)
        except (InputError, ValueError, TypeError) as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    return tokenize


def make_pipeline_api(ctx: PageContext):
    """The `pipeline` endpoint: each (step-1 model, step-2 model) pair runs generate → transform; all pairs at once."""
    preset = pipeline_preset(ctx)
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
        try:
            first, second = as_model_ids(step1_models), as_model_ids(step2_models)
            step1_system, step2_system = as_text("step1_system", step1_system), as_text("step2_system", step2_system)
            step2_prompt = as_text("step2_prompt", step2_prompt)
            if len(first) != len(second):
                raise InputError(f"Give one step-2 model per step-1 model ({len(first)} step-1, {len(second)} step-2).")
            steps, specs, params = parse_pipeline_inputs(
                ctx, prompt, step1_system, step2_system, step2_prompt, temperature, max_tokens, list(zip(first, second))
            )
            if ctx.options.demo_caps and (limited := ctx.limiter.check(ctx.visitor(request))):
                raise InputError(limited)
        except (InputError, ValueError, TypeError) as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        started = now_iso()
        run = PipelineRun(ctx.registry, specs, steps, prompt, ctx.counter, **params)
        async with cancelled_if_abandoned(run.cancel):  # a caller that went away stops spending
            results = await run.run()
        owner = new_owner_token()
        run_id, error = await save_run(ctx, pipeline_record(run, started), owner, kind="pipeline")
        saved = {
            "run_id": run_id,
            "snapshot_url": snapshot_url(request, run_id) if run_id else None,
            "owner_token": owner,
        }
        if error:
            saved["store_error"] = error
        return {
            "prompt": prompt,
            "step1_system": step1_system,
            "step2_system": step2_system,
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
