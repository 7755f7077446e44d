"""The Compare tab's runs per column: K rounds, each column's runs one after another, every run kept in the record."""

from __future__ import annotations

import asyncio

import pytest

from providers import Settings
from tests.appserver import ISOLATION_ENV
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour
from tests.page_helpers import page_values
from ui.context import PageContext
from ui.render import WARNING_MARK
from ui.tabs.column_settings import pack_columns
from ui.tabs.compare_run import run_stream, stop_run
from ui.tabs.repeat_page import run_choices, run_views

TWO = pack_columns(["openai:a", "openai:broken"], ["(shared)", "(shared)"], ["shared", "shared"])


def frames(ctx, repeat, packed=TWO, on_frame=None, n_columns=2) -> list:
    """Every frame of one page run; `on_frame(frame)` (async) is awaited after each."""
    page = page_values(n_columns=n_columns)

    async def collect():
        out = []
        async for f in run_stream(ctx, "session", {**page, "repeat": repeat, "column_settings": packed}):
            out.append(f)
            if on_frame is not None:
                await on_frame(f)
        return out

    return asyncio.run(collect())


def chats(fake) -> int:
    return len([r for r in fake.requests if r.path == "/v1/chat/completions"])


@pytest.fixture(scope="module")
def fake():
    per_model = {
        "a": Behaviour(reply="alpha beta gamma delta", first_token_delay_s=0.01, jitter=0.5),
        "broken": Behaviour(fault="500"),
        "numbered": Behaviour(reply="a reply", first_token_delay_s=0.01, jitter=0.5, number_replies=True),
        "slow": Behaviour(reply=" ".join(f"w{i}" for i in range(400)), tokens_per_s=40, number_replies=True),
    }
    with OpenAIServer(Behaviour(), per_model=per_model) as srv:
        yield srv


@pytest.fixture(scope="module")
def ctx(fake):
    env = {**ISOLATION_ENV, "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": fake.url + "/v1"}
    return PageContext.create(Settings.load(env=env, dotenv_path=None))


def test_three_runs_per_column_keep_every_run_and_report_spread_and_failures(ctx, fake):
    fake.reset()
    last = frames(ctx, "3")[-1]
    banner, record = last.banner, last.record.to_json()
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
    assert len(out) == 1 and out[0].banner.startswith(WARNING_MARK) and "from 1 to 10" in out[0].banner
    assert not fake.requests


def test_the_columns_show_run_1_and_the_switcher_shows_each_runs_own_reply_and_figures(ctx, fake):
    one = pack_columns(["openai:numbered"], ["(shared)"], ["shared"])
    last = frames(ctx, 3, one, n_columns=1)[-1]
    reply, meta, history, typed = last.replies[0], last.metas[0], last.history, last.record
    record = typed.to_json()
    first = record["repeats"]["runs"][0][0]["text"]
    assert first.startswith("reply ") and first in reply and meta.startswith("run 1 of 3")
    assert history[0][-1].content == first == record["results"][0]["text"], "the conversation continues from run 1"
    assert run_choices(typed) == ["Run 1", "Run 2", "Run 3"]
    shown = run_views(typed, history, "Run 3")
    third = record["repeats"]["runs"][0][2]
    assert third["text"] != first and third["text"] in shown.replies[0] and first not in shown.replies[0]
    assert shown.metas[0].startswith("run 3 of 3") and f"{third['ttft_s']:.2f}" in shown.metas[0]
    assert run_views(typed, history, "Run 9").metas[0].startswith("run 9 did not happen")
    assert run_views(None, history, "Run 1") is None and run_views(typed, history, "nonsense") is None


def test_stop_ends_the_rounds_left_and_keeps_the_runs_made(ctx, fake):
    fake.reset()
    one = pack_columns(["openai:slow"], ["(shared)"], ["shared"])

    async def stop_in_round_2(frame):
        if chats(fake) == 2 and "streaming" in frame.metas[0]:
            await stop_run(ctx, "session")

    last = frames(ctx, 5, one, stop_in_round_2, n_columns=1)[-1]
    typed = last.record
    record = typed.to_json()
    assert chats(fake) == 2, "no round starts after Stop"
    runs = record["repeats"]["runs"][0]
    assert [r["run"] for r in runs] == [1, 2] and runs[1]["stopped"] and not runs[0]["stopped"]
    assert "Stopped." in last.banner and run_choices(typed) == ["Run 1", "Run 2"]
    assert record["repeats"]["summaries"][0]["failed_runs"] == 1, "the stopped run is counted and left out"


def test_history_snapshots_and_exports_show_every_runs_spread_and_the_verdicts(ctx, fake):
    from ui.tabs.history_view import run_markdown
    from ui.web.export import markdown_report
    from ui.web.snapshot_page import snapshot_document

    record = frames(ctx, 3, pack_columns(["openai:a", "openai:numbered"], ["(shared)"] * 2, ["shared"] * 2))[
        -1
    ].record.to_json()
    stored = ctx.store.get_run(ctx.store.save_run(record, "owner-token-for-tests-000000"))
    assert stored.record["repeats"] == record["repeats"], "the saved run keeps every run"
    snapshot = snapshot_document(stored)
    assert snapshot.count('class="run-dot"') == 3 * 2 * 3, "a dot per run, per column, in each of three charts"
    assert (
        "<th>first token (s)</th>" in snapshot
        and "median (p10–p90)" in snapshot
        and "ttft_s: openai:a vs openai:numbered" in snapshot
    )
    for text in (run_markdown(stored), markdown_report(record)):
        assert "3 runs per column" in text and "median (p10–p90)" in text
        assert "ttft_s: openai:a vs openai:numbered" in text.replace("\\", "")
