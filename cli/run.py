"""A run from the command line: check the input, stream the replies (or print each of K runs), print the metrics."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

from compare import Comparison, RunRequest, build_request
from compare.record import now_iso
from compare.result import Result
from providers import Registry
from providers.events import Chunk

from .repeat import print_run, print_summaries
from .save import save_and_report
from .streaming import LinePrinter, json_line
from .table import table


def request_of(args: argparse.Namespace, registry: Registry) -> RunRequest:
    """The flags as a checked run request (every column on the shared settings)."""
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    raw = {
        "prompt": prompt,
        "system": args.system,
        "models": args.models,
        "temperature": args.temperature,
        "top_p": args.top_p,
        "max_tokens": args.max_tokens,
        "seed": args.seed,
        "reasoning": args.reasoning,
        "repeat": args.repeat,
    }
    return build_request(raw, registry)


async def run(args: argparse.Namespace, registry: Registry) -> int:
    """Validate input, run the comparison, print the replies and metrics."""
    request = request_of(args, registry)
    labels = request.labels()
    comparison = Comparison(registry, request.engine_columns(), repeat=request.repeat)
    started = now_iso()
    interrupted = _stop_on_ctrl_c(comparison)
    printer = LinePrinter(labels)
    async for key, k, event in comparison.events():
        if request.repeat > 1:
            if isinstance(event, Result):
                print_run(labels[key], k, event, args.json)
        elif isinstance(event, Chunk) and not args.json and not event.thinking:
            printer.write(key, event.text)
        elif isinstance(event, Result):
            if args.json:
                print(json.dumps(json_line(event.to_json())), flush=True)
            else:
                printer.close(key)
    record = request.record(comparison.runs, started)
    if record.repeats is not None:
        print_summaries(record.repeats, args.json)
    elif not args.json:
        print("\n" + table(record.results, list(labels.values())))
    saved = save_and_report(registry.settings, record.to_json(), args.json) if args.save else 0
    return 130 if interrupted.is_set() else saved


def _stop_on_ctrl_c(comparison: Comparison) -> asyncio.Event:
    """Ctrl-C stops every stream; each column still prints what it had, marked stopped."""
    interrupted = asyncio.Event()

    def stop() -> None:
        interrupted.set()
        asyncio.ensure_future(comparison.cancel())

    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop)
    except (NotImplementedError, RuntimeError):  # no signal handlers on this platform or thread
        pass
    return interrupted
