"""Core types shared by every provider: requests, stream events and errors."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import AsyncIterator, Protocol, Union


@dataclass(frozen=True)
class Message:
    """One chat turn: role is "system", "user" or "assistant"."""

    role: str
    content: str


@dataclass(frozen=True)
class ChatRequest:
    """What a provider is asked to do: the model name (without prefix), messages and sampling."""

    model: str
    messages: tuple[Message, ...]
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None

    @property
    def system(self) -> str | None:
        """The system prompt, if any (joined when there are several)."""
        parts = [m.content for m in self.messages if m.role == "system"]
        return "\n\n".join(parts) if parts else None

    @property
    def turns(self) -> list[Message]:
        """The non-system messages, in order."""
        return [m for m in self.messages if m.role != "system"]


@dataclass(frozen=True)
class Usage:
    """Token counts the server reported (exact), plus optional server-side timings in seconds."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    server_timings: dict[str, float] = field(default_factory=dict)


class Phase(str, enum.Enum):
    """Where one model's stream is in its life."""

    QUEUED = "queued"
    LOADING = "loading model"
    WAITING = "waiting for first token"
    STREAMING = "streaming"
    DONE = "done"
    ERROR = "error"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Status:
    """A provider-reported state change (queued behind another run, loading weights, request sent)."""

    phase: Phase
    detail: str = ""


StreamItem = Union[str, Usage, Status]


class ProviderError(Exception):
    """A failure a newcomer can act on: which provider, HTTP status if any, and whether a retry may help."""

    def __init__(self, provider: str, message: str, *, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.provider = provider
        self.message = message
        self.status = status
        self.retryable = retryable

    def __str__(self) -> str:
        code = f" (HTTP {self.status})" if self.status else ""
        return f"{self.provider}{code}: {self.message}"


class ConfigError(Exception):
    """A configuration file or setting is malformed; the message names the file and the problem."""


class Provider(Protocol):
    """One wire protocol bound to one endpoint and credentials."""

    name: str
    label: str

    def unavailable_reason(self) -> str | None:
        """Why this provider cannot be used right now (missing key...), or None when it can."""

    async def list_models(self) -> list[str]:
        """Model names this provider offers (may query the server)."""

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        """Yield text deltas, at most one Usage, and optional Status changes."""
