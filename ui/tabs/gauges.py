"""Before sending: how much of each column's context window its conversation would fill."""

from __future__ import annotations

from compare.request import make_messages
from ui.context import PageContext
from ui.names import N_SLOTS
from ui.render import context_gauge, escape_md
from ui.tabs.column_view import empty_history


def gauges(ctx: PageContext, prompt, system, n_columns, history, models, choices) -> list[str]:
    """Before sending: how much of each column's context window the conversation fills."""
    history = history or empty_history()
    out = []
    for slot in range(N_SLOTS):
        model = (models[slot] or "").strip() if slot < int(n_columns or 0) else ""
        if not model:
            out.append("")
            continue
        try:
            info = ctx.registry.info(model)
            messages = make_messages(prompt or "", ctx.system_for(choices[slot], system), history[slot])
            count = ctx.counter.count_messages(model, messages)
            gauge = context_gauge(count.count, info.context_window, count.exact)
            out.append(f"next request: {gauge}" if history[slot] else gauge)
        except Exception as exc:  # a gauge must never break typing
            out.append(f"<small>{type(exc).__name__}: cannot count tokens for {escape_md(model)}</small>")
    return out
