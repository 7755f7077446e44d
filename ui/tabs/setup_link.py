"""Setup links: read a page address's query (`?models=a,b&system=...&prompt=...`) into a checked setup.

Everything in a link is hostile: model ids are checked against the registry, texts are clipped to the page's prompt
limit, numbers follow the page's own input rules, preset and lesson must be known names. Whatever is dropped or
clipped becomes a note (plain text: the page escapes it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from compare.validate import InputError, as_number, check_params
from providers.registry import UnknownModelError
from ui.context import PageContext
from ui.names import SHARED_SYSTEM, SHARED_TEMPERATURE

MAX_ID_CHARS = 200  # far longer than any real model id; a longer one is clipped before it is shown or checked
MAX_NAME_CHARS = 100  # preset and lesson names


@dataclass
class LinkSetup:
    """What a link asks for (None: not given, the page keeps its own) and the notes on what was dropped."""

    models: list[str] | None = None
    personas: list[str] | None = None  # per column: a preset name or SHARED_SYSTEM
    temps: list[str] | None = None  # per column: a temperature as text or SHARED_TEMPERATURE
    unavailable: dict[int, str] = field(default_factory=dict)  # column -> "not available here: id (why)"
    system: str | None = None
    prompt: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    preset: str | None = None
    lesson: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def sets_compare(self) -> bool:
        """Whether the link changes anything on the Compare tab (beyond a lesson)."""
        return any(
            v is not None
            for v in (
                self.models,
                self.personas,
                self.temps,
                self.system,
                self.prompt,
                self.temperature,
                self.max_tokens,
                self.preset,
            )
        )


def lesson_link(name: str) -> str:
    """The page-relative link that opens a lesson's setup, e.g. "?lesson=02-temperature"."""
    return "?" + urlencode({"lesson": name})


def parse_setup_link(params: Mapping[str, str], ctx: PageContext, lesson_names: list[str] = ()) -> LinkSetup:
    """Check a link's query parameters against this page (models, limits, presets, lessons); never raises."""
    link = LinkSetup()
    get = lambda key: _one(params.get(key))  # noqa: E731
    cap = ctx.options.models_cap
    if (raw := get("models")) is not None:
        link.models = _models(ctx, link, raw, cap)
    if (raw := get("personas")) is not None:
        link.personas = _personas(ctx, link, raw, cap)
    if (raw := get("temps")) is not None:
        link.temps = _temps(link, raw, cap)
    text_cap = ctx.options.max_prompt_chars
    link.system = _clipped(link, "system prompt", get("system"), text_cap)
    link.prompt = _clipped(link, "prompt", get("prompt"), text_cap)
    link.temperature = _number(link, "temperature", get("temperature"), dict(temperature=get("temperature")))
    max_tokens = _number(
        link, "max_tokens", get("max_tokens"), dict(max_tokens=get("max_tokens"), max_tokens_cap=ctx.options.tokens_cap)
    )
    link.max_tokens = None if max_tokens is None else int(max_tokens)
    link.preset = _known(link, "preset", get("preset"), list(ctx.presets))
    link.lesson = _known(link, "lesson", get("lesson"), list(lesson_names))
    return link


def _one(value) -> str | None:
    """A query value as one string (a repeated key arrives as its last value)."""
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    return None if value is None else str(value)


def _split(link: LinkSetup, what: str, raw: str, cap: int) -> list[str]:
    values = [v.strip() for v in raw.split(",")]
    if len(values) > cap:
        link.notes.append(
            f"The link names {len(values)} {what}; this page runs at most {cap} columns, so the last "
            f"{len(values) - cap} were left out."
        )
    return values[:cap]


def _models(ctx: PageContext, link: LinkSetup, raw: str, cap: int) -> list[str] | None:
    ids = [m.strip() for m in raw.split(",") if m.strip()]
    if not ids:
        link.notes.append("The link's models list is empty: the page keeps its own columns.")
        return None
    if len(ids) > cap:
        link.notes.append(
            f"The link names {len(ids)} models; this page runs at most {cap} at once, so "
            f"{', '.join(_short(m) for m in ids[cap:])} {'was' if len(ids) - cap == 1 else 'were'} left out."
        )
        ids = ids[:cap]
    for slot, model_id in enumerate(ids):
        if len(model_id) > MAX_ID_CHARS:
            link.notes.append(
                f"Column {slot + 1}: the model id was {len(model_id):,} characters, clipped to {MAX_ID_CHARS}."
            )
            ids[slot] = model_id = model_id[:MAX_ID_CHARS]
        reason = unavailable_reason(ctx, model_id)
        if reason:
            link.unavailable[slot] = f"not available here: {model_id} ({reason})"
    return ids


def unavailable_reason(ctx: PageContext, model_id: str) -> str | None:
    """Why this page cannot run `model_id` (None if it can): discovery's reason, else the registry's."""
    known = next((m for m in ctx.models if m.id == model_id), None)
    if known is not None:
        return None if known.available else (known.reason or "not available")
    try:
        # an id discovery did not list but a provider serves (a proxy's own names) stays: Run shows its answer
        return ctx.registry.unusable_reason(model_id)
    except UnknownModelError as exc:
        return str(exc)


def _personas(ctx: PageContext, link: LinkSetup, raw: str, cap: int) -> list[str]:
    names = {p.name for p in ctx.presets.values() if not p.steps}
    out = []
    for slot, name in enumerate(_split(link, "system prompt choices", raw, cap)):
        if name in ("", SHARED_SYSTEM) or name in names:
            out.append(name or SHARED_SYSTEM)
        else:
            link.notes.append(
                f"Column {slot + 1}: unknown system prompt preset {_short(name)!r}, the shared system "
                "prompt is used instead."
            )
            out.append(SHARED_SYSTEM)
    return out


def _temps(link: LinkSetup, raw: str, cap: int) -> list[str]:
    out = []
    for slot, value in enumerate(_split(link, "column temperatures", raw, cap)):
        if value in ("", SHARED_TEMPERATURE):
            out.append(SHARED_TEMPERATURE)
            continue
        number = _number(link, f"column {slot + 1} temperature", value, dict(temperature=value))
        out.append(SHARED_TEMPERATURE if number is None else f"{number:g}")
    return out


def _clipped(link: LinkSetup, what: str, value: str | None, cap: int) -> str | None:
    if value is None or len(value) <= cap:
        return value
    link.notes.append(f"The link's {what} was {len(value):,} characters: clipped to the first {cap:,}.")
    return value[:cap]


def _number(link: LinkSetup, what: str, value: str | None, checked: dict) -> float | None:
    """The value if the page's own input rules (compare.validate.check_params) accept it; else a note and None."""
    if value is None or not value.strip():
        return None
    try:
        check_params(**checked)
        return as_number(what, value)
    except InputError as exc:
        link.notes.append(f"The link's {what} was ignored: {exc}")
        return None


def _known(link: LinkSetup, what: str, value: str | None, names: list[str]) -> str | None:
    if value is None or not value.strip():
        return None
    if value in names:
        return value
    link.notes.append(f"Unknown {what} {_short(value)!r} ignored; known: {', '.join(names) or 'none'}.")
    return None


def _short(text: str, limit: int = MAX_NAME_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
