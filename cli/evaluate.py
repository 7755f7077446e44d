"""`python -m compare eval --prompts FILE -m A -m B [--judge J] [--json] [--yes] [--resume ID]`: an evaluation from
the command line, its answers and verdicts as they finish, then the summary."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from compare.presets import load_presets
from compare.request import RequestCheck
from compare.tokens import TokenCounter
from compare.validate import InputError
from evaluate.estimate import DEFAULT_CONFIRM_USD, estimate_cost
from evaluate.prompt_set import load_prompt_set, shipped_sets
from evaluate.repository import EvaluationRepository
from evaluate.runner import PER_PROVIDER, Answered, EvaluationRun, Judged, Progress
from evaluate.service import build_spec
from evaluate.summary import answer_line, judgement_lines, summarize
from evaluate.text_report import summary_text
from providers import Registry

from .interrupt import stop_on_ctrl_c


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The eval command's flags."""
    p = argparse.ArgumentParser(
        prog="python -m compare eval",
        description="Run a prompt set across models, judged "
        "pairwise in both orders by an LLM judge. Shipped sets: " + ", ".join(shipped_sets()),
    )
    p.add_argument("--prompts", help="a JSONL or CSV prompt set, or a shipped set's name")
    p.add_argument(
        "-m",
        "--model",
        action="append",
        default=[],
        dest="models",
        help="a column: a model id or a setup id such as local:smollm2#sarcastic-persona~1.2 (repeat)",
    )
    p.add_argument("--judge", default="", help="the judge's model id (blank: answers only)")
    p.add_argument("--temperature", type=float, default=None)
    p.add_argument("--max-tokens", type=int, default=256, help="each answer's max tokens (default 256)")
    p.add_argument("--per-provider", type=int, default=PER_PROVIDER, help="requests in flight per provider")
    p.add_argument("--json", action="store_true", help="one JSON object per line (see the README's contract)")
    p.add_argument("--yes", action="store_true", help="run even when the estimated cost is above --max-cost")
    p.add_argument(
        "--max-cost",
        type=float,
        default=DEFAULT_CONFIRM_USD,
        help=f"ask before spending more than this many USD (default {DEFAULT_CONFIRM_USD:g})",
    )
    p.add_argument("--resume", metavar="ID", help="continue a stopped evaluation; nothing it kept is asked again")
    return p.parse_args(argv)


async def run_eval(args: argparse.Namespace, registry: Registry) -> int:
    """Start (or resume) an evaluation and print it; 130 when Ctrl-C stopped it."""
    from store import new_owner_token, open_store

    settings = registry.settings
    repository = EvaluationRepository(open_store(settings.env, settings.redact, settings.secret_values()))
    counter = TokenCounter(registry)
    if args.resume:
        stored = await asyncio.to_thread(repository.load, args.resume.strip())
        if stored is None:
            raise InputError(f"No evaluation with id {args.resume[:64]!r} in this store.")
    else:
        if not args.prompts:
            raise InputError("No prompt set given: --prompts FILE (JSONL or CSV) or a shipped set's name.")
        prompts = load_prompt_set(args.prompts)
        raw = {
            "models": args.models,
            "judge": args.judge,
            "temperature": args.temperature,
            "max_tokens": args.max_tokens,
        }
        check = RequestCheck(presets={p.name: p for p in load_presets()})
        spec = build_spec(raw, prompts, registry, check)
        estimate = await asyncio.to_thread(estimate_cost, spec, registry, counter)
        print(estimate.describe(), file=sys.stderr)
        if estimate.usd > args.max_cost and not args.yes and not _confirmed(estimate.usd, args.max_cost):
            return 2
        owner = settings.get("COMPARE_OWNER") or new_owner_token()
        stored = repository.load(await asyncio.to_thread(repository.create, spec, owner))
        assert stored is not None
    spec = stored.spec
    _print(
        args.json,
        {
            "evaluation_id": stored.id,
            "set": spec.prompts.name,
            "prompts": len(spec.prompts.rows),
            "columns": [c.id for c in spec.columns],
            "judge": spec.judge,
        },
        f"Evaluation {stored.id}",
    )
    for (prompt_id, column), result in list(stored.answers.items()):
        _print(args.json, answer_line(prompt_id, column, result))
    for line in judgement_lines(spec, stored.judgements.values()):
        _print(args.json, line)
    run = EvaluationRun(registry, repository, stored, counter, per_provider=max(1, args.per_provider))
    interrupted = stop_on_ctrl_c(run.cancel)

    printed = {
        (j.prompt_id, j.a, j.b)
        for j in stored.judgements.values()
        if (j.prompt_id, j.a, j.b, not j.swapped) in stored.judgements
    }

    def heard(event) -> None:
        if isinstance(event, Answered):
            _print(args.json, answer_line(event.prompt_id, event.column, event.result))
        elif isinstance(event, Judged):
            j = event.judgement
            other = stored.judgements.get((j.prompt_id, j.a, j.b, not j.swapped))
            if other is not None and (j.prompt_id, j.a, j.b) not in printed:
                printed.add((j.prompt_id, j.a, j.b))
                for line in judgement_lines(spec, [j, other]):
                    _print(args.json, line)
        elif isinstance(event, Progress) and not args.json and event.last:
            left = f", about {event.seconds_left:.0f} s left" if event.seconds_left is not None else ""
            print(f"[{event.done}/{event.total}{left}] {event.last}", file=sys.stderr, flush=True)

    await run.run(heard)
    summary = summarize(stored)
    if args.json:
        print(json.dumps({"summary": True, **summary}), flush=True)
    else:
        print("\n" + summary_text(summary))
    return 130 if interrupted.is_set() else 0


def _print(as_json: bool, line: dict, text: str | None = None) -> None:
    if as_json:
        print(json.dumps(line, ensure_ascii=False), flush=True)
    elif text is not None:
        print(text, flush=True)


def _confirmed(usd: float, limit: float) -> bool:
    """Ask on a terminal; without one, refuse (the caller can pass --yes)."""
    if not sys.stdin.isatty():
        print(
            f"error: the estimated cost is above ${limit:g}; run again with --yes to accept it (or raise --max-cost).",
            file=sys.stderr,
        )
        return False
    answer = input(f"This evaluation may cost about ${usd:.4f} (above ${limit:g}). Run it? [y/N] ")
    return answer.strip().lower() in ("y", "yes")
