"""What the Evaluate tab shows of an evaluation: the progress bar, the summary tables, and every answer with its
verdicts (filterable)."""

from __future__ import annotations

import html

import pandas as pd

from evaluate.judge import PairVerdict
from evaluate.repository import StoredEvaluation
from evaluate.runner import Progress
from evaluate.summary import verdicts
from evaluate.text_report import COLUMN_HEADERS, column_rows, judge_sentence, style_sentence

PAIR_HEADERS = ["A", "B", "A wins", "B wins", "ties", "unparseable", "A's win rate (95% interval)", "verdict"]
ANSWER_HEADERS = ["prompt", "category", "column", "answer", "verdicts", "judge's explanations"]
ALL = "all categories"
EXCERPT = 400


def progress_html(p: Progress | None, note: str = "") -> str:
    """A progress bar with done/total and time left (a native <progress>, readable by screen readers)."""
    if p is None:
        return ""
    left = f" · about {_duration(p.seconds_left)} left" if p.seconds_left is not None and p.done < p.total else ""
    last = f" · {html.escape(p.last)}" if p.last else ""
    return (
        f'<div class="eval-progress"><progress value="{p.done}" max="{p.total}" aria-label="evaluation progress">'
        f"{p.fraction:.0%}</progress> <span>{p.done} of {p.total} done{left}{last}</span>"
        f"{f'<p>{html.escape(note)}</p>' if note else ''}</div>"
    )


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def pairs_frame(summary: dict) -> pd.DataFrame:
    """Each pair: wins, ties, unparseable, A's win rate with its interval, and the verdict in words."""
    rows = []
    for p in summary["pairs"]:
        rate = "—" if p["win_rate_a"] is None else f"{p['win_rate_a']:.0%} ({p['ci_low']:.0%}–{p['ci_high']:.0%})"
        verdict = (
            "nothing judged"
            if p["win_rate_a"] is None
            else "within noise"
            if p["within_noise"]
            else f"{p['a'] if p['win_rate_a'] > 0.5 else p['b']} is better"
        )
        rows.append([p["a"], p["b"], p["wins_a"], p["wins_b"], p["ties"], p["unparseable"], rate, verdict])
    return pd.DataFrame(rows, columns=PAIR_HEADERS)


def columns_frame(summary: dict) -> pd.DataFrame:
    """Each column: rating, median (p10–p90) speed, output tokens, cost and cost per win."""
    return pd.DataFrame(column_rows(summary), columns=COLUMN_HEADERS)


def summary_markdown(summary: dict, escape) -> str:
    """The judge's consistency in a sentence, and what the style coefficients say about it."""
    text = escape(judge_sentence(summary["judge"]))
    return text + (f"\n\n{escape(style_sentence(summary['style']))}" if summary.get("style") else "")


CATEGORY_HEADERS = ["category", "A", "B", "wins–losses–ties", "A's win rate (95% interval)", "prompts"]


def categories_frame(summary: dict) -> pd.DataFrame:
    """Each category's pairs (few prompts per category give wide intervals: read them as such)."""
    rows = []
    for name, part in summary.get("categories", {}).items():
        for p in part["pairs"]:
            rate = "—" if p["win_rate_a"] is None else f"{p['win_rate_a']:.0%} ({p['ci_low']:.0%}–{p['ci_high']:.0%})"
            judged = p["wins_a"] + p["wins_b"] + p["ties"]
            rows.append([name, p["a"], p["b"], f"{p['wins_a']}–{p['wins_b']}–{p['ties']}", rate, judged])
    return pd.DataFrame(rows, columns=CATEGORY_HEADERS)


def answers_frame(stored: StoredEvaluation, only_disagreed: bool = False, category: str = ALL) -> pd.DataFrame:
    """Every prompt × column: the answer, its verdicts against each other column, and the judge's explanations;
    optionally only where the judge disagreed with itself, or one category."""
    spec = stored.spec
    judged: dict[tuple[str, str, str], PairVerdict] = {
        (p, v.a, v.b): v for p, v in verdicts(spec, stored.judgements.values())
    }
    rows = []
    for row in spec.prompts.rows:
        if category not in (ALL, "", None) and row.category != category:
            continue
        for column in spec.columns:
            mine = [(key, v) for key, v in judged.items() if key[0] == row.id and column.id in (v.a, v.b)]
            if only_disagreed and not any(v.consistent is False for _, v in mine):
                continue
            result = stored.answers.get((row.id, column.id))
            answer = "(not answered yet)" if result is None else result.error or result.text
            notes, explanations = [], []
            for (_, a, b), v in mine:
                other = b if column.id == a else a
                outcome = (
                    "unparseable"
                    if v.winner is None
                    else "tie"
                    if v.winner == "tie"
                    else "won"
                    if v.winner == column.id
                    else "lost"
                )
                notes.append(
                    f"vs {other}: {outcome} ({v.first or '?'}, swapped {v.swapped or '?'}"
                    f"{'; disagreed with itself' if v.consistent is False else ''})"
                )
                for swapped in (False, True):
                    j = stored.judgements.get((row.id, a, b, swapped))
                    if j is not None:
                        explanations.append(f"[{a} vs {b}{', swapped' if swapped else ''}] {_excerpt(j.result.text)}")
            rows.append([row.id, row.category, column.id, _excerpt(answer), "\n".join(notes), "\n".join(explanations)])
    return pd.DataFrame(rows, columns=ANSWER_HEADERS)


def _excerpt(text: str) -> str:
    text = (text or "").strip()
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
