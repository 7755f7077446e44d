"""The arena's API endpoints (`battle`, `vote`, `leaderboard`) and the one Arena a page shares with them."""

from __future__ import annotations

import asyncio

import gradio as gr

from arena.service import Arena, ArenaError, VoteCap
from compare.validate import InputError, check_prompt
from ui.context import PageContext
from ui.web.abandon import cancel_this_task, cancelled_if_abandoned

DEFAULT_MAX_TOKENS = 256


def arena_for(ctx: PageContext) -> Arena:
    """This page's Arena, made on first use; its battles and votes go to the page's store."""
    arena = getattr(ctx, "arena", None)
    if arena is None:
        from arena.repository import SqlRepository

        cap = VoteCap(ctx.options.votes_per_hour) if ctx.options.demo_caps else None
        arena = ctx.arena = Arena(
            ctx.registry, SqlRepository(lambda: ctx.store), ctx.counter, live=ctx.options.arena_live, vote_cap=cap
        )
    return arena


def battle_params(ctx: PageContext) -> dict:
    """The sampling both sides get: the page's defaults, within the demo's token cap."""
    cap = ctx.options.tokens_cap
    return {"temperature": 0.7, "max_tokens": min(DEFAULT_MAX_TOKENS, cap) if cap else DEFAULT_MAX_TOKENS}


async def checked_pool(ctx: PageContext, prompt, models, session: str) -> list[str]:
    """The battle's pool after the prompt, pool, database and demo-rate checks; raises ArenaError or InputError."""
    check_prompt(prompt, ctx.options.prompt_cap)
    arena = arena_for(ctx)
    pool = arena.pool(models, ctx.available_ids)
    await asyncio.to_thread(arena.repository.ready)  # no battle (and no spending) when it could not be stored
    if ctx.options.demo_caps and (limited := ctx.limiter.check(session, 2)):
        raise InputError(limited)
    return pool


def make_arena_api(ctx: PageContext):
    """The three endpoints bound to this page's arena."""
    arena = arena_for(ctx)

    async def battle(prompt: str, models: list[str] | None = None, request: gr.Request = None) -> dict:
        """Blind battle: two different models drawn from `models` (blank: all available) answer the prompt;

        returns {"battle_id", "a", "b"} (the answers only).
        """
        try:
            pool = await checked_pool(ctx, prompt, models, ctx.visitor(request))
        except (ArenaError, InputError, TypeError) as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        try:
            async with cancelled_if_abandoned(cancel_this_task()):  # a caller that went away stops spending
                return await arena.battle(prompt, pool, ctx.options.coalesce_s, **battle_params(ctx))
        except ArenaError as exc:  # finished, but could not be stored
            raise gr.Error(str(exc), print_exception=False) from None

    def vote(battle_id: str, choice: str, request: gr.Request = None) -> dict:
        """Vote once on a battle: choice "a", "b", "tie" or "both_bad";

        reveals both models and their metrics, and whether the vote counts.
        """
        try:
            return arena.vote(battle_id, choice, ctx.visitor(request))
        except ArenaError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def leaderboard(since: str = "", until: str = "") -> dict:
        """Bradley–Terry ratings from the counted votes (optionally cast between since and until, YYYY-MM-DD):

        rating, 95% interval, battles, win rate and rank per model.
        """
        try:
            rows = arena.leaderboard(since, until)
        except ArenaError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        return {"rows": [r.to_json() for r in rows]}

    return battle, vote, leaderboard


def register_arena_api(ctx: PageContext) -> None:
    """Register `battle`, `vote` and `leaderboard` on the Blocks being built."""
    battle, vote, leaderboard = make_arena_api(ctx)
    gr.api(battle, api_name="battle", concurrency_limit=ctx.options.concurrency, concurrency_id="compare")
    gr.api(vote, api_name="vote", concurrency_limit=4, concurrency_id="arena-vote")
    gr.api(leaderboard, api_name="leaderboard", concurrency_limit=2, concurrency_id="arena-board")
