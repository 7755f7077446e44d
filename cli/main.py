"""The command line's entry point: the leaderboard, the model list or a run, and the exit code each ends with."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

from compare.validate import InputError
from providers import ConfigError, Registry, Settings

from .args import parse_args
from .listing import list_models
from .run import run


def main(argv: list[str] | None = None) -> int:
    """Entry point; bad input exits 2 with one clear line on stderr, Ctrl-C 130."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["leaderboard"]:  # only as the first word: `-m ID leaderboard` still sends the prompt "leaderboard"
        from arena.cli import main as leaderboard

        return leaderboard(argv[1:])
    if argv[:1] == ["eval"]:
        from .evaluate import parse_args as eval_args
        from .evaluate import run_eval

        eval_flags = eval_args(argv[1:])
        return _exit_code(lambda: asyncio.run(run_eval(eval_flags, Registry(Settings.load()))))
    args = parse_args(argv)
    return _exit_code(lambda: _compare(args))


def _compare(args) -> int:
    registry = Registry(Settings.load(config_path=args.config))
    if args.list:
        return asyncio.run(list_models(registry))
    if args.prompt is None:
        raise InputError('No prompt given: python -m compare -m local:smollm2 "Explain what a token is"')
    return asyncio.run(run(args, registry))


def _exit_code(command: Callable[[], int]) -> int:
    """Run a command: its own exit code, 2 with one clear line for bad input, 130 after Ctrl-C."""
    try:
        return command()
    except (InputError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
        return 130
