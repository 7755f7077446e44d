"""Test-wide guards: no internet, offline tokenizers, and settings pointed at local fakes."""

from __future__ import annotations

import atexit
import ipaddress
import os
import shutil
import socket
import tempfile

import pytest

# Fixtures that many modules use, registered here once instead of imported into each module (where a test's
# parameter would shadow the import): the browser tests' `browser` and `new_page`; PostgreSQL's `pg_server`, `pg_url`.
pytest_plugins = ["tests.browser_fixtures", "tests.pg_server"]

os.environ["COMPARE_OFFLINE_TOKENIZERS"] = "1"
os.environ["COMPARE_DOTENV"] = "none"  # a developer's own .env (with real keys) must not leak into tests
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_OFFLINE"] = "1"
# Runs saved by anything built from the process environment go to a throwaway database, never the repo's data/.
_DB_DIR = tempfile.mkdtemp(prefix="llm-compare-test-db-")
atexit.register(shutil.rmtree, _DB_DIR, ignore_errors=True)
os.environ["COMPARE_DB"] = os.path.join(_DB_DIR, "compare.db")
os.environ.pop("DATABASE_URL", None)
for _key in (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
    "OLLAMA_HOST",
):
    os.environ.pop(_key, None)

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_address(address) -> None:
    if isinstance(address, tuple) and address:
        host = address[0]
        try:
            if not ipaddress.ip_address(host).is_loopback:
                raise OSError(f"test tried to reach {host}: tests must never leave 127.0.0.1")
        except ValueError:
            if host != "localhost":
                raise OSError(f"test tried to reach {host}: tests must never leave 127.0.0.1") from None


def _guarded_connect(self, address):
    _check_address(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    _check_address(address)
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex


def make_settings(env: dict | None = None, tmp_path=None, config: str | None = None):
    """Settings from an explicit environment only (no .env, no user config unless given)."""
    from providers import Settings

    config_path = None
    if config is not None and tmp_path is not None:
        config_path = tmp_path / "compare.toml"
        config_path.write_text(config)
    return Settings.load(env=dict(env or {}), dotenv_path=None, config_path=config_path)


@pytest.fixture
def settings_factory(tmp_path):
    """Build Settings from a dict of environment variables (keys and base URLs of local fakes)."""
    return lambda env=None, config=None: make_settings(env, tmp_path, config)


@pytest.fixture(scope="module")
def client(app):
    """An API client of the module's `app` fixture."""
    from tests.appserver import api_client

    with api_client(app.url) as c:
        yield c
