"""Prices and context windows from the pinned genai-prices table, read offline (its auto-update is never started)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache

import genai_prices
from genai_prices import data_snapshot
from genai_prices.types import TieredPrices

# Our provider names -> the table's provider ids; a provider not here (local servers) has no table prices.
TABLE_PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "google",
    "deepseek": "deepseek",
    "groq": "groq",
    "mistral": "mistral",
    "xai": "x-ai",
    "openrouter": "openrouter",
    "together": "together",
}
# The table records no build date; the newest day it says its prices were checked is the closest it states.
_CHECKED = re.compile(r"(?:checked|verified|as of)\b[^.;]{0,80}?(\d{4}-\d{2}-\d{2})", re.IGNORECASE)


@dataclass(frozen=True)
class TableModel:
    """One model as the table has it: the ids to price it by, its context window and today's base rates."""

    provider_id: str
    model_ref: str
    name: str | None
    context_window: int | None
    input_per_m: float | None
    output_per_m: float | None


@dataclass(frozen=True)
class PricedUsage:
    """Token counts to charge: input includes the cached tokens; output includes reasoning tokens."""

    input_tokens: int
    output_tokens: int
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


def version() -> str:
    """The pinned genai-prices version (its table is the data)."""
    return genai_prices.__version__


@lru_cache(maxsize=1)
def data_date() -> str | None:
    """The newest date the table says its prices were checked (YYYY-MM-DD), None if it states none."""
    found = []
    for provider in data_snapshot.get_snapshot().providers:
        texts = [provider.price_comments or ""] + [m.price_comments or "" for m in provider.models]
        found += [m.group(1) for text in texts for m in _CHECKED.finditer(text)]
    valid = [d for d in found if _is_date(d)]
    return max(valid) if valid else None


def label() -> str:
    """How a cost names its prices, e.g. "genai-prices 0.2.3 table, checked 2026-11-03"."""
    checked = data_date()
    return f"genai-prices {version()} table" + (f", checked {checked}" if checked else "")


@lru_cache(maxsize=512)
def lookup(model_id: str) -> TableModel | None:
    """The table's entry for "provider:model", None when the provider or model is not in it."""
    provider, _, name = model_id.partition(":")
    provider_id = TABLE_PROVIDERS.get(provider)
    if provider_id is None or not name:
        return None
    try:
        _, model = data_snapshot.get_snapshot().find_provider_model(name, None, provider_id, None)
    except LookupError:
        return None
    price = model.get_prices(datetime.now(UTC))
    return TableModel(
        provider_id,
        name,
        model.name,
        model.context_window,
        _base(getattr(price, "input_mtok", None)),
        _base(getattr(price, "output_mtok", None)),
    )


def cost(model: TableModel, usage: PricedUsage, when: datetime | None = None) -> float:
    """USD for this usage at the table's price on `when` (default now): cache rates and prompt-size tiers applied."""
    counts = {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}
    if usage.cache_read_tokens:
        counts["cache_read_tokens"] = usage.cache_read_tokens
    if usage.cache_write_tokens:
        counts["cache_write_tokens"] = usage.cache_write_tokens
    price = genai_prices.calc_price(
        genai_prices.Usage(**counts), model.model_ref, provider_id=model.provider_id, genai_request_timestamp=when
    )
    return float(price.total_price)


def _base(value: Decimal | TieredPrices | None) -> float | None:
    if value is None:
        return None
    return float(value.base if isinstance(value, TieredPrices) else value)


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
