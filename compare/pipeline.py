"""Pipelines (generate, then transform): each step is a one-column Comparison fed the previous step's reply."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field

from providers.base import Sampling
from providers.registry import Registry

from .coalesce import BatchQueue, coalesced
from .column_stream import Column, Event
from .record import ColumnRecord, RunRecord
from .request import make_messages
from .result import Result
from .runner import Comparison, is_urgent
from .tokens import TokenCounter

_PLACEHOLDER = re.compile(r"\{(input|previous)\}")


@dataclass(frozen=True)
class StepSpec:
    """One step shared by every pipeline: its system prompt and a user-prompt template ({input}, {previous})."""

    system: str = ""
    template: str = "{previous}"
    title: str = ""


@dataclass(frozen=True)
class PipelineSpec:
    """One pipeline: a key and the model id used at each step."""

    key: str
    models: tuple[str, ...]


@dataclass
class PipelineResult:
    """Each step's Result (steps that never ran are absent) and totals that are plain sums of them."""

    key: str
    models: tuple[str, ...]
    steps: list[Result] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        """The first failing step's error, prefixed with its step number."""
        for i, r in enumerate(self.steps):
            if r.error:
                return f"step {i + 1}: {r.error}"
        return None

    @property
    def stopped(self) -> bool:
        """Whether any step was cancelled."""
        return any(r.stopped for r in self.steps)

    @property
    def complete(self) -> bool:
        """Every step ran to the end without error."""
        return len(self.steps) == len(self.models) and not self.error and not self.stopped

    @property
    def text(self) -> str:
        """The last step's reply (the pipeline's output)."""
        return self.steps[-1].text if self.steps else ""

    def totals(self) -> dict:
        """Summed input/output tokens, time (step totals added) and cost (None if any step's cost is unknown)."""

        def total(name):
            values = [getattr(r, name) for r in self.steps]
            return None if not values or any(v is None for v in values) else sum(values)

        return {
            "input_tokens": total("input_tokens"),
            "output_tokens": total("output_tokens"),
            "total_s": total("total_s"),
            "cost_usd": total("cost_usd"),
            "tokens_exact": bool(self.steps) and all(r.tokens_exact for r in self.steps),
        }

    def to_json(self) -> dict:
        """A JSON-ready dict for the API."""
        return {
            "key": self.key,
            "models": list(self.models),
            "complete": self.complete,
            "error": self.error,
            "stopped": self.stopped,
            "text": self.text,
            "steps": [r.to_json() for r in self.steps],
            "totals": self.totals(),
        }


@dataclass(frozen=True)
class PipelineDone:
    """A pipeline has ended (completed, failed at some step, or stopped)."""

    result: PipelineResult


PipelineEvent = Event | PipelineDone
PipelineItem = tuple[str, int | None, PipelineEvent]  # (pipeline key, step index or None, event)


def render_template(template: str, text: str, previous: str) -> str:
    """Fill {input} and {previous} in one pass (so braces inside replies are never re-expanded)."""
    if "{previous}" not in template and "{input}" not in template:
        template = f"{template.rstrip()}\n\n{{previous}}" if template.strip() else "{previous}"
    return _PLACEHOLDER.sub(lambda m: text if m.group(1) == "input" else previous, template)


class PipelineRun:
    """Runs several pipelines at once; iterate events() or batches(), or run(); cancel() stops every step."""

    def __init__(
        self,
        registry: Registry,
        pipelines: list[PipelineSpec],
        steps: list[StepSpec],
        text: str,
        counter: TokenCounter | None = None,
        sampling: Sampling | None = None,
    ):
        for p in pipelines:
            if len(p.models) != len(steps):
                raise ValueError(f"pipeline {p.key} has {len(p.models)} models for {len(steps)} steps")
        self.registry, self.pipelines, self.steps, self.text = registry, pipelines, steps, text
        self.counter = counter or TokenCounter(registry)
        self.sampling = sampling or Sampling()
        self.results: dict[str, PipelineResult] = {p.key: PipelineResult(p.key, p.models) for p in pipelines}
        self._current: dict[str, tuple[int, Comparison]] = {}
        self._tasks: list[asyncio.Task] = []

    async def _run_pipeline(self, spec: PipelineSpec, queue: BatchQueue[PipelineItem]) -> None:
        result = self.results[spec.key]
        previous = self.text
        try:
            for index, (step, model) in enumerate(zip(self.steps, spec.models)):
                prompt = render_template(step.template, self.text, previous)
                column = Column(f"{spec.key}/{index}", model, make_messages(prompt, step.system), self.sampling)
                comparison = Comparison(self.registry, [column], self.counter)
                self._current[spec.key] = (index, comparison)
                try:
                    async for _, _, event in comparison.events():
                        queue.put_nowait((spec.key, index, event))
                finally:
                    # a cancelled step keeps its partial reply as a stopped Result
                    if column.key in comparison.results:
                        result.steps.append(comparison.results[column.key])
                step_result = result.steps[-1]
                if step_result.error or step_result.stopped:
                    break
                previous = step_result.text
        finally:
            queue.put_nowait((spec.key, None, PipelineDone(result)))

    def _start(self) -> BatchQueue[PipelineItem]:
        queue: BatchQueue[PipelineItem] = BatchQueue(_urgent)
        self._tasks = [
            asyncio.create_task(self._run_pipeline(p, queue), name=f"pipeline-{p.key}") for p in self.pipelines
        ]
        return queue

    async def events(self) -> AsyncIterator[PipelineItem]:
        """Yield (pipeline key, step index, event); PipelineDone comes with step None. Closing cancels everything."""
        async with aclosing(self.batches(0)) as batches:
            async for batch in batches:
                for item in batch:
                    yield item

    async def batches(self, interval: float = 0.05) -> AsyncGenerator[list[PipelineItem], None]:
        """Events coalesced to at most one list per interval; first tokens and state changes go out at once."""
        queue = self._start()
        try:
            async for batch in coalesced(queue, len(self._tasks), _is_done, interval):
                yield batch
        finally:
            await self.cancel()

    async def run(self) -> list[PipelineResult]:
        """Run every pipeline to its end; results in pipeline order."""
        async for _ in self.events():
            pass
        return [self.results[p.key] for p in self.pipelines]

    async def cancel(self) -> list[PipelineResult]:
        """Stop every pipeline, closing the running step's upstream stream; later steps never start."""
        pending = [t for t in self._tasks if not t.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        return [self.results[p.key] for p in self.pipelines]

    def record(self, started_at: str) -> RunRecord:
        """The run's record: each step of each pipeline is a column (model, its system prompt, its prompt)."""
        temperature, max_tokens = self.sampling.temperature, self.sampling.max_tokens
        columns: list[ColumnRecord] = []
        results: list[Result] = []
        for spec in self.pipelines:
            for index, result in enumerate(self.results[spec.key].steps):
                step, persona = self.steps[index], f"pipeline {int(spec.key) + 1} · step {index + 1}"
                columns.append(
                    ColumnRecord(len(columns) + 1, result.model, persona, step.system, temperature, None, step.template)
                )
                results.append(result)
        params = {"temperature": temperature, "max_tokens": max_tokens, "top_p": None, "seed": None}
        return RunRecord(self.text, "", params, columns, results, started_at)

    def live_ttft(self, key: str, step: int) -> float | None:
        """A running step's time to first token, once it has one."""
        current = self._current.get(key)
        return current[1].live_ttft(f"{key}/{step}") if current is not None and current[0] == step else None


def _urgent(item: PipelineItem) -> bool:
    return isinstance(item[2], PipelineDone) or is_urgent(item[2])


def _is_done(item: PipelineItem) -> bool:
    return isinstance(item[2], PipelineDone)
