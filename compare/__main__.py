"""Command line: `python -m compare --list`, `python -m compare -m ID [-m ID ...] PROMPT` and
`python -m compare leaderboard [--json]`."""
from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
from datetime import datetime, timezone

from providers import ConfigError, Registry, Settings
from providers.base import REASONING_LEVELS, Sampling

from . import Column, Comparison, Delta, Finished, make_messages
from .repeat_cli import column_labels, run_repeated
from .repeat_run import RepeatedComparison
from .repeats import check_repeat
from .report import table
from .validate import InputError, check_models, check_params, check_prompt


DEFAULT_MAX_TOKENS = 256
JSON_KEYS = ("model", "text", "error", "status", "finish_reason", "warnings", "ttft_s", "answer_ttft_s", "total_s",
             "input_tokens", "output_tokens", "reasoning_tokens", "cache_read_tokens", "cache_write_tokens",
             "tokens_exact", "tokens_source", "tokens_per_s", "itl_p50_ms", "itl_p95_ms", "cost_usd", "cost_note",
             "price_source", "token_note", "queue_s", "load_s", "stopped", "started_at", "reasoning", "reasoning_s",
             "local_input_tokens", "local_output_tokens")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line flags."""
    parser = argparse.ArgumentParser(prog="python -m compare", description="Send one prompt to several models at once.",
                                     epilog="python -m compare leaderboard [--json] prints the arena's ratings.")
    parser.add_argument("prompt", nargs="?", help="the user prompt ('-' reads standard input)")
    parser.add_argument("-m", "--model", action="append", default=[], dest="models", help="model id, e.g. local:smollm2 (repeatable)")
    parser.add_argument("--system", default=None, help="system prompt")
    parser.add_argument("--temperature", type=float, default=None)
    parser.add_argument("--top-p", type=float, default=None)
    parser.add_argument("--max-tokens", type=int, default=DEFAULT_MAX_TOKENS, help=f"answer tokens (default {DEFAULT_MAX_TOKENS}, as on the page)")
    parser.add_argument("--reasoning", choices=REASONING_LEVELS, default=None,
                        help="thinking effort for reasoning models (default: each provider's own)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON object per model, one per line")
    parser.add_argument("--repeat", default="1", metavar="K",
                        help="runs per model, 1-10 (default 1); one column's runs go one after another, and a "
                             "summary and 'better or within noise' verdicts follow")
    parser.add_argument("--list", action="store_true", help="list every model id, whether it is available, and why not")
    parser.add_argument("--config", default=None, help="user config file (default: compare.toml if present)")
    parser.add_argument("--save", action="store_true",
                        help="keep the run in the store (COMPARE_DB or DATABASE_URL) and print its id and snapshot path")
    return parser.parse_args(argv)


async def list_models(registry: Registry) -> int:
    """Print discovery results as a table."""
    found = await registry.discover()
    width = max(len(m.id) for m in found)
    for m in found:
        why = "; ".join(filter(None, (m.note, m.price_note))) if m.available else (m.reason or "")
        print(f"{m.id.ljust(width)}  {'available' if m.available else 'unavailable'}{'  ' + why if why else ''}")
    if any(m.id.startswith("local:") and m.available for m in found):
        print("local models run on: " + local_engine_line())
    return 0


def local_engine_line() -> str:
    """The embedded engine's versions, CPU features in use and AMX guard, on one line."""
    from providers.local.process import describe_engine

    try:
        return "; ".join(f"{k} {v}" for k, v in describe_engine().items())
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        return f"(unknown: {exc})"


class LinePrinter:
    """Streams several columns to a terminal: raw text for one model, prefixed whole lines for several."""

    def __init__(self, labels: dict[str, str]):
        self.labels = labels
        self.pending = {key: "" for key in labels}
        self.single = len(labels) == 1

    def write(self, key: str, text: str) -> None:
        """Show new text for a column."""
        if self.single:
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        self.pending[key] += text
        *lines, self.pending[key] = self.pending[key].split("\n")
        for line in lines:
            print(f"[{self.labels[key]}] {line}", flush=True)

    def close(self, key: str) -> None:
        """Flush a finished column."""
        if self.single:
            print(flush=True)
        elif self.pending[key]:
            print(f"[{self.labels[key]}] {self.pending[key]}", flush=True)
            self.pending[key] = ""


async def run(args: argparse.Namespace, registry: Registry) -> int:
    """Validate input, run the comparison, print the replies and metrics."""
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    check_prompt(prompt)
    check_params(args.temperature, args.max_tokens, args.top_p, args.seed)
    repeat = check_repeat_arg(args.repeat)
    ids = check_models(registry, args.models)
    messages = make_messages(prompt, args.system)
    columns = [Column(str(i), m, messages, Sampling(args.temperature, args.top_p, args.max_tokens, args.seed, args.reasoning))
               for i, m in enumerate(ids)]
    started = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
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
                print(json.dumps(_json_line(event.result.to_json())), flush=True)
            else:
                printer.close(key)
    if not args.json:
        print("\n" + table([comparison.results[c.key] for c in columns], list(printer.labels.values())))
    saved = 0
    if args.save:
        record = run_record(args, prompt, ids, [comparison.results[c.key] for c in columns], started)
        saved = save_and_report(registry.settings, record, args.json)
    return 130 if interrupted.is_set() else saved


async def _run_repeated(args, registry, prompt, ids, columns, repeat, started) -> int:
    repeated = RepeatedComparison(registry, columns, repeat)
    interrupted = _stop_on_ctrl_c(repeated)
    labels = column_labels(ids)
    block = await run_repeated(repeated, labels, args.json, _json_line)
    saved = 0
    if args.save:
        record = run_record(args, prompt, ids, [repeated.runs[c.key][0] for c in columns if repeated.runs[c.key]], started)
        record["repeats"] = block
        saved = save_and_report(registry.settings, record, args.json)
    return 130 if interrupted.is_set() else saved


def check_repeat_arg(value: str) -> int:
    """--repeat as 1..10, or an InputError that says so."""
    try:
        return check_repeat(value)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def run_record(args: argparse.Namespace, prompt: str, ids: list[str], results: list, started_at: str) -> dict:
    """The run as the page and the API record it (ui/export.py's run_record, without importing the page)."""
    system = args.system or ""
    params = {"temperature": args.temperature, "max_tokens": args.max_tokens, "top_p": args.top_p, "seed": args.seed,
              "reasoning": args.reasoning}
    columns = [{"slot": i + 1, "model": m, "persona": "shared", "system_prompt": system, "temperature": args.temperature,
                "reasoning": args.reasoning} for i, m in enumerate(ids)]
    return {"app": "llm-compare", "started_at": started_at,
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "prompt": prompt,
            "system_prompt": system, "parameters": params, "columns": columns, "results": [r.to_json() for r in results]}


def save_and_report(settings: Settings, record: dict, as_json: bool) -> int:
    """Save the run under COMPARE_OWNER (or a new owner token) and print its id; 1 when the store failed."""
    from store import new_owner_token, open_store, valid_owner_token

    owner = settings.get("COMPARE_OWNER")
    owner = owner if valid_owner_token(owner) else new_owner_token()
    try:
        store = open_store(settings)
        run_id = store.save_run(record, owner)
        store.close()
    except Exception as exc:  # the replies are printed already; say why they were not kept
        reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ''}"
        if as_json:
            print(json.dumps({"run_id": None, "store_error": reason}), flush=True)
        print(f"error: the run was not saved ({reason})", file=sys.stderr)
        return 1
    path = f"/snapshot/{run_id}"
    if as_json:
        print(json.dumps({"run_id": run_id, "snapshot_path": path, "owner_token": owner}), flush=True)
    else:
        print(f"\nSaved as run {run_id}: {path} on the app using this store "
              f"(delete it with DELETE {path} and the header X-Owner-Token: {owner}).")
    return 0


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


def _json_line(data: dict) -> dict:
    return {k: data[k] for k in JSON_KEYS}


def main(argv: list[str] | None = None) -> int:
    """Entry point; bad input exits 2 with one clear line on stderr."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["leaderboard"]:  # only as the first word: `-m ID leaderboard` still sends the prompt "leaderboard"
        from arena.cli import main as leaderboard

        return leaderboard(argv[1:])
    args = parse_args(argv)
    try:
        registry = Registry(Settings.load(config_path=args.config))
        if args.list:
            return asyncio.run(list_models(registry))
        if args.prompt is None:
            raise InputError("No prompt given: python -m compare -m local:smollm2 \"Explain what a token is\"")
        return asyncio.run(run(args, registry))
    except (InputError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
