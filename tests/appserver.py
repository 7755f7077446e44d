"""Start the app on a free 127.0.0.1 port, pointed at fake servers: in-process (tests) or as a subprocess (benchmarks).

In-process::

    from tests.appserver import AppServer
    with AppServer({"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.url + "/v1"}) as app:
        Client(app.url).predict(...)

Subprocess (keeps the app's CPU and GIL away from the measuring process)::

    with AppProcess({"OPENAI_API_KEY": "k", ...}) as app:
        page.goto(app.url)

or by hand: ``python -m tests.appserver --env OPENAI_API_KEY=k --env OPENAI_BASE_URL=http://127.0.0.1:PORT/v1``
(prints the app URL on stdout once it serves, then serves until killed). The settings travel as command-line
arguments, visible to `ps`: meant for fake keys only.

Both start the page with ``ui.launch.start_server``, as ``python app.py`` does: same Blocks, concurrency, page CSS,
Content-Security-Policy middleware and ``/snapshot/<id>`` routes.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path

from tests.fakes.process import free_port, serve_until_terminated

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# Same offline guards as tests/conftest.py, for the subprocess mode (harmless when already set).
os.environ.setdefault("COMPARE_OFFLINE_TOKENIZERS", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Keyless OpenAI-compatible rows default to well-known local ports (1234, 8000, 8080) and Ollama to 11434;
# point them at a closed port so discovery cannot pick up whatever else runs on this machine, and name a
# user config file that does not exist so a developer's compare.toml is not read either.
_CLOSED = "http://127.0.0.1:9"
ISOLATION_ENV = {
    "LMSTUDIO_BASE_URL": _CLOSED + "/v1",
    "VLLM_BASE_URL": _CLOSED + "/v1",
    "LLAMACPP_BASE_URL": _CLOSED + "/v1",
    "OLLAMA_HOST": _CLOSED,
    "COMPARE_CONFIG": str(REPO / "test-artifacts" / "no-such-compare.toml"),
}
# Saved runs go to a throwaway SQLite file per process, never into the repo's data/ folder.
_DB_DIR = tempfile.mkdtemp(prefix="llm-compare-test-db-")
atexit.register(shutil.rmtree, _DB_DIR, ignore_errors=True)
ISOLATION_ENV["COMPARE_DB"] = str(Path(_DB_DIR) / "compare.db")


def build_demo_for(env: Mapping[str, str], options=None):
    """The app's Blocks built from an explicit environment (no .env, no process env, no user config)."""
    from providers import Settings
    from ui import build_demo
    from ui.context import PageContext
    from ui.web.safety import PageOptions

    settings = Settings.load(env={**ISOLATION_ENV, **dict(env)}, dotenv_path=None)
    return build_demo(PageContext.create(settings, options or PageOptions()))


class AppServer:
    """The app served in this process (Gradio runs uvicorn in a thread); `close()` stops it."""

    def __init__(self, env: Mapping[str, str], options=None, port: int | None = None):
        self.env = dict(env)
        self.options = options
        self.port = port
        self.demo = None
        self.url = ""

    def start(self) -> AppServer:
        from ui.launch import start_server

        self.demo = build_demo_for(self.env, self.options)
        self.port = self.port or free_port()
        start_server(self.demo, "127.0.0.1", self.port)
        self.url = f"http://127.0.0.1:{self.port}/"
        return self

    @property
    def ctx(self):
        """The PageContext the running page uses."""
        return self.demo.ctx

    def close(self) -> None:
        if self.demo is not None:
            self.demo.close()
            self.demo = None

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


@contextmanager
def api_client(url: str, **options):
    """A gradio_client Client for `url` (quiet, no downloads), closed afterwards."""
    from gradio_client import Client

    client = Client(url, verbose=False, analytics_enabled=False, download_files=False, **options)
    try:
        yield client
    finally:
        client.close()


def spawn(
    args: list[str], what: str, timeout: float = 120.0, env: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """Start `python <args>` from the repo root and wait for the URL it prints as its first stdout line.

    stderr goes to a temporary file (shown if the child fails to start); later stdout is drained so it never blocks."""
    child_env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
    errors = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(
        [sys.executable, *args], cwd=REPO, stdout=subprocess.PIPE, stderr=errors, text=True, env=child_env
    )
    box: dict = {}
    reader = threading.Thread(target=lambda: box.setdefault("line", proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    line = (box.get("line") or "").strip()
    if not line.startswith("http"):
        stop_process(proc)
        errors.seek(0)
        raise RuntimeError(
            f"{what} did not start within {timeout:.0f} s (stdout: {line!r}); stderr:\n{errors.read()[-3000:]}"
        )
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    proc.stderr_file = errors  # type: ignore[attr-defined]
    return proc, line


def stop_process(proc: subprocess.Popen | None) -> None:
    """SIGTERM, then SIGKILL after a grace period; only this child."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@contextmanager
def app_py(*args: str, until: str, within_s: float = 180.0):
    """`python app.py ARGS` on a free port with the isolation settings, once a line containing `until` is printed;
    yields (process, the lines printed so far) and stops it afterwards."""
    env = {**os.environ, **ISOLATION_ENV, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(free_port()), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: list[str] = []
    seen = threading.Event()

    def read():
        for line in proc.stdout:
            lines.append(line)
            if until in line:
                seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert seen.wait(within_s), "".join(lines)[-3000:]
        yield proc, lines
    finally:
        stop_process(proc)
        reader.join(10)


class AppProcess:
    """The app in a child process (`python -m tests.appserver`); `url` once started."""

    def __init__(self, env: Mapping[str, str], options=None, timeout: float = 180.0):
        self.env = dict(env)
        self.options = options
        self.timeout = timeout
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> AppProcess:
        args = ["-m", "tests.appserver"]
        for key, value in self.env.items():
            args += ["--env", f"{key}={value}"]
        if self.options is not None:
            from ui.web.safety import PageOptions

            for f in fields(PageOptions):
                args += ["--option", f"{f.name}={getattr(self.options, f.name)}"]
        self.proc, self.url = spawn(args, "app", self.timeout)
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    def close(self) -> None:
        stop_process(self.proc)

    def __enter__(self) -> AppProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def _parse_option(raw: str) -> tuple[str, object]:
    from ui.web.safety import PageOptions

    name, _, value = raw.partition("=")
    kinds = {f.name: f.type for f in fields(PageOptions)}
    if name not in kinds:
        raise SystemExit(f"unknown option {name!r}; known: {', '.join(kinds)}")
    kind = str(kinds[name])
    if "bool" in kind:
        return name, value.lower() in {"1", "true", "yes"}
    if "str" in kind:
        return name, None if value in ("", "None") else value
    return name, (float(value) if "float" in kind else int(value))


def main(argv: list[str] | None = None) -> None:
    """Serve the app until SIGTERM/SIGINT; prints the URL on stdout once it answers."""
    p = argparse.ArgumentParser(prog="python -m tests.appserver", description=__doc__.splitlines()[0])
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="settings environment entry")
    p.add_argument("--option", action="append", default=[], metavar="NAME=VALUE", help="PageOptions field")
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args(argv)
    from ui.web.safety import PageOptions

    env = dict(e.split("=", 1) for e in args.env)
    options = PageOptions(**dict(_parse_option(o) for o in args.option))
    app = AppServer(env, options, port=args.port or None).start()
    serve_until_terminated(app.url, app.close)


if __name__ == "__main__":
    main()
