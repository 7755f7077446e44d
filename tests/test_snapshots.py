"""Saved runs end to end over the wire fakes: the /compare API's run_id and snapshot_url, the snapshot page (escaped,
script-free, strict CSP), 404s, surviving a restart, deleting by owner, the CLI's --save, and a store that is down."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from datetime import UTC
from html.parser import HTMLParser

import httpx
import pytest
from gradio_client.exceptions import AppError

from store import open_store
from tests.appserver import REPO, AppServer, api_client
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

KEY = "sk-test-SECRET-1234567890"
HOSTILE = (
    'Hello <script>alert("pwned")</script> <img src=http://evil.example/pixel.png> '
    "[click me](javascript:alert(1)) ![remote](http://evil.example/img.png) **bold**"
)
SNAPSHOT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


@pytest.fixture(scope="module")
def openai_fake():
    per_model = {
        "fast": Behaviour(reply="quick answer"),
        "hostile": Behaviour(
            reply=HOSTILE, reasoning="Thinking <script>alert(2)</script>", reasoning_field="reasoning"
        ),
        "echo-401": Behaviour(fault="401", error_message=f"Incorrect API key provided: {KEY}."),
    }
    with OpenAIServer(Behaviour(), per_model=per_model) as srv:
        yield srv


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    return tmp_path_factory.mktemp("store") / "compare.db"


def app_env(openai_fake, db_path) -> dict:
    return {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": openai_fake.url + "/v1", "COMPARE_DB": str(db_path)}


@pytest.fixture(scope="module")
def app(openai_fake, db_path):
    with AppServer(app_env(openai_fake, db_path)) as running:
        yield running


def compare(client, models, prompt="Say hello.", system="Be brief.", **kwargs) -> dict:
    return client.predict(prompt, system, models, 0.7, 32, None, kwargs.get("owner"), api_name="/compare")


class Tags(HTMLParser):
    """Every start tag with its attributes, as the browser would parse them."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_compare_returns_run_id_and_a_snapshot_link_that_shows_the_run(app, client):
    out = compare(
        client, ["openai:fast", "openai:hostile"], prompt="Compare these, please.", system="Answer in one line."
    )
    assert [r["text"] for r in out["results"]] == ["quick answer", HOSTILE]
    run_id = out["run_id"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", run_id)
    assert len(base64.urlsafe_b64decode(run_id + "=" * (-len(run_id) % 4))) >= 16  # at least 128 random bits
    assert out["snapshot_url"] == f"{app.url}snapshot/{run_id}"

    page = httpx.get(out["snapshot_url"], timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == SNAPSHOT_CSP
    text = page.text
    for shown in (
        "Compare these, please.",
        "Answer in one line.",
        "quick answer",
        "openai:fast",
        "openai:hostile",
        "Metrics",
        "first token",
        "temperature = 0.7",
        "max_tokens = 32",
        "Thinking",
    ):
        assert shown in text, shown
    assert "<strong>bold</strong>" in text  # model Markdown is rendered, not dumped


def test_hostile_replies_are_escaped_and_fetch_nothing(client):
    out = compare(client, ["openai:hostile"])
    page = httpx.get(out["snapshot_url"], timeout=30)
    tags = Tags(page.text).tags
    assert not [t for t, _ in tags if t in ("script", "img", "iframe", "object", "embed", "link", "base", "form")]
    for tag, attrs in tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert "javascript:" not in (value or "").lower() and "evil.example" not in (value or ""), (tag, attrs)
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in page.text  # shown as text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page.text  # thinking too
    assert "[image removed: remote]" in page.text and "[media removed]" in page.text
    assert "script-src" not in page.headers["content-security-policy"]  # so default-src 'none' forbids every script


def test_unknown_malformed_and_deleted_ids_give_404(app, client):
    for run_id in ("A" * 22, "no-such-run", "x" * 200):
        response = httpx.get(f"{app.url}snapshot/{run_id}", timeout=30)
        assert response.status_code == 404, run_id
        assert "Snapshot not found" in response.text
    escape = httpx.get(f"{app.url}snapshot/..%2F..%2Fetc%2Fpasswd", timeout=30)
    assert escape.status_code == 404 and "root:" not in escape.text
    out = compare(client, ["openai:fast"])
    deleted = httpx.delete(out["snapshot_url"], headers={"X-Owner-Token": out["owner_token"]}, timeout=30)
    assert deleted.status_code == 204
    assert httpx.get(out["snapshot_url"], timeout=30).status_code == 404


def test_only_the_owner_token_deletes_a_snapshot(client):
    mine = "my-own-owner-token-0123456789"
    out = compare(client, ["openai:fast"], owner=mine)
    assert out["owner_token"] == mine
    url = out["snapshot_url"]
    assert httpx.delete(url, timeout=30).status_code == 403
    assert httpx.delete(url, headers={"X-Owner-Token": "someone-elses-token-0123456789"}, timeout=30).status_code == 403
    assert httpx.get(url, timeout=30).status_code == 200
    assert httpx.delete(url, headers={"X-Owner-Token": mine}, timeout=30).status_code == 204
    assert httpx.get(url, timeout=30).status_code == 404
    with pytest.raises(AppError, match="owner must be 16 to 128"):
        compare(client, ["openai:fast"], owner="short")


def test_api_runs_are_listed_under_their_owner(app, client):
    owner = "listing-owner-token-0123456789"
    out = compare(client, ["openai:fast"], prompt="A prompt to find again", owner=owner)
    runs = app.ctx.store.list_runs(owner)
    assert [r.id for r in runs] == [out["run_id"]] and runs[0].prompt == "A prompt to find again"
    assert app.ctx.store.get_run(out["run_id"]).record["results"][0]["text"] == "quick answer"


def test_keys_never_reach_the_store(client, db_path):
    out = compare(client, ["openai:echo-401", "openai:fast"])
    error = out["results"][0]["error"]
    assert "Incorrect API key provided: [redacted]" in error
    stored = json.dumps(open_store({"COMPARE_DB": str(db_path)}).get_run(out["run_id"]).record)
    assert "[redacted]" in stored and "SECRET" not in stored
    files = b"".join(p.read_bytes() for p in db_path.parent.iterdir() if p.name.startswith(db_path.name))
    assert KEY.encode() not in files and b"SECRET-1234567890" not in files


def test_a_snapshot_survives_a_restart(openai_fake, tmp_path):
    env = app_env(openai_fake, tmp_path / "restart.db")
    with AppServer(env) as first:
        with api_client(first.url) as c:
            out = compare(c, ["openai:fast"], prompt="Remember me after a restart")
    with AppServer(env) as second:  # a new process-like app: new context, engine and port, same database file
        page = httpx.get(f"{second.url}snapshot/{out['run_id']}", timeout=30)
    assert page.status_code == 200
    assert "Remember me after a restart" in page.text and "quick answer" in page.text


def test_the_reply_is_kept_when_the_store_is_down(openai_fake):
    env = {
        **app_env(openai_fake, "unused.db"),
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none",
    }  # port 9: closed
    with AppServer(env) as down:
        with api_client(down.url) as c:
            out = compare(c, ["openai:fast"])
    assert out["results"][0]["text"] == "quick answer"
    assert out["run_id"] is None and out["snapshot_url"] is None
    assert out["store_error"].startswith("OperationalError")


def test_cli_save_is_served_by_the_app_on_the_same_store(app, openai_fake, db_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))},
        **app_env(openai_fake, db_path),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "compare",
            "--save",
            "--json",
            "-m",
            "openai:fast",
            "-m",
            "openai:hostile",
            "Saved from the command line",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    *model_lines, last = [json.loads(line) for line in done.stdout.splitlines()]
    assert sorted(m["model"] for m in model_lines) == ["openai:fast", "openai:hostile"]  # per-model lines unchanged
    assert (
        set(last) == {"run_id", "snapshot_path", "owner_token"}
        and last["snapshot_path"] == f"/snapshot/{last['run_id']}"
    )
    page = httpx.get(app.url.rstrip("/") + last["snapshot_path"], timeout=30)
    assert page.status_code == 200 and "Saved from the command line" in page.text and "quick answer" in page.text
    stored = app.ctx.store.get_run(last["run_id"])
    assert stored.owner == last["owner_token"]
    assert httpx.delete(page.url, headers={"X-Owner-Token": last["owner_token"]}, timeout=30).status_code == 204


def test_a_record_reads_back_as_it_was_written():
    from cli.args import parse_args
    from cli.run import request_of
    from compare.record import RunRecord
    from compare.result import Result
    from providers import Registry
    from tests.conftest import make_settings

    args = parse_args(["--system", "s", "--max-tokens", "256", "-m", "openai:fast", "-m", "openai:fast", "p"])
    request = request_of(args, Registry(make_settings({"OPENAI_API_KEY": "sk-x"})))
    results = [Result("0", "openai:fast", text="hi", warnings=["w"]), Result("1", "openai:fast", error="boom")]
    record = request.record({"0": results[:1], "1": results[1:]}, "2026-01-01T00:00:00.000+00:00").to_json()
    assert record["parameters"] == {
        "temperature": None,
        "max_tokens": 256,
        "top_p": None,
        "seed": None,
        "reasoning": None,
    }
    assert record["columns"][1] == {
        "slot": 2,
        "model": "openai:fast",
        "persona": "shared",
        "system_prompt": "s",
        "temperature": None,
        "reasoning": None,
    }
    read = RunRecord.from_json(json.loads(json.dumps(record)))
    assert read.to_json() == record
    assert read.labels() == ["#1 openai:fast #1", "#2 openai:fast #2"]


def test_a_minimal_record_still_renders():
    from datetime import datetime

    from store import StoredRun
    from ui.web.snapshot_page import snapshot_document

    run = StoredRun(
        "x" * 22,
        "battle",
        "o",
        datetime.now(UTC),
        {"prompt": "<b>p</b>", "columns": ["not a dict"], "results": [{"text": "hi *there*"}]},
    )
    page = snapshot_document(run)
    assert "<h1>Battle · " in page and "&lt;b&gt;p&lt;/b&gt;" in page and "hi <em>there</em>" in page


def test_a_pipeline_is_kept_with_each_step_as_a_column(app, client):
    out = client.predict("Summarize: tokens.", ["openai:fast"], ["openai:hostile"], api_name="/pipeline")
    assert out["run_id"] and out["snapshot_url"].endswith(f"/snapshot/{out['run_id']}")
    stored = app.ctx.store.get_run(out["run_id"])  # the app's own store: no second connection to the file
    assert stored.kind == "pipeline"
    columns = stored.record["columns"]
    assert [c["model"] for c in columns] == ["openai:fast", "openai:hostile"]
    assert [c["persona"] for c in columns] == ["pipeline 1 · step 1", "pipeline 1 · step 2"]
    assert stored.record["results"][0]["text"] == "quick answer"
    page = httpx.get(out["snapshot_url"], timeout=30)
    assert page.status_code == 200 and "quick answer" in page.text and "<script>" not in page.text
