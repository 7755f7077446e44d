"""The registration table: every kind of provider, how it is built from settings, and which variables hold its keys.

A new provider is one module with a BaseProvider subclass and one row here; its key variables are then redacted from
every message, log line and saved run like the others'.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .anthropic_chat import AnthropicProvider
from .base import BaseProvider
from .local import LocalProvider
from .ollama_chat import OllamaProvider
from .openai_chat import OpenAICompatProvider
from .settings import Settings


@dataclass(frozen=True)
class ProviderKind:
    """One kind of provider: its instances built from settings, and the environment variables holding its keys."""

    build: Callable[[Settings], list[BaseProvider]]
    key_variables: Callable[[Settings], list[str]] = lambda settings: []


PROVIDER_KINDS = (
    ProviderKind(lambda s: [LocalProvider(s.local_models)]),
    ProviderKind(
        lambda s: [OpenAICompatProvider(e, s) for e in s.endpoints],
        lambda s: [e.key_env for e in s.endpoints if e.key_env],
    ),
    ProviderKind(lambda s: [AnthropicProvider(s)], lambda s: [AnthropicProvider.key_env]),
    ProviderKind(lambda s: [OllamaProvider(s)]),
)


def build_providers(settings: Settings) -> dict[str, BaseProvider]:
    """Provider name -> instance, for every kind in the table (no SDK is imported here)."""
    return {p.name: p for kind in PROVIDER_KINDS for p in kind.build(settings)}


def key_variables(settings: Settings) -> set[str]:
    """Every environment variable that holds a provider's key."""
    return {name for kind in PROVIDER_KINDS for name in kind.key_variables(settings)}
