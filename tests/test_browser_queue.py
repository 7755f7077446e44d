"""Stop in a real browser for a run still waiting in Gradio's queue: it must never reach a provider.

One app with room for a single run at a time; session A streams a slow model while session B's run waits."""

from __future__ import annotations

import pytest

from tests.appserver import AppServer
from tests.browser_fixtures import (
    md_text,
    one_column,
    require_chromium,
    screenshot,
    wait_meta,
)
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour
from ui.web.safety import PageOptions

SLOW = " ".join(f"slow{i}" for i in range(400))  # 20 s at 20/s: A holds the only slot until it is stopped
QUICK = " ".join(f"quick{i}" for i in range(20))


@pytest.fixture(scope="module")
def fake():
    require_chromium()
    per_model = {"slow": Behaviour(reply=SLOW, tokens_per_s=20), "quick": Behaviour(reply=QUICK, tokens_per_s=100)}
    with OpenAIServer(Behaviour(), per_model=per_model) as srv:
        yield srv


@pytest.fixture(scope="module")
def app(fake):
    env = {"OPENAI_API_KEY": "sk-test-queue", "OPENAI_BASE_URL": fake.url + "/v1"}
    with AppServer(env, options=PageOptions(concurrency=1)) as running:
        yield running


def test_stop_cancels_a_run_waiting_for_a_slot(new_page, app, fake):
    first, second = new_page(app.url), new_page(app.url)  # two browser contexts: two sessions
    one_column(first, "openai:slow")
    one_column(second, "openai:quick")
    first.click("#run")
    wait_meta(first, 0, "streaming")
    second.click("#run")  # waits: the one slot is taken
    second.wait_for_timeout(500)
    second.click("#stop")
    second.wait_for_timeout(300)
    first.click("#stop")
    wait_meta(first, 0, "stopped")
    second.wait_for_function("() => document.querySelector('#banner span.md').innerText.includes('before it started')")
    screenshot(second, "browser_queue_stopped")
    assert "quick" not in [r.body["model"] for r in fake.requests if r.path.endswith("/chat/completions")]
    assert not md_text(second, "reply-0")

    second.click("#run")  # the Stop is spent: the next run goes through
    wait_meta(second, 0, "done")
    assert md_text(second, "reply-0").split() == QUICK.split()
