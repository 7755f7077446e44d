"""A run whose client goes away is cancelled: its upstream stream is closed and its slot freed for the next visitor.

The slow model would stream for a minute; each test measures how long after the client left the fake server saw
its stream closed (the issue asks for 2 s; the bound here leaves room for a loaded machine)."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest

from tests.appserver import AppServer
from tests.browser_fixtures import one_column, require_chromium, wait_meta
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour
from ui.web.safety import PageOptions

SLOW = " ".join(f"slow{i}" for i in range(1200))  # 60 s at 20 tokens/s
QUICK = " ".join(f"quick{i}" for i in range(10))
LEFT_WITHIN_S = 6.0  # far below the 60 s an uncancelled run would take

CLIENT = """
import sys
from gradio_client import Client
client = Client(sys.argv[1], verbose=False, analytics_enabled=False)
if sys.argv[2] == "compare":
    client.predict("Say a lot.", "", ["openai:slow"], 0.7, 2000, api_name="/compare")
else:
    client.predict("Say a lot.", ["openai:slow", "openai:slow-too"], api_name="/battle")
"""


@pytest.fixture(scope="module")
def fake():
    slow = Behaviour(reply=SLOW, tokens_per_s=20)
    per_model = {"slow": slow, "slow-too": slow, "quick": Behaviour(reply=QUICK, tokens_per_s=200)}
    with OpenAIServer(Behaviour(), per_model=per_model) as srv:
        yield srv


@pytest.fixture(scope="module")
def app(fake):
    env = {"OPENAI_API_KEY": "sk-test-abandoned", "OPENAI_BASE_URL": fake.url + "/v1"}
    with AppServer(env, options=PageOptions(concurrency=1)) as running:  # one slot: a leftover run blocks everyone
        yield running


def wait_for_stream(fake, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while fake.active_streams < 1:
        assert time.monotonic() < deadline, "the slow stream never started"
        time.sleep(0.05)


def seconds_until_upstream_closed(fake) -> float:
    left = time.monotonic()
    assert fake.disconnected.wait(LEFT_WITHIN_S), "the upstream stream was still open after the client left"
    return time.monotonic() - left


@pytest.mark.parametrize("endpoint", ["compare", "battle"])
def test_a_killed_api_client_cancels_its_run(app, fake, endpoint):
    fake.reset()
    client = subprocess.Popen([sys.executable, "-c", CLIENT, app.url, endpoint])
    try:
        wait_for_stream(fake)
        time.sleep(0.5)  # mid-stream
    finally:
        client.kill()
        client.wait(10)
    took = seconds_until_upstream_closed(fake)
    print(f"{endpoint} API client killed -> upstream closed in {took:.2f} s")
    fake.wait_idle()


def test_a_dropped_rest_stream_cancels_its_run(app, fake):
    fake.reset()
    base = app.url.rstrip("/")
    body = {"data": ["Say a lot.", "", ["openai:slow"], 0.7, 2000, None, None, 1, "together"]}
    event_id = httpx.post(f"{base}/gradio_api/call/compare", json=body, timeout=30).json()["event_id"]
    with httpx.stream("GET", f"{base}/gradio_api/call/compare/{event_id}", timeout=30):
        wait_for_stream(fake)
        time.sleep(0.5)  # mid-stream; leaving the block drops the connection
    took = seconds_until_upstream_closed(fake)
    print(f"REST stream dropped -> upstream closed in {took:.2f} s")
    fake.wait_idle()


def test_a_closed_tab_cancels_its_run_and_frees_the_slot(new_page, app, fake):
    require_chromium()
    fake.reset()
    leaving, staying = new_page(app.url), new_page(app.url)
    one_column(leaving, "openai:slow")
    one_column(staying, "openai:quick")
    leaving.click("#run")
    wait_meta(leaving, 0, "streaming")
    leaving.close()
    took = seconds_until_upstream_closed(fake)
    print(f"tab closed -> upstream closed in {took:.2f} s")
    staying.click("#run")  # the only slot is free again, long before the slow reply would have ended
    wait_meta(staying, 0, "done")
