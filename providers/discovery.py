"""Discovery: every known model with whether it is usable now and why not, asking each provider's server where it
lists its models (concurrently, each within the timeout)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from .base import BaseProvider, ModelSource, ProviderError
from .model_listing import failure_note, live_models, merge

if TYPE_CHECKING:
    from .registry import ModelInfo, Registry


async def discover(registry: Registry, timeout: float) -> list[ModelInfo]:
    """Every known model with whether it is usable now and why not; concurrent, bounded, never raises."""
    names = list(registry.providers)
    # SDK imports take up to a second: done on worker threads first, the timeout measures only the servers.
    loop = asyncio.get_running_loop()
    asking = {id(c): c for n in names if _asks_server(registry, n) and (c := registry.providers[n].clients)}
    await asyncio.gather(*(asyncio.to_thread(c.prepare, loop) for c in asking.values()), return_exceptions=True)
    results = await asyncio.gather(*(_discover_one(registry, n, timeout) for n in names), return_exceptions=True)
    found: list[ModelInfo] = []
    for name, result in zip(names, results):
        if isinstance(result, BaseException):
            found.append(registry.info(f"{name}:*", False, f"discovery failed: {type(result).__name__}"))
        else:
            found.extend(result)
    return found


async def _discover_one(registry: Registry, name: str, timeout: float) -> list[ModelInfo]:
    provider = registry.providers[name]
    reason = provider.unavailable_reason()
    if reason:
        unusable = [registry.info(f"{name}:{m}", False, reason) for m in provider.catalog_models()]
        return unusable or [registry.info(f"{name}:*", False, reason)]
    rows: dict[str, str | None]
    if provider.models_from != ModelSource.SERVER:
        rows = await _merge_live(registry, name, provider, timeout)
    else:
        try:
            rows = dict.fromkeys(await asyncio.wait_for(provider.server_models(), timeout))
        except TimeoutError:
            where = provider.base_url or "?"
            return [
                registry.info(f"{name}:*", False, f"{provider.label} did not answer at {where} within {timeout:g} s")
            ]
        except ProviderError as exc:
            down = "connect" in exc.message or "not running" in exc.message
            message = f"{provider.label} is not running at {provider.base_url}" if down else exc.message
            return [registry.info(f"{name}:*", False, message)]
    out = []
    for m, note in rows.items():
        model_reason = provider.model_reason(m)
        out.append(registry.info(f"{name}:{m}", model_reason is None, model_reason, note))
    return out or [registry.info(f"{name}:*", False, f"{provider.label} has no models installed")]


def _asks_server(registry: Registry, name: str) -> bool:
    """Whether discovery will send this provider a request now."""
    provider = registry.providers[name]
    if provider.unavailable_reason() is not None:
        return False
    if provider.models_from == ModelSource.CATALOG_AND_SERVER:
        return registry.listings.get(name) is None
    return provider.models_from == ModelSource.SERVER


async def _merge_live(registry: Registry, name: str, provider: BaseProvider, timeout: float) -> dict[str, str | None]:
    """Model name -> note: the catalog rows, merged with the provider's own list when it has one."""
    models = provider.catalog_models()
    if provider.models_from != ModelSource.CATALOG_AND_SERVER:
        return dict.fromkeys(models)
    custom = provider.connection.custom
    try:
        served = await live_models(provider, registry.listings, timeout, official=not custom)
    except Exception as exc:  # any listing failure: the catalog rows stay usable, the reason is shown
        registry.listing_notes[name] = note = failure_note(provider, exc)
        return dict.fromkeys(models, note)
    registry.listing_notes.pop(name, None)
    # An overridden base URL may be a proxy that serves the catalog's names without listing them.
    missing = f"not in the models list of the server at {provider.base_url} (a proxy may still serve it)"
    return {m: None if m in served or not custom else missing for m in merge(models, served)}
