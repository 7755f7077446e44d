"""The command line's entry point: the leaderboard, the model list or a run, and the exit code each ends with."""

from __future__ import annotations

import asyncio
import sys

from compare.validate import InputError
from providers import ConfigError, Registry, Settings

from .args import parse_args
from .listing import list_models
from .run import run


def main(argv: list[str] | None = None) -> int:
    """Entry point; bad input exits 2 with one clear line on stderr."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["leaderboard"]:  # only as the first word: `-m ID leaderboard` still sends the prompt "leaderboard"
        from arena.cli import main as leaderboard

        return leaderboard(argv[1:])
    if argv[:1] == ["eval"]:
        return _evaluate(argv[1:])
    args = parse_args(argv)
    try:
        registry = Registry(Settings.load(config_path=args.config))
        if args.list:
            return asyncio.run(list_models(registry))
        if args.prompt is None:
            raise InputError('No prompt given: python -m compare -m local:smollm2 "Explain what a token is"')
        return asyncio.run(run(args, registry))
    except (InputError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
        return 130


def _evaluate(argv: list[str]) -> int:
    """`python -m compare eval ...`: bad input exits 2 with one clear line, Ctrl-C 130."""
    from .evaluate import parse_args as eval_args
    from .evaluate import run_eval

    args = eval_args(argv)
    try:
        return asyncio.run(run_eval(args, Registry(Settings.load())))
    except (InputError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
        return 130
