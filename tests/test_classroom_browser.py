"""The classroom tabs in Chromium: lessons, tokens, context windows and pipelines, plus the two classroom APIs."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.appserver import AppServer
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import DEFAULT_REPLY, Behaviour
from ui.web.safety import PageOptions

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
WAIT_MS = 90_000  # two cores shared by Chromium, the app and the local model
FAKE_START = DEFAULT_REPLY.split()[0] + " " + DEFAULT_REPLY.split()[1]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium missing at {CHROMIUM} under CI")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(autouse=True)
def _patient_expect():
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(WAIT_MS)
    page.goto(url, timeout=120_000)
    page.wait_for_selector("#run", timeout=120_000)
    return page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"classroom-{name}.png"), full_page=True)


def md(page, elem_id: str):
    return page.locator(f"#{elem_id} span.md")


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def test_every_tab_with_fake_cloud_and_local_model(browser):
    from playwright.sync_api import expect

    with (
        OpenAIServer(Behaviour(tokens_per_s=200)) as srv,
        AppServer({"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.url + "/v1"}) as app,
    ):
        [cloud] = app.ctx.resolve_models(["cloud"])
        assert cloud.startswith("openai:")
        page = open_page(browser, app.url)
        open_tab(page, "Lessons")
        expect(page.locator("#lesson-run-6")).to_be_visible()
        expect(page.locator("#lesson-01-system-vs-user")).to_contain_text(f"Runs on: {cloud} · {cloud}")
        shot(page, "lessons")

        # lesson 1 fills the Compare tab (two personas on the same cloud model), switches to it and runs
        page.locator("#lesson-run-1").click()
        expect(page.locator("#prompt textarea")).to_have_value("Why is the sky blue?")
        for slot in (0, 1):
            expect(md(page, f"meta-{slot}")).to_contain_text("done")
            expect(md(page, f"reply-{slot}")).to_contain_text(FAKE_START)
        systems = [r.body["messages"][0]["content"] for r in srv.requests if r.path.endswith("/chat/completions")][-2:]
        assert len(set(systems)) == 2 and any("five" in s for s in systems)
        expect(page.locator("#summary")).to_contain_text(cloud)
        page.locator("#plot-1 svg, #plot-1 canvas").first.wait_for()
        shot(page, "compare-lesson")

        # Stop also cancels a lesson-triggered run and closes the upstream stream
        srv.behaviour = Behaviour(tokens_per_s=4)
        srv.reset()
        open_tab(page, "Lessons")
        page.locator("#lesson-run-3").click()
        expect(md(page, "meta-0")).to_contain_text("streaming")
        page.locator("#stop").click()
        expect(md(page, "meta-0")).to_contain_text("stopped")
        assert srv.disconnected.wait(10)
        srv.behaviour = Behaviour(tokens_per_s=200)

        # tokens: the lesson opens "handcrafted"; π's digits come in threes
        open_tab(page, "Lessons")
        page.locator("#lesson-run-4").click()
        expect(page.locator("#tok-text textarea")).to_have_value("handcrafted")
        expect(page.locator("#tok-view-1 .token-view span")).to_have_count(2)
        expect(page.locator("#tok-view-1 .token-view span").first).to_have_attribute("title", "id 10888")
        page.locator("#tok-example-2").click()
        expect(md(page, "tok-head-1")).to_contain_text("19 tokens")
        expect(page.locator("#tok-view-1 .token-view span").nth(2)).to_have_text("141")
        shot(page, "tokens")
        big = ("The quick brown fox jumps over the lazy dog. 3.14159 " * 2000)[:100_000]
        page.locator("#tok-text textarea").focus()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(big)  # one input event, like a paste
        expect(md(page, "tok-timing")).to_contain_text("100,000 characters tokenised 3 ways")
        expect(page.locator("#tok-view-0")).to_contain_text("showing first 2,000 of")
        expect(page.locator("#tok-view-0 .token-view span")).to_have_count(2000)

        # context windows: fill, reply cost, and the template overhead measured on the runnable models
        open_tab(page, "Lessons")
        page.locator("#lesson-run-5").click()
        expect(page.locator("#ctx-table")).to_contain_text("claude-sonnet-4-0")
        expect(page.locator("#ctx-overhead")).to_contain_text("local:smollm2")
        expect(page.locator("#ctx-overhead")).to_contain_text("openai:gpt-4o-mini")
        shot(page, "context")

        # the Pipeline tab: defaults are cloud→local and local→local; both steps stream text, totals add up
        open_tab(page, "Pipeline")
        expect(page.locator("#pl-stop")).to_be_disabled()  # nothing runs yet
        page.locator("#pl-max-tokens input").fill("24")
        page.locator("#pl-run").click()
        for slot in (0, 1):
            expect(md(page, f"pl-totals-{slot}")).to_contain_text("Pipeline total (done)")
            for step in (0, 1):
                # the embedded model may use all 24 tokens: a finished step is "done" or says it was cut
                expect(md(page, f"pl-meta-{slot}-{step}")).to_contain_text(re.compile(r"done|cut \(max tokens\)"))
                assert md(page, f"pl-reply-{slot}-{step}").inner_text().strip()
        expect(md(page, "pl-reply-0-0")).to_contain_text(FAKE_START)
        chats = [r for r in srv.requests if r.path.endswith("/chat/completions")]
        assert "openai:" + chats[-1].body["model"] == cloud  # step 1 of pipeline 1 ran on the (fake) cloud
        shot(page, "pipeline")
        expect(page.locator("#pl-stop")).to_be_disabled()  # the run is over

        # Stop on the Pipeline tab cancels the running step upstream; its step 2 never starts
        srv.behaviour = Behaviour(tokens_per_s=4)
        srv.reset()
        page.locator("#pl-run").click()
        expect(md(page, "pl-meta-0-0")).to_contain_text("streaming")
        expect(page.locator("#pl-stop")).to_be_enabled()
        page.locator("#pl-stop").click()
        expect(md(page, "pl-meta-0-0")).to_contain_text("stopped")
        expect(md(page, "pl-meta-0-1")).to_contain_text("not run: stopped")
        expect(md(page, "pl-totals-0")).to_contain_text("Pipeline total (stopped)")
        expect(page.locator("#pl-stop")).to_be_disabled()
        assert srv.disconnected.wait(10)
        page.close()


def test_pipeline_lesson_with_no_keys_runs_local_to_local(browser):
    from playwright.sync_api import expect

    options = PageOptions(demo_caps=True, max_tokens_cap=40, runs_per_minute=30)
    with AppServer({}, options) as app:
        page = open_page(browser, app.url)
        open_tab(page, "Lessons")
        expect(page.locator("#lesson-06-two-step-pipeline")).to_contain_text(
            "local:smollm2 → local:smollm2 · local:smollm2 → local:smollm2"
        )
        page.locator("#lesson-run-6").click()
        expect(page.locator("#pl-prompt textarea")).to_have_value(
            app.ctx.presets["Summarize, then translate to Spanish (two steps)"].example
        )
        for slot in (0, 1):
            expect(md(page, f"pl-totals-{slot}")).to_contain_text("Pipeline total (done)", timeout=180_000)
            for step in (0, 1):
                assert md(page, f"pl-reply-{slot}-{step}").inner_text().strip()
        assert "cost $0" in md(page, "pl-totals-0").inner_text()
        shot(page, "pipeline-lesson-local")
        page.close()


def test_classroom_apis_over_http():
    from gradio_client import Client

    with (
        OpenAIServer(per_model={"translator": Behaviour(reply="Hola mundo.")}) as srv,
        AppServer({"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.url + "/v1"}) as app,
    ):
        client = Client(app.url, verbose=False)
        out = client.predict("handcrafted", ["cl100k_base", "local:smollm2"], api_name="/tokenize")
        assert out["cl100k_base"]["ids"] == [10888, 80894] and out["cl100k_base"]["tokens"] == ["hand", "crafted"]
        assert out["local:smollm2"]["count"] == len(out["local:smollm2"]["ids"])
        with pytest.raises(Exception, match="unknown tokenizer 'nope'"):
            client.predict("x", ["nope"], api_name="/tokenize")
        result = client.predict(
            "Summarize: tokens.", ["openai:gpt-4o-mini"], ["openai:translator"], api_name="/pipeline"
        )
        [pipeline] = result["pipelines"]
        assert pipeline["complete"] and pipeline["text"] == "Hola mundo."
        assert srv.requests[-1].body["messages"][-1]["content"] == pipeline["steps"][0]["text"]
        assert pipeline["totals"]["output_tokens"] == sum(s["output_tokens"] for s in pipeline["steps"])
        with pytest.raises(Exception, match="one step-2 model per step-1 model"):
            client.predict("x", ["openai:a", "openai:b"], ["openai:c"], api_name="/pipeline")
        with pytest.raises(Exception, match="Unknown model"):
            client.predict("x", ["nope:x"], ["openai:c"], api_name="/pipeline")
