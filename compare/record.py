"""The run record: one run's prompt, settings, columns and results, as it is saved, downloaded and shown again.

Writers (the page, the API, the command line, pipelines) build a RunRecord and keep its JSON; readers (History,
snapshots, the Markdown report) read stored JSON back through `RunRecord.from_json`, which tolerates records saved
by older versions or edited by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from providers.base import Sampling

from .repeats import comparisons, summarize
from .result import Result

APP = "llm-compare"


def now_iso() -> str:
    """The current UTC time as records stamp it (milliseconds)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class ColumnRecord:
    """One column's settings as a saved run lists them."""

    slot: int  # 1-based, as the page numbers its columns
    model: str
    persona: str = "shared"  # the system prompt choice: a preset's name, "shared", or a pipeline step
    system_prompt: str = ""
    temperature: float | None = None
    reasoning: str | None = None
    prompt_template: str | None = None  # pipeline steps only

    def to_json(self) -> dict:
        """A JSON-ready dict; a pipeline step's template only when there is one."""
        data = {
            "slot": self.slot,
            "model": self.model,
            "persona": self.persona,
            "system_prompt": self.system_prompt,
            "temperature": self.temperature,
            "reasoning": self.reasoning,
        }
        return data if self.prompt_template is None else {**data, "prompt_template": self.prompt_template}


def run_parameters(sampling: Sampling) -> dict:
    """The run-wide parameters a record lists."""
    return {
        "temperature": sampling.temperature,
        "max_tokens": sampling.max_tokens,
        "top_p": sampling.top_p,
        "seed": sampling.seed,
        "reasoning": sampling.reasoning,
    }


@dataclass
class Repeats:
    """Every run of every column of a repeated run (`runs_per_column` asked for; a stopped column has fewer)."""

    runs_per_column: int
    runs: list[list[Result]]  # per column, in column order; run k is runs[column][k - 1]
    labels: list[str]  # each column's label, naming what differs between the columns

    @cached_property
    def summaries(self) -> list[dict]:
        """Each column's spread (median, p10, p90, min, max) per metric over its successful runs."""
        return [summarize(label, self._run_dicts(i)) for i, label in enumerate(self.labels)]

    @cached_property
    def comparisons(self) -> list[dict]:
        """Every pair of columns: better or within noise on first token, total and tokens/s."""
        return comparisons([(label, self._run_dicts(i)) for i, label in enumerate(self.labels)])

    def _run_dicts(self, column: int) -> list[dict]:
        return [{**r.to_json(), "run": k} for k, r in enumerate(self.runs[column], 1)]

    def to_json(self) -> dict:
        """What a saved run keeps: every run per column (each with its number), the summaries and the verdicts."""
        return {
            "runs_per_column": self.runs_per_column,
            "runs": [self._run_dicts(i) for i in range(len(self.runs))],
            "summaries": self.summaries,
            "comparisons": self.comparisons,
        }

    @classmethod
    def from_json(cls, data: dict, labels: list[str]) -> Repeats:
        """A stored repeats block read back (summaries and verdicts are recomputed from the runs)."""
        runs = [[Result.from_json(r) for r in column if isinstance(r, dict)] for column in data.get("runs") or []]
        per_column = data.get("runs_per_column")
        return cls(
            per_column if isinstance(per_column, int) else len(runs[0]) if runs else 1, runs, labels[: len(runs)]
        )


@dataclass
class RunRecord:
    """Everything about one run; it stays typed until it is written (to_json) or rendered."""

    prompt: str
    system_prompt: str
    parameters: dict
    columns: list[ColumnRecord]
    results: list[Result]
    started_at: str
    finished_at: str = field(default_factory=now_iso)
    repeats: Repeats | None = None  # every run per column, when each column ran more than once

    def to_json(self) -> dict:
        """The JSON the store keeps and the download holds."""
        data = {
            "app": APP,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "prompt": self.prompt,
            "system_prompt": self.system_prompt,
            "parameters": self.parameters,
            "columns": [c.to_json() for c in self.columns],
            "results": [r.to_json() for r in self.results],
        }
        return data if self.repeats is None else {**data, "repeats": self.repeats.to_json()}

    @classmethod
    def from_json(cls, data: dict) -> RunRecord:
        """A stored record read back: unknown fields ignored, missing ones defaulted, a result without settings
        given a bare column of its model."""
        results = [Result.from_json(r) for r in data.get("results") or [] if isinstance(r, dict)]
        columns = [column_of(c, i) for i, c in enumerate(data.get("columns") or [])]
        columns += [ColumnRecord(i + 1, r.model) for i, r in enumerate(results) if i >= len(columns)]
        params = data.get("parameters")
        repeats = data.get("repeats")
        record = cls(
            str(data.get("prompt") or ""),
            str(data.get("system_prompt") or ""),
            params if isinstance(params, dict) else {},
            columns,
            results,
            str(data.get("started_at") or ""),
            str(data.get("finished_at") or ""),
        )
        if isinstance(repeats, dict):
            record.repeats = Repeats.from_json(repeats, record.column_labels())
        return record

    def column_labels(self) -> list[str]:
        """Each column's label, naming what differs between the columns."""
        return column_labels([c.to_json() for c in self.columns[: len(self.results)]])

    def labels(self) -> list[str]:
        """ "#n label" per result, naming what differs between the columns."""
        return [f"#{i + 1} {label}" for i, label in enumerate(self.column_labels())]

    def column_index(self, slot: int) -> int | None:
        """The index in `columns` and `results` of the column in page slot `slot` (1-based), if it ran."""
        return next((i for i, c in enumerate(self.columns[: len(self.results)]) if c.slot == slot), None)


def column_of(data, index: int) -> ColumnRecord:
    """A stored column's settings (a bare column when they are not a dict)."""
    if not isinstance(data, dict):
        return ColumnRecord(index + 1, "?")
    slot = data.get("slot")
    return ColumnRecord(
        slot if isinstance(slot, int) else index + 1,
        str(data.get("model") or "?"),
        str(data.get("persona") or ""),
        str(data.get("system_prompt") or ""),
        data.get("temperature"),
        data.get("reasoning"),
        data.get("prompt_template"),
    )


def column_labels(columns: list[dict]) -> list[str]:
    """Labels naming each column's model and whatever differs between columns (persona, temperature, reasoning)."""

    def differs(key: str) -> bool:
        return len({str(c.get(key)) for c in columns}) > 1

    labels = []
    for c in columns:
        parts = [c.get("model", "?")]
        if differs("persona"):
            parts.append(str(c.get("persona") or "(shared)"))
        if differs("temperature"):
            parts.append(f"t={c['temperature']:g}" if isinstance(c.get("temperature"), (int, float)) else "t=default")
        if differs("reasoning"):
            parts.append(f"reasoning {c.get('reasoning') or 'default'}")
        labels.append(" · ".join(parts))
    # Still the same (identical settings, different runs): number them by column.
    return [
        f"{label} #{c.get('slot', i + 1)}" if labels.count(label) > 1 else label
        for i, (label, c) in enumerate(zip(labels, columns))
    ]
