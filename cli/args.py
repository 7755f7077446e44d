"""The command line's flags."""

from __future__ import annotations

import argparse

from providers.base import REASONING_LEVELS

DEFAULT_MAX_TOKENS = 256


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line flags."""
    parser = argparse.ArgumentParser(
        prog="python -m compare",
        description="Send one prompt to several models at once.",
        epilog="python -m compare leaderboard [--json] prints the arena's ratings.",
    )
    parser.add_argument("prompt", nargs="?", help="the user prompt ('-' reads standard input)")
    parser.add_argument(
        "-m", "--model", action="append", default=[], dest="models", help="model id, e.g. local:smollm2 (repeatable)"
    )
    parser.add_argument("--system", default=None, help="system prompt")
    parser.add_argument("--temperature", type=float, default=None)
    parser.add_argument("--top-p", type=float, default=None)
    parser.add_argument(
        "--max-tokens",
        type=int,
        default=DEFAULT_MAX_TOKENS,
        help=f"answer tokens (default {DEFAULT_MAX_TOKENS}, as on the page)",
    )
    parser.add_argument(
        "--reasoning",
        choices=REASONING_LEVELS,
        default=None,
        help="thinking effort for reasoning models (default: each provider's own)",
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON object per model, one per line")
    parser.add_argument(
        "--repeat",
        default="1",
        metavar="K",
        help="runs per model, 1-10 (default 1); one column's runs go one after another, and a "
        "summary and 'better or within noise' verdicts follow",
    )
    parser.add_argument("--list", action="store_true", help="list every model id, whether it is available, and why not")
    parser.add_argument("--config", default=None, help="user config file (default: compare.toml if present)")
    parser.add_argument(
        "--save",
        action="store_true",
        help="keep the run in the store (COMPARE_DB or DATABASE_URL) and print its id and snapshot path",
    )
    return parser.parse_args(argv)
