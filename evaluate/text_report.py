"""An evaluation as text: the command line's summary, the Markdown report, and the JSON lines export."""

from __future__ import annotations

import json

from compare.repeats import median_range
from compare.report import fmt_cost

from .repository import StoredEvaluation
from .summary import answer_line, judgement_lines, summarize, verdicts

WITHIN_NOISE = "within noise"


def pair_sentence(p: dict) -> str:
    """ "A vs B: 12–5–3 (W–L–T), A wins 67% (95% interval 52%–80%)" or why there is no rate."""
    head = f"{p['a']} vs {p['b']}: {p['wins_a']}–{p['wins_b']}–{p['ties']} (wins–losses–ties)"
    if p["win_rate_a"] is None:
        return head + ", nothing judged"
    noise = f", {WITHIN_NOISE}" if p["within_noise"] else ""
    extra = f", {p['unparseable']} unparseable" if p["unparseable"] else ""
    return head + (
        f", {p['a']} wins {p['win_rate_a']:.0%} (95% interval {p['ci_low']:.0%}–{p['ci_high']:.0%}){noise}{extra}"
    )


def judge_sentence(judge: dict) -> str:
    """The judge's consistency in one sentence."""
    if not judge["model"]:
        return "No judge: answers only."
    if judge["consistency"] is None:
        if judge["unparseable"]:
            return (
                f"Judge {judge['model']}: no verdict could be read ({judge['unparseable']} unparseable: no [[A]], "
                "[[B]] or [[C]] in the judge's text; a small model often cannot judge, so pick a larger one)."
            )
        return f"Judge {judge['model']}: no pair judged in both orders yet."
    fav = judge["favoured_when_inconsistent"]
    lean = (
        f"; when it changed its mind it favoured position A {fav['A']}×, B {fav['B']}×" if fav["A"] or fav["B"] else ""
    )
    own = (
        f" It is also a contestant ({', '.join(judge['is_contestant'])}): read its own results warily."
        if judge["is_contestant"]
        else ""
    )
    return (
        f"Judge {judge['model']}: {judge['consistency']:.0%} of {judge['judged']} pairs kept their verdict when "
        f"the answers swapped places (disagreements count as ties){lean}; {judge['unparseable']} unparseable.{own}"
    )


def column_rows(summary: dict) -> list[list[str]]:
    """Per column: rating, median (p10–p90) first token, total, tokens/s, output tokens, cost, cost per win."""
    ratings = {r["model"]: r for r in summary["ratings"]}
    rows = []
    for c in summary["columns"]:
        r = ratings.get(c["model"])
        rating = f"{r['rating']:.0f} ({r['ci_low']:.0f}–{r['ci_high']:.0f})" if r else "—"
        styled = (
            f"{r['style_rating']:.0f} ({r['style_ci_low']:.0f}–{r['style_ci_high']:.0f})"
            if r and r.get("style_rating") is not None
            else "—"
        )
        name = c["model"] + (" (also the judge)" if c["judge_is_this_model"] else "")
        rows.append(
            [
                name,
                rating,
                styled,
                median_range(c["ttft_s"]),
                median_range(c["total_s"]),
                median_range(c["tokens_per_s"], 1),
                median_range(c["output_tokens"], 0),
                fmt_cost(c["cost_usd"]),
                fmt_cost(c["cost_per_win"]) if c["cost_per_win"] is not None else "—",
            ]
        )
    return rows


COLUMN_HEADERS = [
    "column",
    "rating (95%)",
    "style-controlled (95%)",
    "first token (s)",
    "total (s)",
    "tokens/s",
    "output tokens",
    "cost",
    "cost per win",
]


def style_sentence(style: dict) -> str:
    """What the style coefficients say about this judge, in one sentence, with their values."""
    values = "; ".join(
        f"{name} {c['coef']:+.2f} ({c['ci_low']:+.2f} to {c['ci_high']:+.2f})"
        if c["coef"] is not None
        else f"{name}: no variation"
        for name, c in style.items()
    )
    return (
        "Style-controlled ratings refit the verdicts with how much longer and richer in markdown one answer was than "
        "the other; a positive coefficient means the judge favoured the longer or more formatted answer whatever "
        f"the column (log-odds per standard deviation, 95% interval): {values}."
    )


def summary_text(summary: dict) -> str:
    """The command line's closing summary."""
    lines = [judge_sentence(summary["judge"]), ""]
    lines += [pair_sentence(p) for p in summary["pairs"]]
    rows = [COLUMN_HEADERS] + column_rows(summary)
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMN_HEADERS))]
    lines += [""] + ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.append(
        "Figures are median (p10–p90) over each column's answers; ratings are Bradley–Terry on the judge's "
        "verdicts, intervals from resampling prompts."
    )
    if summary.get("style"):
        lines.append(style_sentence(summary["style"]))
    return "\n".join(lines)


def markdown_report(stored: StoredEvaluation, escape=lambda text: text, summary: dict | None = None) -> str:
    """The whole evaluation as Markdown: settings, judge, pairs, columns, categories, then every prompt's answers
    (`summary`: summarize(stored), when the caller has it already)."""
    spec, summary = stored.spec, summary or summarize(stored)
    lines = [
        f"# Evaluation {stored.id}",
        "",
        f"Prompt set **{escape(spec.prompts.name)}**: {len(spec.prompts.rows)} prompts × {len(spec.columns)} columns.",
        "",
        escape(judge_sentence(summary["judge"])),
        "",
        "## Pairs",
        "",
    ]
    lines += [f"- {escape(pair_sentence(p))}" for p in summary["pairs"]]
    lines += ["", "## Columns", "", "| " + " | ".join(COLUMN_HEADERS) + " |", "|" + "---|" * len(COLUMN_HEADERS)]
    lines += ["| " + " | ".join(escape(cell) for cell in row) + " |" for row in column_rows(summary)]
    if summary.get("style"):
        lines += ["", escape(style_sentence(summary["style"]))]
    for name, part in summary.get("categories", {}).items():
        lines += ["", f"### Category: {escape(name)}", ""] + [f"- {escape(pair_sentence(p))}" for p in part["pairs"]]
    judged = {(p, v.a, v.b): v for p, v in verdicts(spec, stored.judgements.values())}
    lines += ["", "## Prompts", ""]
    for row in spec.prompts.rows:
        lines += [
            f"### {escape(row.id)}" + (f" · {escape(row.category)}" if row.category else ""),
            "",
            escape(row.prompt),
            "",
        ]
        for column in spec.columns:
            result = stored.answers.get((row.id, column.id))
            text = "*(not answered)*" if result is None else result.error or result.text or "*(empty)*"
            lines += [f"**{escape(column.id)}:** {escape(text)}", ""]
        for a, b in spec.pairs:
            v = judged.get((row.id, a, b))
            if v is not None:
                lines.append(
                    f"- {escape(a)} vs {escape(b)}: {v.first} / {v.swapped} (swapped) → {escape(str(v.winner))}"
                )
        lines.append("")
    return "\n".join(lines)


def jsonl_export(stored: StoredEvaluation) -> str:
    """Every answer and every judge call (with its full explanation), one JSON object a line."""
    out = [json.dumps({"evaluation_id": stored.id, "spec": stored.spec.to_json()}, ensure_ascii=False)]
    for (prompt_id, column), result in stored.answers.items():
        out.append(json.dumps({"answer": True, **answer_line(prompt_id, column, result)}, ensure_ascii=False))
    for j in stored.judgements.values():
        out.append(
            json.dumps(
                {
                    "judge_call": True,
                    "prompt_id": j.prompt_id,
                    "a": j.a,
                    "b": j.b,
                    "swapped": j.swapped,
                    "verdict": j.verdict,
                    "explanation": j.result.text,
                    "error": j.result.error,
                },
                ensure_ascii=False,
            )
        )
    out += [json.dumps(line, ensure_ascii=False) for line in judgement_lines(stored.spec, stored.judgements.values())]
    return "\n".join(out) + "\n"
