"""One run request: what every entry point (page, API, command line, arena, pipelines) asks the engine to run,
built and checked here once, from raw input, with one clear message for anything wrong."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from providers.base import Message, Sampling
from providers.registry import Registry

from .presets import Preset
from .record import ColumnRecord, Repeats, RunRecord, column_labels, run_parameters
from .result import Result
from .runner import Column
from .validate import (
    MAX_MODELS,
    InputError,
    as_model_ids,
    as_number,
    as_text,
    check_models,
    check_params,
    check_prompt,
    check_reasoning,
    check_repeat,
    check_text_cap,
)

SHARED = "shared"  # a column setting that follows the run's shared one
SHARED_PERSONA = "(shared)"  # the page's name for "the shared system prompt"
LABELS = {
    "prompt": "The prompt",
    "system": "The system prompt",
    "temperature": "Temperature",
    "top_p": "top_p",
    "max_tokens": "Max tokens",
    "seed": "Seed",
    "reasoning": "Reasoning",
    "owner": "owner",
}


@dataclass(frozen=True)
class Limits:
    """What one request may ask for; None is no cap (demo limits set them: ui/web/safety.py)."""

    prompt_chars: int | None = None  # each free-text field: the prompt, the system prompt, a template
    conversation_chars: int | None = None  # everything one column sends: system prompt, earlier turns and prompt
    max_tokens: int | None = None
    models: int = MAX_MODELS


@dataclass(frozen=True)
class ColumnSpec:
    """One column as the user set it up: its slot, model, system prompt (and the choice it came from), sampling,
    and its own earlier conversation."""

    slot: int
    model: str
    system: str
    sampling: Sampling
    persona: str = SHARED  # the system prompt choice as a label: a preset's name, or "shared"
    history: tuple[Message, ...] = ()

    def messages(self, prompt: str) -> tuple[Message, ...]:
        """System prompt first (if any), then earlier turns, then the new user prompt."""
        return make_messages(prompt, self.system, self.history)

    def record(self, model: str | None = None) -> ColumnRecord:
        """The column as a saved run lists it, with the model that answered."""
        return ColumnRecord(
            self.slot + 1,
            model or self.model,
            self.persona,
            self.system,
            self.sampling.temperature,
            self.sampling.reasoning,
        )


@dataclass(frozen=True)
class RunRequest:
    """A checked request: one prompt for several columns, run `repeat` times each, for `owner` (the saved run's
    owner token, if given) and `visitor` (who asked: demo limits and fair turns on the embedded model)."""

    prompt: str
    system: str
    columns: tuple[ColumnSpec, ...]
    sampling: Sampling  # the shared settings, as the saved run lists them
    repeat: int = 1
    owner: str | None = None
    visitor: str | None = None

    def engine_columns(self) -> list[Column]:
        """What the engine runs: one Column per column, keyed by its slot."""
        return [Column(str(c.slot), c.model, c.messages(self.prompt), c.sampling, self.visitor) for c in self.columns]

    @property
    def upstream_requests(self) -> int:
        """How many model requests this run sends (what a demo's budget counts)."""
        return len(self.columns) * self.repeat

    @property
    def model_ids(self) -> list[str]:
        """Each column's model id, in column order."""
        return [c.model for c in self.columns]

    def labels(self) -> dict[str, str]:
        """Engine column key -> a label naming the column's model and whatever differs between the columns."""
        shown = column_labels([c.record().to_json() for c in self.columns])
        return {str(c.slot): label for c, label in zip(self.columns, shown)}

    def record(self, runs: Mapping[str, list[Result]], started_at: str) -> RunRecord:
        """The run record of this request's runs (keyed as engine_columns): each column's first run as its result,
        and every run when each column ran more than once."""
        ran = [(c, runs[str(c.slot)]) for c in self.columns if runs.get(str(c.slot))]
        record = RunRecord(
            self.prompt,
            self.system,
            run_parameters(self.sampling),
            [c.record(column_runs[0].model) for c, column_runs in ran],
            [column_runs[0] for _, column_runs in ran],
            started_at,
        )
        if self.repeat > 1:
            record.repeats = Repeats(self.repeat, [column_runs for _, column_runs in ran], record.column_labels())
        return record


@dataclass(frozen=True)
class RequestCheck:
    """How to check raw input: the caps, the presets a persona may name, the field names the caller shows, and
    whether every model must be usable now (False: a model that cannot run says why in its own column)."""

    limits: Limits = Limits()
    presets: Mapping[str, Preset] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    available_only: bool = True

    def label(self, name: str) -> str:
        """The caller's name for a field."""
        return self.labels.get(name, LABELS.get(name, name))


def make_messages(prompt: str, system: str | None = None, history: Sequence[Message] = ()) -> tuple[Message, ...]:
    """System prompt first (if any), then earlier turns, then the new user prompt."""
    head = (Message("system", system),) if system and system.strip() else ()
    return head + tuple(history) + (Message("user", prompt),)


def build_request(raw: Mapping[str, Any], registry: Registry, check: RequestCheck = RequestCheck()) -> RunRequest:
    """A RunRequest from raw input, or InputError with one sentence that says what to fix.

    raw keys: prompt, system, temperature, top_p, max_tokens, seed, reasoning, repeat, owner, visitor; then either
    models (ids, every column on the shared settings) or columns (dicts of model, persona, temperature, reasoning,
    history), optionally cut to n_columns."""
    limits = check.limits
    prompt = check_prompt(raw.get("prompt"), limits.prompt_chars)
    system = check_text_cap(check.label("system"), as_text(check.label("system"), raw.get("system")), limits)
    sampling = build_sampling(raw, check)
    repeat = check_repeat(1 if raw.get("repeat") in (None, "") else raw["repeat"])
    owner = as_text(check.label("owner"), raw.get("owner")) or None
    raw_columns = _raw_columns(raw, limits)
    if check.available_only:
        check_models(registry, [str(c.get("model") or "") for c in raw_columns], limits.models)
    columns = tuple(_column(i, c, system, sampling, check) for i, c in enumerate(raw_columns))
    request = RunRequest(prompt, system, columns, sampling, repeat, owner, raw.get("visitor"))
    check_conversations(request, limits)
    return request


def build_sampling(raw: Mapping[str, Any], check: RequestCheck = RequestCheck()) -> Sampling:
    """The shared sampling settings: each a number in range or blank; blank max tokens is the demo's cap."""
    names = ("temperature", "max_tokens", "top_p", "seed")
    values = {n: as_number(check.label(n), raw.get(n)) for n in names}
    if check.limits.max_tokens and values["max_tokens"] is None:  # a blank cap must not walk around the limit
        values["max_tokens"] = check.limits.max_tokens
    check_params(**values, max_tokens_cap=check.limits.max_tokens)
    whole = {n: None if values[n] is None else int(values[n]) for n in ("max_tokens", "seed")}
    reasoning = check_reasoning(as_text(check.label("reasoning"), raw.get("reasoning")), check.label("reasoning"))
    return Sampling(values["temperature"], values["top_p"], whole["max_tokens"], whole["seed"], reasoning)


def _raw_columns(raw: Mapping[str, Any], limits: Limits) -> list[dict]:
    """The columns asked for, as dicts: `models` gives shared columns; `columns` may be cut to `n_columns`."""
    if "columns" not in raw:
        return [{"model": m} for m in as_model_ids(raw.get("models"))]
    columns = raw.get("columns")
    columns = [c if isinstance(c, dict) else {} for c in columns] if isinstance(columns, (list, tuple)) else []
    if "n_columns" in raw:
        n = as_number("Columns", raw.get("n_columns")) or 0
        if n != int(n) or not 1 <= n <= limits.models:
            raise InputError(f"Choose between 1 and {limits.models} columns.")
        columns = (columns + [{}] * int(n))[: int(n)]
    return columns


def _column(index: int, raw: dict, system: str, shared: Sampling, check: RequestCheck) -> ColumnSpec:
    """One column: its model, its system prompt (a preset's or the shared one), temperature and reasoning."""
    where = f"Column {index + 1}"
    model = str(raw.get("model") or "").strip()
    if not model:
        raise InputError(f"{where} has no model: pick one (local:smollm2 needs no key).")
    own = "" if raw.get("temperature") is None else str(raw["temperature"]).strip()
    try:
        temperature = shared.temperature if own in ("", SHARED) else float(own)
    except ValueError:
        raise InputError(f"{where}: temperature {own!r} is not a number.") from None
    check_params(temperature)
    level = str(raw.get("reasoning") or "").strip()
    reasoning = shared.reasoning if level in ("", SHARED) else check_reasoning(level, f"{where}: reasoning")
    choice = str(raw.get("persona") or "").strip()
    persona = SHARED if choice in ("", SHARED, SHARED_PERSONA) else choice
    preset = check.presets.get(choice)
    if "system" in raw:  # the column's own system prompt, spelled out (a re-run, a setup)
        system = check_text_cap(f"{where}: the system prompt", as_text(f"{where}: system", raw["system"]), check.limits)
    elif preset is not None:
        system = preset.system
    history = tuple(raw.get("history") or ())
    sampling = Sampling(temperature, shared.top_p, shared.max_tokens, shared.seed, reasoning)
    return ColumnSpec(index, model, system, sampling, persona, history)


def check_conversations(request: RunRequest, limits: Limits) -> None:
    """Each column's whole conversation (system prompt, earlier turns a follow-up re-sends, prompt) within the cap."""
    cap = limits.conversation_chars
    if cap is None:
        return
    for column in request.columns:
        size = sum(len(m.content) for m in column.messages(request.prompt))
        if size > cap:
            raise InputError(
                f"Column {column.slot + 1}'s conversation would send {size:,} characters; this demo allows at most "
                f"{cap:,} per column. Press Clear to start a new conversation."
            )
