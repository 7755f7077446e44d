"""Repeat runs: per-column spread (median, p10, p90, min, max) and pairwise "better or within noise" verdicts."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from itertools import combinations

ALPHA = 0.05
MIN_RUNS = 3  # below this no verdict is offered; 3 and 3 still cannot reach p < 0.05 (the verdict says so)
SUMMARY_METRICS = ("ttft_s", "answer_ttft_s", "total_s", "tokens_per_s", "output_tokens", "cost_usd")
COMPARED_METRICS = ("ttft_s", "total_s", "tokens_per_s")
HIGHER_IS_BETTER = {"tokens_per_s"}


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def spread(values: Iterable[float | None]) -> dict | None:
    """{"median","p10","p90","min","max","n"} of the values that exist, or None when none do."""
    present = [float(v) for v in values if v is not None]
    if not present:
        return None
    return {
        "median": percentile(present, 50),
        "p10": percentile(present, 10),
        "p90": percentile(present, 90),
        "min": min(present),
        "max": max(present),
        "n": len(present),
    }


def ok_runs(runs: list[dict]) -> list[dict]:
    """The runs that count: finished without an error and not stopped."""
    return [r for r in runs if not r.get("error") and not r.get("stopped")]


def summarize(model: str, runs: list[dict]) -> dict:
    """One column's summary line: every metric's spread over its successful runs; failed runs are counted."""
    good = ok_runs(runs)
    line = {
        "model": model,
        "summary": True,
        "runs": len(runs),
        "ok_runs": len(good),
        "failed_runs": len(runs) - len(good),
    }
    for metric in SUMMARY_METRICS:
        line[metric] = spread(r.get(metric) for r in good)
    return line


def compare_pair(metric: str, a: str, b: str, xs: Sequence[float], ys: Sequence[float], alpha: float = ALPHA) -> dict:
    """Two-sided Mann–Whitney U between two columns' samples; `better` is a model id, or None for within noise."""
    out: dict[str, object] = {
        "metric": metric,
        "a": a,
        "b": b,
        "better": None,
        "p_value": None,
        "n_a": len(xs),
        "n_b": len(ys),
    }
    if len(xs) < MIN_RUNS or len(ys) < MIN_RUNS:
        out["note"] = f"fewer than {MIN_RUNS} successful runs in a column: no verdict"
        return out
    from scipy.stats import mannwhitneyu  # imported on use: it costs a second at start-up

    if len(set(xs) | set(ys)) == 1:
        p = 1.0  # every value equal: the test has nothing to rank
    else:
        p = float(mannwhitneyu(xs, ys, alternative="two-sided").pvalue)
    out["p_value"] = p
    if p < alpha:
        a_higher = percentile(xs, 50) > percentile(ys, 50)
        out["better"] = a if a_higher == (metric in HIGHER_IS_BETTER) else b
    elif (floor := smallest_p(len(xs), len(ys))) >= alpha:
        out["note"] = (
            f"within noise: {len(xs)} and {len(ys)} runs cannot reach p < {alpha:g} (the smallest possible p "
            f"is {floor:.3f}); use {runs_needed(alpha)} or more runs per column to tell them apart"
        )
    else:
        out["note"] = "within noise"
    return out


def smallest_p(n: int, m: int) -> float:
    """The smallest two-sided p an exact Mann–Whitney test can give for samples of n and m: every x below every y."""
    return min(1.0, 2 / math.comb(n + m, n))


def runs_needed(alpha: float = ALPHA) -> int:
    """The fewest runs per column (the same in both) whose exact test can reach p < alpha."""
    k = MIN_RUNS
    while smallest_p(k, k) >= alpha:
        k += 1
    return k


def comparisons(columns: list[tuple[str, list[dict]]], alpha: float = ALPHA) -> list[dict]:
    """Every pair of columns on ttft_s, total_s and tokens_per_s, over successful runs only."""
    out = []
    for (a, runs_a), (b, runs_b) in combinations(columns, 2):
        good_a, good_b = ok_runs(runs_a), ok_runs(runs_b)
        for metric in COMPARED_METRICS:
            xs = [float(r[metric]) for r in good_a if r.get(metric) is not None]
            ys = [float(r[metric]) for r in good_b if r.get(metric) is not None]
            out.append(compare_pair(metric, a, b, xs, ys, alpha))
    return out


def median_range(s: dict | None, digits: int = 2) -> str:
    """ "median (p10–p90)" for a summary cell; an em dash when there is no value."""
    if not s:
        return "—"
    return f"{s['median']:.{digits}f} ({s['p10']:.{digits}f}–{s['p90']:.{digits}f})"
