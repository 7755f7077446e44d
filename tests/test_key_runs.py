"""A provider that quotes part of a key back: any run of 12+ characters of a configured key is scrubbed wherever it
starts, in the API answer, the snapshot page, the store and both downloads."""

from __future__ import annotations

import json

import httpx
import pytest

from providers.redaction import redact_key_runs
from tests.appserver import AppServer, api_client
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour
from ui.web.export import write_downloads

KEY = "sk-test-SECRET12-abcdefghij"


def key_runs_in(text: str) -> list[str]:
    """Every 12-character run of KEY that appears in `text`."""
    return [KEY[i : i + 12] for i in range(len(KEY) - 11) if KEY[i : i + 12] in text]


def test_runs_of_twelve_or_more_are_scrubbed_wherever_they_start():
    assert redact_key_runs(f"Invalid key {KEY[:16]}…", [KEY]) == "Invalid key [redacted]…"
    assert redact_key_runs(f"a {KEY[5:19]} b {KEY[-12:]}.", [KEY]) == "a [redacted] b [redacted]."
    assert redact_key_runs(f"twice: {KEY}{KEY}", [KEY]) == "twice: [redacted]"
    # eleven characters say too little to be a key's (a prefix such as "sk-test-" is common to many keys)
    assert redact_key_runs(f"{KEY[:11]} {KEY[3:14]}", [KEY]) == f"{KEY[:11]} {KEY[3:14]}"
    assert redact_key_runs("short key abc9 here", ["abc9"]) == "short key [redacted] here"
    assert redact_key_runs("nothing to see", [KEY, "other-key-0123456789"]) == "nothing to see"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    quoted = {
        "quote-prefix": Behaviour(fault="401", error_message=f"Invalid key {KEY[:16]}… (check it)"),
        "quote-middle": Behaviour(fault="500", error_message=f"upstream said ...{KEY[6:22]}... was refused"),
    }
    db = tmp_path_factory.mktemp("keyruns") / "compare.db"
    with OpenAIServer(Behaviour(), per_model=quoted) as fake:
        with AppServer({"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake.url + "/v1", "COMPARE_DB": str(db)}) as app:
            yield app


def test_a_quoted_key_prefix_reaches_no_answer_snapshot_store_or_download(app, tmp_path):
    with api_client(app.url) as client:
        out = client.predict("hi", "", ["openai:quote-prefix", "openai:quote-middle"], 0.7, 16, api_name="/compare")
    errors = [r["error"] for r in out["results"]]
    assert errors[0].endswith("Invalid key [redacted]… (check it)"), errors
    assert "upstream said ...[redacted]... was refused" in errors[1], errors
    assert key_runs_in(json.dumps(out)) == []

    snapshot = httpx.get(out["snapshot_url"], timeout=30)
    assert snapshot.status_code == 200 and "[redacted]" in snapshot.text
    assert key_runs_in(snapshot.text) == []

    stored = app.ctx.store.get_run(out["run_id"]).record
    db = app.ctx.store.engine.url.database
    assert key_runs_in(json.dumps(stored)) == []
    with open(db, "rb") as raw:
        assert key_runs_in(raw.read().decode("utf-8", "replace")) == []

    json_path, md_path = write_downloads(stored, tmp_path)
    for path in (json_path, md_path):
        text = open(path, encoding="utf-8").read()
        assert "[redacted]" in text and key_runs_in(text) == []
