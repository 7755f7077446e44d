"""The Compare tab by name: its components (CompareView) and a named change to them (CompareUpdate).

Handlers return a CompareUpdate, which knows nothing of Gradio components, so they can be tested on their own;
the wiring turns it into Gradio's {component: value} form with `CompareView.apply`. Nothing counts output
positions: a field left at KEEP is simply not sent, and a list shorter than the columns changes only the first
ones."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from gradio import skip
from gradio.blocks import Block


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()  # leave this part of the page as it is


@dataclass
class CompareUpdate:
    """New values for some of the Compare tab's parts (named as on CompareView); KEEP leaves a part alone."""

    prompt: Any = KEEP
    system: Any = KEEP
    temperature: Any = KEEP
    max_tokens: Any = KEEP
    n_columns: Any = KEEP
    preset: Any = KEEP
    banner: Any = KEEP
    history: Any = KEEP  # each column's conversation (gr.State)
    record: Any = KEEP  # the last run's record (gr.State)
    column_settings: Any = KEEP  # the packed per-column settings the run reads
    run_switch: Any = KEEP
    results: Any = KEEP  # the results panel's column
    summary: Any = KEEP
    json_file: Any = KEEP
    md_file: Any = KEEP
    dots: Any = KEEP
    run_done: Any = KEEP
    # one value per column, first column first
    models: Any = KEEP
    personas: Any = KEEP
    temps: Any = KEEP
    reasonings: Any = KEEP
    replies: Any = KEEP
    metas: Any = KEEP
    plots: Any = KEEP  # one per chart

    def named(self) -> dict[str, Any]:
        """The parts this update changes, by name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not KEEP}


@dataclass
class CompareView:
    """The Compare tab's components by name, and the run event's wiring that other tabs reuse."""

    prompt: Any
    system: Any
    temperature: Any
    max_tokens: Any
    top_p: Any
    seed: Any
    reasoning: Any
    repeat: Any
    n_columns: Any
    preset: Any
    scroll_sync: Any
    run_btn: Any
    stop_btn: Any
    clear_btn: Any
    banner: Any
    run_switch: Any
    history: Any
    record: Any
    column_settings: Any
    results: Any
    summary: Any
    plots: list
    dots: Any
    json_file: Any
    md_file: Any
    run_done: Any
    columns: list  # the gr.Column of each slot
    heads: list
    models: list
    personas: list
    temps: list
    reasonings: list
    replies: list
    metas: list
    gauges: list
    run: tuple = ()  # (handler, inputs, outputs) of a Compare run, for steps that start one (lessons)
    run_options: dict = field(default_factory=dict)
    run_events: list = field(default_factory=list)  # every event that runs a comparison: results and History follow
    finalize: Any = None  # the results step chained after each of run_events (ui.tabs.run_end)

    def targets(self, *names: str) -> list:
        """The components behind `names`, a per-column name giving all its columns' components."""
        out = []
        for name in names:
            part = getattr(self, name)
            out += part if isinstance(part, list) else [part]
        return out

    def by_name(self, values: dict) -> dict[str, Any]:
        """Gradio's {component: value} (an event whose inputs are a set) as {name: value}, for single components."""
        names = {getattr(self, f.name): f.name for f in fields(self) if isinstance(getattr(self, f.name), Block)}
        return {names[component]: value for component, value in values.items() if component in names}

    def apply(self, update: CompareUpdate) -> dict:
        """`update` as Gradio's {component: value}."""
        out = {}
        for name, value in update.named().items():
            part = getattr(self, name)
            if isinstance(part, list):
                out.update(zip(part, value))
            else:
                out[part] = value
        return out or skip()  # Gradio reads an empty dict as one value for every output; skip() leaves them all


FRAME = ("replies", "metas", "banner", "history", "record")  # what a streaming run updates
