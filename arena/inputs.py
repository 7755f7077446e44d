"""Checks on what callers send the arena (page, API, rooms): each bad input gets one ArenaError sentence that says
what was wrong. Values are quoted with repr, so a lone surrogate or a control character never reaches a reply."""

from __future__ import annotations

import hashlib
import re

from .records import CHOICES, ArenaError

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")  # voter and teacher tokens, as History's owner tokens
MAX_ID_CHARS = 200


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def valid_text(label: str, value: object, blank_ok: bool = True) -> str:
    """A text field as given: a string of valid Unicode (None is blank when allowed)."""
    if value is None and blank_ok:
        return ""
    if not isinstance(value, str):
        raise ArenaError(f"{label} must be text (got {type(value).__name__} {_short(value)}).")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ArenaError(
            f"{label} is not valid text: it contains a lone surrogate ({value[exc.start]!r} at position {exc.start})."
        ) from None
    return value


def setup_ids(value: object) -> list[str]:
    """Setup ids as a list of strings (blank: none; one id alone is accepted)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ArenaError(
            'models must be a list of setup ids such as ["local:smollm2", "local:smollm2#sarcastic-persona~1.2"] '
            f"(got {_short(value)})."
        )
    return [valid_text("A setup id", v) for v in value]


def choice_of(value: object) -> str:
    """A vote choice: a, b, tie or both_bad."""
    choice = valid_text("The vote", value).strip().lower()
    if choice not in CHOICES:
        raise ArenaError(f"The vote must be one of {', '.join(CHOICES)} (got {choice[:40]!r}).")
    return choice


def battle_id_of(value: object) -> str:
    """A battle id as given (looked up afterwards)."""
    return valid_text("battle_id", value).strip()[:MAX_ID_CHARS]


def token_of(label: str, value: object, blank_ok: bool = False) -> str:
    """A voter or teacher token: 16 to 128 letters, digits, - or _ (blank only when allowed)."""
    token = valid_text(label, value).strip()
    if not token and blank_ok:
        return ""
    if not TOKEN.fullmatch(token):
        raise ArenaError(f"{label} must be 16 to 128 letters, digits, - or _ (got {_short(token)}).")
    return token


def token_hash(token: str) -> str:
    """What is stored for a voter or teacher token: its SHA-256 (hex), never the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
