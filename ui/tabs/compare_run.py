"""The Compare tab's run: the page's values as one run request, its events streamed into the columns (coalesced),
then the record and each column's conversation; Stop cancels it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compare import Comparison, RunRequest, build_request
from compare.record import RunRecord, now_iso
from compare.repeat_report import text_summary, text_verdict
from compare.validate import InputError
from providers.base import Message
from providers.events import Phase
from ui.context import ActiveRun, PageContext
from ui.render import WARNING_MARK, escape_md, status_line
from ui.tabs.column_settings import unpack_columns
from ui.tabs.column_view import ColumnView, empty_history, frame
from ui.tabs.compare_view import CompareUpdate
from ui.web.abandon import cancelled_if_abandoned
from ui.web.queued_stop import NOT_STARTED

RUN_FIELDS = ("prompt", "system", "temperature", "max_tokens", "top_p", "seed", "reasoning", "repeat", "n_columns")
FRAMES_PER_S = 100  # what one app process sends comfortably across all streaming runs (Gradio sustains ~150-230/s)


def page_request(ctx: PageContext, page: Mapping[str, Any], visitor: str) -> RunRequest:
    """The page's values (named as on CompareView) as a checked run request; raises InputError.

    A column whose model cannot run still runs and says why in its own column (a setup link may name anything)."""
    history = page.get("history") or empty_history()
    models, personas, temps, reasonings = unpack_columns(page.get("column_settings"))
    columns = [
        {"model": m, "persona": p, "temperature": t, "reasoning": r, "history": history[slot]}
        for slot, (m, p, t, r) in enumerate(zip(models, personas, temps, reasonings))
    ]
    raw = {**{name: page.get(name) for name in RUN_FIELDS}, "columns": columns, "visitor": visitor}
    return build_request(raw, ctx.registry, ctx.request_check(available_only=False))


async def run_stream(
    ctx: PageContext, session: str, page: Mapping[str, Any], visitor: str | None = None, clicked_at: float | None = None
):
    """Stream a comparison into the columns: first tokens at once, then at most one update per coalescing interval.

    `session` (the page) finds the run for Stop; `visitor` (the address, default: the session) keys the demo limits
    and the embedded model's turns. With repeat K above 1 each column runs K times, one run after another, while the
    columns run together; Stop ends every run left."""
    history = page.get("history") or empty_history()
    visitor = visitor or session
    if ctx.stops.cancels(session, "compare", clicked_at):
        yield _banner_only(NOT_STARTED, history)
        return
    try:
        request = page_request(ctx, page, visitor)
        if ctx.options.demo_caps and (limited := ctx.limiter.check(visitor, request.upstream_requests)):
            raise InputError(limited)
    except InputError as exc:
        yield _banner_only(f"{WARNING_MARK} {exc}", history)
        return
    views = {
        c.slot: ColumnView(
            c.model, list(c.history), request.prompt, meta=status_line(Phase.WAITING), runs=request.repeat
        )
        for c in request.columns
    }
    comparison = Comparison(ctx.registry, request.engine_columns(), ctx.counter, request.repeat)
    active = ActiveRun(comparison, request, now_iso(), history)
    async for update in stream_views(ctx, session, active, views, history):
        yield update
    record, history = finish_run(active)
    banner = "Stopped." if active.stopped else ""
    if record.repeats is not None:  # the record's results and the conversation continue from run 1: show it
        banner = repeats_banner(record) + (f"\n\n{banner}" if banner else "")
        for slot, view in views.items():
            index = record.column_index(slot + 1)
            if index is not None:
                view.run = 1
                view.show(record.results[index])
    yield frame(views, banner, history, record)


async def stream_views(ctx: PageContext, session: str, active: ActiveRun, views: dict[int, ColumnView], history):
    """Run `active`'s comparison (Stop can find it meanwhile), folding its events into the column views; one frame
    per coalesced batch."""
    comparison = active.comparison
    ctx.active[session] = active
    try:
        async with cancelled_if_abandoned(comparison.cancel):
            interval = lambda: adaptive_interval(ctx.options.coalesce_s, views, len(ctx.active))  # noqa: E731
            async for batch in comparison.batches(interval):
                for key, run, event in batch:
                    views[int(key)].take(run, event, comparison.live_ttft(key))
                yield frame(views, "", history, None)
    finally:
        if ctx.active.get(session) is active:
            del ctx.active[session]


def adaptive_interval(base: float, views: dict[int, ColumnView], running: int = 1) -> float:
    """Longer replies cost the browser more to re-render, so update them less often (base + 2 ms per KB, ≤ 0.25 s);
    with many runs streaming at once, each updates less often so that together they stay within FRAMES_PER_S."""
    shown = sum(len(part) for view in views.values() for part in view.parts)
    return max(min(0.25, base + 0.002 * shown / 1024), running / FRAMES_PER_S)


def _banner_only(message: str, history) -> CompareUpdate:
    return CompareUpdate(banner=message, history=history, record=None)


def finish_run(active: ActiveRun) -> tuple[RunRecord, list]:
    """The run record, and each column's conversation extended with this turn where its first run succeeded."""
    request = active.request
    record = request.record(active.comparison.runs, active.started_at)
    history = [list(turns) for turns in active.history]
    for column in request.columns:
        first = active.comparison.results.get(str(column.slot))
        if first is not None and first.ok:
            history[column.slot] += [Message("user", request.prompt), Message("assistant", first.text)]
    return record, history


def repeats_banner(record: RunRecord) -> str:
    """Markdown: per column "median (p10–p90)", then each pair's verdict with its p value."""
    repeats = record.repeats
    assert repeats is not None
    lines = [
        f"**{repeats.runs_per_column} runs per column** — median (p10–p90); the columns show run 1, "
        "the switcher above them shows the others:"
    ]
    lines += [f"- {escape_md(text_summary(s))}" for s in repeats.summaries]
    lines += [f"- {escape_md(text_verdict(v))}" for v in repeats.comparisons]
    return "\n".join(lines)


async def stop_run(ctx: PageContext, session: str, stamp=None) -> str:
    """Cancel this session's run, closing upstream streams (its own stream then shows the partial results), and any
    run of the session still waiting in the queue (clicked before `stamp`)."""
    ctx.stops.note(session, "compare", stamp)
    active = ctx.active.get(session)
    if active is None:
        return ""
    active.stopped = True
    await active.comparison.cancel()
    return "Stopped."
