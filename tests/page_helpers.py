"""The Compare page's run inputs by name, as the Run button hands them to run_stream (ui/tabs/compare_run.py)."""

from __future__ import annotations

from ui.tabs.column_view import empty_history


def page_values(**changes) -> dict:
    """A one-column run of "Hi" with the page's defaults, changed by `changes`."""
    page = dict(
        prompt="Hi",
        system="",
        temperature=0.7,
        max_tokens=16,
        top_p=1.0,
        seed=None,
        reasoning="default",
        n_columns=1,
        history=empty_history(),
    )
    page.update(changes)
    return page
