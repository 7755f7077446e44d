"""`python -m compare leaderboard [--json] [--since DATE] [--until DATE]`: the arena's ratings from the store."""

from __future__ import annotations

import argparse
import json
import sys

from . import rating
from .service import ArenaError, date_range


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The leaderboard's flags."""
    p = argparse.ArgumentParser(
        prog="python -m compare leaderboard",
        description="Bradley–Terry ratings from the arena's counted votes (COMPARE_DB / DATABASE_URL).",
    )
    p.add_argument("--json", action="store_true", help='print {"rows": [...]} as the API returns it')
    p.add_argument("--since", default="", help="only votes cast on or after this date (YYYY-MM-DD, UTC)")
    p.add_argument("--until", default="", help="only votes cast on or before this date (YYYY-MM-DD, UTC)")
    return p.parse_args(argv)


def table(rows: list[rating.Row]) -> str:
    """The leaderboard as aligned text."""
    head = ["rank", "model", "rating", "95% interval", "battles", "win rate"]
    body = [
        [
            str(r.rank),
            r.model,
            f"{r.rating:.0f}",
            f"{r.ci_low:.0f} – {r.ci_high:.0f}",
            str(r.battles),
            f"{r.win_rate:.0%}",
        ]
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in [head, *body])


def main(argv: list[str]) -> int:
    """Print the leaderboard; a bad date or an unreachable store exits 2 with one line on stderr."""
    args = parse_args(argv)
    from providers import ConfigError

    try:
        from .repository import open_repository

        since, until = date_range(args.since, args.until)
        pairs = open_repository().votes(since, until)
        rows = rating.leaderboard([(b.model_a, b.model_b, v.winner) for b, v in pairs])
    except (ArenaError, ConfigError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"rows": [r.to_json() for r in rows]}))
    elif rows:
        print(table(rows))
    else:
        print("No counted votes yet: run the app, open the Arena tab, battle and vote.")
    return 0
