"""Repeat runs: each column runs K times one after another (copies at once would measure contention); columns
run together; Stop stops every remaining run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from providers.registry import Registry

from .metrics import Result
from .runner import Column, Comparison
from .tokens import TokenCounter


@dataclass
class RepeatedComparison:
    """`run()` gives each column's K results in order; `on_result(key, run, result)` hears each as it ends."""

    registry: Registry
    columns: list[Column]
    repeat: int
    on_result: Callable[[str, int, Result], None] | None = None
    runs: dict[str, list[Result]] = field(default_factory=dict)

    def __post_init__(self):
        self.counter = TokenCounter(self.registry)
        self._current: dict[str, Comparison] = {}
        self._tasks: list[asyncio.Task] = []
        self._stopped = False

    async def run(self) -> dict[str, list[Result]]:
        """Run every column's K runs; a `cancel()` meanwhile keeps what finished plus the partial run."""
        self.runs = {c.key: [] for c in self.columns}
        # SDK imports happen once, before any column starts, so the columns' first runs start together.
        await self.registry.prepare_clients([c.model_id for c in self.columns])
        self._tasks = [asyncio.create_task(self._column(c), name=f"repeat-{c.key}") for c in self.columns]
        try:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            await self.cancel()
        return self.runs

    async def cancel(self) -> None:
        """Stop the running run of every column and start no more."""
        self._stopped = True
        pending = [t for t in self._tasks if not t.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _column(self, column: Column) -> None:
        for k in range(1, self.repeat + 1):
            if self._stopped:
                return
            comparison = self._current[column.key] = Comparison(self.registry, [column], self.counter)
            try:
                result = (await comparison.run())[0]
            except asyncio.CancelledError:
                partial = comparison.results.get(column.key)
                if partial is not None:
                    self._keep(column.key, k, partial)
                raise
            self._keep(column.key, k, result)
            if result.stopped:
                return

    def _keep(self, key: str, k: int, result: Result) -> None:
        self.runs[key].append(result)
        if self.on_result is not None:
            self.on_result(key, k, result)
