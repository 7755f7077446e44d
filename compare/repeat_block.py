"""What a saved run keeps of its repeats: every run per column, named by column label, its summaries and verdicts."""

from __future__ import annotations

from .repeats import comparisons, summarize


def column_labels(ids: list[str]) -> dict[str, str]:
    """Column key -> label; a model that appears twice is numbered by its column."""
    return {str(i): m if ids.count(m) == 1 else f"{m} #{i + 1}" for i, m in enumerate(ids)}


def repeat_report(labels: dict[str, str], runs: dict[str, list[dict]]) -> tuple[list[dict], list[dict]]:
    """(summary per column, pairwise comparisons) over every column's runs, named by column label."""
    named = [(labels[key], runs[key]) for key in labels]
    return [summarize(label, column_runs) for label, column_runs in named], comparisons(named)


def repeat_block(labels: dict[str, str], results: dict[str, list], repeat: int) -> dict:
    """What a saved run keeps of its repeats: every run per column, the summaries and the verdicts."""
    runs = {key: [{**r.to_json(), "run": k} for k, r in enumerate(results[key], 1)] for key in labels}
    summaries, verdicts = repeat_report(labels, runs)
    return {
        "runs_per_column": repeat,
        "runs": [runs[key] for key in labels],
        "summaries": summaries,
        "comparisons": verdicts,
    }
