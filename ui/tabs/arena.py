"""The Arena tab: a blind battle between two setups drawn from a pool, one vote, the reveal; a teacher's room
(ui/tabs/arena_room.py); and the leaderboard (ui/tabs/arena_board.py)."""

from __future__ import annotations

import gradio as gr

from arena.service import ArenaError
from compare.report import fmt_cost, fmt_rate, fmt_seconds, fmt_tokens
from compare.validate import InputError
from ui.api.arena import arena_for, battle_params, checked_pool
from ui.context import PageContext
from ui.render import WARNING_MARK, escape_md, mark, untrusted_markdown
from ui.tabs.arena_board import build_board, wire_board
from ui.tabs.arena_room import VOTES, build_room_panel, wire_room_panel

HIDDEN = dict(show_progress="hidden", api_visibility="private")
ANSWERING = f"{mark('waiting')} **Both answering…** the answers appear together when both have finished."
INTRO = (
    "Two setups drawn at random from the pool answer as **A** and **B**. A setup is a model, optionally with a "
    "persona and a temperature: `local:smollm2#sarcastic-persona~1.2`. Nothing tells you which is which until you "
    "vote; then both are revealed with their metrics. A vote does not count when an answer names its own model or "
    "maker, or fails. **Start a room** runs one battle for a whole class: students vote on their phones, you reveal."
)


def build_arena_tab(
    ctx: PageContext, tab: gr.Tab, tabs: gr.Tabs, browser: tuple[gr.BrowserState, gr.BrowserState]
) -> dict:
    """Lay out the Arena tab and wire its events; the leaderboard fills when the tab is opened. `browser` is
    ui.tabs.arena_room.browser_values(), built outside the tabs."""
    arena = arena_for(ctx)
    voter, teacher_tokens = browser
    battle_box = gr.Column()
    with battle_box:
        gr.Markdown(INTRO)
        default = arena.contestants.default_pool(ctx.available_ids)
        pool = gr.Dropdown(
            list(dict.fromkeys(default + ctx.available_ids)),
            value=default,
            multiselect=True,
            allow_custom_value=True,
            label="Pool: setup ids (two are drawn at random; type model#persona~temperature and press Enter to add)",
            elem_id="arena-pool",
        )
        battle_parts = {**_build_battle(), "voter": voter}
    room = build_room_panel(voter, teacher_tokens)
    board = build_board()
    vote_events = _wire_battle(ctx, arena, pool, battle_parts)
    wire_board(ctx, arena, board, tab, vote_events)
    wire_room_panel(ctx, room, battle_parts["room"], battle_parts["prompt"], pool, [battle_box, board.box], tabs)
    return {"pool": pool, **battle_parts, "room_panel": room, "board": board}


def _build_battle() -> dict:
    """The battle's components: prompt, buttons, status, both panes, votes and the reveal."""
    with gr.Row(equal_height=True):
        prompt = gr.Textbox(
            label="Prompt",
            lines=1,
            max_lines=8,
            scale=4,
            elem_id="arena-prompt",
            placeholder="Ask both setups something… (Enter starts the battle)",
        )
        battle_btn = gr.Button("Battle", variant="primary", scale=1, min_width=100, elem_id="arena-battle")
        new_btn = gr.Button("New battle", scale=1, min_width=100, elem_id="arena-new")
        room_btn = gr.Button("Start a room", scale=1, min_width=100, elem_id="arena-room-start")
    status = gr.Markdown(elem_id="arena-status")
    with gr.Row(elem_id="arena-sides"):
        heads, panes = [], []
        for side in ("A", "B"):
            with gr.Column(min_width=160):
                heads.append(gr.Markdown(f"### {side}", elem_id=f"arena-head-{side.lower()}"))
                panes.append(
                    gr.Markdown(elem_id=f"arena-{side.lower()}", elem_classes=["reply"], container=True, min_height=120)
                )
    with gr.Row():
        vote_btns = [gr.Button(label, interactive=False, elem_id=f"arena-vote-{key}") for key, label in VOTES]
    reveal = gr.Markdown(elem_id="arena-reveal")
    return {
        "prompt": prompt,
        "battle": battle_btn,
        "new": new_btn,
        "room": room_btn,
        "status": status,
        "heads": heads,
        "panes": panes,
        "votes": vote_btns,
        "reveal": reveal,
        "battle_id": gr.State(None),
    }


def _wire_battle(ctx: PageContext, arena, pool, parts: dict) -> list:
    """Battle, New battle and the four votes; returns the vote events (the leaderboard refreshes after each)."""
    prompt, battle_btn, status, reveal, battle_id = (
        parts[k] for k in ("prompt", "battle", "status", "reveal", "battle_id")
    )
    heads, panes, vote_btns = parts["heads"], parts["panes"], parts["votes"]

    def closed():
        return [gr.Button(interactive=False) for _ in vote_btns]

    def view(a: str, b: str, line: str, current=None, voting: bool = False, running: bool = False) -> list:
        """Every output of a battle frame; the heads go back to plain "A" and "B" (a new battle is blind again)."""
        return [
            a,
            b,
            line,
            "",
            current,
            *[gr.Button(interactive=voting) for _ in vote_btns],
            gr.Button(interactive=not running),
            "### A",
            "### B",
        ]

    async def on_battle(request: gr.Request, text, chosen):
        try:
            fight = arena.start(text, await checked_pool(ctx, text, chosen, ctx.visitor(request)), **battle_params(ctx))
        except (ArenaError, InputError) as exc:
            yield view("", "", f"{WARNING_MARK} {escape_md(str(exc))}")
            return
        yield view("", "", ANSWERING, running=True)
        try:
            async for snap in arena.run(fight, ctx.options.coalesce_s):
                if snap.done:
                    yield view(_pane(snap.a), _pane(snap.b), "✓ **Both answered.** Which is better?", fight.id, True)
                else:  # only with live streaming allowed
                    yield view(untrusted_markdown(snap.a), untrusted_markdown(snap.b), ANSWERING, running=True)
        except ArenaError as exc:  # the battle could not be stored: no vote is possible
            yield view("", "", f"{WARNING_MARK} {escape_md(str(exc))}")

    outputs = [*panes, status, reveal, battle_id, *vote_btns, battle_btn, *heads]
    battle_event = gr.on(
        [battle_btn.click, prompt.submit],
        on_battle,
        [prompt, pool],
        outputs,
        concurrency_limit=ctx.options.concurrency,
        concurrency_id="compare",
        **HIDDEN,
        show_progress_on=[status],
    )
    parts["new"].click(lambda: view("", "", ""), None, outputs, cancels=[battle_event], **HIDDEN)

    def make_vote(choice: str):
        def on_vote(request: gr.Request, current, voter):
            try:
                shown = arena.vote(current, choice, ctx.visitor(request), voter)
            except ArenaError as exc:
                return [
                    gr.skip(),
                    f"{WARNING_MARK} {escape_md(str(exc))}",
                    *[gr.skip()] * len(vote_btns),
                    gr.skip(),
                    gr.skip(),
                ]
            return [
                "",
                reveal_markdown(shown),
                *closed(),
                f"### A · `{shown['a_model']}`",
                f"### B · `{shown['b_model']}`",
            ]

        return on_vote

    return [
        btn.click(
            make_vote(choice),
            [battle_id, parts["voter"]],
            [status, reveal, *vote_btns, *heads],
            concurrency_limit=4,
            concurrency_id="arena-vote",
            **HIDDEN,
        )
        for (choice, _), btn in zip(VOTES, vote_btns)
    ]


def _pane(text: str) -> str:
    """A finished answer; an empty one says so (why it is empty waits for the reveal)."""
    return untrusted_markdown(text) if text.strip() else "*(no answer: the reveal after your vote says why)*"


def reveal_markdown(shown: dict) -> str:
    """The reveal: which model was which, whether the vote counts (and why not), and each side's metrics."""
    if shown["counted"]:
        lines = ["✓ **Your vote counts.**"]
    else:
        lines = [
            f"{WARNING_MARK} **Your vote does not count:** {escape_md(shown['reason'].removeprefix('not counted: '))}."
        ]
    for side in ("a", "b"):
        m = shown[f"{side}_metrics"]
        stats = (
            f"first token {fmt_seconds(m['ttft_s'])} · total {fmt_seconds(m['total_s'])} · "
            f"{fmt_rate(m['tokens_per_s'])} tok/s · out {escape_md(fmt_tokens(m['output_tokens'], m['tokens_exact']))} "
            f"tokens · cost {fmt_cost(m['cost_usd'])}"
        )
        error = f" · error: {escape_md(m['error'])}" if m.get("error") else ""
        lines.append(f"**{side.upper()}** was **{escape_md(shown[f'{side}_model'])}** — {stats}{error}")
    return "  \n".join(lines)
