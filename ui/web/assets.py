"""The page's CSS and JavaScript, kept as files in ui/web/static/ and read once, with named values filled in."""

from __future__ import annotations

from functools import cache
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"


@cache
def _raw(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def static_text(name: str, **values) -> str:
    """ui/web/static/<name> with each __KEY__ replaced by values["key"] (a file without them is returned as it is)."""
    text = _raw(name)
    for key, value in values.items():
        token = f"__{key.upper()}__"
        if token not in text:
            raise KeyError(f"{name} has no {token} to fill")
        text = text.replace(token, str(value))
    return text
