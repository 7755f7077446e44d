"""The Compare tab's reply columns: each under a one-line header that unfolds its model, system prompt, temperature
and reasoning, then its reply, its figures and its context gauge."""

from dataclasses import dataclass, field

import gradio as gr

from ui.names import N_SLOTS, REASONING_CHOICES, SHARED_REASONING, SHARED_TEMPERATURE, TEMPERATURE_CHOICES
from ui.tabs.column_settings import column_header


@dataclass
class ReplyColumns:
    """Each slot's components, one list per kind, in slot order."""

    columns: list = field(default_factory=list)  # the gr.Column of each slot
    heads: list = field(default_factory=list)
    models: list = field(default_factory=list)
    personas: list = field(default_factory=list)
    temps: list = field(default_factory=list)
    reasonings: list = field(default_factory=list)
    replies: list = field(default_factory=list)
    metas: list = field(default_factory=list)
    gauges: list = field(default_factory=list)


def lay_out_reply_columns(defaults: list, choices: list[str], system_choices: list[str]) -> ReplyColumns:
    """Create every slot's column (the first two shown) inside the current Blocks."""
    slots = ReplyColumns()
    cols, heads, model_dds, system_dds, temp_nums, reason_dds = (
        slots.columns,
        slots.heads,
        slots.models,
        slots.personas,
        slots.temps,
        slots.reasonings,
    )
    gauge_mds, meta_mds, reply_mds = slots.gauges, slots.metas, slots.replies
    with gr.Row(elem_id="columns"):
        for slot in range(N_SLOTS):
            model, persona = defaults[slot]
            with gr.Column(
                min_width=120, visible=slot < 2, elem_classes=["model-column"], elem_id=f"col-{slot}"
            ) as col:
                heads.append(
                    gr.Button(
                        column_header(model, persona, SHARED_TEMPERATURE, SHARED_REASONING),
                        size="sm",
                        elem_id=f"head-{slot}",
                        elem_classes=["col-head"],
                    )
                )
                with gr.Group(elem_classes=["col-settings"], elem_id=f"settings-{slot}"):
                    model_dds.append(
                        gr.Dropdown(
                            choices,
                            value=model,
                            label=f"Model {slot + 1}",
                            allow_custom_value=True,
                            elem_id=f"model-{slot}",
                        )
                    )
                    with gr.Row():
                        system_dds.append(
                            gr.Dropdown(
                                system_choices,
                                value=persona,
                                label="System prompt",
                                elem_id=f"persona-{slot}",
                                scale=3,
                                min_width=130,
                            )
                        )
                        temp_nums.append(
                            gr.Dropdown(
                                TEMPERATURE_CHOICES,
                                value=SHARED_TEMPERATURE,
                                label="Temperature",
                                allow_custom_value=True,
                                scale=2,
                                min_width=100,
                                elem_id=f"temp-{slot}",
                            )
                        )
                        reason_dds.append(
                            gr.Dropdown(
                                [SHARED_REASONING] + REASONING_CHOICES,
                                value=SHARED_REASONING,
                                label="Reasoning",
                                scale=2,
                                min_width=100,
                                elem_id=f"reason-{slot}",
                            )
                        )
                reply_mds.append(gr.Markdown(elem_classes=["reply"], elem_id=f"reply-{slot}", buttons=["copy"]))
                meta_mds.append(gr.Markdown(elem_classes=["meta"], elem_id=f"meta-{slot}"))
                gauge_mds.append(gr.Markdown(elem_classes=["gauge"], elem_id=f"gauge-{slot}"))
            cols.append(col)
    return slots
