"""Scrubbing API keys out of text: configured keys (any long enough run of one) and the masked fragments providers
quote back. Pure text functions, so the store and the providers share them without importing each other."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Providers quote the key they rejected with its middle masked: "sk-tes********efao", "AIzaSy...XYZ1", "sk-ant-...Q2lB".
_MASKED_KEY = re.compile(
    r"[A-Za-z0-9_\-]{2,}\*{3,}[A-Za-z0-9_\-]{2,}"
    r"|\b(?:sk|AIza|gsk|xai|key)[A-Za-z0-9_\-]*(?:\.{3}|…)[A-Za-z0-9_\-]{2,}"
)


def redact_key_fragments(text: str) -> str:
    """Replace masked API-key fragments (a prefix, a run of * or ..., a suffix) with [redacted]."""
    return _MASKED_KEY.sub("[redacted]", text)


# A provider may quote only part of a key ("Invalid key sk-test-SECRET12…"): any run this long of a configured key
# is scrubbed wherever it starts; a shorter key is scrubbed whole.
KEY_RUN_CHARS = 12
_ANCHOR = KEY_RUN_CHARS // 2  # every 12-character run of a key contains one of its 6-character blocks at 0, 6, 12, …


def redact_key_runs(text: str, secrets: Iterable[str]) -> str:
    """Replace every run of 12 or more characters of any of `secrets` (all of a shorter one) with [redacted]."""
    spans: list[tuple[int, int]] = []
    for secret in secrets:
        if len(secret) < KEY_RUN_CHARS:
            spans += _occurrences(text, secret)
        else:
            spans += _key_runs(text, secret)
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts, last = [], 0
    for start, end in merged:
        parts += [text[last:start], "[redacted]"]
        last = end
    return "".join(parts) + text[last:]


def _occurrences(text: str, needle: str) -> list[tuple[int, int]]:
    found, at = [], text.find(needle) if needle else -1
    while at >= 0:
        found.append((at, at + len(needle)))
        at = text.find(needle, at + len(needle))
    return found


def _key_runs(text: str, secret: str) -> list[tuple[int, int]]:
    runs = []
    for block in range(0, len(secret) - _ANCHOR + 1, _ANCHOR):
        for start, end in _occurrences(text, secret[block : block + _ANCHOR]):
            while end < len(text) and text[start : end + 1] in secret:
                end += 1
            while start > 0 and text[start - 1 : end] in secret:
                start -= 1
            if end - start >= KEY_RUN_CHARS:
                runs.append((start, end))
    return runs
