"""Costs from the pinned genai-prices table: equal to its calc_price for the reported usage, offline, labelled."""

from __future__ import annotations

import threading
from datetime import datetime

import genai_prices
import pytest
from genai_prices import data_snapshot

from providers import Registry, prices
from tests.engine_helpers import columns, registry_for, run
from tests.fakes.anthropic_server import AnthropicServer
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour
from ui.render import result_line


def table_price(result, provider_id: str, model_ref: str, **cached) -> float:
    """What genai-prices charges for a result's reported usage on the day it ran."""
    usage = genai_prices.Usage(input_tokens=result.input_tokens, output_tokens=result.output_tokens, **cached)
    when = datetime.fromisoformat(result.started_at)
    return float(
        genai_prices.calc_price(usage, model_ref, provider_id=provider_id, genai_request_timestamp=when).total_price
    )


def flat_price(result, model_id: str) -> float:
    """The old flat formula at the table's base rates: what a cost ignoring cache rates and tiers would be."""
    info = prices.lookup(model_id)
    return (result.input_tokens * info.input_per_m + result.output_tokens * info.output_per_m) / 1e6


def test_openai_costs_equal_calc_price_with_cached_tokens_and_the_long_prompt_tier():
    cases = {"gpt-4o-mini": (1_000, 0), "gpt-5.4-mini": (50_000, 40_000), "gpt-5.5": (300_000, 100_000)}
    results = {}
    for model, (n_in, cached) in cases.items():
        beh = Behaviour(reply="hi", input_tokens=n_in, output_tokens=2_000, cache_read_tokens=cached)
        with OpenAIServer(beh) as srv:
            [results[model]] = run(
                registry_for({"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.url + "/v1"}, catalog_prices=True),
                columns([f"openai:{model}"]),
            )
    for model, (n_in, cached) in cases.items():
        result = results[model]
        assert (result.input_tokens, result.output_tokens, result.cache_read_tokens) == (n_in, 2_000, cached or None)
        assert result.cost_usd == table_price(result, "openai", model, cache_read_tokens=cached), model
        assert result.price_source == prices.label()
    assert results["gpt-4o-mini"].cost_usd == pytest.approx(flat_price(results["gpt-4o-mini"], "openai:gpt-4o-mini"))
    # Cached tokens at their own (lower) rate; GPT-5.5's prompt over 272k tokens at the long-context rate.
    assert results["gpt-5.4-mini"].cost_usd < flat_price(results["gpt-5.4-mini"], "openai:gpt-5.4-mini")
    long_prompt = results["gpt-5.5"]
    assert long_prompt.cost_usd > table_price(long_prompt, "openai", "gpt-5.4", cache_read_tokens=100_000)
    assert long_prompt.cost_usd != pytest.approx(flat_price(long_prompt, "openai:gpt-5.5"))


def test_anthropic_cache_reads_and_writes_are_charged_at_their_rates_and_counted_in_the_prompt():
    beh = Behaviour(
        reply="hi", input_tokens=250_000, output_tokens=1_500, cache_read_tokens=150_000, cache_write_tokens=20_000
    )
    with AnthropicServer(beh) as srv:
        registry = registry_for({"ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": srv.url}, catalog_prices=True)
        [result] = run(registry, columns(["anthropic:claude-sonnet-4-5"]))
    # The wire says input_tokens=80_000 (fresh only); the count shown is the whole prompt.
    assert (result.input_tokens, result.cache_read_tokens, result.cache_write_tokens) == (250_000, 150_000, 20_000)
    cost = table_price(result, "anthropic", "claude-sonnet-4-5", cache_read_tokens=150_000, cache_write_tokens=20_000)
    assert result.cost_usd == cost and result.price_source == prices.label()
    assert "250,000 (150,000 cached, 20,000 written to cache) · out" in result_line(result)
    uncached = table_price(result, "anthropic", "claude-sonnet-4-5")
    assert cost != pytest.approx(uncached), "cache rates must change the price"
    # Sonnet 4.5's over-200k-token prompt tier: the same usage below the threshold costs less than proportionally.
    short = genai_prices.Usage(input_tokens=125_000, output_tokens=1_500)
    half = float(genai_prices.calc_price(short, "claude-sonnet-4-5", provider_id="anthropic").total_price)
    assert uncached > 2 * half - 1e-9


def test_gemini_long_prompt_tier_through_a_proxy_declared_catalog(settings_factory):
    config = '[prices]\n"gemini:*" = "catalog"\n'
    with OpenAIServer(Behaviour(reply="hi", input_tokens=300_000, output_tokens=1_000)) as srv:
        settings = settings_factory({"GEMINI_API_KEY": "g", "GEMINI_BASE_URL": srv.url + "/v1"}, config=config)
        [result] = run(Registry(settings), columns(["gemini:gemini-2.5-pro"]))
    assert result.cost_usd == table_price(result, "google", "gemini-2.5-pro")
    assert result.cost_usd > flat_price(result, "gemini:gemini-2.5-pro"), "over 200k tokens Gemini 2.5 Pro costs more"


def test_label_names_the_table_version_and_its_checked_date():
    label = prices.label()
    assert label == f"genai-prices {genai_prices.__version__} table, checked {prices.data_date()}"
    assert prices.data_date() > "2026-01-01" and "2025-06-01" not in label


def test_the_table_is_the_bundled_one_and_nothing_fetches_it():
    assert not data_snapshot.get_snapshot().from_auto_update
    assert not any(t.name == "genai_prices:update" for t in threading.enumerate())


def test_table_supplies_context_windows_and_unknown_models_say_so():
    registry = registry_for({"OPENAI_API_KEY": "k", "OLLAMA_HOST": "127.0.0.1:9"})
    assert registry.info("openai:gpt-5.5").context_window == prices.lookup("openai:gpt-5.5").context_window > 0
    unknown = registry.info("openai:no-such-model-xyz")
    assert unknown.input_per_m is None and unknown.price_note.startswith(f"not in the {prices.label()}")
    assert prices.lookup("local:smollm2") is None


def test_declared_prices_win_over_the_table_and_charge_cached_tokens_at_the_input_price(settings_factory):
    config = '[prices]\n"openai:gpt-6-luna" = { input_per_m = 1.0, output_per_m = 2.0 }\n'
    beh = Behaviour(reply="hi", input_tokens=10_000, output_tokens=1_000, cache_read_tokens=8_000)
    with OpenAIServer(beh) as srv:
        settings = settings_factory({"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.url + "/v1"}, config=config)
        [result] = run(Registry(settings), columns(["openai:gpt-6-luna"]))
    assert result.cost_usd == pytest.approx((10_000 * 1.0 + 1_000 * 2.0) / 1e6)
    assert result.price_source == "prices from compare.toml" and result.cache_read_tokens == 8_000


def test_a_server_reporting_more_cached_tokens_than_the_prompt_gets_a_message_not_a_cost():
    beh = Behaviour(reply="hi", input_tokens=100, output_tokens=10, cache_read_tokens=500)
    with OpenAIServer(beh) as srv:
        [result] = run(
            registry_for({"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.url + "/v1"}, catalog_prices=True),
            columns(["openai:gpt-6-luna"]),
        )
    assert result.error is None and result.cost_usd is None
    assert result.cost_note.startswith(f"the {prices.label()} could not price this usage: ")
    assert "cache_read_tokens (500) cannot exceed input_tokens (100)" in result.cost_note
