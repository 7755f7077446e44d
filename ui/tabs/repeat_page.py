"""The page's runs per column: what a finished repeat run keeps, its banner, and the run switcher's view of it."""

from __future__ import annotations

from compare.metrics import Result
from compare.record import column_labels, result_of
from compare.repeat_block import repeat_block
from compare.repeat_report import text_summary, text_verdict
from ui.context import N_SLOTS
from ui.render import escape_md
from ui.tabs.compare_view import CompareUpdate

RUN_LABEL = "Run {k}"


def page_repeats(slots: list[int], columns: list[dict], rounds: list[dict[str, Result]], repeat: int) -> dict:
    """Every run of every column (round by round), the summaries and the verdicts, keyed as the record's columns."""
    keys = [str(s) for s in slots][: len(columns)]
    labels = dict(zip(keys, column_labels(columns)))
    return repeat_block(labels, {key: [r[key] for r in rounds if key in r] for key in keys}, repeat)


def repeats_banner(repeats: dict) -> str:
    """Markdown: per column "median (p10–p90)", then each pair's verdict with its p value."""
    lines = [
        f"**{repeats['runs_per_column']} runs per column** — median (p10–p90); the columns show run 1, "
        "the switcher above them shows the others:"
    ]
    lines += [f"- {escape_md(text_summary(s))}" for s in repeats["summaries"]]
    lines += [f"- {escape_md(text_verdict(v))}" for v in repeats["comparisons"]]
    return "\n".join(lines)


def run_choices(record: dict | None) -> list[str]:
    """The switcher's choices, "Run 1" … "Run k" for the rounds that ran; none for a single run."""
    repeats = (record or {}).get("repeats")
    if not repeats:
        return []
    done = max((len(runs) for runs in repeats["runs"]), default=0)
    return [RUN_LABEL.format(k=k) for k in range(1, done + 1)]


def run_number(choice) -> int | None:
    """ "Run 3" -> 3; anything else None."""
    text = str(choice or "")
    head, _, number = text.partition(" ")
    return int(number) if head == "Run" and number.isdigit() else None


def run_views(record: dict | None, history, choice) -> CompareUpdate | None:
    """Replies and status lines of run `choice` in each column of a finished repeat run (None: nothing to switch).

    The conversation state already holds run 1's reply (the record's results); it is left out of the earlier turns.
    """
    from ui.tabs.compare_run import ColumnView

    k = run_number(choice)
    repeats = (record or {}).get("repeats")
    if not repeats or k is None or not history:
        return None
    replies, metas = [""] * N_SLOTS, [""] * N_SLOTS
    for column, first, runs in zip(record["columns"], record["results"], repeats["runs"]):
        slot = column["slot"] - 1
        earlier = list(history[slot])
        if not first.get("error") and not first.get("stopped"):
            earlier = earlier[:-2]
        view = ColumnView(column["model"], earlier, record["prompt"])
        if k <= len(runs):
            view.show(result_of(runs[k - 1]))
            view.meta = f"run {k} of {len(runs)} · {view.meta}"
        else:
            view.meta = f"run {k} did not happen in this column (stopped)"
        replies[slot], metas[slot] = view.reply_markdown(), view.meta
    return CompareUpdate(replies=replies, metas=metas)
