"""The shared registry: which models exist, which are usable now and why not, and who serves each id."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from . import prices as price_table
from .base import BaseProvider, ModelSource
from .discovery import discover
from .model_listing import ListingCache
from .param_rules import ParamRules, rules_for
from .prices import TableModel
from .settings import CATALOG_PRICES, Settings

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
    note: str | None = None  # a remark on a usable row: its provider's live list failed, the server does not list it
    price_source: str | None = None  # where a known price comes from: the genai-prices table or compare.toml
    table: TableModel | None = (
        None  # set when the genai-prices table prices this id (input/output_per_m: its base rates)
    )
    runs_locally: bool = False  # computed on this machine: the embedded engine, Ollama or a keyless local server
    embedded: bool = False  # computed by this app's own engine (no key, no server)
    own_tokenizer: bool = False  # the provider counts tokens with the model's own vocabulary (Registry.tokenizer)


class UnknownModelError(ValueError):
    """A model id that names no known provider or local model."""


def split_model_id(model_id: str) -> tuple[str, str]:
    """Split "provider:model" at the first colon, rejecting ids without one."""
    provider, sep, name = (model_id or "").strip().partition(":")
    if not sep or not provider or not name:
        raise UnknownModelError(
            f"model id {model_id!r} should look like provider:model, e.g. local:smollm2 or openai:gpt-4o-mini"
        )
    return provider, name


class Registry:
    """Builds providers from settings on first use and answers questions about model ids."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic):
        self.settings = settings
        self._providers: dict[str, BaseProvider] | None = None
        self.listings = ListingCache(clock=clock)
        self.listing_notes: dict[str, str] = {}  # provider -> why its live model list is missing (catalog shown)

    @property
    def providers(self) -> dict[str, BaseProvider]:
        """Provider name -> provider instance (no SDK is imported until a request is made)."""
        if self._providers is None:
            from .builtin import build_providers

            self._providers = build_providers(self.settings)
        return self._providers

    def resolve(self, model_id: str):
        """(provider, model name) for an id; raises UnknownModelError with what is known instead."""
        provider_name, model = split_model_id(model_id)
        provider = self.providers.get(provider_name)
        if provider is None:
            raise UnknownModelError(
                f"unknown provider {provider_name!r} in {model_id!r}; "
                f"known providers: {', '.join(sorted(self.providers))}"
            )
        if provider.models_from == ModelSource.CONFIGURED and model not in (known := provider.catalog_models()):
            listed = ", ".join(f"{provider_name}:{n}" for n in known) or "none"
            raise UnknownModelError(f"unknown {provider_name} model {model_id!r}; configured: {listed}")
        return provider, model

    def tokenizer(self, model_id: str):
        """The model's own tokenizer (tokenize, split, prompt_tokens) when its provider has one, else None."""
        try:
            provider, model = self.resolve(model_id)
        except UnknownModelError:
            return None
        return provider.tokenizer(model)

    def server_tokenizer(self, model_id: str):
        """(the server's own tokenizer, the model's name there) when the id's server may offer one, else None."""
        try:
            provider, model = self.resolve(model_id)
        except UnknownModelError:
            return None
        return None if provider.server_tokenizer is None else (provider.server_tokenizer, model)

    def tokenizer_ids(self) -> list[str]:
        """Every model id whose provider has its own tokenizer for it (the Tokens tab offers them)."""
        return [
            f"{name}:{m}"
            for name, p in self.providers.items()
            if p.models_from == ModelSource.CONFIGURED
            for m in p.catalog_models()
            if p.tokenizer(m)
        ]

    def rules(self, model_id: str) -> ParamRules:
        """The catalog's parameter rules for an id (defaults for an endpoint whose base URL was overridden)."""
        try:
            provider, _ = self.resolve(model_id)
        except UnknownModelError:
            return ParamRules()
        if provider.connection.custom:
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
            clients = provider.clients
            if clients is not None and not clients.ready(loop) and provider.unavailable_reason() is None:
                pending[id(clients)] = clients
        await asyncio.gather(*(asyncio.to_thread(c.prepare, loop) for c in pending.values()), return_exceptions=True)

    async def prepare_models(self, model_ids: list[str]) -> None:
        """Let each id's provider learn what it must know before the run (an Ollama model's window and route)."""
        found = []
        for model_id in dict.fromkeys(model_ids):
            try:
                found.append(self.resolve(model_id))
            except UnknownModelError:
                continue
        await asyncio.gather(*(p.prepare_model(m) for p, m in found if p.unavailable_reason() is None))

    def prewarm(self) -> None:
        """Import every usable provider's SDK and build its client now (call on a background thread at start)."""
        for provider in self.providers.values():
            clients = provider.clients
            if clients is not None and provider.unavailable_reason() is None:
                try:
                    clients.prepare()
                except Exception:  # a broken SDK install shows up, with its message, when a run uses it
                    pass

    def unusable_reason(self, model_id: str) -> str | None:
        """Why this id cannot run now (missing key, missing file), without network calls; None if it can."""
        provider, model = self.resolve(model_id)
        return provider.unavailable_reason() or provider.model_reason(model)

    def custom_endpoint(self, provider_name: str) -> str | None:
        """The variable overriding a keyed row's base URL when it does (another server: no table prices), else None."""
        provider = self.providers.get(provider_name)
        if provider is None or not (provider.connection.custom and provider.connection.key_env):
            return None
        return provider.connection.base_url_env

    def info(
        self, model_id: str, available: bool = True, reason: str | None = None, note: str | None = None
    ) -> ModelInfo:
        """Catalog facts for an id: display name, context window and prices (None when unknown, with why)."""
        provider, model = split_model_id(model_id)
        built = self.providers.get(provider)
        remote = built.remote_route(model) if built is not None else None
        catalog = self.settings.catalog
        row = catalog["models"].get(model_id) or catalog["models"].get(model_id.removesuffix(":latest")) or {}
        # A cloud route is not this machine's compute: none of the local provider's free defaults apply to it.
        defaults = {} if remote else catalog.get("provider_defaults", {}).get(provider, {})
        table, price_note = None, None
        declared = self.settings.declared_price(model_id)
        source: str | None
        if isinstance(declared, tuple):
            (input_per_m, output_per_m), source = declared, "prices from compare.toml"
        elif remote:
            (input_per_m, output_per_m), source = (None, None), None
            price_note = (
                f"a cloud route (computed on {remote}): no price known; declare it under [prices] in compare.toml"
            )
        else:
            (input_per_m, output_per_m), table, price_note = self._prices(provider, model_id, row, defaults, declared)
            source = None if input_per_m is None else price_table.label() if table else "catalog (no charge)"
        listed = table or price_table.lookup(model_id)
        window = (
            row.get("context_window") or (listed.context_window if listed else None) or defaults.get("context_window")
        )
        own = built.context_window(model) if built is not None else None
        if remote and not note:
            note = f"a cloud route through {built.label if built else provider}: computed on {remote}, not here"
        return ModelInfo(
            model_id,
            provider,
            row.get("display", model_id),
            available,
            reason,
            own or window,
            input_per_m,
            output_per_m,
            price_note,
            note,
            source,
            table,
            runs_locally=bool(built and built.runs_locally and not remote),
            embedded=bool(built and built.embedded),
            own_tokenizer=bool(built and built.tokenizer(model) is not None),
        )

    def _prices(self, provider: str, model_id: str, row: dict, defaults: dict, declared) -> tuple:
        """((input_per_m, output_per_m), table entry, why unknown) for an id with no prices in compare.toml."""
        custom = self.custom_endpoint(provider)
        if custom and declared != CATALOG_PRICES:
            return (
                (None, None),
                None,
                f"custom endpoint ({custom}): no table prices; declare them under [prices] in compare.toml",
            )
        free = (
            row.get("input_per_m", defaults.get("input_per_m")),
            row.get("output_per_m", defaults.get("output_per_m")),
        )
        if None not in free:
            return free, None, None  # the catalog's own rows: local compute, charged nothing
        table = price_table.lookup(model_id)
        if table is None or table.input_per_m is None or table.output_per_m is None:
            return (None, None), None, f"not in the {price_table.label()}; declare it under [prices] in compare.toml"
        return (table.input_per_m, table.output_per_m), table, None

    async def discover(self, timeout: float = DISCOVERY_TIMEOUT_S) -> list[ModelInfo]:
        """Every known model with whether it is usable now and why not; concurrent, bounded, never raises."""
        return await discover(self, timeout)
