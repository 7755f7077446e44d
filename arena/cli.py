"""`python -m compare leaderboard [--json] [--since DATE] [--until DATE] [--style-control] [--by model]`: the arena's
ratings from the store."""

from __future__ import annotations

import argparse
import json
import sys

import stats

from .records import ArenaError
from .standings import BY


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The leaderboard's flags."""
    p = argparse.ArgumentParser(
        prog="python -m compare leaderboard",
        description="Bradley–Terry ratings from the arena's counted votes (COMPARE_DB / DATABASE_URL).",
    )
    p.add_argument("--json", action="store_true", help='print {"rows": [...]} as the API returns it')
    p.add_argument("--since", default="", help="only votes cast on or after this date (YYYY-MM-DD, UTC)")
    p.add_argument("--until", default="", help="only votes cast on or before this date (YYYY-MM-DD, UTC)")
    p.add_argument(
        "--style-control", action="store_true", help="also rate with answer length and markdown taken into account"
    )
    p.add_argument("--by", choices=BY, default="setup", help="rate setups (default) or models (setups merged)")
    return p.parse_args(argv)


def table(board: stats.Leaderboard) -> str:
    """The leaderboard as aligned text (with style control: the style-controlled rating and interval too)."""
    styled = board.style is not None
    head = ["rank", "model", "rating", "95% interval", "battles", "win rate"]
    head += ["style-controlled", "95% interval"] if styled else []
    body = []
    for r in board.rows:
        line = [str(r.rank), r.model, f"{r.rating:.0f}", f"{r.ci_low:.0f} – {r.ci_high:.0f}", str(r.battles)]
        line.append(f"{r.win_rate:.0%}")
        if styled:
            line += [f"{r.style_rating:.0f}", f"{r.style_ci_low:.0f} – {r.style_ci_high:.0f}"]
        body.append(line)
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in [head, *body]]
    if styled:
        lines.append("")
        lines += [f"style {name}: {coefficient_text(c)}" for name, c in (board.style or {}).items()]
    return "\n".join(lines)


def coefficient_text(c: stats.Coefficient) -> str:
    """A style coefficient and its interval, or why there is none."""
    if c.coef is None:
        return "no variation in these votes"
    return f"{c.coef:+.2f} (95% interval {c.ci_low:+.2f} to {c.ci_high:+.2f})"


def main(argv: list[str]) -> int:
    """Print the leaderboard; a bad date or an unreachable store exits 2 with one line on stderr."""
    args = parse_args(argv)
    from providers import ConfigError

    try:
        from .repository import open_repository
        from .service import date_range
        from .standings import standings

        pairs = open_repository().votes(*date_range(args.since, args.until))
        board = standings(pairs, args.by, args.style_control)
    except (ArenaError, ConfigError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(board.to_json()))
    elif board.rows:
        print(table(board))
    else:
        print("No counted votes yet: run the app, open the Arena tab, battle and vote.")
    return 0
