"""The Arena tab: a blind battle between two models drawn from a pool, one vote, the reveal, and the leaderboard."""

from __future__ import annotations

from datetime import UTC, datetime

import gradio as gr

from arena.service import ArenaError
from compare.report import fmt_cost, fmt_rate, fmt_seconds, fmt_tokens
from compare.validate import InputError
from ui.api.arena import arena_for, battle_params, checked_pool
from ui.context import PageContext
from ui.render import WARNING_MARK, escape_md, mark, untrusted_markdown

VOTES = (("a", "A is better"), ("b", "B is better"), ("tie", "Tie"), ("both_bad", "Both are bad"))
BOARD_HEADERS = ["rank", "model", "rating", "95% interval", "battles", "win rate"]
HIDDEN = dict(show_progress="hidden", api_visibility="private")
ANSWERING = f"{mark('waiting')} **Both answering…** the answers appear together when both have finished."
INTRO = (
    "Two models drawn at random from the pool answer as **A** and **B**. Nothing tells you which is which "
    "until you vote; then both names and their metrics are revealed. A vote does not count when an answer "
    "names its own model or maker, or fails."
)


def build_arena_tab(ctx: PageContext, tab: gr.Tab) -> dict:
    """Lay out the Arena tab and wire its events; the leaderboard fills when the tab is opened."""
    arena = arena_for(ctx)
    gr.Markdown(INTRO)
    choices = ctx.available_ids
    pool = gr.Dropdown(
        choices, value=choices, multiselect=True, label="Pool (two are drawn at random)", elem_id="arena-pool"
    )
    with gr.Row(equal_height=True):
        prompt = gr.Textbox(
            label="Prompt",
            lines=1,
            max_lines=8,
            scale=4,
            elem_id="arena-prompt",
            placeholder="Ask both models something… (Enter starts the battle)",
        )
        battle_btn = gr.Button("Battle", variant="primary", scale=1, min_width=100, elem_id="arena-battle")
        new_btn = gr.Button("New battle", scale=1, min_width=100, elem_id="arena-new")
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
    battle_id = gr.State(None)

    with gr.Accordion("Leaderboard", open=True):
        with gr.Row(equal_height=True):
            since = gr.Textbox(label="Since (YYYY-MM-DD)", scale=1, elem_id="arena-since")
            until = gr.Textbox(label="Until (YYYY-MM-DD)", scale=1, elem_id="arena-until")
            refresh = gr.Button("Refresh", scale=1, elem_id="arena-refresh")
            export_btn = gr.Button("Export votes (JSON lines)", scale=1, elem_id="arena-export-btn")
        board_note = gr.Markdown(elem_id="arena-board-note")
        board = gr.Dataframe(headers=BOARD_HEADERS, interactive=False, elem_id="arena-leaderboard", wrap=True)
        export_file = gr.File(
            label="Votes as JSON lines (FastChat's battle shape)", elem_id="arena-export", visible=False
        )

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
        except (ArenaError, InputError, TypeError) as exc:
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
    new_btn.click(lambda: view("", "", ""), None, outputs, cancels=[battle_event], **HIDDEN)

    def make_vote(choice: str):
        def on_vote(request: gr.Request, current):
            try:
                shown = arena.vote(current, choice, ctx.visitor(request))
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

    def on_board(since_text, until_text):
        try:
            rows = arena.leaderboard(since_text, until_text).rows
        except ArenaError as exc:
            return gr.skip(), f"{WARNING_MARK} {escape_md(str(exc))}"
        note = "" if rows else "No counted votes yet: battle, vote, and the ratings appear here."
        return [
            [r.rank, r.model, round(r.rating), f"{r.ci_low:.0f} – {r.ci_high:.0f}", r.battles, f"{r.win_rate:.0%}"]
            for r in rows
        ], note

    board_args = (on_board, [since, until], [board, board_note])
    board_options = dict(concurrency_limit=2, concurrency_id="arena-board", **HIDDEN)
    gr.on([tab.select, refresh.click, since.submit, until.submit], *board_args, **board_options)
    for (choice, _), btn in zip(VOTES, vote_btns):
        btn.click(
            make_vote(choice),
            [battle_id],
            [status, reveal, *vote_btns, *heads],
            concurrency_limit=4,
            concurrency_id="arena-vote",
            **HIDDEN,
        ).then(*board_args, **board_options)

    def on_export(since_text, until_text):
        try:
            lines = arena.export(since_text, until_text)
        except ArenaError as exc:
            return gr.File(visible=False), f"{WARNING_MARK} {escape_md(str(exc))}"
        path = ctx.downloads_dir / f"arena-votes-{datetime.now(UTC):%Y%m%d-%H%M%S}.jsonl"
        path.write_text(lines, encoding="utf-8")
        return gr.File(str(path), visible=True), f"{lines.count(chr(10))} counted votes exported."

    export_btn.click(on_export, [since, until], [export_file, board_note], **HIDDEN)
    return {"pool": pool, "prompt": prompt, "battle": battle_btn, "panes": panes, "votes": vote_btns, "reveal": reveal}


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
