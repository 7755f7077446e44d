"""Named API endpoints (visible on Gradio's "Use via API" page)."""

import gradio as gr

from compare import Column, Comparison, make_messages
from compare.validate import InputError, check_models, check_params, check_prompt, check_reasoning

from .context import PageContext


def make_compare_api(ctx: PageContext):
    """The `compare` endpoint bound to this app's registry and limits."""

    async def compare(prompt: str, system_prompt: str, models: list[str], temperature: float = 0.7,
                      max_tokens: int = 256, reasoning: str | None = None, request: gr.Request = None) -> dict:
        """Send one prompt to several models at once; returns each reply (and thinking) with its metrics.

        reasoning: "off", "low", "medium" or "high" for reasoning models; blank or "default" keeps each provider's own.
        """
        opts = ctx.options
        try:
            check_prompt(prompt, opts.prompt_cap)
            max_tokens = None if max_tokens is None else int(max_tokens)
            if opts.tokens_cap and max_tokens is None:  # a blank cap must not walk around the demo's limit
                max_tokens = opts.tokens_cap
            check_params(temperature, max_tokens, None, None, opts.tokens_cap)
            reasoning = check_reasoning(reasoning)
            ids = check_models(ctx.registry, list(models or []), opts.models_cap)
            session = getattr(request, "session_hash", None) or "api"
            if opts.demo_caps and (limited := ctx.limiter.check(session)):
                raise InputError(limited)
        except (InputError, ValueError, TypeError) as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        messages = make_messages(prompt, system_prompt)
        columns = [Column(str(i), m, messages, temperature, None, max_tokens, None, reasoning) for i, m in enumerate(ids)]
        results = await Comparison(ctx.registry, columns, ctx.counter).run()
        return {"prompt": prompt, "system_prompt": system_prompt, "results": [r.to_json() for r in results]}

    return compare
