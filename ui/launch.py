"""Command-line flags and launching: share-link rules, auth, demo limits and the CSP middleware."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from providers import ConfigError, Settings

from .safety import ContentSecurityPolicy, PageOptions


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The app's flags; GRADIO_SERVER_NAME / GRADIO_SERVER_PORT give the defaults for host and port."""
    env = os.environ
    p = argparse.ArgumentParser(prog="python app.py", description="Compare LLM replies side by side in the browser.")
    p.add_argument("--host", default=env.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(env.get("GRADIO_SERVER_PORT", "7860")))
    p.add_argument("--share", action="store_true", help="create a public Gradio share link (needs --auth or --open-demo)")
    p.add_argument("--auth", help="user:password required to open the page")
    p.add_argument("--auth-file", help="file with one user:password per line")
    p.add_argument("--open-demo", action="store_true", help="allow --share without a login (anyone with the link can use it)")
    p.add_argument("--demo-limits", action="store_true", help="enforce the public-demo limits even without --share")
    p.add_argument("--max-prompt-chars", type=int, default=4000)
    p.add_argument("--max-tokens-cap", type=int, default=512)
    p.add_argument("--max-models", type=int, default=4)
    p.add_argument("--runs-per-minute", type=int, default=6)
    p.add_argument("--votes-per-hour", type=int, default=30, help="arena votes per visitor per hour (demo limits)")
    p.add_argument("--arena-live", action="store_true",
                   help="stream arena answers as they come (shows which side finished first)")
    p.add_argument("--concurrency", type=int, default=int(env.get("COMPARE_CONCURRENCY", "4")),
                   help="how many comparisons may stream at once across all visitors")
    p.add_argument("--config", help="user config file (default: compare.toml if present)")
    return p.parse_args(argv)


def read_auth(args: argparse.Namespace) -> list[tuple[str, str]] | None:
    """Credentials from --auth and --auth-file; raises ValueError on a malformed entry."""
    entries = [args.auth] if args.auth else []
    if args.auth_file:
        entries += [line.strip() for line in Path(args.auth_file).read_text().splitlines() if line.strip() and not line.startswith("#")]
    pairs = []
    for entry in entries:
        user, sep, password = entry.partition(":")
        if not sep or not user or not password:
            raise ValueError("auth entries must look like user:password")
        pairs.append((user, password))
    return pairs or None


def options_from_args(args: argparse.Namespace) -> PageOptions:
    """Demo limits are on for share links, Hugging Face Spaces (SPACE_ID) or --demo-limits."""
    public = args.share or args.demo_limits or bool(os.environ.get("SPACE_ID"))
    return PageOptions(demo_caps=public, max_prompt_chars=args.max_prompt_chars, max_tokens_cap=args.max_tokens_cap,
                       max_models=args.max_models, runs_per_minute=args.runs_per_minute, concurrency=args.concurrency,
                       votes_per_hour=args.votes_per_hour, arena_live=args.arena_live)


def build_from_args(args: argparse.Namespace):
    """The Blocks for these flags."""
    from . import build_demo
    from .context import PageContext

    ctx = PageContext.create(Settings.load(config_path=args.config), options_from_args(args))
    return build_demo(ctx)


def checked_auth(args: argparse.Namespace) -> list[tuple[str, str]] | None:
    """Credentials for the flags, or exit 2 with one clear line (bad entries, --share without a login)."""
    try:
        auth = read_auth(args)
    except (OSError, ValueError) as exc:
        _fail(str(exc))
    if args.share and not auth and not args.open_demo:
        _fail("--share makes a public link that spends your API credit. Add --auth user:password "
              "(or --auth-file FILE), or pass --open-demo to share without a login.")
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


def launch(demo, args: argparse.Namespace, auth) -> None:
    """Serve the page until interrupted, with the CSP header and the configured concurrency."""
    from starlette.middleware import Middleware

    from . import CSS
    from .snapshots import snapshot_routes  # /snapshot/<id>: read-only saved runs

    demo.queue(default_concurrency_limit=args.concurrency)
    # quiet: Gradio's own banner ends with "set `share=True` in `launch()`", which skips the login that --share
    # requires here; the app prints its own lines instead.
    demo.launch(server_name=args.host, server_port=args.port, share=args.share, auth=auth, css=CSS,
                app_kwargs={"middleware": [Middleware(ContentSecurityPolicy)], "routes": snapshot_routes()},
                footer_links=["api", "gradio"],
                prevent_thread_lock=True, quiet=True)
    print(f"* Running on local URL:  {demo.local_url}", flush=True)
    if not args.share:
        print("* For a public link: python app.py --share --auth user:password (see --help)", flush=True)
    demo.ctx.prewarm_in_background()  # after the server is up, so it does not slow the page's start
    demo.block_thread()
