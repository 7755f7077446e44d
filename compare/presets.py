"""Presets (and two-step pipelines) loaded from data files in prompts/presets."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from providers.base import ConfigError

PRESETS_DIR = Path(__file__).resolve().parent.parent / "prompts" / "presets"


@dataclass(frozen=True)
class Step:
    """One step of a pipeline: its system prompt and a user prompt template ({input} or {previous})."""

    title: str
    system: str
    prompt: str


@dataclass(frozen=True)
class Preset:
    """A named system prompt with an example user prompt; steps make it a pipeline."""

    name: str
    system: str
    example: str
    steps: tuple[Step, ...] = field(default_factory=tuple)
    source: str = ""


def load_preset(path: Path) -> Preset:
    """Read one preset file, naming the file in any error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path.name}: not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: expected a JSON object.")
    for key in ("name", "system", "example"):
        if not isinstance(data.get(key), str):
            raise ConfigError(f"{path.name}: missing text field {key!r}.")
    steps = []
    for i, step in enumerate(data.get("steps", [])):
        if not isinstance(step, dict) or not all(isinstance(step.get(k), str) for k in ("system", "prompt")):
            raise ConfigError(f"{path.name}: step {i + 1} needs text fields 'system' and 'prompt'.")
        steps.append(Step(step.get("title", f"Step {i + 1}"), step["system"], step["prompt"]))
    return Preset(data["name"], data["system"], data["example"], tuple(steps), path.name)


def load_presets(folder: Path = PRESETS_DIR) -> list[Preset]:
    """Every preset in the folder, in file-name order."""
    return [load_preset(p) for p in sorted(folder.glob("*.json"))]
