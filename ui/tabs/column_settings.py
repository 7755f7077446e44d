"""Every column's model, system prompt choice, temperature and reasoning packed into one hidden text field.

The browser keeps the field current on each dropdown change (no server round trip), so Run sends one input instead
of 24: Gradio's page does work per event input before each request, and per input of every event that has run on
each status message after it. The field is in the DOM (visually hidden), so tests can wait for it to catch up."""

from __future__ import annotations

import json

import gradio as gr

from ui.names import N_SLOTS, SHARED_REASONING, SHARED_SYSTEM, SHARED_TEMPERATURE
from ui.web.assets import PACK_COLUMNS_JS


def pack_columns(models, systems, temperatures, reasoning=None) -> str:
    """The field's value for these settings, as PACK_COLUMNS_JS writes it."""
    reasoning = list(reasoning) if reasoning is not None else [SHARED_REASONING] * len(list(models))
    return json.dumps(
        {"models": list(models), "systems": list(systems), "temperatures": list(temperatures), "reasoning": reasoning}
    )


def unpack_columns(packed) -> tuple[list, list, list, list]:
    """(models, system choices, temperatures, reasoning), one per slot; blanks where the value is malformed."""
    try:
        packed = json.loads(packed) if isinstance(packed, str) else None
    except ValueError:
        packed = None
    packed = packed if isinstance(packed, dict) else {}

    def per_slot(key: str) -> list:
        values = packed.get(key)
        values = values[:N_SLOTS] if isinstance(values, list) else []
        return [v if isinstance(v, str) else "" for v in values] + [""] * (N_SLOTS - len(values))

    return per_slot("models"), per_slot("systems"), per_slot("temperatures"), per_slot("reasoning")


def column_settings_field(value: str, dropdowns: list, **event_options) -> gr.Textbox:
    """The hidden field, kept current from `dropdowns` (all models, system choices, temperatures, then reasoning)."""
    field = gr.Textbox(value, visible="hidden", elem_id="column-settings", show_label=False, container=False)
    gr.on([d.change for d in dropdowns], None, dropdowns, [field], js=PACK_COLUMNS_JS, **event_options)
    return field


def column_header(model: str, persona: str, temperature: str, reasoning: str) -> str:
    """A column's header as ui/web/static/hooks/headers.js writes it: "model · persona · temp t · reasoning r"."""
    persona = "shared prompt" if not persona or persona == SHARED_SYSTEM else persona
    parts = [(model or "").strip() or "no model", persona, f"temp {temperature or SHARED_TEMPERATURE}"]
    return " · ".join(parts + [f"reasoning {reasoning or SHARED_REASONING}"])
