"""What the running app never gives away, whatever a caller asks: provider keys (in replies, errors, the config,
the API's own pages and the saved run) and files (.env, source, anything outside Gradio's cache)."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import httpx
import pytest

from tests.appserver import REPO
from tests.test_e2e_client import (  # noqa: F401  (its fixtures: this module tests the same running app)
    OPENAI_KEY,
    SECRETS,
    anthropic_fake,
    app,
    assert_clean_message,
    compare,
    openai_fake,
)

# --- (e) keys never leak -------------------------------------------------------------------------------------


def test_keys_never_leak(client, app, openai_fake):  # noqa: F811  (fixtures imported from test_e2e_client)
    openai_fake.reset()
    results = compare(client, ["openai:echo-401", "openai:fast"])
    # The fake really did receive the key and quote it back in its 401 body...
    echoed = [r for r in openai_fake.requests if isinstance(r.body, dict) and r.body.get("model") == "echo-401"]
    assert echoed and echoed[0].headers.get("authorization") == f"Bearer {OPENAI_KEY}"
    error = results["openai:echo-401"]["error"]
    # ...and the app passed on the server's words with the key scrubbed.
    assert "Incorrect API key provided: [redacted]" in error, error
    assert_clean_message(error)

    pages = {
        path: httpx.get(app.url + path, timeout=30)
        for path in ("config", "gradio_api/info", "gradio_api/openapi.json", "")
    }
    for path, response in pages.items():
        for secret in SECRETS:
            assert secret not in response.text, f"/{path} contains a key"
    assert pages["gradio_api/info"].status_code == 200 and "/compare" in pages["gradio_api/info"].text
    dumped = json.dumps(results)
    for secret in SECRETS:
        assert secret not in dumped


# --- (f) the app's own files are not served ------------------------------------------------------------------


@pytest.fixture
def dotenv_probe():
    """A .env in the working directory: a harmless one is created (and removed) only when none exists."""
    path = Path(os.getcwd()) / ".env"
    if path.exists():
        yield path, None
        return
    marker = f"E2E_DOTENV_PROBE=not-a-secret-{uuid.uuid4().hex}"
    path.write_text(marker + "\n")
    try:
        yield path, marker
    finally:
        path.unlink(missing_ok=True)


def test_source_and_dotenv_files_are_not_served(app, dotenv_probe):  # noqa: F811  (app: imported fixture)
    dotenv, marker = dotenv_probe
    app_py = (REPO / "app.py").read_text()
    probes = [
        ".env",
        str(dotenv),
        "app.py",
        str(REPO / "app.py"),
        "./app.py",
        "ui/web/safety.py",
        "providers/settings.py",
        "tests/conftest.py",
        "../" + REPO.name + "/app.py",
        "/etc/passwd",
    ]
    for probe in probes:
        response = httpx.get(app.url + "gradio_api/file=" + probe, timeout=30)
        assert response.status_code in (403, 404), (probe, response.status_code)
        assert "build_from_args" not in response.text and "root:" not in response.text
        if marker:
            assert marker not in response.text
    # The pre-4.0 route must not serve them either (whatever it answers).
    for probe in (".env", "app.py"):
        response = httpx.get(app.url + "file=" + probe, timeout=30)
        assert app_py not in response.text and (not marker or marker not in response.text)
