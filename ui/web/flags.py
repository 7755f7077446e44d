"""The app's command-line flags and the page options they give (demo limits on for share links and Spaces)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from providers import ConfigError
from ui.web.safety import PageOptions
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
    p.add_argument("--max-eval-prompts", default="20", help="prompts per evaluation (demo limits)")
    p.add_argument(
        "--allow-keyed-judge",
        action="store_true",
        help="under demo limits, let visitors pick a judge that costs money (by default only keyless judges)",
    )
    p.add_argument(
        "--eval-confirm-usd", default="1", help="an evaluation estimated above this many dollars asks to confirm first"
    )
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
        max_prompt_chars=count("--max-prompt-chars", args.max_prompt_chars),
        max_tokens_cap=count("--max-tokens-cap", args.max_tokens_cap),
        max_models=count("--max-models", args.max_models),
        runs_per_minute=count("--runs-per-minute", args.runs_per_minute),
        concurrency=_flag_or_env(args.concurrency, "--concurrency", "COMPARE_CONCURRENCY", "32"),
        votes_per_hour=count("--votes-per-hour", args.votes_per_hour),
        max_upload_mb=_megabytes(
            *_flag_or_env_raw(args.max_upload_mb, "--max-upload-mb", "COMPARE_MAX_UPLOAD_MB", "1")
        ),
        uploads_per_minute=count("--uploads-per-minute", args.uploads_per_minute),
        max_eval_prompts=count("--max-eval-prompts", args.max_eval_prompts),
        allow_keyed_judge=args.allow_keyed_judge,
        eval_confirm_usd=_dollars("--eval-confirm-usd", args.eval_confirm_usd),
        arena_live=args.arena_live,
        room_hours=count("--room-hours", args.room_hours),
        proxy_header=(args.proxy_header or env.get("COMPARE_PROXY_HEADER") or "").strip() or None,
        proxy_hops=_flag_or_env(args.proxy_hops, "--proxy-hops", "COMPARE_PROXY_HOPS", "1"),
        forwarded_allow_ips=env.get("FORWARDED_ALLOW_IPS", DEFAULT_FORWARDED_ALLOW_IPS),  # as uvicorn reads it
    )


def _flag_or_env(value, flag: str, env_name: str, default: str) -> int:
    return count(*_flag_or_env_raw(value, flag, env_name, default))


def _flag_or_env_raw(value, flag: str, env_name: str, default: str) -> tuple[str, str]:
    """(the name to blame, the text) of a setting given as a flag, else in the environment, else by default."""
    return (flag, value) if value is not None else (env_name, os.environ.get(env_name, default))


def _megabytes(name: str, raw) -> float:
    return _positive(name, raw, "megabytes")


def _dollars(name: str, raw) -> float:
    return _positive(name, raw, "dollars")


def _positive(name: str, raw, unit: str) -> float:
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number of {unit}, not {str(raw)!r}.") from None
    if not 0 < value < float("inf"):
        raise ConfigError(f"{name} must be a number of {unit} above 0 (got {raw}).")
    return value


def count(name: str, raw) -> int:
    """A whole number of at least 1, or ConfigError naming the setting."""
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {str(raw)!r}.") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1 (got {value}).")
    return value
