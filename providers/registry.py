"""The shared registry: which models exist, which are usable now and why not, and who serves each id."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

from .base import ProviderError
from .param_rules import ParamRules, rules_for
from .settings import Settings

DISCOVERY_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class ModelInfo:
    """One model id as discovery sees it, with catalog data (None where unknown)."""

    id: str
    provider: str
    display: str
    available: bool
    reason: str | None = None
    context_window: int | None = None
    input_per_m: float | None = None
    output_per_m: float | None = None
    price_note: str | None = None  # why the price is unknown, when it is


class UnknownModelError(ValueError):
    """A model id that names no known provider or local model."""


def split_model_id(model_id: str) -> tuple[str, str]:
    """Split "provider:model" at the first colon, rejecting ids without one."""
    provider, sep, name = (model_id or "").strip().partition(":")
    if not sep or not provider or not name:
        raise UnknownModelError(f"model id {model_id!r} should look like provider:model, e.g. local:smollm2 or openai:gpt-4o-mini")
    return provider, name


class Registry:
    """Builds providers from settings on first use and answers questions about model ids."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._providers: dict[str, object] | None = None

    @property
    def providers(self) -> dict[str, object]:
        """Provider name -> provider instance (no SDK is imported until a request is made)."""
        if self._providers is None:
            from .anthropic_chat import AnthropicProvider
            from .local_llama import LocalProvider
            from .ollama_chat import OllamaProvider
            from .openai_chat import OpenAICompatProvider

            built: dict[str, object] = {"local": LocalProvider(self.settings.local_models)}
            built.update({e.name: OpenAICompatProvider(e, self.settings) for e in self.settings.endpoints})
            built["anthropic"] = AnthropicProvider(self.settings)
            built["ollama"] = OllamaProvider(self.settings)
            self._providers = built
        return self._providers

    def resolve(self, model_id: str):
        """(provider, model name) for an id; raises UnknownModelError with what is known instead."""
        provider_name, model = split_model_id(model_id)
        provider = self.providers.get(provider_name)
        if provider is None:
            raise UnknownModelError(f"unknown provider {provider_name!r} in {model_id!r}; known providers: {', '.join(sorted(self.providers))}")
        if provider_name == "local" and model not in provider.runtimes:
            known = ", ".join(f"local:{n}" for n in provider.runtimes) or "none"
            raise UnknownModelError(f"unknown local model {model_id!r}; configured: {known}")
        return provider, model

    def rules(self, model_id: str) -> ParamRules:
        """The catalog's parameter rules for an id (defaults for an endpoint whose base URL was overridden)."""
        try:
            provider, _ = self.resolve(model_id)
        except UnknownModelError:
            return ParamRules()
        if getattr(provider, "custom_base_url", False):
            return ParamRules()  # another server behind a familiar name: assume nothing, retry on rejection
        return rules_for(self.settings.catalog, model_id)

    async def prepare_clients(self, model_ids: list[str]) -> None:
        """Import SDKs and build clients for these ids on worker threads (no-op for those already built)."""
        loop = asyncio.get_running_loop()
        pending = {}
        for model_id in model_ids:
            try:
                provider, _ = self.resolve(model_id)
            except UnknownModelError:
                continue
            clients = getattr(provider, "clients", None)
            if clients is not None and not clients.ready(loop) and provider.unavailable_reason() is None:
                pending[id(clients)] = clients
        await asyncio.gather(*(asyncio.to_thread(c.prepare, loop) for c in pending.values()), return_exceptions=True)

    def prewarm(self) -> None:
        """Import every usable provider's SDK and build its client now (call on a background thread at start)."""
        for provider in self.providers.values():
            clients = getattr(provider, "clients", None)
            if clients is not None and provider.unavailable_reason() is None:
                try:
                    clients.prepare()
                except Exception:  # a broken SDK install shows up, with its message, when a run uses it
                    pass

    def unusable_reason(self, model_id: str) -> str | None:
        """Why this id cannot run now (missing key, missing file), without network calls; None if it can."""
        provider, model = self.resolve(model_id)
        reason = provider.unavailable_reason()
        if reason is None and hasattr(provider, "model_reason"):
            reason = provider.model_reason(model)
        return reason

    def info(self, model_id: str, available: bool = True, reason: str | None = None) -> ModelInfo:
        """Catalog facts for an id: display name, context window and prices (None when unknown)."""
        provider, model = split_model_id(model_id)
        catalog = self.settings.catalog
        row = catalog["models"].get(model_id) or catalog["models"].get(model_id.removesuffix(":latest")) or {}
        defaults = catalog.get("provider_defaults", {}).get(provider, {})
        window = row.get("context_window", defaults.get("context_window"))
        if provider == "local" and provider in self.providers and model in self.providers["local"].runtimes:
            window = self.providers["local"].runtimes[model].model.n_ctx
        return ModelInfo(model_id, provider, row.get("display", model_id), available, reason, window,
                         row.get("input_per_m", defaults.get("input_per_m")),
                         row.get("output_per_m", defaults.get("output_per_m")))

    async def discover(self, timeout: float = DISCOVERY_TIMEOUT_S) -> list[ModelInfo]:
        """Every known model with whether it is usable now and why not; concurrent, bounded, never raises."""
        names = list(self.providers)
        results = await asyncio.gather(*(self._discover_one(n, timeout) for n in names), return_exceptions=True)
        found: list[ModelInfo] = []
        for name, result in zip(names, results):
            if isinstance(result, BaseException):
                found.append(self.info(f"{name}:*", False, f"discovery failed: {type(result).__name__}"))
            else:
                found.extend(result)
        return found

    async def _discover_one(self, name: str, timeout: float) -> list[ModelInfo]:
        provider = self.providers[name]
        reason = provider.unavailable_reason()
        if reason:
            models = await _safe_list(provider)  # cloud providers list their catalog rows without a request
            return [self.info(f"{name}:{m}", False, reason) for m in models] or [self.info(f"{name}:*", False, reason)]
        try:
            models = await asyncio.wait_for(provider.list_models(), timeout)
        except asyncio.TimeoutError:
            return [self.info(f"{name}:*", False, f"{provider.label} did not answer at {getattr(provider, 'base_url', '?')} within {timeout:g} s")]
        except ProviderError as exc:
            where = getattr(provider, "base_url", "")
            return [self.info(f"{name}:*", False, f"{provider.label} is not running at {where}" if "connect" in exc.message or "not running" in exc.message else exc.message)]
        out = []
        for m in models:
            model_reason = provider.model_reason(m) if hasattr(provider, "model_reason") else None
            out.append(self.info(f"{name}:{m}", model_reason is None, model_reason))
        return out or [self.info(f"{name}:*", False, f"{provider.label} has no models installed")]


async def _safe_list(provider) -> list[str]:
    try:
        return await asyncio.wait_for(provider.list_models(), 0.2)
    except Exception:
        return []
