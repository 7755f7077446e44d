"""Setups: a model plus, optionally, a persona (a preset) and a temperature — what a Compare column is — as one id.

    local:smollm2#sarcastic-persona~1.2     model, then "#" and the preset's file name without number and extension,
                                            then "~" and the temperature; both parts are optional

`parse_setup` checks a setup id against the presets and gives the canonical id (the same setup always has the same
id: "~1.20" becomes "~1.2", "#04-sarcastic-persona" becomes "#sarcastic-persona")."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .presets import Preset
from .validate import TEMPERATURE_RANGE

PRESET_MARK, TEMPERATURE_MARK = "#", "~"
MAX_SETUP_CHARS = 300
_NUMBERED = re.compile(r"^\d+-")


class SetupError(ValueError):
    """A setup id that cannot be used, with a message naming what is wrong."""


@dataclass(frozen=True)
class Setup:
    """A model, its persona (a preset's short name, None: no system prompt) and temperature (None: the caller's)."""

    model: str
    preset: str | None = None
    temperature: float | None = None

    @property
    def id(self) -> str:
        """The canonical setup id, e.g. "local:smollm2#sarcastic-persona~1.2"."""
        persona = f"{PRESET_MARK}{self.preset}" if self.preset else ""
        heat = f"{TEMPERATURE_MARK}{self.temperature:g}" if self.temperature is not None else ""
        return f"{self.model}{persona}{heat}"


def preset_name(preset: Preset) -> str:
    """A preset's short name in setup ids: its file name without number and extension ("sarcastic-persona")."""
    stem = preset.source.rsplit(".", 1)[0] if preset.source else preset.name.lower().replace(" ", "-")
    return _NUMBERED.sub("", stem)


def personas(presets: Iterable[Preset]) -> dict[str, Preset]:
    """The presets a setup can name, by short name (two-step pipelines are not personas)."""
    return {preset_name(p): p for p in presets if not p.steps}


def split_setup_id(text: str) -> Setup:
    """The parts of a setup id as written, without checking the persona against any presets."""
    if not isinstance(text, str):
        raise SetupError(f"A setup id must be text (got {type(text).__name__}).")
    text = text.strip()
    if not text:
        raise SetupError("A setup id is empty: give a model id such as local:smollm2.")
    if len(text) > MAX_SETUP_CHARS:
        raise SetupError(f"A setup id is {len(text):,} characters; at most {MAX_SETUP_CHARS} are accepted.")
    rest, mark, heat = text.rpartition(TEMPERATURE_MARK)
    temperature = None
    if mark:
        try:
            temperature = float(heat) + 0.0  # + 0.0: "-0" is 0
        except ValueError:
            raise SetupError(f"{text!r}: the temperature after {TEMPERATURE_MARK!r} must be a number.") from None
        low, high = TEMPERATURE_RANGE
        if not math.isfinite(temperature) or not low <= temperature <= high:
            raise SetupError(f"{text!r}: the temperature must be between {low:g} and {high:g} (got {heat}).")
    else:
        rest = text
    model, mark, persona = rest.partition(PRESET_MARK)
    if mark and not persona.strip():
        raise SetupError(f"{text!r}: name a persona after {PRESET_MARK!r}, or leave the {PRESET_MARK!r} out.")
    if not model.strip():
        raise SetupError(f"{text!r}: the setup id must start with a model id such as local:smollm2.")
    return Setup(model.strip(), _NUMBERED.sub("", persona.strip()) or None, temperature)


def parse_setup(text: str, presets: Iterable[Preset]) -> Setup:
    """A checked setup from its id; SetupError names an unknown persona (and the known ones) or a bad temperature."""
    setup = split_setup_id(text)
    if setup.preset is not None:
        persona_of(setup, presets)
    return setup


def persona_of(setup: Setup, presets: Iterable[Preset]) -> Preset | None:
    """The preset a setup names (None without one); SetupError when no persona has that name."""
    if setup.preset is None:
        return None
    known = personas(presets)
    if setup.preset not in known:
        names = ", ".join(sorted(known)) or "none"
        raise SetupError(f"{setup.id!r}: no persona named {setup.preset!r} (personas: {names}).")
    return known[setup.preset]
