"""The one event vocabulary of a stream, from provider to page: text chunks, state changes, notices and one finish.

A provider yields `Chunk`s (answer or thinking), optional `Status` and `Notice` items, and at most one `Finish`
(the server's finish signal and usage) as its last item. The engine forwards `Chunk` and `Status` as they are and ends
each column with its `compare.metrics.Result`, whose `status` is one of the end phases.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

FINISH_REASONS = ("stop", "length", "content_filter", "tool_calls")


@dataclass(frozen=True)
class Usage:
    """Token counts the server reported, plus optional server-side timings in seconds.

    input_tokens is the whole prompt, cached tokens included (OpenAI's prompt_tokens; Anthropic's input_tokens plus its
    cache read and creation counts), so it can be checked against a local count of the prompt; cache_read_tokens and
    cache_write_tokens are the reported share read from or written to the provider's prompt cache (None: not reported).
    output_tokens includes reasoning tokens on every protocol; reasoning_tokens is the reported share of them.
    summarised_reasoning: the visible thinking is a summary, so the count may exceed the text shown.
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    server_timings: dict[str, float] = field(default_factory=dict)
    reasoning_tokens: int | None = None
    summarised_reasoning: bool = False
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None


@dataclass(frozen=True)
class Chunk:
    """Streamed text: answer, or thinking when `thinking`; `at` is when it was produced (perf_counter), if known."""

    text: str
    thinking: bool = False
    at: float | None = None


@dataclass(frozen=True)
class Finish:
    """How the stream ended, said once at its end: the finish signal and the usage the server reported.

    reason: normalised to FINISH_REASONS, or None when the stream ended without its protocol's finish signal;
    raw: the reason as the server sent it; usage: the server's counts, None when it reported none.
    """

    reason: str | None = None
    raw: str = ""
    usage: Usage | None = None


@dataclass(frozen=True)
class Notice:
    """Something the column should say about how the request was sent (a parameter renamed or dropped)."""

    text: str


class Phase(enum.StrEnum):
    """Where one column's stream is in its life; the last four are how it ended (a Result's status)."""

    QUEUED = "queued"
    LOADING = "loading model"
    WAITING = "waiting for first token"
    STREAMING = "streaming"
    DONE = "done"
    WARNING = "warning"  # ended, but incomplete or empty (cut off, no finish signal, empty reply)
    ERROR = "error"
    STOPPED = "stopped"


END_PHASES = (Phase.DONE, Phase.WARNING, Phase.ERROR, Phase.STOPPED)


@dataclass(frozen=True)
class Status:
    """A column moved to a new phase (queued behind another run, loading weights, waiting, streaming)."""

    phase: Phase
    detail: str = ""
    at: float | None = None  # when it happened (perf_counter), if the provider stamped it


StreamItem = Chunk | Status | Notice | Finish
