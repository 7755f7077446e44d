"""The arena's API endpoints (`battle`, `vote`, `leaderboard`; rooms: ui/api/rooms.py) and the one Arena a page shares
with them."""

from __future__ import annotations

import asyncio

import gradio as gr

from arena.inputs import valid_text
from arena.service import Arena, ArenaError, VoteCap
from compare.validate import InputError, check_prompt
from ui.context import PageContext
from ui.web.abandon import cancel_this_task, cancelled_if_abandoned

DEFAULT_MAX_TOKENS = 256
REFUSED = (ArenaError, InputError)  # bad input, said in one sentence (both are ValueErrors with a message for people)


def arena_for(ctx: PageContext) -> Arena:
    """This page's Arena, made on first use; its battles and votes go to the page's store."""
    arena = getattr(ctx, "arena", None)
    if arena is None:
        from arena.repository import SqlRepository

        cap = VoteCap(ctx.options.votes_per_hour) if ctx.options.demo_caps else None
        arena = ctx.arena = Arena(
            ctx.registry,
            SqlRepository(lambda: ctx.store),
            ctx.counter,
            live=ctx.options.arena_live,
            vote_cap=cap,
            presets=list(ctx.presets.values()),
        )
    return arena


def battle_params(ctx: PageContext) -> dict:
    """The sampling both sides get: the page's defaults, within the demo's token cap."""
    cap = ctx.options.tokens_cap
    return {"temperature": 0.7, "max_tokens": min(DEFAULT_MAX_TOKENS, cap) if cap else DEFAULT_MAX_TOKENS}


def checked_prompt(ctx: PageContext, prompt) -> str:
    """A battle's prompt: text, not empty, within the demo's cap, valid Unicode."""
    check_prompt(prompt, ctx.options.prompt_cap)
    return valid_text("The prompt", prompt)


async def ready_to_spend(ctx: PageContext, session: str) -> None:
    """The checks just before a battle spends anything: the database is reachable, the demo's run rate allows it."""
    await asyncio.to_thread(arena_for(ctx).repository.ready)  # no battle when it could not be stored
    if ctx.options.demo_caps and (limited := ctx.limiter.check(session, 2)):  # two sides, two requests
        raise InputError(limited)


async def checked_pool(ctx: PageContext, prompt, models, session: str) -> list[str]:
    """The battle's pool (setup ids) after the prompt, pool, database and demo-rate checks; raises a REFUSED error."""
    checked_prompt(ctx, prompt)
    pool = arena_for(ctx).pool(models, ctx.available_ids)
    await ready_to_spend(ctx, session)
    return pool


def refused(exc: Exception) -> gr.Error:
    """The one-sentence error an endpoint answers with (no traceback in the log)."""
    return gr.Error(str(exc), print_exception=False)


def make_arena_api(ctx: PageContext):
    """The three endpoints bound to this page's arena."""
    arena = arena_for(ctx)

    async def battle(prompt: str, models: list[str] | None = None, request: gr.Request = None) -> dict:
        """Blind battle: two different setups drawn from `models` answer the prompt; returns {"battle_id", "a", "b"}
        (the answers only).

        models: setup ids, e.g. "local:smollm2#sarcastic-persona~1.2" (a model, then optionally "#" and a persona
        preset, "~" and a temperature); blank: every available model, or with only one, it under two personas.
        """
        try:
            pool = await checked_pool(ctx, prompt, models, ctx.visitor(request))
        except REFUSED as exc:
            raise refused(exc) from None
        try:
            async with cancelled_if_abandoned(cancel_this_task()):  # a caller that went away stops spending
                return await arena.battle(prompt, pool, ctx.options.coalesce_s, **battle_params(ctx))
        except ArenaError as exc:  # finished, but could not be stored
            raise refused(exc) from None

    def vote(battle_id: str, choice: str, voter: str = "", request: gr.Request = None) -> dict:
        """Vote once on a battle: choice "a", "b", "tie" or "both_bad"; voter: optionally your own random token (16 to
        128 letters, digits, - or _), so the export can flag a voter who always picks one side.

        Reveals both setups and their metrics, and whether the vote counts.
        """
        try:
            return arena.vote(battle_id, choice, ctx.visitor(request), voter)
        except ArenaError as exc:
            raise refused(exc) from None

    def leaderboard(since: str = "", until: str = "", style_control: bool = False, by: str = "setup") -> dict:
        """Bradley–Terry ratings from the counted votes (optionally cast between since and until, YYYY-MM-DD): rating,
        95% interval, battles, win rate and rank per setup (by="model": a model's setups merged).

        style_control: also rate with answer length and markdown as covariates; rows then add style_rating,
        style_ci_low, style_ci_high and style_rank, and "style" gives each covariate's coefficient.
        """
        try:
            return arena.leaderboard(since, until, style_control, by).to_json()
        except ArenaError as exc:
            raise refused(exc) from None

    return battle, vote, leaderboard


def register_arena_api(ctx: PageContext) -> None:
    """Register `battle`, `vote`, `leaderboard` and the room endpoints on the Blocks being built."""
    from ui.api.rooms import register_room_api

    battle, vote, leaderboard = make_arena_api(ctx)
    gr.api(battle, api_name="battle", concurrency_limit=ctx.options.concurrency, concurrency_id="compare")
    gr.api(vote, api_name="vote", concurrency_limit=4, concurrency_id="arena-vote")
    gr.api(leaderboard, api_name="leaderboard", concurrency_limit=2, concurrency_id="arena-board")
    register_room_api(ctx)
