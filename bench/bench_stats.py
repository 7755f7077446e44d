"""What a leaderboard refresh costs: the plain Bradley–Terry leaderboard (200 bootstrap refits) against the same games
with style control, and resampling whole battles against resampling single votes, measured side by side in one run.

    python bench/bench_stats.py [--games 1000 10000] [--setups 12]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stats import Game, StyleFeatures, leaderboard  # noqa: E402

REPEATS = 3


def games(n: int, setups: int, seed: int = 0, grouped: bool = True) -> list[Game]:
    """n votes between random pairs of setups, random outcomes, random answer styles; a battle per vote."""
    rng = np.random.default_rng(seed)

    def style() -> StyleFeatures:
        return StyleFeatures(*(int(v) for v in (rng.integers(10, 500), *rng.integers(0, 6, size=3))))

    out = []
    for i in range(n):
        a, b = rng.choice(setups, 2, replace=False)
        winner = str(rng.choice(["model_a", "model_b", "tie"]))
        out.append(Game(f"s{a}", f"s{b}", winner, group=f"b{i}" if grouped else None, style_a=style(), style_b=style()))
    return out


def timed(fn) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    """Print, per size, the median seconds of each variant (interleaved rounds) and the ratios that matter."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--games", type=int, nargs="+", default=[1000, 10000])
    p.add_argument("--setups", type=int, default=12)
    args = p.parse_args()
    print(f"{'games':>7}  {'plain':>8}  {'style':>8}  {'single':>8}  style/plain  grouped/single")
    for n in args.games:
        by_battle, by_vote = games(n, args.setups), games(n, args.setups, grouped=False)
        variants = {
            "plain": partial(leaderboard, by_battle),
            "style": partial(leaderboard, by_battle, style_control=True),
            "single": partial(leaderboard, by_vote),
        }
        times: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(REPEATS):  # one call of each per round: a busy spell on the shared machine hits all three
            for name, call in variants.items():
                times[name].append(timed(call))
        plain, styled, single = (statistics.median(times[k]) for k in ("plain", "style", "single"))
        line = f"{n:>7}  {plain:>7.2f}s  {styled:>7.2f}s  {single:>7.2f}s  {styled / plain:>11.2f}"
        print(f"{line}  {plain / single:>14.2f}")


if __name__ == "__main__":
    main()
