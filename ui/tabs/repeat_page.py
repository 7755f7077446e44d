"""The page's runs per column: the run switcher's choices, and every column showing one chosen run."""

from __future__ import annotations

from compare.record import RunRecord
from ui.names import N_SLOTS
from ui.tabs.column_view import ColumnView
from ui.tabs.compare_view import CompareUpdate

RUN_LABEL = "Run {k}"


def run_choices(record: RunRecord | None) -> list[str]:
    """The switcher's choices, "Run 1" … "Run k" for the runs that happened; none for a single run."""
    if record is None or record.repeats is None:
        return []
    done = max((len(runs) for runs in record.repeats.runs), default=0)
    return [RUN_LABEL.format(k=k) for k in range(1, done + 1)]


def run_number(choice) -> int | None:
    """ "Run 3" -> 3; anything else None."""
    text = str(choice or "")
    head, _, number = text.partition(" ")
    return int(number) if head == "Run" and number.isdigit() else None


def run_views(record: RunRecord | None, history, choice) -> CompareUpdate | None:
    """Replies and status lines of run `choice` in each column of a finished repeat run (None: nothing to switch).

    The conversation state already holds run 1's reply (the record's results); it is left out of the earlier turns.
    """
    k = run_number(choice)
    if record is None or record.repeats is None or k is None or not history:
        return None
    replies, metas = [""] * N_SLOTS, [""] * N_SLOTS
    for column, first, runs in zip(record.columns, record.results, record.repeats.runs):
        slot = column.slot - 1
        earlier = list(history[slot])
        if first.ok:
            earlier = earlier[:-2]
        view = ColumnView(column.model, earlier, record.prompt, run=k, runs=len(runs))
        if k <= len(runs):
            view.show(runs[k - 1])
        else:
            view.meta = f"run {k} did not happen in this column (stopped)"
        replies[slot], metas[slot] = view.reply_markdown(), view.meta
    return CompareUpdate(replies=replies, metas=metas)
