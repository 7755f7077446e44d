"""The page in a real browser (Playwright + system Chromium): streaming, Stop, layout.

Three page loads in all; the app runs in this process against a fake OpenAI server. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.appserver import AppServer
from tests.browser_fixtures import (
    history,
    md_text,
    require_chromium,
    screenshot,
    set_column_setting,
    set_columns,
    set_model,
    set_prompt,
    start_history,
    start_sampler,
    stop_sampler,
    wait_meta,
)
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

ALPHA = " ".join(f"alpha{i}" for i in range(90))  # 90 chunks at 30/s: 3 s of visible streaming
BETA = " ".join(f"beta{i}" for i in range(90))
SLOW = " ".join(f"slow{i}" for i in range(600))  # 30 s at 20/s: always stopped long before the end


@pytest.fixture(scope="module")
def fake():
    require_chromium()  # no servers to start when the browser tests are skipped
    per_model = {
        "alpha": Behaviour(reply=ALPHA, tokens_per_s=30),
        "beta": Behaviour(reply=BETA, tokens_per_s=30),
        "slow": Behaviour(reply=SLOW, tokens_per_s=20),
        "slow2": Behaviour(reply=SLOW, tokens_per_s=20),
    }
    with OpenAIServer(Behaviour(), per_model=per_model) as srv:
        yield srv


@pytest.fixture(scope="module")
def app(fake):
    with AppServer({"OPENAI_API_KEY": "sk-test-SECRET-1234567890", "OPENAI_BASE_URL": fake.url + "/v1"}) as running:
        yield running


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --- (a) streaming into every column, stats, summary and downloads -------------------------------------------


def test_run_streams_into_every_column(new_page, app, fake):
    page = new_page(app.url)
    set_model(page, 0, "openai:alpha")
    set_model(page, 1, "openai:beta")
    set_column_setting(page, "temp", 0, "0.3")
    set_column_setting(page, "persona", 1, "Sarcastic persona")
    set_prompt(page, "Count for me, please.")
    fake.reset()
    start_sampler(page, ["reply-0", "reply-1"])
    page.click("#run")
    for slot in (0, 1):
        wait_meta(page, slot, "done")
    samples = stop_sampler(page)

    finals = [md_text(page, "reply-0"), md_text(page, "reply-1")]
    assert normalise(finals[0]) == ALPHA and normalise(finals[1]) == BETA
    for slot in (0, 1):
        final = len(finals[slot])
        partial = sorted({s["texts"][slot] for s in samples if 0 < s["texts"][slot] < final})
        assert len(partial) >= 3, f"column {slot} did not stream (partial lengths seen: {partial})"
        lengths = [s["texts"][slot] for s in samples]
        assert lengths == sorted(lengths), f"column {slot} text shrank while streaming"
    both_partial = [s for s in samples if all(0 < n < len(f) for n, f in zip(s["texts"], finals))]
    assert both_partial, "the two columns never streamed at the same time"
    assert any("streaming" in s["metas"][0] for s in samples), "no live status while streaming"
    # each column's own settings reached its request (the page packs them in the browser)
    sent = {r.body["model"]: r.body for r in fake.requests if r.path.endswith("/chat/completions")}
    assert sent["alpha"]["temperature"] == 0.3 and sent["beta"]["temperature"] == 0.7
    systems = {model: body["messages"][0]["content"] for model, body in sent.items()}
    assert "sarcastic" in systems["beta"].lower() and "sarcastic" not in systems["alpha"].lower(), systems

    for slot in (0, 1):
        meta = md_text(page, f"meta-{slot}")
        assert "first token" in meta and "tok/s" in meta and "done" in meta, meta

    page.wait_for_function(
        "() => ['openai:alpha', 'openai:beta'].every(m => document.querySelector('#summary').innerText.includes(m))"
    )
    summary = normalise(page.locator("#summary").inner_text())
    # labels name the model and what differs between the columns (persona and temperature here)
    assert "openai:alpha · shared · t=0.3 done" in summary, summary
    assert "openai:beta · Sarcastic persona · t=0.7 done" in summary, summary
    page.locator("#plot-0 svg").wait_for()  # the first-token chart is drawn
    screenshot(page, "browser_run_streams")

    links = {}
    for elem_id, ext in (("export-json", ".json"), ("export-md", ".md")):
        link = page.locator(f"#{elem_id} a[download]")
        link.wait_for()
        assert link.get_attribute("download").endswith(ext)
        links[ext] = page.request.get(link.get_attribute("href"))
        assert links[ext].ok, (ext, links[ext].status)
    record = links[".json"].json()
    assert [r["model"] for r in record["results"]] == ["openai:alpha", "openai:beta"]
    assert [r["text"] for r in record["results"]] == [ALPHA, BETA]
    assert record["prompt"] == "Count for me, please."
    report = links[".md"].text()
    assert "## openai:alpha" in report and ALPHA in report and BETA in report


# --- (b) Stop mid-stream -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stopped_run(browser, app, fake):
    """Run two slow columns, press Stop mid-stream, let the page settle; returns what was observed."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app.url, timeout=120_000)
    page.wait_for_selector("#run", timeout=120_000)
    set_model(page, 0, "openai:slow")
    set_model(page, 1, "openai:slow2")
    set_prompt(page, "Tell me a very long story.")
    fake.reset()
    start_history(page, ["meta-0", "meta-1", "banner"])
    page.click("#run")
    page.wait_for_function(
        "() => ['reply-0', 'reply-1'].every(id => document.querySelector('#' + id + ' span.md').innerText.length > 60)"
    )
    page.click("#stop")
    deadline = time.monotonic() + 20
    while fake.disconnects < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    # Settle: wait until neither reply has changed for 1.5 s.
    last, stable_since = None, time.monotonic()
    while time.monotonic() - stable_since < 1.5 and time.monotonic() < deadline + 20:
        now = (md_text(page, "reply-0"), md_text(page, "reply-1"))
        if now != last:
            last, stable_since = now, time.monotonic()
        time.sleep(0.1)
    time.sleep(1.5)
    observed = {
        "settled": last,
        "after": (md_text(page, "reply-0"), md_text(page, "reply-1")),
        "history": history(page),
        "metas": [md_text(page, "meta-0"), md_text(page, "meta-1")],
        "banner": md_text(page, "banner"),
        "summary": page.locator("#summary").inner_text(),
        "disconnects": fake.disconnects,
        "finished": fake.finished_streams,
    }
    screenshot(page, "browser_stop")
    yield observed
    context.close()


def test_stop_halts_the_stream_and_closes_upstream(stopped_run, fake):
    seen = stopped_run
    assert fake.disconnected.is_set() and seen["disconnects"] == 2, "the fake server did not see both streams close"
    assert seen["finished"] == 0
    for slot in (0, 1):
        states = [s["text"] for s in seen["history"][f"meta-{slot}"]]
        assert any("stopped" in s for s in states), f"column {slot} never said stopped: {states}"
        settled, after = seen["settled"][slot], seen["after"][slot]
        assert settled == after, f"column {slot} kept growing after Stop"
        assert 60 < len(normalise(after)) < len(SLOW), "expected a partial reply"
        assert SLOW.startswith(normalise(after))
    assert any("Stopped." in s["text"] for s in seen["history"]["banner"])


def test_stop_leaves_stopped_status_and_results(stopped_run):
    seen = stopped_run
    for slot in (0, 1):
        assert "stopped" in seen["metas"][slot], seen["metas"][slot]
    assert seen["banner"] == "Stopped."
    assert seen["summary"].count("stopped") == 2, seen["summary"]


def test_estimated_counts_are_not_struck_through(stopped_run):
    for slot in (0, 1):
        stopped = [s for s in stopped_run["history"][f"meta-{slot}"] if "stopped" in s["text"]]
        assert stopped
        for state in stopped:
            assert not re.search(r"<(del|s)>", state["html"]), state["html"]


# --- (d) layout ----------------------------------------------------------------------------------------------


def test_four_columns_sit_side_by_side_at_1280px(new_page, app):
    page = new_page(app.url, viewport={"width": 1280, "height": 900})
    set_columns(page, 4)
    boxes = [page.locator(f"#col-{i}").bounding_box() for i in range(4)]
    screenshot(page, "browser_layout_4_columns")
    assert all(boxes), boxes
    tops = [b["y"] for b in boxes]
    assert max(tops) - min(tops) <= 2, f"columns are not on one row: {boxes}"
    for left, right in zip(boxes, boxes[1:]):
        assert right["x"] >= left["x"] + left["width"] - 1, f"columns overlap or are out of order: {boxes}"
    assert boxes[-1]["x"] + boxes[-1]["width"] <= 1280
    assert min(b["width"] for b in boxes) >= 140
    assert not page.locator("#col-4").is_visible()
