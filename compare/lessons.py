"""Guided lessons loaded from data files in prompts/lessons (one JSON file per lesson)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from providers.base import ConfigError

LESSONS_DIR = Path(__file__).resolve().parent.parent / "prompts" / "lessons"
ACTIONS = ("compare", "tokens", "context", "pipeline")
ROLES = ("local", "open", "cloud")
FALLBACK_MODEL = "local:smollm2"
MAX_COLUMNS, MAX_PIPELINES = 8, 4


@dataclass(frozen=True)
class Lesson:
    """A few sentences of explanation and the setup one click runs (what the setup holds depends on action)."""

    name: str
    title: str
    explanation: str
    action: str
    setup: dict
    source: str = ""


def load_lesson(path: Path, preset_names: set[str] | None = None) -> Lesson:
    """Read and check one lesson file; any problem raises ConfigError naming the file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path.name}: cannot read lesson file ({exc.strerror}).") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path.name}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path.name}: not UTF-8 text.") from None
    try:
        return _parse(data, path, preset_names)
    except _Invalid as exc:
        raise ConfigError(f"{path.name}: {exc}") from None


def load_lessons(folder: Path = LESSONS_DIR, preset_names: set[str] | None = None) -> list[Lesson]:
    """Every lesson in the folder, in file-name order; the first bad file raises ConfigError."""
    return [load_lesson(p, preset_names) for p in sorted(Path(folder).glob("*.json"))]


def load_lessons_lenient(
    folder: Path = LESSONS_DIR, preset_names: set[str] | None = None
) -> tuple[list[Lesson], list[str]]:
    """(good lessons, one error message per bad file) so one broken file does not hide the rest."""
    lessons, errors = [], []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            lessons.append(load_lesson(path, preset_names))
        except ConfigError as exc:
            errors.append(str(exc))
    return lessons, errors


class _Invalid(ValueError):
    pass


def _text(data: dict, key: str, where: str = "", required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(
            f"{where}missing text field {key!r}." if value is None else f"{where}{key!r} must be non-empty text."
        )
    return value


def _number(data: dict, key: str, low: float, high: float, where: str = "", integer: bool = False):
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)) or not low <= value <= high:
        kind = "a whole number" if integer else "a number"
        raise _Invalid(f"{where}{key!r} must be {kind} from {low:g} to {high:g} (got {value!r}).")
    return value


def _model(value, where: str) -> str:
    if not isinstance(value, str) or not (value in ROLES or ":" in value):
        raise _Invalid(f"{where}model {value!r} should be one of {', '.join(ROLES)} or an id like openai:gpt-4o-mini.")
    return value


def _parse(data, path: Path, preset_names: set[str] | None) -> Lesson:
    if not isinstance(data, dict):
        raise _Invalid("expected a JSON object with title, explanation, action and setup.")
    title, explanation = _text(data, "title") or "", _text(data, "explanation") or ""
    action = data.get("action")
    if action not in ACTIONS:
        raise _Invalid(f"'action' must be one of {', '.join(ACTIONS)} (got {action!r}).")
    setup = data.get("setup")
    if not isinstance(setup, dict):
        raise _Invalid("missing object field 'setup'.")
    _number(setup, "max_tokens", 1, 32768, "setup: ", integer=True)
    if action == "compare":
        _check_compare(setup, preset_names)
    elif action == "tokens":
        _text(setup, "text", "setup: ")
    elif action == "context":
        _text(setup, "text", "setup: ")
        _number(setup, "reply_tokens", 1, 1_000_000, "setup: ", integer=True)
        models = setup.get("models")
        if not isinstance(models, list) or not models:
            raise _Invalid("setup: 'models' must be a non-empty list.")
        for m in models:
            _model(m, "setup: ")
    else:
        _check_pipeline(setup)
    return Lesson(path.stem, title, explanation, action, setup, path.name)


def _check_compare(setup: dict, preset_names: set[str] | None) -> None:
    _text(setup, "prompt", "setup: ")
    if setup.get("system") is not None and not isinstance(setup["system"], str):
        raise _Invalid("setup: 'system' must be text.")
    _number(setup, "temperature", 0, 2, "setup: ")
    columns = setup.get("columns")
    if not isinstance(columns, list) or not 1 <= len(columns) <= MAX_COLUMNS:
        raise _Invalid(f"setup: 'columns' must be a list of 1 to {MAX_COLUMNS} objects.")
    for i, column in enumerate(columns):
        where = f"setup: column {i + 1}: "
        if not isinstance(column, dict):
            raise _Invalid(f'{where}expected an object like {{"model": "local"}}.')
        _model(column.get("model", "local"), where)
        _number(column, "temperature", 0, 2, where)
        persona = _text(column, "system", where, required=False)
        if persona is not None and preset_names is not None and persona not in preset_names:
            raise _Invalid(f"{where}system {persona!r} is not a preset; known: {', '.join(sorted(preset_names))}.")


def _check_pipeline(setup: dict) -> None:
    for key in ("prompt", "step1_system", "step2_system", "step2_prompt"):
        _text(setup, key, "setup: ", required=False)
    pipelines = setup.get("pipelines")
    if not isinstance(pipelines, list) or not 1 <= len(pipelines) <= MAX_PIPELINES:
        raise _Invalid(f"setup: 'pipelines' must be a list of 1 to {MAX_PIPELINES} [step-1 model, step-2 model] pairs.")
    for i, pair in enumerate(pipelines):
        if not isinstance(pair, list) or len(pair) != 2:
            raise _Invalid(f"setup: pipeline {i + 1} must be a [step-1 model, step-2 model] pair.")
        for m in pair:
            _model(m, f"setup: pipeline {i + 1}: ")


def resolve_models(
    wanted: list[str], available: list[str], runs_locally: set[str], keep_unavailable: bool = False
) -> list[str]:
    """Turn roles (local, open, cloud) and ids into models available now, falling back to the local model.

    `runs_locally`: the ids the registry says run on this machine (ModelInfo.runs_locally)."""
    local = [m for m in available if m in runs_locally] or available[:1] or [FALLBACK_MODEL]
    cloud = [m for m in available if m not in runs_locally]
    out: list[str] = []
    for want in wanted:
        if want == "cloud":
            out.append(cloud[0] if cloud else local[0])
        elif want == "open":  # a different open model than those already used, when there is one
            unused = [m for m in local if m not in out]
            out.append(unused[0] if unused else local[0])
        elif want == "local":
            out.append(local[0])
        else:
            out.append(want if want in available or keep_unavailable else local[0])
    return out
