"""The Compare tab's note on unavailable providers and its table of every model, available or not."""

from __future__ import annotations

from ui.context import PageContext
from ui.render import escape_md

MODELS_HEADERS = ["model", "available", "why not", "context window", "$/M in", "$/M out"]
# Fixed widths: the notes wrap inside their column instead of pushing the prices out of view at 1366 px, and on a
# phone the table scrolls sideways instead of squeezing headers letter by letter.
MODELS_WIDTHS = ["200px", "100px", "560px", "140px", "100px", "100px"]


def unavailable_summary(ctx: PageContext) -> str:
    """One line naming the providers that cannot be used now, grouped by what would fix them, and failed model lists."""
    keys, down, other = {}, {}, {}
    for m in ctx.models:
        reason = m.reason or ""
        if m.available or m.provider in keys or m.provider in down or m.provider in other:
            continue
        if reason.startswith("set ") and reason.endswith(" in .env"):
            keys[m.provider] = reason[4:-8]
        elif "not running" in reason or "did not answer" in reason:
            down[m.provider] = reason
        else:
            other[m.provider] = reason
    parts = []
    if keys:
        parts.append("need a key in .env: " + ", ".join(f"{p} ({k})" for p, k in keys.items()))
    if down:
        parts.append("no server running: " + ", ".join(down))
    if other:
        parts.append("; ".join(f"{p}: {escape_md(r)}" for p, r in other.items()))
    lines = [f"Not selectable now — {' · '.join(parts)}. Details under *Models* below."] if parts else []
    listing = getattr(ctx.registry, "listing_notes", {})
    if listing:
        lines.append("Model lists — " + " · ".join(f"{p}: {escape_md(n)}" for p, n in listing.items()))
    return f"<small>{'<br>'.join(lines)}</small>" if lines else ""


def models_rows(ctx: PageContext) -> list[list]:
    """Model, available, why not (or, when usable, its notes), window, prices.

    A usable model's notes: a failed model list, why its price is unknown.
    """
    return [
        [
            m.id,
            "yes" if m.available else "no",
            (m.reason or "") if not m.available else "; ".join(n for n in (m.note, m.price_note) if n),
            m.context_window,
            m.input_per_m,
            m.output_per_m,
        ]
        for m in ctx.models
    ]
