"""Core types shared by every provider: requests, stream events and errors."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Message:
    """One chat turn: role is "system", "user" or "assistant"."""

    role: str
    content: str


@dataclass(frozen=True)
class Sampling:
    """How a reply is sampled, carried as one value from the page (or CLI, API, arena) to the wire; None leaves a
    setting to the provider's default."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    reasoning: str | None = None  # "off", "low", "medium" or "high"


@dataclass(frozen=True)
class ChatRequest:
    """What a provider is asked to do: the model name (without prefix), messages and sampling."""

    model: str
    messages: tuple[Message, ...]
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    reasoning: str | None = None  # "off", "low", "medium" or "high"; None leaves the provider's default
    rules: object = None  # the model's providers.param_rules.ParamRules (None: defaults)
    client: str | None = None  # who asked (a visitor id); a shared local model takes turns between visitors

    @classmethod
    def of(
        cls, model: str, messages: tuple[Message, ...], sampling: Sampling, rules=None, client: str | None = None
    ) -> ChatRequest:
        """The request for one model with these messages and this sampling."""
        return cls(
            model,
            messages,
            sampling.temperature,
            sampling.top_p,
            sampling.max_tokens,
            sampling.seed,
            sampling.reasoning,
            rules,
            client,
        )

    @property
    def system(self) -> str | None:
        """The system prompt, if any (joined when there are several)."""
        parts = [m.content for m in self.messages if m.role == "system"]
        return "\n\n".join(parts) if parts else None

    @property
    def turns(self) -> list[Message]:
        """The non-system messages, in order."""
        return [m for m in self.messages if m.role != "system"]


REASONING_LEVELS = ("off", "low", "medium", "high")
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
    """The stream's own end signal: reason normalised to FINISH_REASONS, raw as the server sent it."""

    reason: str
    raw: str = ""


@dataclass(frozen=True)
class Notice:
    """Something the column should say about how the request was sent (a parameter renamed or dropped)."""

    text: str


class Phase(enum.StrEnum):
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
    at: float | None = None  # when it happened (perf_counter), if the provider stamped it


StreamItem = str | Chunk | Usage | Status | Finish | Notice


class ProviderError(Exception):
    """A failure a newcomer can act on: which provider, HTTP status if any, and whether a retry may help."""

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        param: str | None = None,
    ):
        super().__init__(message)
        self.provider = provider
        self.message = message
        self.status = status
        self.retryable = retryable
        self.param = param  # the ChatRequest field a 400 rejected, when the server named one
        self.cut = False  # the connection closed under the request

    def __str__(self) -> str:
        code = f" (HTTP {self.status})" if self.status else ""
        return f"{self.provider}{code}: {self.message}"


class ConfigError(Exception):
    """A configuration file or setting is malformed; the message names the file and the problem."""


class BaseProvider:
    """The provider contract with its defaults: a subclass sets `name` and `label`, implements `stream` and, when it
    knows its models, `list_models`; everything the registry asks of a provider is here, so none of it is probed."""

    name: str = ""
    label: str = ""
    base_url: str = ""  # where requests go, named in messages ("" for the embedded engine)
    custom_base_url: bool = False  # the base URL was overridden: maybe another server behind a familiar name
    base_url_env: str | None = None  # the variable overriding base_url, named when an override leaves prices unknown
    runs_locally: bool = False  # computed on this machine (embedded, Ollama, a keyless local server): no key
    embedded: bool = False  # computed by this app's own engine: no key and no server
    lists_live: bool = False  # server_models() asks the server what it serves; discovery merges that into the catalog
    list_asks_server: bool = False  # list_models() itself sends a request (discovery builds the SDK client first)
    clients = None  # a ClientCache when requests go through an SDK client

    def unavailable_reason(self) -> str | None:
        """Why this provider cannot be used right now (missing key...), or None when it can."""
        return None

    def model_reason(self, model: str) -> str | None:
        """Why one of its models cannot run now (its file is missing...), or None."""
        return None

    def known_models(self) -> list[str] | None:
        """The only model names it serves, when it has a fixed set; None: any name may be asked for."""
        return None

    def context_window(self, model: str) -> int | None:
        """The model's context window when the provider itself knows it (None: take the catalog's)."""
        return None

    def tokenizer(self, model: str):
        """The model's own tokenizer (tokenize, split, prompt_tokens) when the provider has it, else None."""
        return None

    async def list_models(self) -> list[str]:
        """Model names this provider offers (may query the server)."""
        return []

    async def server_models(self) -> list[str]:
        """The models the server says it serves (only asked when `lists_live`)."""
        raise NotImplementedError(f"{type(self).__name__} has no models list of its own")

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        """Yield text deltas (str or Chunk), at most one Usage and one Finish, and optional Status and Notice items."""
        raise NotImplementedError(f"{type(self).__name__} must implement stream()")
