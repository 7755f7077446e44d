"""Columns whose models share one server: taking turns on it, or noticing when it served them one at a time.

A local server (llama.cpp, Ollama, vLLM...) may queue requests: four columns against one llama.cpp server got their
first tokens 0.5, 1.8, 3.2 and 4.5 s after sending, because the server ran them in turn. Servers elsewhere are not
treated as shared: a provider's cloud API serves concurrent requests, and behind a custom endpoint (often a proxy to
several clouds) a late first token is as likely the model's own time as a queue.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from providers.registry import Registry, UnknownModelError

EMBEDDED = "this machine's embedded engine"
# Shorter waits are not called waits: on a busy machine a column's first chunk can trail another column's whole
# (short, fast) reply by this much without the server having made it wait.
WAIT_FLOOR_S = 0.25


class Sharing(enum.StrEnum):
    """How the columns that share a server run (a run request's `same_server`)."""

    TOGETHER = "together"  # at once; a run that waited for another column is flagged and left out of speed verdicts
    ONE_AT_A_TIME = "one at a time"  # each request waits until the server has none of this run's others: clean speeds
    UNDER_LOAD = "under load"  # at once, waits flagged but counted: measuring the server under load


def as_sharing(value) -> Sharing | None:
    """A Sharing from its name ("one at a time", "one-at-a-time", "ONE_AT_A_TIME"...), blank for the default; None
    when it names none."""
    text = " ".join(str(value or "").strip().lower().replace("-", " ").replace("_", " ").split())
    return Sharing(text) if text in set(Sharing) else Sharing.TOGETHER if not text else None


def server_of(registry: Registry, model_id: str) -> str | None:
    """The server a model's requests queue on, when it may serve them one at a time: the embedded engine (its
    models share this machine's cores), or a local server (a keyless row, Ollama) by host and port; None for cloud
    APIs, custom endpoints and cloud routes."""
    try:
        provider, model = registry.resolve(model_id)
    except UnknownModelError:
        return None
    if provider.embedded:
        return EMBEDDED
    if provider.remote_route(model) or not provider.runs_locally:
        return None
    url = provider.base_url
    return urlsplit(url if "://" in url else f"http://{url}").netloc or None


@dataclass
class Span:
    """One request of one column on a shared server: when it was sent, when its first token came and when its
    stream ended."""

    column: str
    sent: float
    first_token: float | None = None
    ended: float | None = None


@dataclass
class SharedServer:
    """The columns of one comparison that share a server: their turns (one at a time) and their requests' spans."""

    name: str
    columns: list[str]
    turns: asyncio.Lock | None = None  # set when the columns take turns
    spans: list[Span] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The server as a column's note names it."""
        return self.name if self.name == EMBEDDED else f"the server at {self.name}"

    def sent(self, column: str, at: float) -> Span:
        """A column's request went out at `at`."""
        span = Span(column, at)
        self.spans.append(span)
        return span

    def waited(self, span: Span) -> tuple[float, list[str]] | None:
        """(seconds from sending until the last of them ended, the other columns) when other columns streamed on
        this server and ended after `span` was sent but before its first token came: it waited for them."""
        first = span.first_token
        if first is None or self.name == EMBEDDED:  # the embedded engine says itself when a column queues
            return None
        before = [
            s
            for s in self.spans
            if s.column != span.column and s.first_token and s.ended and span.sent < s.ended < first
        ]
        wait = max((s.ended for s in before if s.ended), default=span.sent) - span.sent
        return (wait, sorted({s.column for s in before})) if wait >= WAIT_FLOOR_S else None


def shared_servers(registry: Registry, columns: Iterable[tuple[str, str]], sharing: Sharing) -> dict[str, SharedServer]:
    """Column key -> its SharedServer, for each column whose server also serves another column of the run;
    (key, model id) pairs in."""
    by_server: dict[str, list[str]] = {}
    for key, model_id in columns:
        server = server_of(registry, model_id)
        if server is not None:
            by_server.setdefault(server, []).append(key)
    out = {}
    for server, keys in by_server.items():
        if len(keys) > 1:
            shared = SharedServer(server, keys, asyncio.Lock() if sharing == Sharing.ONE_AT_A_TIME else None)
            out.update(dict.fromkeys(keys, shared))
    return out


def wait_note(shared: SharedServer, waited_for: list[str]) -> str:
    """The column's warning when its first token came only after other columns' streams on its server ended."""
    names = ", ".join(f"column {int(k) + 1}" if k.isdigit() else k for k in waited_for)
    return (
        f"waited for the server: its first token came only after {names} ended on {shared.label}, which served "
        "these columns one at a time (time to first token includes the wait)"
    )
