"""Named API endpoints (visible on Gradio's "Use via API" page)."""

import gradio as gr

from compare import Column, Comparison, make_messages
from compare.record import RunRecord, now_iso, run_parameters, shared_columns
from compare.repeat_block import column_labels, repeat_block
from compare.repeat_run import RepeatedComparison
from compare.repeats import check_repeat
from compare.validate import (
    InputError,
    as_model_ids,
    as_number,
    as_text,
    check_models,
    check_params,
    check_prompt,
    check_reasoning,
)
from providers import Sampling
from store import new_owner_token, valid_owner_token
from ui.context import PageContext
from ui.web.abandon import cancelled_if_abandoned
from ui.web.snapshots import save_run, snapshot_url


def make_compare_api(ctx: PageContext):
    """The `compare` endpoint bound to this app's registry and limits."""

    async def compare(
        prompt: str,
        system_prompt: str,
        models: list[str],
        temperature: float = 0.7,
        max_tokens: int = 256,
        reasoning: str | None = None,
        owner: str | None = None,
        repeat: int = 1,
        request: gr.Request = None,
    ) -> dict:
        """Send one prompt to several models at once; returns each reply (and thinking) with its metrics, and the saved
        run's `run_id` and read-only `snapshot_url`.

        reasoning: "off", "low", "medium" or "high" for reasoning models; blank or "default" keeps each provider's own.
        owner: your owner token (16-128 letters, digits, - or _) to save the run under; blank gives a new one. It comes
        back as `owner_token`: send it as the X-Owner-Token header of `DELETE /snapshot/<run_id>` to delete the run.
        repeat: runs per model, 1-10; above 1 each model's runs go one after another and the answer adds `runs` (every
        run per model), `summaries` (median, p10, p90, min, max) and `comparisons` (better model or null = within
        noise).
        """
        opts = ctx.options
        try:
            check_prompt(prompt, opts.prompt_cap)
            system_prompt = as_text("system_prompt", system_prompt)
            max_tokens = as_number("max_tokens", max_tokens)
            if opts.tokens_cap and max_tokens is None:  # a blank cap must not walk around the demo's limit
                max_tokens = opts.tokens_cap
            check_params(temperature, max_tokens, None, None, opts.tokens_cap)
            temperature, max_tokens = (
                as_number("temperature", temperature),
                None if max_tokens is None else int(max_tokens),
            )
            reasoning = check_reasoning(as_text("reasoning", reasoning))
            ids = check_models(ctx.registry, as_model_ids(models), opts.models_cap)
            repeat = check_repeat(1 if repeat is None else repeat)
            owner = as_text("owner", owner)
            if owner and not valid_owner_token(owner):
                raise InputError("owner must be 16 to 128 letters, digits, - or _ (or blank for a new one).")
            visitor = ctx.visitor(request)
            if opts.demo_caps and (limited := ctx.limiter.check(visitor)):
                raise InputError(limited)
        except (InputError, ValueError, TypeError) as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        messages = make_messages(prompt, system_prompt)
        sampling = Sampling(temperature, max_tokens=max_tokens, reasoning=reasoning)
        columns = [Column(str(i), m, messages, sampling, visitor) for i, m in enumerate(ids)]
        started = now_iso()
        repeats = None
        if repeat > 1:
            repeated = RepeatedComparison(ctx.registry, columns, repeat)
            async with cancelled_if_abandoned(repeated.cancel):
                runs = await repeated.run()
            results = [runs[c.key][0] for c in columns if runs[c.key]]  # the first run of each, as with repeat 1
            repeats = repeat_block(column_labels(ids), runs, repeat)
        else:
            comparison = Comparison(ctx.registry, columns, ctx.counter)
            async with cancelled_if_abandoned(comparison.cancel):  # a caller that went away stops spending
                results = await comparison.run()
        # --- store: keep the run (a failed save still returns the replies, with the reason) ---
        owner = owner or new_owner_token()
        record = RunRecord(
            prompt,
            system_prompt or "",
            run_parameters(sampling),
            shared_columns(ids, system_prompt or "", sampling),
            results,
            started,
            repeats=repeats,
        ).to_json()  # history, exports and snapshots keep every run
        run_id, error = await save_run(ctx, record, owner)
        saved = {
            "run_id": run_id,
            "snapshot_url": snapshot_url(request, run_id) if run_id else None,
            "owner_token": owner,
        }
        if error:
            saved["store_error"] = error
        out = {"prompt": prompt, "system_prompt": system_prompt, "results": [r.to_json() for r in results], **saved}
        if repeats:
            out.update(runs=repeats["runs"], summaries=repeats["summaries"], comparisons=repeats["comparisons"])
        return out

    return compare
