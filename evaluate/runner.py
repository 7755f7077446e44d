"""Running an evaluation: every prompt × every column, then every pair judged in both orders, through the same engine
path as a Compare column, with a bounded number of requests in flight per provider; each answer and judgement is
kept as it finishes, and what was kept before (a resumed evaluation) is never asked again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from compare.column_stream import Column, ColumnStream
from compare.request import make_messages
from compare.result import Result
from compare.tokens import TokenCounter
from providers.base import Sampling
from providers.registry import Registry

from .judge import JUDGE_MAX_TOKENS, judge_messages, read_verdict
from .prompt_set import PromptRow
from .repository import EvaluationRepository, Judgement, StoredEvaluation

PER_PROVIDER = 4  # requests in flight per provider at once


@dataclass(frozen=True)
class Progress:
    """How far an evaluation is: work done of the total (answers and judge calls), and an estimate of time left."""

    done: int
    total: int
    seconds_left: float | None
    last: str = ""  # what just finished, as a short line

    @property
    def fraction(self) -> float:
        """Done as a share of the total."""
        return self.done / self.total if self.total else 1.0


@dataclass(frozen=True)
class Answered:
    """An answer finished (kept when it succeeded)."""

    prompt_id: str
    column: str
    result: Result


@dataclass(frozen=True)
class Judged:
    """A judge call finished (always kept, with its verdict or None)."""

    judgement: Judgement


EvaluationEvent = Progress | Answered | Judged


class EvaluationRun:
    """One evaluation's remaining work; `run(emit)` does it, `cancel()` stops it (what finished stays kept)."""

    def __init__(
        self,
        registry: Registry,
        repository: EvaluationRepository,
        stored: StoredEvaluation,
        counter: TokenCounter | None = None,
        pace: Callable[[], Awaitable[None]] | None = None,
        per_provider: int = PER_PROVIDER,
        client: str | None = None,
    ):
        self.registry, self.repository, self.stored = registry, repository, stored
        self.counter = counter or TokenCounter(registry)
        self.pace = pace  # awaited before each request: a demo's per-visitor budget
        self.client = client
        self._limits: dict[str, asyncio.Semaphore] = {}
        self._per_provider = per_provider
        self._tasks: list[asyncio.Task] = []
        self._emit: Callable[[EvaluationEvent], None] = lambda event: None
        spec = stored.spec
        self.total = spec.answers_total + spec.judgements_total
        self.done = len([r for r in stored.answers.values() if r.ok]) + len(stored.judgements)
        self._started, self._done_at_start = time.monotonic(), self.done

    async def run(self, emit: Callable[[EvaluationEvent], None] | None = None) -> StoredEvaluation:
        """Ask every answer and judge call not yet kept; returns the evaluation with everything that finished."""
        self._emit = emit or self._emit
        spec = self.stored.spec
        models = [c.model for c in spec.columns] + ([spec.judge] if spec.judge else [])
        await self.registry.prepare_clients(models)
        self._progress("")
        self._tasks = [asyncio.create_task(self._prompt(row)) for row in spec.prompts.rows]
        try:
            await asyncio.gather(*self._tasks)
        finally:
            await self.cancel()
        return self.stored

    async def cancel(self) -> None:
        """Stop every request in flight (closing upstream connections); nothing further starts."""
        pending = [t for t in self._tasks if not t.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _prompt(self, row: PromptRow) -> None:
        spec = self.stored.spec
        await asyncio.gather(*(self._answer(row, c.id) for c in spec.columns))
        if spec.judge:
            await asyncio.gather(*(self._judge(row, a, b, swapped) for a, b in spec.pairs for swapped in (False, True)))

    async def _answer(self, row: PromptRow, column_id: str) -> None:
        kept = self.stored.answers.get((row.id, column_id))
        if kept is not None and kept.ok:
            return  # asked before (a resumed evaluation): never paid for twice
        column = self.stored.spec.column_by_id[column_id]
        engine = Column(f"{row.id}/{column_id}", column.model, column.messages(row), column.sampling, self.client)
        result = await self._ask(engine)
        self.stored.answers[(row.id, column_id)] = result
        if result.ok:
            await asyncio.to_thread(self.repository.add_answer, self.stored.id, row.id, column_id, result)
        self._emit(Answered(row.id, column_id, result))
        self._step(f"{column_id} answered prompt {row.id}" + (f" (error: {result.error})" if result.error else ""))

    async def _judge(self, row: PromptRow, a: str, b: str, swapped: bool) -> None:
        spec = self.stored.spec
        if (row.id, a, b, swapped) in self.stored.judgements or spec.judge is None:
            return
        first, second = (b, a) if swapped else (a, b)
        shown_a, shown_b = self.stored.answers.get((row.id, first)), self.stored.answers.get((row.id, second))
        if shown_a is None or shown_b is None or not (shown_a.ok and shown_b.ok):
            self._step(f"prompt {row.id}: {a} vs {b} not judged (an answer failed)")
            return
        prompt, filled = judge_messages(row, shown_a.text, shown_b.text)
        messages = make_messages(filled, prompt.system)
        engine = Column(
            f"judge/{row.id}/{a}/{b}/{int(swapped)}",
            spec.judge,
            messages,
            Sampling(0.0, max_tokens=JUDGE_MAX_TOKENS),
            self.client,
        )
        result = await self._ask(engine)
        verdict = read_verdict(result.text) if result.ok else None
        judgement = Judgement(row.id, a, b, swapped, verdict, result)
        self.stored.judgements[(row.id, a, b, swapped)] = judgement
        await asyncio.to_thread(self.repository.add_judgement, self.stored.id, judgement)
        self._emit(Judged(judgement))
        self._step(f"judged prompt {row.id}: {a} vs {b}{' (swapped)' if swapped else ''}")

    async def _ask(self, column: Column) -> Result:
        """One request through the engine, within its provider's limit (and the demo's pace)."""
        provider = column.model_id.partition(":")[0]
        limit = self._limits.setdefault(provider, asyncio.Semaphore(self._per_provider))
        async with limit:
            if self.pace is not None:
                await self.pace()
            return await ColumnStream(self.registry, self.counter, column, lambda event: None).run()

    def _step(self, last: str) -> None:
        self.done += 1
        self._progress(last)

    def _progress(self, last: str) -> None:
        made = self.done - self._done_at_start
        elapsed = time.monotonic() - self._started
        left = (self.total - self.done) * elapsed / made if made else None
        self._emit(Progress(self.done, self.total, left, last))
