"""Launching the page: share-link rules, auth, the middleware and routes, the engine started in the background."""

from __future__ import annotations

import argparse
import sys
import time

from providers import ConfigError, Settings
from ui.web.flags import count, options_from_args, read_auth
from ui.web.safety import ContentSecurityPolicy, PageOptions


def build_from_args(args: argparse.Namespace):
    """The Blocks for these flags."""
    from ui import build_demo
    from ui.context import PageContext

    options = options_from_args(args)
    settings = Settings.load(config_path=args.config)
    settings.read_timeout_s  # noqa: B018 -- checked now, not at the first request
    return build_demo(PageContext.create(settings, options))


def checked_auth(args: argparse.Namespace) -> list[tuple[str, str]] | None:
    """Credentials for the flags, or exit 2 with one clear line (bad entries, --share without a login, a bad port
    or other number, flag or environment)."""
    try:
        auth = read_auth(args)
        options_from_args(args)
        args.port = count("--port", args.port)
        if args.port > 65535:
            raise ConfigError(f"--port must be at most 65535 (got {args.port}).")
    except (OSError, ValueError, ConfigError) as exc:
        _fail(str(exc))
    if args.share and not auth and not args.open_demo:
        _fail(
            "--share makes a public link that spends your API credit. Add --auth user:password "
            "(or --auth-file FILE), or pass --open-demo to share without a login."
        )
    return auth


def build_or_exit(args: argparse.Namespace):
    """The Blocks, or exit 2 with the config file's problem (never a traceback)."""
    try:
        return build_from_args(args)
    except ConfigError as exc:
        _fail(str(exc))


def _fail(message: str):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def start_server(
    demo,
    host: str,
    port: int,
    share: bool = False,
    auth=None,
    ready_within_s: float = 120.0,
    options: PageOptions | None = None,
) -> None:
    """Start serving `demo` in the background (CSP header, upload rules, /snapshot/ routes, the configured concurrency)
    and return once its page answers; `options` default to the app's own (demo.ctx.options)."""
    from starlette.middleware import Middleware

    from ui import CSS
    from ui.web.evaluation_page import evaluation_routes  # /evaluation/<id>: read-only evaluations
    from ui.web.input_guard import InputGuard  # clear messages for calls no handler can use
    from ui.web.sessions import MAX_SESSIONS, SessionJanitor  # per-session memory only while someone can use it
    from ui.web.snapshots import snapshot_routes  # /snapshot/<id>: read-only saved runs
    from ui.web.uploads import UploadGuard, UploadPolicy

    options = options or demo.ctx.options
    uploads = UploadPolicy.for_app(demo, options)
    middleware = [
        Middleware(SessionJanitor),
        Middleware(ContentSecurityPolicy),
        Middleware(UploadGuard, policy=uploads, options=options),
        Middleware(InputGuard),
    ]
    demo.queue(default_concurrency_limit=options.concurrency)
    # quiet: Gradio's own banner ends with "set `share=True` in `launch()`", which skips the login that --share
    # requires here; the app prints its own lines instead. _frontend=False skips Gradio's start-up check, whose
    # 3-second probe fails on a busy machine and then demands share=True; wait_until_serving is patient instead.
    demo.launch(
        server_name=host,
        server_port=port,
        share=share,
        auth=auth,
        css=CSS,
        app_kwargs={"middleware": middleware, "routes": snapshot_routes() + evaluation_routes()},
        max_file_size=uploads.max_file_bytes,
        state_session_capacity=MAX_SESSIONS,
        footer_links=["api", "gradio"],
        prevent_thread_lock=True,
        quiet=True,
        _frontend=False,
    )
    wait_until_serving(demo.local_url, ready_within_s)


def wait_until_serving(url: str, within_s: float) -> None:
    """Return once `url` answers (any status below 500), or raise TimeoutError."""
    import httpx

    deadline = time.monotonic() + within_s
    while True:
        try:
            if httpx.get(url, timeout=10).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the page at {url} did not answer within {within_s:.0f} s")
        time.sleep(0.2)


def launch(demo, args: argparse.Namespace, auth) -> None:
    """Serve the page until interrupted."""
    start_server(demo, args.host, args.port, args.share, auth)
    print(f"* Running on local URL:  {demo.local_url}", flush=True)
    if args.share:
        print(f"* Running on public URL: {demo.share_url}", flush=True)
    else:
        print("* For a public link: python app.py --share --auth user:password (see --help)", flush=True)
    demo.ctx.prewarm_in_background()  # after the server is up, so it does not slow the page's start
    local = demo.ctx.registry.providers.get("local")
    if local is not None:  # the embedded model's engine starts now, so no run's figures include its start
        local.start_engines_in_background()
    demo.block_thread()
