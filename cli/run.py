"""A run from the command line: check the input, stream the replies (or run each column K times), print the metrics."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

from compare import Column, Comparison, Delta, Finished, make_messages
from compare.record import now_iso
from compare.repeat_block import column_labels
from compare.repeat_run import RepeatedComparison
from compare.validate import check_models, check_params, check_prompt
from providers import Registry
from providers.base import Sampling

from .args import check_repeat_arg
from .repeat import run_repeated
from .save import run_record, save_and_report
from .streaming import LinePrinter, json_line
from .table import table


async def run(args: argparse.Namespace, registry: Registry) -> int:
    """Validate input, run the comparison, print the replies and metrics."""
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    check_prompt(prompt)
    check_params(args.temperature, args.max_tokens, args.top_p, args.seed)
    repeat = check_repeat_arg(args.repeat)
    ids = check_models(registry, args.models)
    messages = make_messages(prompt, args.system)
    sampling = Sampling(args.temperature, args.top_p, args.max_tokens, args.seed, args.reasoning)
    columns = [Column(str(i), m, messages, sampling) for i, m in enumerate(ids)]
    started = now_iso()
    if repeat > 1:
        return await _run_repeated(args, registry, prompt, ids, columns, repeat, started)
    comparison = Comparison(registry, columns)
    printer = LinePrinter(column_labels(ids))
    interrupted = _stop_on_ctrl_c(comparison)
    async for key, event in comparison.events():
        if isinstance(event, Delta) and not args.json and not event.thinking:
            printer.write(key, event.text)
        elif isinstance(event, Finished):
            if args.json:
                print(json.dumps(json_line(event.result.to_json())), flush=True)
            else:
                printer.close(key)
    if not args.json:
        print("\n" + table([comparison.results[c.key] for c in columns], list(printer.labels.values())))
    saved = 0
    if args.save:
        record = run_record(
            sampling, args.system or "", prompt, ids, [comparison.results[c.key] for c in columns], started
        )
        saved = save_and_report(registry.settings, record, args.json)
    return 130 if interrupted.is_set() else saved


async def _run_repeated(args, registry, prompt, ids, columns, repeat, started) -> int:
    repeated = RepeatedComparison(registry, columns, repeat)
    interrupted = _stop_on_ctrl_c(repeated)
    block = await run_repeated(repeated, column_labels(ids), args.json)
    saved = 0
    if args.save:
        firsts = [repeated.runs[c.key][0] for c in columns if repeated.runs[c.key]]
        record = {**run_record(columns[0].sampling, args.system or "", prompt, ids, firsts, started), "repeats": block}
        saved = save_and_report(registry.settings, record, args.json)
    return 130 if interrupted.is_set() else saved


def _stop_on_ctrl_c(comparison: Comparison | RepeatedComparison) -> asyncio.Event:
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
