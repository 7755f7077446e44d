"""The run record: one run's prompt, settings, columns and results, as it is saved, downloaded and shown again.

Writers (the page, the API, the command line, pipelines) build a RunRecord and keep its JSON; readers (History,
snapshots, the Markdown report) read stored JSON back through `RunRecord.from_json`, which tolerates records saved
by older versions or edited by hand."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime

from providers.base import Sampling

from .metrics import Result

APP = "llm-compare"
_RESULT_FIELDS = {f.name for f in fields(Result)}


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


def shared_columns(ids: list[str], system: str, sampling: Sampling) -> list[ColumnRecord]:
    """Columns that all use the shared system prompt and sampling (the API's and the command line's runs)."""
    return [
        ColumnRecord(i + 1, m, "shared", system, sampling.temperature, sampling.reasoning) for i, m in enumerate(ids)
    ]


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
class RunRecord:
    """Everything about one run."""

    prompt: str
    system_prompt: str
    parameters: dict
    columns: list[ColumnRecord]
    results: list[Result]
    started_at: str
    finished_at: str = field(default_factory=now_iso)
    repeats: dict | None = None  # every run per column, summaries and verdicts (compare.repeat_block)

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
        return data if self.repeats is None else {**data, "repeats": self.repeats}

    @classmethod
    def from_json(cls, data: dict) -> RunRecord:
        """A stored record read back: unknown fields ignored, missing ones defaulted, a result without settings
        given a bare column of its model."""
        results = [result_of(r) for r in data.get("results") or [] if isinstance(r, dict)]
        columns = [column_of(c, i) for i, c in enumerate(data.get("columns") or [])]
        columns += [ColumnRecord(i + 1, r.model) for i, r in enumerate(results) if i >= len(columns)]
        params = data.get("parameters")
        repeats = data.get("repeats")
        return cls(
            str(data.get("prompt") or ""),
            str(data.get("system_prompt") or ""),
            params if isinstance(params, dict) else {},
            columns,
            results,
            str(data.get("started_at") or ""),
            str(data.get("finished_at") or ""),
            repeats if isinstance(repeats, dict) else None,
        )

    def labels(self) -> list[str]:
        """ "#n label" per result, naming what differs between the columns."""
        shown = column_labels([c.to_json() for c in self.columns[: len(self.results)]])
        return [f"#{i + 1} {label}" for i, label in enumerate(shown)]


def result_of(data: dict) -> Result:
    """A stored result dict as a Result (fields it does not know are ignored)."""
    return Result(**{"column": "", "model": "?", **{k: v for k, v in data.items() if k in _RESULT_FIELDS}})


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
