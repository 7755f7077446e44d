"""Shared by the arena tests: a fake whose "gated" model holds its answer until the test opens the gate."""

from __future__ import annotations

import threading
import time

from tests.engine_helpers import CATALOG_PRICES
from tests.fakes.openai_server import OpenAIServer

GATED = "gated"  # model name (openai:gated) whose request waits for `gate`


def openai_app_env(fake: OpenAIServer, db) -> dict:
    """The app's settings for an arena over one OpenAI fake (catalog prices, so costs are known) and a SQLite file."""
    return {
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": fake.url + "/v1",
        "COMPARE_CONFIG": str(CATALOG_PRICES),
        "COMPARE_DB": str(db),
    }


class GatedOpenAIServer(OpenAIServer):
    """The OpenAI fake, plus model "gated": its reply starts only once `gate` is set (a side still answering)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.gate = threading.Event()
        self.waiting = threading.Event()  # set when a gated request has arrived and is held

    def handle(self, h, req):
        body = req.body if isinstance(req.body, dict) else {}
        if req.method == "POST" and body.get("model") == GATED:
            self.waiting.set()
            self.gate.wait(120)
        super().handle(h, req)


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    """Poll until `condition()` is true; fail naming `what` after a generous timeout (never asserts a duration)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
