"""Core types shared by every provider: the request, errors, and the provider contract (events: providers/events.py)."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from .param_rules import ParamRules

if TYPE_CHECKING:
    from .client_cache import ClientCache
    from .events import StreamItem


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
    rules: ParamRules = ParamRules()  # how this model takes its parameters (the catalog's rule for it)
    client: str | None = None  # who asked (a visitor id); a shared local model takes turns between visitors

    @classmethod
    def of(
        cls,
        model: str,
        messages: tuple[Message, ...],
        sampling: Sampling,
        rules: ParamRules | None = None,
        client: str | None = None,
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
            rules or ParamRules(),
            client,
        )

    def without(self, name: str) -> ChatRequest:
        """This request with the sampling setting `name` left to the provider's default (None)."""
        values: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        values[name] = None
        return ChatRequest(**values)

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


class ProviderError(Exception):
    """A failure a newcomer can act on: which provider, the HTTP status if any, and what went wrong."""

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        status: int | None = None,
        param: str | None = None,
    ):
        super().__init__(message)
        self.provider = provider
        self.message = message
        self.status = status
        self.param = param  # the ChatRequest field a 400 rejected, when the server named one
        self.cut = False  # the connection closed under the request

    def __str__(self) -> str:
        code = f" (HTTP {self.status})" if self.status else ""
        return f"{self.provider}{code}: {self.message}"


class ConfigError(Exception):
    """A configuration file or setting is malformed; the message names the file and the problem."""


class ModelSource(enum.StrEnum):
    """Where a provider's list of models comes from (its one answer to "which models do you have?")."""

    CONFIGURED = "configured"  # only the configured names can run (the embedded models)
    CATALOG = "catalog"  # the catalog's rows; any other name may still be asked for
    SERVER = "server"  # the server's own list is the list (Ollama, keyless local servers)
    CATALOG_AND_SERVER = "catalog and server"  # the catalog's rows, merged with the server's models endpoint


@dataclass(frozen=True)
class Connection:
    """Where a provider's requests go and how they authenticate: the provider half of provider-and-model (the
    model half, how one model takes its parameters, is ParamRules)."""

    base_url: str
    default_url: str = ""  # the provider's own address, before any override
    base_url_env: str | None = None  # the variable that may override it
    key_env: str | None = None  # the variable holding its key (None: keyless)
    api_key: str | None = field(default=None, repr=False)

    @classmethod
    def of(cls, settings, default_url: str, base_url_env: str | None = None, key_env: str | None = None) -> Connection:
        """The connection the settings give: the override's address when the variable is set."""
        override = settings.get(base_url_env) if base_url_env else None
        key = settings.get(key_env) if key_env else None
        return cls(override or default_url, default_url, base_url_env, key_env, key)

    @property
    def custom(self) -> bool:
        """The base URL was overridden with another address: maybe another server behind a familiar name (no table
        prices, no catalog parameter rules)."""
        return self.base_url.rstrip("/") != self.default_url.rstrip("/")


class BaseProvider:
    """The provider contract with its defaults: a subclass sets `name`, `label` and `models_from`, implements
    `stream`, and `catalog_models` and/or `server_models` as `models_from` says; nothing else is probed."""

    name: str = ""
    label: str = ""
    connection: Connection = Connection("")  # "" for the embedded engine
    models_from: ModelSource = ModelSource.CATALOG
    runs_locally: bool = False  # computed on this machine (embedded, Ollama, a keyless local server): no key
    embedded: bool = False  # computed by this app's own engine: no key and no server
    clients: ClientCache | None = None  # set when requests go through an SDK client

    @property
    def base_url(self) -> str:
        """Where requests go, named in messages."""
        return self.connection.base_url

    def unavailable_reason(self) -> str | None:
        """Why this provider cannot be used right now (missing key...), or None when it can."""
        if self.connection.key_env and not self.connection.api_key:
            return f"set {self.connection.key_env} in .env"
        return None

    def model_reason(self, model: str) -> str | None:
        """Why one of its models cannot run now (its file is missing...), or None."""
        return None

    def catalog_models(self) -> list[str]:
        """The model names known without asking a server (configured or catalog rows)."""
        return []

    async def server_models(self) -> list[str]:
        """The models the server says it serves (asked when `models_from` includes the server)."""
        raise NotImplementedError(f"{type(self).__name__} has no models list of its own")

    def context_window(self, model: str) -> int | None:
        """The model's context window when the provider itself knows it (None: take the catalog's)."""
        return None

    def tokenizer(self, model: str):
        """The model's own tokenizer (tokenize, split, prompt_tokens) when the provider has it, else None."""
        return None

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        """Yield Chunks (answer or thinking), optional Status and Notice items, and at most one Finish, last."""
        raise NotImplementedError(f"{type(self).__name__} must implement stream()")
