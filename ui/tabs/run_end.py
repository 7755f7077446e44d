"""The one step chained after each Compare run and re-run: every part that must follow a run (show the results,
keep the run in History) done in a single server round trip."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gradio as gr


@dataclass
class RunEndPart:
    """One thing done after a run: `fn(request, *inputs)` returns {component: value} for the outputs it changes."""

    fn: Callable[..., Any]
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)


async def _call(part: RunEndPart, request: gr.Request, args) -> dict:
    if inspect.iscoroutinefunction(part.fn):
        return await part.fn(request, *args)
    # sync parts write files and build charts: off the event loop that streams other visitors' runs
    return await asyncio.to_thread(part.fn, request, *args)


def chain_run_end(events: list, parts: list[RunEndPart], **options) -> list:
    """Chain one step after each of `events` that runs `parts` in order; returns the chained events.

    Each step chained after a streaming event costs the browser a round trip and the server a queue slot while the
    next run may already be starting, so everything that follows a run shares one."""
    inputs = [c for p in parts for c in p.inputs]
    outputs = [c for p in parts for c in p.outputs]

    async def after_run(request: gr.Request, *values):
        out, at = {}, 0
        for part in parts:
            out.update(await _call(part, request, values[at : at + len(part.inputs)]))
            at += len(part.inputs)
        return out or gr.skip()  # Gradio reads an empty dict as one value for all the outputs

    return [event.then(after_run, inputs, outputs, **options) for event in events]
