"""Word-level differences between two replies, for reading side by side."""

from __future__ import annotations

import difflib
import html
import re

_WORDS = re.compile(r"\S+|\s+")


def word_diff(left: str, right: str) -> list[tuple[str, str]]:
    """(op, text) pieces turning left into right: op is "same", "removed" (only in left) or "added" (only in right)."""
    a, b = _WORDS.findall(left), _WORDS.findall(right)
    pieces: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("added", "".join(b[j1:j2])))
    return [p for p in pieces if p[1]]


def diff_html(left: str, right: str) -> str:
    """The pieces as escaped HTML: <del> for words only in the left reply, <ins> for words only in the right."""
    tags = {"removed": "del", "added": "ins"}
    out = []
    for op, text in word_diff(left, right):
        escaped = html.escape(text)
        out.append(f"<{tags[op]}>{escaped}</{tags[op]}>" if op in tags else escaped)
    return "".join(out)


def similarity(left: str, right: str) -> float:
    """Share of words the two replies have in common, 0..1."""
    a, b = left.split(), right.split()
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
