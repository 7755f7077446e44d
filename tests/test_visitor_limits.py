"""Demo limits are per visitor, keyed on the client's address, never on the session hash a caller picks itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from gradio_client.exceptions import AppError

from tests.appserver import ISOLATION_ENV, AppServer, api_client
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour
from ui.web.safety import PageOptions
from ui.web.visitor import header_address, visitor_key

LIMIT = 2


@pytest.fixture(scope="module")
def fake():
    with OpenAIServer(Behaviour(reply="fine thanks")) as srv:
        yield srv


def app_with(fake, **options):
    env = {"OPENAI_API_KEY": "sk-test-visitors", "OPENAI_BASE_URL": fake.url + "/v1"}
    return AppServer(env, PageOptions(demo_caps=True, runs_per_minute=LIMIT, **options))


def run_from(url: str, headers: dict) -> str | None:
    """One API comparison from a brand-new client (a fresh session hash); None, or the refusal's message."""
    with api_client(url, headers=headers) as client:
        try:
            client.predict("Hello?", "", ["openai:gpt-4o-mini"], 0.7, 8, api_name="/compare")
            return None
        except AppError as exc:
            return str(exc)


def test_fresh_sessions_from_one_address_share_its_limit_and_another_address_has_its_own(fake):
    with app_with(fake) as app:
        # the proxy on this host (uvicorn trusts 127.0.0.1's X-Forwarded-For) saw 203.0.113.7; what the client wrote
        # further left is its own invention and changes nothing
        for spoof in ("1.1.1.1", "2.2.2.2"):
            assert run_from(app.url, {"X-Forwarded-For": f"{spoof}, 203.0.113.7"}) is None
        refusal = run_from(app.url, {"X-Forwarded-For": "3.3.3.3, 203.0.113.7"})
        assert refusal and f"allows {LIMIT} runs per minute" in refusal
        assert run_from(app.url, {"X-Forwarded-For": "203.0.113.8"}) is None


def test_a_configured_proxy_header_keys_the_limit(fake):
    with app_with(fake, proxy_header="X-Real-IP") as app:
        for _ in range(LIMIT):
            assert run_from(app.url, {"X-Real-IP": "198.51.100.4"}) is None
        assert f"allows {LIMIT} runs per minute" in (run_from(app.url, {"X-Real-IP": "198.51.100.4"}) or "")
        assert run_from(app.url, {"X-Real-IP": "198.51.100.5"}) is None


def test_a_proxy_header_from_a_peer_that_is_no_listed_proxy_is_ignored(fake):
    with app_with(fake, proxy_header="X-Real-IP") as app:
        # uvicorn's proxy on this host says the peer is 203.0.113.9, which FORWARDED_ALLOW_IPS does not list: a client
        # connecting directly, inventing a new X-Real-IP for every run
        invented = [{"X-Forwarded-For": "203.0.113.9", "X-Real-IP": f"198.51.100.{i}"} for i in range(LIMIT + 2)]
        refusals = [run_from(app.url, headers) for headers in invented]
    assert refusals[:LIMIT] == [None] * LIMIT
    assert all(r and f"allows {LIMIT} runs per minute" in r for r in refusals[LIMIT:]), refusals


def test_visitor_keys():
    def request(host, headers=None, session="s1"):
        return SimpleNamespace(client=SimpleNamespace(host=host), headers=headers or {}, session_hash=session)

    assert header_address("spoofed, 10.0.0.9, 192.0.2.1", 1) == "192.0.2.1"
    assert header_address("spoofed, 10.0.0.9, 192.0.2.1", 2) == "10.0.0.9"
    assert header_address("192.0.2.1", 2) is None
    assert visitor_key(request("192.0.2.1", session="a")) == visitor_key(request("192.0.2.1", session="b"))
    assert visitor_key(request("192.0.2.1")) != visitor_key(request("192.0.2.2"))
    # the machine's own address (its owner, or a tunnel that forwards no address) is told apart by page session
    assert visitor_key(request("127.0.0.1", session="a")) != visitor_key(request("127.0.0.1", session="b"))
    proxied = request("10.0.0.2", {"x-real-ip": "192.0.2.7"})
    assert visitor_key(proxied, "X-Real-IP", 1, "127.0.0.1, 10.0.0.0/8") == visitor_key(request("192.0.2.7"))
    assert visitor_key(proxied, "X-Real-IP", 1, "10.0.0.2") == visitor_key(request("192.0.2.7"))
    assert visitor_key(proxied, "X-Real-IP", 1, "*") == visitor_key(request("192.0.2.7"))
    # a peer FORWARDED_ALLOW_IPS does not list writes what it likes there: its own address keys it
    assert visitor_key(proxied, "X-Real-IP") == visitor_key(request("10.0.0.2"))
    assert visitor_key(proxied, "X-Real-IP", 1, "10.0.0.3, 10.1.0.0/16") == visitor_key(request("10.0.0.2"))
    assert visitor_key(proxied, "X-Real-IP", 1, "") == visitor_key(request("10.0.0.2"))
    assert visitor_key(proxied, None, 1, "*") == visitor_key(request("10.0.0.2"))  # not configured: means nothing
    local = request("::1", {"x-real-ip": "192.0.2.8"})  # a proxy on this host, over IPv6
    assert visitor_key(local, "X-Real-IP") == visitor_key(request("192.0.2.8"))


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["--concurrency", "0"], {}, "--concurrency must be at least 1 (got 0)."),
        ([], {"COMPARE_CONCURRENCY": "abc"}, "COMPARE_CONCURRENCY must be a whole number, not 'abc'."),
        ([], {"COMPARE_READ_TIMEOUT_S": "0"}, "COMPARE_READ_TIMEOUT_S must be a number of seconds above 0, not '0'."),
        (["--port", "http"], {}, "--port must be a whole number, not 'http'."),
    ],
)
def test_bad_configuration_exits_with_one_line(args, env, message):
    done = subprocess.run(
        [sys.executable, "app.py", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **ISOLATION_ENV, **env},
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 2, done
    assert done.stderr.strip().splitlines() == [f"error: {message}"], done.stderr
