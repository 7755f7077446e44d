"""Who can battle here: setup ids checked against the presets and the registry, and the default pool.

With two or more models available the default pool is every available model. With one (no keys: only the embedded
model) it is that model as it is and under two personas, so a class without keys can still vote blind, between
system prompts."""

from __future__ import annotations

from collections.abc import Iterable

from compare.presets import Preset
from compare.setups import Setup, SetupError, parse_setup, persona_of, personas
from providers import Registry
from providers.registry import UnknownModelError

from .inputs import setup_ids
from .records import ArenaError

DEFAULT_PERSONAS = ("sarcastic-persona", "explain-like-five")


class Contestants:
    """Setups as contestants: parsing, availability, each side's system prompt, and the default pool."""

    def __init__(self, registry: Registry, presets: Iterable[Preset]):
        self.registry = registry
        self.presets = list(presets)

    def setup(self, setup_id: str) -> Setup:
        """The checked setup for an id; ArenaError says what is wrong with it."""
        try:
            return parse_setup(setup_id, self.presets)
        except SetupError as exc:
            raise ArenaError(str(exc)) from None

    def system(self, setup: Setup) -> str | None:
        """The system prompt a setup's persona gives its side (None: no system prompt)."""
        preset = persona_of(setup, self.presets)
        return preset.system if preset else None

    def default_pool(self, available: list[str]) -> list[str]:
        """Every available model; with only one, that model plain and under DEFAULT_PERSONAS."""
        models = list(dict.fromkeys(available))
        if len(models) != 1:
            return models
        known = personas(self.presets)
        return [models[0], *(Setup(models[0], name).id for name in DEFAULT_PERSONAS if name in known)]

    def pool(self, requested, available: list[str]) -> list[str]:
        """The canonical setup ids a battle draws from: the ones asked for (default: see default_pool), each
        available now; at least two different ones."""
        asked = [s.strip() for s in setup_ids(requested) if s.strip()]
        ids = list(dict.fromkeys(self.setup(s).id for s in asked)) if asked else self.default_pool(available)
        for setup_id in ids:
            model = self.setup(setup_id).model
            try:
                reason = self.registry.unusable_reason(model)
            except UnknownModelError as exc:
                raise ArenaError(f"Unknown model in the pool: {exc}.") from None
            if reason:
                raise ArenaError(f"{model} is not available: {reason}.")
        if len(ids) < 2:
            have = ", ".join(ids) or "none"
            raise ArenaError(
                f"A battle needs at least two different setups (the pool has: {have}). Add the same model with a "
                "persona or a temperature (e.g. local:smollm2#sarcastic-persona or local:smollm2~1.2), add a key in "
                ".env, or start a local server to get another model."
            )
        return ids
