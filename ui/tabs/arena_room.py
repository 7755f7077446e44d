"""The room panel of the Arena tab: the teacher starts a room, students open `?room=CODE` on their phones and vote
with one tap, the projector (`?room=CODE&present=1`) shows the count, then the reveal with a bar of the tallies.

Each page polls the room's state from the database every POLL_S seconds, so a room works across replicas. The voter
token and the teacher's tokens live in the browser's localStorage (as History's owner token does), never in the
address: a teacher's browser that started a room gets the Reveal and Next battle buttons back after a reload."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import gradio as gr

from arena.records import ArenaError
from arena.rooms import RoomGone
from compare.validate import InputError
from store import new_owner_token, valid_owner_token
from ui.api.rooms import next_room_battle, room_link, rooms_for, start_room
from ui.context import PageContext
from ui.render import WARNING_MARK, escape_md, mark
from ui.tabs.room_view import answer, count_line, join_line, prompt_line, tally_bar

POLL_S = 2.0
KEPT_ROOMS = 5  # teacher tokens a browser keeps (its newest rooms)
HIDDEN = dict(show_progress="hidden", api_visibility="private")
REFUSED = (ArenaError, InputError)
VOTES = (("a", "A is better"), ("b", "B is better"), ("tie", "Tie"), ("both_bad", "Both are bad"))
STUDENT, TEACHER, PROJECTOR = "student", "teacher", "projector"
# BrowserState encrypts with a key it sends to the page anyway; a fixed key and name keep the values across restarts.
VOTER_STORAGE_KEY, VOTER_STORAGE_SECRET = "llm-compare-voter", "llm-compare-voter-v1"
ROOMS_STORAGE_KEY, ROOMS_STORAGE_SECRET = "llm-compare-rooms", "llm-compare-rooms-v1"
# A page opened from a room link shows the room alone: the page's script marks the body (ui/web/static/arena.css).
ROOM_JS = "() => { if (new URLSearchParams(location.search).get('room')) document.body.classList.add('arena-room'); }"


@dataclass
class RoomPanel:
    """The room panel's components and the per-browser values its events read."""

    box: gr.Column
    head: gr.Markdown
    prompt: gr.Markdown
    answers: list[gr.Markdown]
    count: gr.Markdown
    bar: gr.HTML
    note: gr.Markdown
    vote_row: gr.Row
    vote_buttons: list[gr.Button]
    teacher_row: gr.Row
    next_prompt: gr.Textbox
    next_button: gr.Button
    reveal_button: gr.Button
    code: gr.State
    role: gr.State
    shown: gr.State  # what each part of the panel shows now, so a poll sends only what changed
    timer: gr.Timer
    voter: gr.BrowserState
    teacher_tokens: gr.BrowserState

    @property
    def parts(self) -> list:
        """The outputs a render may change."""
        return [self.head, self.prompt, *self.answers, self.count, self.bar, *self.vote_buttons, self.shown]


def browser_values() -> tuple[gr.BrowserState, gr.BrowserState]:
    """The browser's own random voter token (one vote per battle in a room; the export's side-picking flag) and the
    teacher tokens of the rooms it started. They sit at the page's top level: a tab's components are mounted only
    when the tab is shown, and a room link's load event must read them before the Arena tab is: build them outside
    the tabs."""
    voter = gr.BrowserState("", storage_key=VOTER_STORAGE_KEY, secret=VOTER_STORAGE_SECRET)
    tokens = gr.BrowserState({}, storage_key=ROOMS_STORAGE_KEY, secret=ROOMS_STORAGE_SECRET)
    return voter, tokens


def build_room_panel(voter: gr.BrowserState, teacher_tokens: gr.BrowserState) -> RoomPanel:
    """Lay out the room panel (hidden until the page shows a room), with the values of browser_values()."""
    with gr.Column(visible=False, elem_id="room") as box:
        head = gr.Markdown(elem_id="room-head")
        prompt = gr.Markdown(elem_id="room-prompt")
        # the count and the reveal above the answers: on a projector they are what the room looks at
        count = gr.Markdown(elem_id="room-count")
        bar = gr.HTML(elem_id="room-bar", js_on_load=None, visible=False)
        note = gr.Markdown(elem_id="room-note")
        with gr.Row(elem_id="room-sides"):
            answers = []
            for side in ("A", "B"):
                with gr.Column(min_width=160):
                    gr.Markdown(f"### {side}", elem_classes=["room-side"])
                    answers.append(gr.Markdown(elem_id=f"room-{side.lower()}", elem_classes=["reply"], container=True))
        with gr.Row(elem_id="room-votes", visible=False) as vote_row:
            buttons = [
                gr.Button(label, min_width=150, elem_id=f"room-vote-{key}", elem_classes=["room-vote"])
                for key, label in VOTES
            ]
        with gr.Row(elem_id="room-teacher", visible=False, equal_height=True) as teacher_row:
            next_prompt = gr.Textbox(label="Next prompt", lines=1, scale=3, elem_id="room-next-prompt")
            next_button = gr.Button("Next battle", scale=1, elem_id="room-next")
            reveal_button = gr.Button("Reveal", variant="primary", scale=1, elem_id="room-reveal")
    return RoomPanel(
        box,
        head,
        prompt,
        answers,
        count,
        bar,
        note,
        vote_row,
        buttons,
        teacher_row,
        next_prompt,
        next_button,
        reveal_button,
        gr.State(""),
        gr.State(STUDENT),
        gr.State({}),
        gr.Timer(POLL_S, active=False),
        voter,
        teacher_tokens,
    )


def render(panel: RoomPanel, state: dict, link: str, role: str, shown: dict) -> dict:
    """The panel's parts for a room state, only those that differ from `shown` (plus the new `shown`)."""
    voting = role == STUDENT and not state["revealed"] and not state.get("voted")
    values = {
        "head": join_line(state["room"], link),
        "prompt": prompt_line(state),
        "a": answer(state["a"]),
        "b": answer(state["b"]),
        "count": count_line(state, role == STUDENT),
        "bar": tally_bar(state),
        "voting": voting,
        "battle_id": state["battle_id"],
    }
    components = {"head": panel.head, "prompt": panel.prompt, "count": panel.count, "bar": panel.bar}
    components.update(zip(("a", "b"), panel.answers))
    out: dict = {panel.shown: values}
    for name, component in components.items():
        if values[name] != shown.get(name):
            out[component] = values[name]
    if values["bar"] != shown.get("bar"):  # hidden while empty: no gap above the answers before the reveal
        out[panel.bar] = gr.HTML(values["bar"], visible=bool(values["bar"]))
    if voting != shown.get("voting"):
        out.update({b: gr.Button(interactive=voting) for b in panel.vote_buttons})
    return out


def teacher_token(tokens: object, code: str) -> str:
    """The teacher token this browser keeps for a room ("" when it did not start it)."""
    return str(tokens.get(code) or "") if isinstance(tokens, dict) else ""


def failure(panel: RoomPanel, exc: Exception) -> dict:
    """A refused room action, said in the panel's note."""
    return {panel.note: f"{WARNING_MARK} {escape_md(str(exc))}"}


def wire_room_panel(ctx: PageContext, panel: RoomPanel, start: gr.Button, prompt, pool, hide: list, tabs) -> None:
    """Wire the panel: the room link on load, Start a room, polling, votes, Reveal and Next battle."""
    rooms = rooms_for(ctx)
    parts = panel.parts
    shape = [panel.box, panel.vote_row, panel.teacher_row, panel.timer, panel.note, panel.code, panel.role]
    quick = dict(concurrency_limit=16, concurrency_id="arena-room", **HIDDEN)

    def showing(code: str, role: str) -> dict:
        """The panel shown for a room and a role, polling on."""
        return {
            panel.box: gr.Column(visible=True),
            panel.vote_row: gr.Row(visible=role == STUDENT),
            panel.teacher_row: gr.Row(visible=role == TEACHER),
            panel.timer: gr.Timer(active=True),
            panel.code: code,
            panel.role: role,
        }

    def on_load(request: gr.Request, voter, tokens):
        voter = voter if valid_owner_token(voter) else new_owner_token()
        params = dict(request.query_params) if request is not None else {}
        code = str(params.get("room") or "").strip().upper()
        if not code:
            return {panel.voter: voter}
        out = {panel.voter: voter, tabs: gr.Tabs(selected="arena"), **{c: gr.Column(visible=False) for c in hide}}
        try:
            state = rooms.state(code, voter)
        except REFUSED as exc:
            return {**out, panel.box: gr.Column(visible=True), **failure(panel, exc)}
        role = (
            TEACHER if teacher_token(tokens, state["room"]) else PROJECTOR if params.get("present") == "1" else STUDENT
        )
        return {**out, **showing(state["room"], role), **render(panel, state, room_link(request, code), role, {})}

    root = gr.context.Context.root_block
    root.load(on_load, [panel.voter, panel.teacher_tokens], [panel.voter, tabs, *hide, *shape, *parts], **HIDDEN)
    root.load(None, None, None, js=ROOM_JS)

    async def on_start(request: gr.Request, text, chosen, tokens):
        yield {panel.box: gr.Column(visible=True), panel.note: f"{mark('waiting')} **Generating both answers…**"}
        try:
            started = await start_room(ctx, chosen, text, request)
        except REFUSED as exc:
            yield failure(panel, exc)
            return
        kept = dict(list((tokens if isinstance(tokens, dict) else {}).items())[-(KEPT_ROOMS - 1) :])
        kept[started["room"]] = started["teacher_token"]
        state = await asyncio.to_thread(rooms.state, started["room"])  # a database read: off the loop
        projector = started["link"] + "&present=1"
        note = f"Room ready. Projector view: [{escape_md(projector)}]({projector}) · Reveal when the class has voted."
        yield {
            **showing(started["room"], TEACHER),
            panel.teacher_tokens: kept,
            panel.note: note,
            **render(panel, state, started["link"], TEACHER, {}),
        }

    start.click(
        on_start,
        [prompt, pool, panel.teacher_tokens],
        [*shape, panel.teacher_tokens, *parts],
        concurrency_limit=ctx.options.concurrency,
        concurrency_id="compare",
        **HIDDEN,
    )

    def refresh(request: gr.Request, code, role, voter, shown, note=None) -> dict:
        state = rooms.state(code, voter)
        out = render(panel, state, room_link(request, code), role, shown if isinstance(shown, dict) else {})
        return out if note is None else {**out, panel.note: note}

    def on_tick(request: gr.Request, code, role, voter, shown):
        if not code:
            return {panel.timer: gr.Timer(active=False)}
        try:
            return refresh(request, code, role, voter, shown)
        except REFUSED as exc:  # expired (or the database is down): say so; a room that is gone stops polling
            return {**failure(panel, exc), panel.timer: gr.Timer(active=not isinstance(exc, RoomGone))}

    panel.timer.tick(
        on_tick, [panel.code, panel.role, panel.voter, panel.shown], [*parts, panel.note, panel.timer], **quick
    )

    def make_vote(choice: str):
        def on_vote(request: gr.Request, code, role, voter, shown):
            try:
                seen = (shown or {}).get("battle_id", "") if isinstance(shown, dict) else ""
                outcome = rooms.vote(code, voter, choice, seen)
                note = "" if outcome["counted"] else f"{WARNING_MARK} {escape_md(outcome['reason'])}"
                return refresh(request, code, role, voter, shown, note)
            except REFUSED as exc:
                return failure(panel, exc)

        return on_vote

    for (choice, _), button in zip(VOTES, panel.vote_buttons):
        button.click(
            make_vote(choice), [panel.code, panel.role, panel.voter, panel.shown], [*parts, panel.note], **quick
        )

    def on_reveal(request: gr.Request, code, role, tokens, shown):
        try:
            rooms.reveal(code, teacher_token(tokens, code))
            return refresh(request, code, role, "", shown, "")
        except REFUSED as exc:
            return failure(panel, exc)

    panel.reveal_button.click(
        on_reveal, [panel.code, panel.role, panel.teacher_tokens, panel.shown], [*parts, panel.note], **quick
    )

    async def on_next(request: gr.Request, code, role, tokens, text, shown):
        yield {panel.note: f"{mark('waiting')} **Generating both answers for the next battle…**"}
        try:
            await next_room_battle(ctx, code, teacher_token(tokens, code), text, request)
            yield await asyncio.to_thread(refresh, request, code, role, "", shown, "")
        except REFUSED as exc:
            yield failure(panel, exc)

    gr.on(
        [panel.next_button.click, panel.next_prompt.submit],
        on_next,
        [panel.code, panel.role, panel.teacher_tokens, panel.next_prompt, panel.shown],
        [*parts, panel.note],
        concurrency_limit=ctx.options.concurrency,
        concurrency_id="compare",
        **HIDDEN,
    )
