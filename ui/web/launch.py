"""Command-line flags and launching: share-link rules, auth, demo limits and the CSP middleware."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from providers import ConfigError, Settings
from ui.web.safety import ContentSecurityPolicy, PageOptions
from ui.web.visitor import DEFAULT_FORWARDED_ALLOW_IPS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The app's flags; GRADIO_SERVER_NAME / GRADIO_SERVER_PORT give the defaults for host and port."""
    env = os.environ
    p = argparse.ArgumentParser(prog="python app.py", description="Compare LLM replies side by side in the browser.")
    p.add_argument("--host", default=env.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    p.add_argument("--port", default=env.get("GRADIO_SERVER_PORT", "7860"))
    p.add_argument(
        "--share", action="store_true", help="create a public Gradio share link (needs --auth or --open-demo)"
    )
    p.add_argument("--auth", help="user:password required to open the page")
    p.add_argument("--auth-file", help="file with one user:password per line")
    p.add_argument(
        "--open-demo", action="store_true", help="allow --share without a login (anyone with the link can use it)"
    )
    p.add_argument("--demo-limits", action="store_true", help="enforce the public-demo limits even without --share")
    # numbers are checked by options_from_args, so a bad one (flag or environment) fails with one line naming it
    p.add_argument("--max-prompt-chars", default="4000")
    p.add_argument("--max-tokens-cap", default="512")
    p.add_argument("--max-models", default="4")
    p.add_argument("--runs-per-minute", default="6", help="runs per visitor (client address) per minute (demo limits)")
    p.add_argument("--votes-per-hour", default="30", help="arena votes per visitor per hour (demo limits)")
    p.add_argument(
        "--max-upload-mb",
        help="largest file a visitor may upload, in MB, when the app has a file input (demo limits; default: "
        "COMPARE_MAX_UPLOAD_MB or 1)",
    )
    p.add_argument("--uploads-per-minute", default="10", help="file uploads per visitor per minute (demo limits)")
    p.add_argument(
        "--arena-live", action="store_true", help="stream arena answers as they come (shows which side finished first)"
    )
    p.add_argument("--room-hours", default="2", help="an arena room expires this many hours after its last battle")
    p.add_argument(
        "--concurrency",
        help="how many comparisons may stream at once across all visitors (default: COMPARE_CONCURRENCY or 32)",
    )
    p.add_argument(
        "--proxy-header",
        help="behind a proxy listed in FORWARDED_ALLOW_IPS: the header holding the client address, e.g. "
        "X-Forwarded-For or X-Real-IP (default: COMPARE_PROXY_HEADER; none)",
    )
    p.add_argument(
        "--proxy-hops", help="how many trusted proxies append to that header (default: COMPARE_PROXY_HOPS or 1)"
    )
    p.add_argument("--config", help="user config file (default: compare.toml if present)")
    return p.parse_args(argv)


def read_auth(args: argparse.Namespace) -> list[tuple[str, str]] | None:
    """Credentials from --auth and --auth-file; raises ValueError on a malformed entry."""
    entries = [args.auth] if args.auth else []
    if args.auth_file:
        entries += [
            line.strip()
            for line in Path(args.auth_file).read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ]
    pairs = []
    for entry in entries:
        user, sep, password = entry.partition(":")
        if not sep or not user or not password:
            raise ValueError("auth entries must look like user:password")
        pairs.append((user, password))
    return pairs or None


def options_from_args(args: argparse.Namespace) -> PageOptions:
    """Demo limits are on for share links, Hugging Face Spaces (SPACE_ID) or --demo-limits; raises ConfigError for a
    number that is not a whole number of at least 1."""
    env = os.environ
    public = args.share or args.demo_limits or bool(env.get("SPACE_ID"))
    return PageOptions(
        demo_caps=public,
        max_prompt_chars=_count("--max-prompt-chars", args.max_prompt_chars),
        max_tokens_cap=_count("--max-tokens-cap", args.max_tokens_cap),
        max_models=_count("--max-models", args.max_models),
        runs_per_minute=_count("--runs-per-minute", args.runs_per_minute),
        concurrency=_flag_or_env(args.concurrency, "--concurrency", "COMPARE_CONCURRENCY", "32"),
        votes_per_hour=_count("--votes-per-hour", args.votes_per_hour),
        max_upload_mb=_megabytes(
            *_flag_or_env_raw(args.max_upload_mb, "--max-upload-mb", "COMPARE_MAX_UPLOAD_MB", "1")
        ),
        uploads_per_minute=_count("--uploads-per-minute", args.uploads_per_minute),
        arena_live=args.arena_live,
        room_hours=_count("--room-hours", args.room_hours),
        proxy_header=(args.proxy_header or env.get("COMPARE_PROXY_HEADER") or "").strip() or None,
        proxy_hops=_flag_or_env(args.proxy_hops, "--proxy-hops", "COMPARE_PROXY_HOPS", "1"),
        forwarded_allow_ips=env.get("FORWARDED_ALLOW_IPS", DEFAULT_FORWARDED_ALLOW_IPS),  # as uvicorn reads it
    )


def _flag_or_env(value, flag: str, env_name: str, default: str) -> int:
    return _count(*_flag_or_env_raw(value, flag, env_name, default))


def _flag_or_env_raw(value, flag: str, env_name: str, default: str) -> tuple[str, str]:
    """(the name to blame, the text) of a setting given as a flag, else in the environment, else by default."""
    return (flag, value) if value is not None else (env_name, os.environ.get(env_name, default))


def _megabytes(name: str, raw) -> float:
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number of megabytes, not {str(raw)!r}.") from None
    if not 0 < value < float("inf"):
        raise ConfigError(f"{name} must be a number of megabytes above 0 (got {raw}).")
    return value


def _count(name: str, raw) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {str(raw)!r}.") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1 (got {value}).")
    return value


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
        args.port = _count("--port", args.port)
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
