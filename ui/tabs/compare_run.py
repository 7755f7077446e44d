"""Page event handlers: run (streaming, coalesced), stop, clear and context gauges."""

from __future__ import annotations

from dataclasses import dataclass, field

from compare import Column, Comparison, Delta, Finished, StateChange, make_messages
from compare.metrics import Result
from compare.record import RunRecord, now_iso
from compare.repeats import check_repeat
from compare.validate import InputError, as_number, check_params, check_prompt, check_reasoning
from providers.base import Message, Phase, Sampling
from ui.context import N_SLOTS, SHARED_REASONING, SHARED_SYSTEM, SHARED_TEMPERATURE, ActiveRun, ColumnSpec, PageContext
from ui.render import (
    WARNING_MARK,
    context_gauge,
    escape_md,
    result_line,
    status_line,
    thinking_block,
    thinking_head,
    untrusted_markdown,
)
from ui.tabs.compare_view import CompareUpdate
from ui.tabs.repeat_page import page_repeats, repeats_banner
from ui.web.abandon import cancelled_if_abandoned
from ui.web.queued_stop import NOT_STARTED


@dataclass
class ColumnView:
    """What one column shows while its stream runs."""

    model_id: str
    earlier: list[Message]
    prompt: str
    parts: list[str] = field(default_factory=list)
    thinking: list[str] = field(default_factory=list)
    thinking_head: str = "Thinking…"
    meta: str = ""

    def show(self, result: Result) -> None:
        """Show a column's final result: its answer, folded thinking and stats line."""
        self.parts, self.thinking = [result.text], [result.reasoning]
        self.thinking_head = thinking_head(result)
        self.meta = result_line(result)

    def reply_markdown(self) -> str:
        """The column's conversation, earlier turns first, as sanitised Markdown (thinking folded above the reply)."""
        reply = transcript(self.earlier, self.prompt, "".join(self.parts))
        return thinking_block(self.thinking_head, "".join(self.thinking)) + reply


def transcript(earlier: list[Message], prompt: str, reply: str) -> str:
    """A column's visible conversation; a single turn shows just the reply."""
    if not earlier:
        return untrusted_markdown(reply)
    turns = [f"**{'You' if m.role == 'user' else 'Model'}:** {m.content}" for m in earlier]
    turns += [f"**You:** {prompt}", f"**Model:** {reply}"]
    return untrusted_markdown("\n\n".join(turns))


def empty_history() -> list[list[Message]]:
    """One empty conversation per column slot."""
    return [[] for _ in range(N_SLOTS)]


def parse_inputs(
    ctx: PageContext,
    prompt,
    system,
    temperature,
    max_tokens,
    top_p,
    seed,
    n_columns,
    models,
    choices,
    temps=None,
    reasoning=None,
    column_reasoning=None,
):
    """Validate page input; returns (the shared settings, a ColumnSpec per column) or raises InputError."""
    opts = ctx.options
    check_prompt(prompt, opts.prompt_cap)
    check_params(temperature, max_tokens, top_p, seed, opts.tokens_cap)
    temperature, top_p = as_number("Temperature", temperature), as_number("top_p", top_p)
    # check_params accepted them, so each is blank or a whole number
    max_tokens, seed = [None if v in (None, "") else int(float(v)) for v in (max_tokens, seed)]
    if opts.tokens_cap and max_tokens is None:
        max_tokens = opts.tokens_cap
    n = as_number("Columns", n_columns) or 0
    if n != int(n) or not 1 <= n <= opts.models_cap:
        raise InputError(f"Choose between 1 and {opts.models_cap} columns.")
    n = int(n)
    shared_level = check_reasoning(reasoning)
    specs = []
    for slot in range(n):
        model = (models[slot] or "").strip()
        if not model:
            raise InputError(f"Column {slot + 1} has no model: pick one (local:smollm2 needs no key).")
        own = str((temps or [None] * N_SLOTS)[slot] or "").strip()
        try:
            slot_temperature = temperature if own in ("", SHARED_TEMPERATURE) else float(own)
        except ValueError:
            raise InputError(f"Column {slot + 1}: temperature {own!r} is not a number.") from None
        check_params(slot_temperature)
        own_level = str((column_reasoning or [None] * N_SLOTS)[slot] or "").strip()
        level = (
            shared_level
            if own_level in ("", SHARED_REASONING)
            else check_reasoning(own_level, f"Column {slot + 1}: reasoning")
        )
        sampling = Sampling(slot_temperature, top_p, max_tokens, seed, level)
        specs.append(
            ColumnSpec(slot, model, ctx.system_for(choices[slot], system), sampling, persona_name(choices[slot]))
        )
    params = {
        "temperature": temperature,
        "max_tokens": max_tokens,
        "top_p": top_p,
        "seed": seed,
        "reasoning": shared_level,
    }
    return params, specs


def frame(views: dict[int, ColumnView], banner: str, history, record) -> CompareUpdate:
    """One full update of a streaming run: every column's reply and status line, banner, history, run record."""
    replies = [views[s].reply_markdown() if s in views else "" for s in range(N_SLOTS)]
    metas = [views[s].meta if s in views else "" for s in range(N_SLOTS)]
    return CompareUpdate(replies=replies, metas=metas, banner=banner, history=history, record=record)


async def run_stream(
    ctx: PageContext,
    session: str,
    prompt,
    system,
    temperature,
    max_tokens,
    top_p,
    seed,
    reasoning,
    n_columns,
    history,
    models,
    choices,
    temps=None,
    column_reasoning=None,
    clicked_at=None,
    visitor: str | None = None,
    client_gone=None,
    repeat=1,
):
    """Stream a comparison into the columns: first tokens at once, then at most one update per coalescing interval.

    `session` (the page) finds the run for Stop; `visitor` (the address, default: the session) keys the demo limits
    and the embedded model's turns; `client_gone()` says the page went away, which cancels the run. With `repeat` K
    above 1 the columns run K rounds together (each column's runs one after another); Stop ends every round left."""
    history = history or empty_history()
    visitor = visitor or session
    if ctx.stops.cancels(session, "compare", clicked_at):
        yield _banner_only(NOT_STARTED, history)
        return
    try:
        repeat = check_repeat(1 if repeat in (None, "") else repeat)
        params, specs = parse_inputs(
            ctx,
            prompt,
            system,
            temperature,
            max_tokens,
            top_p,
            seed,
            n_columns,
            models,
            choices,
            temps,
            reasoning,
            column_reasoning,
        )
        if ctx.options.demo_caps and (limited := ctx.limiter.check(visitor)):
            raise InputError(limited)
    except (InputError, ValueError, TypeError) as exc:
        yield _banner_only(f"{WARNING_MARK} {exc}", history)
        return
    views = {s.slot: ColumnView(s.model, list(history[s.slot]), prompt, meta=status_line(Phase.WAITING)) for s in specs}
    columns = [
        Column(str(s.slot), s.model, make_messages(prompt, s.system, history[s.slot]), s.sampling, visitor)
        for s in specs
    ]
    comparison = Comparison(ctx.registry, columns, ctx.counter)
    started = now_iso()
    active = ActiveRun(comparison, specs, prompt, system or "", params, started, history)
    rounds = []
    for k in range(1, repeat + 1):
        if k > 1:
            active.comparison = Comparison(ctx.registry, columns, ctx.counter)
            for view in views.values():
                view.parts, view.thinking, view.meta = [], [], status_line(Phase.WAITING, f"run {k} of {repeat}")
        async for update in stream_views(ctx, session, active, views, history):
            yield update
        rounds.append(active.comparison.results)
        if active.stopped:
            break
    record, history = finish_run(active, rounds[0])
    banner = "Stopped." if active.stopped else ""
    if repeat > 1:  # the record's results and the conversation continue from run 1, so the columns show it too
        record["repeats"] = page_repeats(active.slots, record["columns"], rounds, repeat)
        banner = repeats_banner(record["repeats"]) + (f"\n\n{banner}" if banner else "")
        for slot, view in views.items():
            if str(slot) in rounds[0]:
                view.show(rounds[0][str(slot)])
                view.meta = f"run 1 of {len(rounds)} · {view.meta}"
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
                for key, event in batch:
                    view = views[int(key)]
                    if isinstance(event, Delta):
                        (view.thinking if event.thinking else view.parts).append(event.text)
                    elif isinstance(event, StateChange) and event.phase not in (Phase.DONE, Phase.ERROR):
                        view.meta = status_line(event.phase, event.detail, comparison.live_ttft(key))
                    elif isinstance(event, Finished):
                        view.show(event.result)
                yield frame(views, "", history, None)
    finally:
        if ctx.active.get(session) is active:
            del ctx.active[session]


def persona_name(choice) -> str:
    """A column's system prompt choice as a label: a preset's name, or "shared" for the shared box."""
    choice = str(choice or "").strip()
    return "shared" if choice in ("", SHARED_SYSTEM) else choice


FRAMES_PER_S = 100  # what one app process sends comfortably across all streaming runs (Gradio sustains ~150-230/s)


def adaptive_interval(base: float, views: dict[int, ColumnView], running: int = 1) -> float:
    """Longer replies cost the browser more to re-render, so update them less often (base + 2 ms per KB, ≤ 0.25 s);
    with many runs streaming at once, each updates less often so that together they stay within FRAMES_PER_S."""
    shown = sum(len(part) for view in views.values() for part in view.parts)
    return max(min(0.25, base + 0.002 * shown / 1024), running / FRAMES_PER_S)


def _banner_only(message: str, history) -> CompareUpdate:
    return CompareUpdate(banner=message, history=history, record=None)


def finish_run(active: ActiveRun, results: dict[str, Result]) -> tuple[dict, list]:
    """Build the run record and extend each completed column's conversation."""
    history = [list(turns) for turns in active.history]
    ordered = [results[str(s)] for s in active.slots if str(s) in results]
    for slot, result in zip(active.slots, ordered):
        if not result.error and not result.stopped:
            history[slot] += [Message("user", active.prompt), Message("assistant", result.text)]
    columns = [spec.record(r.model) for spec, r in zip(active.specs, ordered)]
    record = RunRecord(active.prompt, active.system, active.params, columns, ordered, active.started_at)
    return record.to_json(), history


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


def gauges(ctx: PageContext, prompt, system, n_columns, history, models, choices) -> list[str]:
    """Before sending: how much of each column's context window the conversation fills."""
    history = history or empty_history()
    out = []
    for slot in range(N_SLOTS):
        model = (models[slot] or "").strip() if slot < int(n_columns or 0) else ""
        if not model:
            out.append("")
            continue
        try:
            info = ctx.registry.info(model)
            messages = make_messages(prompt or "", ctx.system_for(choices[slot], system), history[slot])
            count = ctx.counter.count_messages(model, messages)
            gauge = context_gauge(count.count, info.context_window, count.exact)
            out.append(f"next request: {gauge}" if history[slot] else gauge)
        except Exception as exc:  # a gauge must never break typing
            out.append(f"<small>{type(exc).__name__}: cannot count tokens for {escape_md(model)}</small>")
    return out
