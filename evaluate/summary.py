"""An evaluation's results: each answer and each judged pair as a line, and the summary (pairwise win rates with
bootstrap intervals over prompts, Bradley–Terry ratings, the judge's consistency, per-column speed and cost, per
category). The statistics themselves live in stats/, shared with the arena."""

from __future__ import annotations

from collections.abc import Iterable

from compare.repeats import spread
from compare.result import Result
from stats.bradley_terry import Game
from stats.leaderboard import leaderboard
from stats.style import style_features
from stats.win_rate import win_rate

from .judge import PairVerdict
from .repository import Judgement, StoredEvaluation
from .spec import EvaluationSpec

ANSWER_KEYS = ("text", "error", "ttft_s", "total_s", "tokens_per_s", "output_tokens", "cost_usd")
SPEED = ("ttft_s", "total_s", "tokens_per_s", "output_tokens")


def answer_line(prompt_id: str, column: str, result: Result) -> dict:
    """One answer as the JSON lines and the API give it."""
    data = result.to_json()
    return {"prompt_id": prompt_id, "model": column, **{k: data[k] for k in ANSWER_KEYS}}


def verdicts(spec: EvaluationSpec, judgements: Iterable[Judgement]) -> list[tuple[str, PairVerdict]]:
    """(prompt id, the pair's two verdicts combined) for every pair judged in both orders, in set and pair order."""
    found = {(j.prompt_id, j.a, j.b, j.swapped): j for j in judgements}
    out = []
    for row in spec.prompts.rows:
        for a, b in spec.pairs:
            first, swapped = found.get((row.id, a, b, False)), found.get((row.id, a, b, True))
            if first is not None and swapped is not None:
                out.append((row.id, PairVerdict(a, b, first.verdict, swapped.verdict)))
    return out


def judgement_lines(spec: EvaluationSpec, judgements: Iterable[Judgement]) -> list[dict]:
    """One line per pair judged in both orders: each order's verdict letter and the winner (null: unparseable)."""
    return [
        {
            "judgement": True,
            "prompt_id": prompt_id,
            "a": v.a,
            "b": v.b,
            "first": v.first,
            "swapped": v.swapped,
            "winner": v.winner,
        }
        for prompt_id, v in verdicts(spec, judgements)
    ]


def summarize(stored: StoredEvaluation) -> dict:
    """The summary line: the judge and its consistency, each pair, each column's rating, speed and cost, and the same
    per category when the set has categories."""
    spec = stored.spec
    judged = verdicts(spec, stored.judgements.values())
    ratings, style = _ratings(stored, judged)
    out: dict = {
        "evaluation_id": stored.id,
        "judge": _judge(spec, judged),
        "pairs": _pairs(spec, judged),
        "ratings": ratings,
        "style": style,
        "columns": _columns(stored, judged),
    }
    categories = {row.id: row.category for row in spec.prompts.rows}
    if any(categories.values()):
        out["categories"] = {
            name: {"pairs": _pairs(spec, [(p, v) for p, v in judged if categories[p] == name])}
            for name in spec.prompts.categories
        }
    return out


def _judge(spec: EvaluationSpec, judged: list[tuple[str, PairVerdict]]) -> dict:
    readable = [v for _, v in judged if v.consistent is not None]
    survived = [v for v in readable if v.consistent]
    favoured = [v.favoured_position for v in readable if v.favoured_position]
    return {
        "model": spec.judge,
        "consistency": round(len(survived) / len(readable), 4) if readable else None,
        "judged": len(judged),
        "unparseable": len(judged) - len(readable),
        "favoured_when_inconsistent": {"A": favoured.count("A"), "B": favoured.count("B")},
        "is_contestant": spec.judge_competes,  # its own answers are among those it judges: read its results warily
    }


def _pairs(spec: EvaluationSpec, judged: list[tuple[str, PairVerdict]]) -> list[dict]:
    out = []
    for a, b in spec.pairs:
        mine = [(p, v) for p, v in judged if (v.a, v.b) == (a, b) and v.score_a is not None]
        wins_a = sum(1 for _, v in mine if v.winner == a)
        wins_b = sum(1 for _, v in mine if v.winner == b)
        line = {
            "a": a,
            "b": b,
            "wins_a": wins_a,
            "wins_b": wins_b,
            "ties": len(mine) - wins_a - wins_b,
            "unparseable": sum(1 for _, v in judged if (v.a, v.b) == (a, b) and v.score_a is None),
            "win_rate_a": None,
            "ci_low": None,
            "ci_high": None,
            "within_noise": None,
        }
        if mine:
            rate = win_rate([v.score_a for _, v in mine if v.score_a is not None], [p for p, _ in mine])
            line.update(
                win_rate_a=round(rate.rate, 4),
                ci_low=round(rate.ci_low, 4),
                ci_high=round(rate.ci_high, 4),
                within_noise=rate.within_noise,
            )
        out.append(line)
    return out


def _ratings(stored: StoredEvaluation, judged: list[tuple[str, PairVerdict]]) -> tuple[list[dict], dict | None]:
    """Bradley–Terry ratings from the verdicts, raw and style-controlled (answer length and markdown as covariates,
    as the arena fits votes), resampling prompts (a prompt's verdicts go together); and the style coefficients."""
    names = {1.0: "model_a", 0.0: "model_b", 0.5: "tie"}

    def style(prompt_id: str, column: str):
        answer = stored.answers.get((prompt_id, column))
        return style_features(answer.text if answer is not None else "")

    games = [
        Game(v.a, v.b, names[v.score_a], group=p, style_a=style(p, v.a), style_b=style(p, v.b))
        for p, v in judged
        if v.score_a is not None
    ]
    if not games:
        return [], None
    board = leaderboard(games, style_control=True)
    keep = ("model", "rating", "ci_low", "ci_high", "style_rating", "style_ci_low", "style_ci_high")
    rows = [{k: v for k, v in r.to_json().items() if k in keep} for r in board.rows]
    return rows, {name: c.to_json() for name, c in (board.style or {}).items()}


def _columns(stored: StoredEvaluation, judged: list[tuple[str, PairVerdict]]) -> list[dict]:
    out = []
    for column in stored.spec.columns:
        results = [r for (_, c), r in stored.answers.items() if c == column.id]
        ok = [r for r in results if r.ok]
        costs = [r.cost_usd for r in ok]
        cost = None if not ok or any(c is None for c in costs) else sum(c for c in costs if c is not None)
        wins = sum(
            1.0 if v.winner == column.id else 0.5 if v.winner == "tie" else 0.0
            for _, v in judged
            if column.id in (v.a, v.b) and v.winner is not None
        )
        line: dict = {"model": column.id, "answers": len(ok), "failed": len(results) - len(ok)}
        line.update({key: spread(getattr(r, key) for r in ok) for key in SPEED})
        line.update(
            cost_usd=cost,
            wins=wins,
            cost_per_win=(cost / wins) if cost is not None and wins else None,
            judge_is_this_model=column.model == stored.spec.judge,
        )
        out.append(line)
    return out
