"""The `compare` API endpoint: one prompt to several models, checked as the page checks it."""

import gradio as gr

from compare import Comparison, build_request
from compare.record import now_iso
from compare.validate import InputError
from store import new_owner_token, valid_owner_token
from ui.context import PageContext
from ui.web.abandon import cancelled_if_abandoned
from ui.web.snapshots import save_run, snapshot_url

API_LABELS = {"system": "system_prompt", "max_tokens": "max_tokens"}  # errors name the API's own parameters


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
        raw = {
            "prompt": prompt,
            "system": system_prompt,
            "models": models,
            "temperature": temperature,
            "max_tokens": max_tokens,
            "reasoning": reasoning,
            "owner": owner,
            "repeat": repeat,
            "visitor": ctx.visitor(request),
        }
        try:
            run = build_request(raw, ctx.registry, ctx.request_check(labels=API_LABELS))
            if run.owner and not valid_owner_token(run.owner):
                raise InputError("owner must be 16 to 128 letters, digits, - or _ (or blank for a new one).")
            if ctx.options.demo_caps and (limited := ctx.limiter.check(run.visitor, run.upstream_requests)):
                raise InputError(limited)
        except InputError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        comparison = Comparison(ctx.registry, run.engine_columns(), ctx.counter, run.repeat)
        started = now_iso()
        async with cancelled_if_abandoned(comparison.cancel):  # a caller that went away stops spending
            await comparison.run()
        record = run.record(comparison.runs, started)
        # --- store: keep the run (a failed save still returns the replies, with the reason) ---
        owner = run.owner or new_owner_token()
        data = record.to_json()  # history, exports and snapshots keep every run
        run_id, error = await save_run(ctx, data, owner)
        saved = {
            "run_id": run_id,
            "snapshot_url": snapshot_url(request, run_id) if run_id else None,
            "owner_token": owner,
        }
        if error:
            saved["store_error"] = error
        out = {"prompt": prompt, "system_prompt": run.system, "results": data["results"], **saved}
        if "repeats" in data:
            repeats = data["repeats"]
            out.update(runs=repeats["runs"], summaries=repeats["summaries"], comparisons=repeats["comparisons"])
        return out

    return compare
