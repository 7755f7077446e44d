"""Checks on user input, each failing with one clear sentence (never a traceback)."""

from __future__ import annotations

from providers.base import REASONING_LEVELS
from providers.registry import Registry, UnknownModelError

MAX_MODELS = 8
MAX_REPEAT = 10
TEMPERATURE_RANGE = (0.0, 2.0)
MAX_TOKENS_RANGE = (1, 32768)


class InputError(ValueError):
    """Bad input from the user, with a message that says how to fix it."""


def check_prompt(prompt: str | None, max_chars: int | None = None) -> str:
    """A non-empty prompt within the length cap."""
    if prompt is not None and not isinstance(prompt, str):
        raise InputError(f"The prompt must be text (got {type(prompt).__name__} {_short(prompt)}).")
    if prompt is None or not prompt.strip():
        raise InputError("The prompt is empty: type something to send to the models.")
    if max_chars is not None and len(prompt) > max_chars:
        raise InputError(f"The prompt is {len(prompt):,} characters; this demo allows at most {max_chars:,}.")
    return prompt


def check_text_cap(label: str, text: str, limits) -> str:
    """A free-text field (system prompt, template) within the demo's character cap (`limits.prompt_chars`)."""
    cap = limits.prompt_chars
    if cap is not None and len(text) > cap:
        raise InputError(f"{label} is {len(text):,} characters; this demo allows at most {cap:,}.")
    return text


def check_repeat(value) -> int:
    """The runs per column as an int in 1..10."""
    try:
        k = int(value) if not isinstance(value, bool) and float(value) == int(float(value)) else None
    except (TypeError, ValueError, OverflowError):
        k = None
    if k is None or not 1 <= k <= MAX_REPEAT:
        raise InputError(f"repeat must be a whole number from 1 to {MAX_REPEAT} (runs per column), not {value!r}")
    return k


def check_params(temperature=None, max_tokens=None, top_p=None, seed=None, max_tokens_cap: int | None = None) -> None:
    """Sampling parameters within the ranges every provider accepts."""
    temperature, top_p = as_number("Temperature", temperature), as_number("top_p", top_p)
    max_tokens, seed = as_number("Max tokens", max_tokens), as_number("Seed", seed)
    low, high = TEMPERATURE_RANGE
    if temperature is not None and not (low <= float(temperature) <= high):
        raise InputError(f"Temperature must be between {low:g} and {high:g} (got {temperature}).")
    if top_p is not None and not (0.0 < float(top_p) <= 1.0):
        raise InputError(f"top_p must be greater than 0 and at most 1 (got {top_p}).")
    cap = min(MAX_TOKENS_RANGE[1], max_tokens_cap or MAX_TOKENS_RANGE[1])
    if max_tokens is not None and (int(max_tokens) != max_tokens or not (MAX_TOKENS_RANGE[0] <= max_tokens <= cap)):
        raise InputError(f"Max tokens must be a whole number from {MAX_TOKENS_RANGE[0]} to {cap:,} (got {max_tokens}).")
    if seed is not None and (int(seed) != seed or seed < 0):
        raise InputError(f"Seed must be a whole number of 0 or more (got {seed}).")


def as_number(label: str, value):
    """A finite numeric field as given (int or float), None for blank; InputError naming the field otherwise."""
    if value is None or value == "":
        return None
    number: float | None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = value
    else:
        try:
            number = float(value) if isinstance(value, str) else None
        except ValueError:
            number = None
    if number is None or number != number or number in (float("inf"), float("-inf")):
        raise InputError(f"{label} must be a number (got {_short(value)}).")
    return number


def as_text(label: str, value, blank_ok: bool = True) -> str:
    """A text field: a string (None counts as blank when allowed); InputError naming the field otherwise."""
    if value is None and blank_ok:
        return ""
    if not isinstance(value, str):
        raise InputError(f"{label} must be text (got {type(value).__name__} {_short(value)}).")
    return value


def as_model_ids(value) -> list[str]:
    """Model ids as a list of strings (one id alone is accepted); InputError naming the field otherwise."""
    if isinstance(value, str):
        return [value]
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(m, str) for m in value):
        raise InputError(f'models must be a list of model ids such as ["local:smollm2"] (got {_short(value)}).')
    return list(value)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_models(registry: Registry, model_ids: list[str], max_models: int = MAX_MODELS) -> list[str]:
    """Between 1 and max_models ids, each known and usable now."""
    ids = [m.strip() for m in model_ids or [] if m and m.strip()]
    if not ids:
        raise InputError("No models chosen: pick at least one (local:smollm2 needs no key).")
    if len(ids) > max_models:
        raise InputError(f"{len(ids)} models chosen; at most {max_models} can run at once.")
    for model_id in ids:
        try:
            reason = registry.unusable_reason(model_id)
        except UnknownModelError as exc:
            raise InputError(f"Unknown model: {exc}.") from None
        if reason:
            raise InputError(f"{model_id} is not available: {reason}.")
    return ids


def check_reasoning(value, label: str = "Reasoning") -> str | None:
    """A reasoning level, None for the provider's default; InputError naming the field otherwise."""
    value = "" if value is None else str(value).strip()
    if value in ("", "default"):
        return None
    if value not in REASONING_LEVELS:
        raise InputError(f"{label} must be one of default, {', '.join(REASONING_LEVELS)} (got {value!r}).")
    return value
