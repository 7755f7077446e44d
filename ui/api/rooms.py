"""The room endpoints: `room_start`, `room_next`, `room_state`, `room_vote` and `room_reveal` (arena/rooms.py)."""

from __future__ import annotations

import asyncio

import gradio as gr

from arena.rooms import Rooms
from ui.api.arena import REFUSED, arena_for, battle_params, checked_pool, checked_prompt, ready_to_spend, refused
from ui.context import PageContext
from ui.web.abandon import cancel_this_task, cancelled_if_abandoned
from ui.web.snapshots import app_url


def rooms_for(ctx: PageContext) -> Rooms:
    """This page's Rooms, made on first use, over the page's arena and store."""
    rooms = getattr(ctx, "rooms", None)
    if rooms is None:
        from arena.room_repository import SqlRooms

        rooms = ctx.rooms = Rooms(arena_for(ctx), SqlRooms(lambda: ctx.store), ttl_s=ctx.options.room_hours * 3600)
    return rooms


def room_link(request, code: str, present: bool = False) -> str:
    """The address students open (or, with present, the projector's), absolute when the request says where the app
    is."""
    return f"{app_url(request)}/?room={code}" + ("&present=1" if present else "")


async def start_room(ctx: PageContext, pool, prompt, request) -> dict:
    """Check, run the first battle and open the room: {"room", "link", "teacher_token", "battle_id"}."""
    checked = await checked_pool(ctx, prompt, pool, ctx.visitor(request))
    async with cancelled_if_abandoned(cancel_this_task()):  # a caller that went away stops spending
        started = await rooms_for(ctx).start(prompt, checked, ctx.options.coalesce_s, **battle_params(ctx))
    link = room_link(request, started.room)
    return {"room": started.room, "link": link, "teacher_token": started.teacher_token, "battle_id": started.battle_id}


async def next_room_battle(ctx: PageContext, room, teacher_token, prompt, request) -> dict:
    """Check, run the room's next battle and show it: {"room", "link", "battle_id"}."""
    checked_prompt(ctx, prompt)
    rooms = rooms_for(ctx)
    await asyncio.to_thread(rooms.teacher_room, room, teacher_token)  # before anything is spent (next checks again)
    await ready_to_spend(ctx, ctx.visitor(request))
    async with cancelled_if_abandoned(cancel_this_task()):
        started = await rooms.next(room, teacher_token, prompt, ctx.options.coalesce_s, **battle_params(ctx))
    return {"room": started.room, "link": room_link(request, started.room), "battle_id": started.battle_id}


def make_room_api(ctx: PageContext):
    """The five room endpoints bound to this page's rooms."""
    rooms = rooms_for(ctx)

    async def room_start(pool: list[str] | None = None, prompt: str = "", request: gr.Request = None) -> dict:
        """Start a room for a class: one blind battle between two setups drawn from `pool` (blank: the default pool),
        both answers generated once; returns {"room", "link", "teacher_token", "battle_id"}. Keep teacher_token: it
        alone can reveal and start the next battle."""
        try:
            return await start_room(ctx, pool, prompt, request)
        except REFUSED as exc:
            raise refused(exc) from None

    async def room_next(room: str, teacher_token: str, prompt: str, request: gr.Request = None) -> dict:
        """Teacher only: close the battle shown now and show a new one for `prompt` (same pool); returns {"room",
        "link", "battle_id"}."""
        try:
            return await next_room_battle(ctx, room, teacher_token, prompt, request)
        except REFUSED as exc:
            raise refused(exc) from None

    def room_state(room: str, voter: str = "") -> dict:
        """The room now: {"room", "battle_id", "prompt", "a", "b", "votes", "revealed"} (with voter: "voted" too);
        the tallies and both setups only after the teacher's reveal."""
        try:
            return rooms.state(room, voter)
        except REFUSED as exc:
            raise refused(exc) from None

    def room_vote(room: str, voter: str, choice: str, battle_id: str = "") -> dict:
        """Vote on the room's battle: choice "a", "b", "tie" or "both_bad"; voter: your browser's random token (16 to
        128 letters, digits, - or _); battle_id: the battle you read (a vote after the next one started is refused).
        One vote per voter per battle, none after the reveal: {"counted", "reason"}."""
        try:
            return rooms.vote(room, voter, choice, battle_id)
        except REFUSED as exc:
            raise refused(exc) from None

    def room_reveal(room: str, teacher_token: str) -> dict:
        """Teacher only: close voting and reveal {"tallies": {"a", "b", "tie", "both_bad"}, "a_model", "b_model",
        "counted", "reason"} (counted: whether the room's votes count in the leaderboard)."""
        try:
            return rooms.reveal(room, teacher_token)
        except REFUSED as exc:
            raise refused(exc) from None

    return room_start, room_next, room_state, room_vote, room_reveal


def register_room_api(ctx: PageContext) -> None:
    """Register the room endpoints on the Blocks being built."""
    room_start, room_next, room_state, room_vote, room_reveal = make_room_api(ctx)
    spends = dict(concurrency_limit=ctx.options.concurrency, concurrency_id="compare")
    gr.api(room_start, api_name="room_start", **spends)
    gr.api(room_next, api_name="room_next", **spends)
    # a class polls and votes at once: these are short database calls
    quick = dict(concurrency_limit=16, concurrency_id="arena-room")
    gr.api(room_state, api_name="room_state", **quick)
    gr.api(room_vote, api_name="room_vote", **quick)
    gr.api(room_reveal, api_name="room_reveal", **quick)
