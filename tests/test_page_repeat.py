"""The Compare tab's runs per column: K rounds, each column's runs one after another, every run kept in the record."""
from __future__ import annotations

import asyncio

import pytest

from providers import Settings
from tests.appserver import ISOLATION_ENV
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour
from ui.column_settings import pack_columns, unpack_columns
from ui.context import N_SLOTS, PageContext
from ui.handlers import empty_history, run_stream
from ui.render import WARNING_MARK

TWO = pack_columns(["openai:a", "openai:broken"], ["(shared)", "(shared)"], ["shared", "shared"])


def frames(ctx, repeat, packed=TWO) -> list:
    page = dict(prompt="Hi", system="", temperature=0.7, max_tokens=16, top_p=1.0, seed=None, reasoning="default",
                n_columns=2, history=empty_history())

    async def collect():
        return [f async for f in run_stream(ctx, "session", *page.values(), *unpack_columns(packed), repeat=repeat)]

    return asyncio.run(collect())


@pytest.fixture(scope="module")
def fake():
    per_model = {"a": Behaviour(reply="alpha", first_token_delay_s=0.01, jitter=0.5), "broken": Behaviour(fault="500")}
    with OpenAIServer(Behaviour(), per_model=per_model) as srv:
        yield srv


@pytest.fixture(scope="module")
def ctx(fake):
    env = {**ISOLATION_ENV, "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": fake.url + "/v1"}
    return PageContext.create(Settings.load(env=env, dotenv_path=None))


def test_three_runs_per_column_keep_every_run_and_report_spread_and_failures(ctx, fake):
    fake.reset()
    last = frames(ctx, "3")[-1]
    banner, record = last[2 * N_SLOTS], last[-1]
    assert len([r for r in fake.requests if r.path == "/v1/chat/completions"]) == 6
    repeats = record["repeats"]
    assert [[r["run"] for r in column] for column in repeats["runs"]] == [[1, 2, 3], [1, 2, 3]]
    ok, broken = repeats["summaries"]
    assert (ok["failed_runs"], broken["failed_runs"]) == (0, 3)
    assert "3 runs per column" in banner and "median (p10–p90)" in banner and "3 failed (excluded)" in banner
    assert "fewer than 3 successful runs" in banner  # the broken column has none, so no verdict
    assert [r["model"] for r in record["results"]] == ["openai:a", "openai:broken"]


@pytest.mark.parametrize("bad", ["0", "11", "x"])
def test_bad_runs_per_column_is_one_banner_and_sends_nothing(ctx, fake, bad):
    fake.reset()
    out = frames(ctx, bad)
    assert len(out) == 1 and out[0][2 * N_SLOTS].startswith(WARNING_MARK) and "from 1 to 10" in out[0][2 * N_SLOTS]
    assert not fake.requests
