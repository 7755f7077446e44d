"""The page in a real browser (Playwright + system Chromium): streaming, Stop, hostile model output, layout.

Four page loads in all; the app runs in this process against a fake OpenAI server. Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.appserver import AppServer
from tests.browser_fixtures import (ARTIFACTS, browser, history, md_text, new_page, require_chromium,  # noqa: F401
                                    screenshot, set_column_setting, set_columns, set_model, set_prompt,
                                    start_history, start_sampler, stop_sampler)
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

ALPHA = " ".join(f"alpha{i}" for i in range(90))  # 90 chunks at 30/s: 3 s of visible streaming
BETA = " ".join(f"beta{i}" for i in range(90))
SLOW = " ".join(f"slow{i}" for i in range(600))  # 30 s at 20/s: always stopped long before the end


class LeakServer:
    """A tiny HTTP server on 127.0.0.1 that records every request: nothing the model writes may reach it."""

    def __init__(self):
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def hostile_reply(leak: str) -> tuple[str, dict[str, str]]:
    """A reply trying script execution and remote fetches; returns it and {probe name: URL path}."""
    paths = {"markdown image": "/leak.png?secret=1", "markdown image with title": "/leak-title.png",
             "reference-style image": "/leak-ref.png", "html img": "/leak-img.png", "IMG upper case": "/leak-upper.png",
             "img with newline": "/leak-newline.png", "img/src": "/leak-slash.png", "css background": "/leak-css.png",
             "input type=image": "/leak-input.png", "table background": "/leak-table.png", "svg image": "/leak-svg.png",
             "iframe": "/leak-iframe.html", "stylesheet link": "/leak.css"}
    u = {name: leak + path for name, path in paths.items()}
    reply = (
        'Here you go. <img src=x onerror="window.__pwned=1"> and <script>window.__pwned=2</script> '
        f'then ![x]({u["markdown image"]}) and <img src="{u["html img"]}" alt="a picture"> '
        f'![y]({u["markdown image with title"]} "a title") ![z][ref] <IMG SRC="{u["IMG upper case"]}"> '
        f'<img\nsrc="{u["img with newline"]}"> <img/src="{u["img/src"]}"> '
        f'<div style="background-image:url({u["css background"]})">styled</div> '
        f'<input type="image" src="{u["input type=image"]}"> '
        f'<table background="{u["table background"]}"><tr><td>cell</td></tr></table> '
        f'<svg><image href="{u["svg image"]}"/></svg> <iframe src="{u["iframe"]}"></iframe> '
        f'<link rel="stylesheet" href="{u["stylesheet link"]}"> <a href="javascript:window.__pwned=3">click</a> end.'
        f'\n\n[ref]: {u["reference-style image"]}\n'
    )
    return reply, paths


@pytest.fixture(scope="module")
def leak():
    server = LeakServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def fake(leak):
    require_chromium()  # no servers to start when the browser tests are skipped
    reply, _ = hostile_reply(leak.url)
    per_model = {"alpha": Behaviour(reply=ALPHA, tokens_per_s=30), "beta": Behaviour(reply=BETA, tokens_per_s=30),
                 "slow": Behaviour(reply=SLOW, tokens_per_s=20), "slow2": Behaviour(reply=SLOW, tokens_per_s=20),
                 "evil": Behaviour(reply=reply, tokens_per_s=40)}
    with OpenAIServer(Behaviour(), per_model=per_model) as srv:
        yield srv


@pytest.fixture(scope="module")
def app(fake):
    with AppServer({"OPENAI_API_KEY": "sk-test-SECRET-1234567890", "OPENAI_BASE_URL": fake.url + "/v1"}) as running:
        yield running


def wait_meta(page, slot: int, needle: str) -> None:
    page.wait_for_function("([id, needle]) => document.querySelector('#' + id + ' span.md').innerText.includes(needle)",
                           arg=[f"meta-{slot}", needle])


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

    page.wait_for_function("() => ['openai:alpha', 'openai:beta'].every(m => "
                           "document.querySelector('#summary').innerText.includes(m))")
    summary = normalise(page.locator("#summary").inner_text())
    assert "openai:alpha done" in summary and "openai:beta done" in summary, summary
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
    page.wait_for_function("() => ['reply-0', 'reply-1'].every(id => "
                           "document.querySelector('#' + id + ' span.md').innerText.length > 60)")
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
        "settled": last, "after": (md_text(page, "reply-0"), md_text(page, "reply-1")),
        "history": history(page), "metas": [md_text(page, "meta-0"), md_text(page, "meta-1")],
        "banner": md_text(page, "banner"), "summary": page.locator("#summary").inner_text(),
        "disconnects": fake.disconnects, "finished": fake.finished_streams,
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


# --- (c) hostile model output --------------------------------------------------------------------------------

CSP_RECORDER = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
                          e => window.__csp.push({uri: e.blockedURI, directive: e.violatedDirective}));"""


def test_model_output_cannot_run_script_or_fetch_remote_media(new_page, app, leak):
    requests, failed = [], []

    def listen(page):
        page.on("request", lambda r: requests.append(r.url) if f":{leak.port}" in r.url else None)
        page.on("requestfailed", lambda r: failed.append(r.url) if f":{leak.port}" in r.url else None)

    page = new_page(app.url, init_script=CSP_RECORDER, before_goto=listen)
    set_columns(page, 1)
    set_model(page, 0, "openai:evil")
    set_prompt(page, "Show me an image.")
    page.locator("#prompt textarea").press("Enter")  # Enter in the prompt box runs, like the Run button
    wait_meta(page, 0, "done")
    page.wait_for_timeout(1500)  # give any late fetch or handler time to fire
    screenshot(page, "browser_hostile_output")

    reply = page.locator("#reply-0 span.md")
    html = reply.inner_html()
    _, paths = hostile_reply(leak.url)
    layers = {}
    violations = page.evaluate("() => window.__csp")
    blocked = {v["uri"] for v in violations}
    for name, path in paths.items():
        url = leak.url + path
        in_dom = url in html or url.replace("&", "&amp;") in html
        layers[name] = ("stripped before rendering (app sanitiser, Markdown, DOMPurify)" if not in_dom
                        else "blocked by the CSP" if url in blocked else "left in the page, not blocked")
    (ARTIFACTS / "browser_hostile_output.json").write_text(json.dumps(
        {"layers": layers, "csp_violations": violations, "page_requests": requests, "failed_requests": failed,
         "leak_server_hits": leak.hits, "reply_html": html}, indent=2))

    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert leak.hits == [], f"the leak server was reached: {leak.hits}"
    assert not [u for u in requests if "/leak.png" in u], "the Markdown image was requested"
    # Anything the browser attempted must have been refused by the Content-Security-Policy.
    assert set(requests) <= blocked, (requests, violations)
    assert all(v["directive"].startswith(("img-src", "media-src", "object-src", "default-src")) for v in violations)
    # The mandated probes never reach the DOM in a live form.
    assert "[image removed: x]" in reply.inner_text()
    assert reply.locator("script").count() == 0 and page.locator("[onerror]").count() == 0
    assert reply.locator(f"img[src*='{leak.port}'], iframe, object, embed").count() == 0
    assert layers["markdown image"].startswith("stripped") and layers["html img"].startswith("stripped")
    assert "left in the page" not in json.dumps(layers), layers
    reply.get_by_text("click").click()  # a javascript: link must not run either
    page.wait_for_timeout(300)
    assert page.evaluate("() => typeof window.__pwned") == "undefined"


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
