"""The Compare tab's run handler takes raw browser values: bad ones give one clear banner, nothing is sent."""

from __future__ import annotations

import asyncio

import pytest

from providers import Settings
from tests.appserver import ISOLATION_ENV
from tests.page_helpers import page_values
from ui.context import PageContext
from ui.render import WARNING_MARK
from ui.tabs.column_settings import pack_columns
from ui.tabs.compare_run import run_stream

LOCAL = pack_columns(["local:smollm2"], ["(shared)"], ["shared"])


@pytest.fixture(scope="module")
def ctx():
    return PageContext.create(Settings.load(env=dict(ISOLATION_ENV), dotenv_path=None))


def frames(ctx, packed, **changes) -> list:
    page = page_values(**changes)

    async def collect():
        return [f async for f in run_stream(ctx, "session", {**page, "column_settings": packed})]

    return asyncio.run(collect())


@pytest.mark.parametrize(
    "packed, changes, expected",
    [
        (pack_columns(["local:smollm2"], [""], ["hot"]), {}, "Column 1: temperature 'hot' is not a number."),
        ('{"models": "local:smollm2"}', {}, "Column 1 has no model"),  # malformed packed settings
        ({"models": ["local:smollm2"]}, {}, "Column 1 has no model"),  # not the field's text form
        (None, {}, "Column 1 has no model"),
        ('{"models": [{"evil": 1}]}', {}, "Column 1 has no model"),
        ("not json", {}, "Column 1 has no model"),
        (LOCAL, {"temperature": "warm"}, "Temperature must be a number (got 'warm')."),
        (LOCAL, {"max_tokens": "lots"}, "Max tokens must be a number (got 'lots')."),
        (LOCAL, {"max_tokens": -5}, "Max tokens must be a whole number from 1"),
        (LOCAL, {"seed": 1.5}, "Seed must be a whole number"),
        (LOCAL, {"n_columns": 2.5}, "Choose between 1 and 8 columns."),
        (LOCAL, {"n_columns": None}, "Choose between 1 and 8 columns."),
        (LOCAL, {"prompt": None}, "The prompt is empty"),
        (LOCAL, {"reasoning": "extreme"}, "Reasoning must be one of default, off, low, medium, high (got 'extreme')."),
        (pack_columns(["local:smollm2"], [""], ["shared"], ["max"]), {}, "Column 1: reasoning must be one of"),
    ],
)
def test_bad_input_is_one_clear_banner_and_sends_nothing(ctx, packed, changes, expected):
    out = frames(ctx, packed, **changes)
    assert len(out) == 1, "bad input must not start a run"
    banner = out[0].banner
    assert banner.startswith(WARNING_MARK) and expected in banner, banner
    assert not ctx.active


def test_a_stop_cancels_only_earlier_runs_of_its_session_and_tab_once():
    from ui.web.queued_stop import StopRequests

    stops = StopRequests()
    stops.note("s1", "compare", 2000.0)
    assert not stops.cancels("s1", "pipeline", 1000.0) and not stops.cancels("s2", "compare", 1000.0)
    assert stops.cancels("s1", "compare", 1000.0)  # clicked before the Stop: it waited in the queue
    assert not stops.cancels("s1", "compare", 1000.0)  # that Stop is spent
    stops.note("s1", "compare", 2000.0)
    assert not stops.cancels("s1", "compare", 3000.0)  # clicked after the Stop
    assert not stops.cancels("s1", "compare", 1000.0)
