"""Behaviour knobs shared by the fake LLM servers, plus small wire-format helpers."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

DEFAULT_REPLY = (
    "This is a fake reply streamed one word at a time so that tests can check timing, usage, "
    "cancellation and error handling against the real client libraries without any network access, "
    "model weights or API keys being involved at all in the whole run."
)
FAULTS = (None, "401", "429", "500", "timeout", "cut", "malformed")
ERRORS = {"401": (401, "Invalid API key (fake server)"), "429": (429, "Rate limit reached (fake server)"),
          "500": (500, "Internal server error (fake server)")}


@dataclass
class Behaviour:
    """How a fake server answers: reply text, pacing, reported usage and an optional fault."""

    reply: str = DEFAULT_REPLY
    tokens_per_s: float = 0.0
    first_token_delay_s: float = 0.0
    chunk_words: int = 1
    fault: str | None = None
    cut_after: int = 3
    hang_s: float = 30.0
    retry_after_s: int = 1
    usage: bool = True
    input_tokens: int | None = None
    output_tokens: int | None = None

    def __post_init__(self) -> None:
        if self.fault not in FAULTS:
            raise ValueError(f"fault must be one of {FAULTS}, not {self.fault!r}")
        if self.chunk_words < 1:
            raise ValueError("chunk_words must be >= 1")

    def pieces(self) -> list[str]:
        """The reply split into chunks of `chunk_words` words, each keeping its trailing whitespace."""
        words = re.findall(r"\S+\s*", self.reply)
        if words:
            words[0] = self.reply[: len(self.reply) - len(self.reply.lstrip())] + words[0]
        n = self.chunk_words
        return ["".join(words[i:i + n]) for i in range(0, len(words), n)]

    def token_counts(self, body: Any, pieces: list[str]) -> tuple[int, int]:
        """Reported (input, output) tokens: the configured values, else prompt words and chunk count."""
        n_in = self.input_tokens if self.input_tokens is not None else prompt_words(body)
        n_out = self.output_tokens if self.output_tokens is not None else len(pieces)
        return n_in, n_out


def prompt_words(body: Any) -> int:
    """Count the words in a request's messages (string or text-part content) and top-level system."""
    if not isinstance(body, dict):
        return 0
    texts: list[Any] = [body.get("system")]
    for msg in body.get("messages") or []:
        if isinstance(msg, dict):
            texts.append(msg.get("content"))
    count = 0
    for t in texts:
        for part in (t if isinstance(t, list) else [t]):
            text = part.get("text") if isinstance(part, dict) else part
            count += len(text.split()) if isinstance(text, str) else 0
    return count


def sse(obj: Any, event: str | None = None) -> bytes:
    """One server-sent event carrying `obj` as JSON."""
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(obj)}\n\n".encode()


@dataclass
class RecordedRequest:
    """A request the server received: method, path (no query), query, lower-cased headers, JSON body."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any = None
    raw: bytes = field(default=b"", repr=False)
