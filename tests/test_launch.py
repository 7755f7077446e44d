"""`python app.py` flags: a public link needs a login, and bad flags or config fail with one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def app(*args: str, tmp_path=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "app.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--share"], "--share makes a public link"),
        (["--auth", "no-colon"], "auth entries must look like user:password"),
    ],
)
def test_unsafe_or_malformed_flags_refuse_to_start(args, message):
    done = app(*args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_malformed_config_file_is_named_without_a_traceback(tmp_path):
    bad = tmp_path / "compare.toml"
    bad.write_text("[[endpoints]\n")
    done = app("--config", str(bad))
    assert done.returncode == 2
    assert str(bad) in done.stderr and "not valid TOML" in done.stderr and "Traceback" not in done.stderr


def test_console_never_suggests_share_true():
    """Gradio's start banner ends with "set `share=True` in `launch()`", which would skip the login --share needs."""
    from tests.appserver import app_py

    # the app's hint comes after Gradio's banner: all of it has been printed
    with app_py(until="--share --auth") as (_, lines):
        output = "".join(lines)
    assert "share=True" not in output, output
    assert "--share --auth" in output, output  # the app's own hint names the safe way
