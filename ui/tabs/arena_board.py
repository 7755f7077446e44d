"""The Arena tab's leaderboard: raw and style-controlled ratings side by side, by setup or by model, with the style
coefficients in one sentence, and the export of the counted votes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import gradio as gr

import stats
from arena.cli import coefficient_text
from arena.service import Arena, ArenaError
from ui.context import PageContext
from ui.render import WARNING_MARK, escape_md

BOARD_HEADERS = [
    "rank",
    "setup",
    "rating",
    "95% interval",
    "style-controlled",
    "style 95% interval",
    "battles",
    "win rate",
]
RATE_BY = {"Setups": "setup", "Models (setups merged)": "model"}
HIDDEN = dict(show_progress="hidden", api_visibility="private")
STYLE_MEANING = (
    "**Style control** refits the ratings with four more terms — how much longer (in tokens) and richer in headers, "
    "list items and bold one answer is than the other — so a positive coefficient means voters preferred the longer "
    "or more formatted answer whatever the setup, and the style-controlled rating is what is left once that is taken "
    "out."
)


@dataclass
class Board:
    """The leaderboard's components."""

    box: gr.Column
    since: gr.Textbox
    until: gr.Textbox
    by: gr.Radio
    refresh: gr.Button
    note: gr.Markdown
    table: gr.Dataframe
    style: gr.Markdown
    export: gr.Button
    export_file: gr.File


def build_board() -> Board:
    """Lay out the leaderboard (and its export button, wired in wire_board)."""
    with gr.Column() as box, gr.Accordion("Leaderboard", open=True):
        with gr.Row(equal_height=True):
            since = gr.Textbox(label="Since (YYYY-MM-DD)", scale=1, elem_id="arena-since")
            until = gr.Textbox(label="Until (YYYY-MM-DD)", scale=1, elem_id="arena-until")
            by = gr.Radio(list(RATE_BY), value="Setups", label="Rate", scale=1, elem_id="arena-by")
            refresh = gr.Button("Refresh", scale=1, elem_id="arena-refresh")
            export = gr.Button("Export votes (JSON lines)", scale=1, elem_id="arena-export-btn")
        note = gr.Markdown(elem_id="arena-board-note")
        table = gr.Dataframe(headers=BOARD_HEADERS, interactive=False, elem_id="arena-leaderboard", wrap=True)
        style = gr.Markdown(elem_id="arena-style")
        export_file = gr.File(
            label="Votes as JSON lines (FastChat's battle shape)", elem_id="arena-export", visible=False
        )
    return Board(box, since, until, by, refresh, note, table, style, export, export_file)


def board_rows(board: stats.Leaderboard) -> list[list]:
    """The table's rows: raw and style-controlled ratings side by side."""
    return [
        [
            r.rank,
            r.model,
            round(r.rating),
            f"{r.ci_low:.0f} – {r.ci_high:.0f}",
            round(r.style_rating),
            f"{r.style_ci_low:.0f} – {r.style_ci_high:.0f}",
            r.battles,
            f"{r.win_rate:.0%}",
        ]
        for r in board.rows
    ]


def style_markdown(board: stats.Leaderboard) -> str:
    """What the coefficients mean, in one sentence, and their values."""
    if not board.rows:
        return ""
    values = " · ".join(f"{name} {coefficient_text(c)}" for name, c in (board.style or {}).items())
    return f"{STYLE_MEANING}  \n<small>Coefficients (log-odds per standard deviation): {escape_md(values)}.</small>"


def wire_board(ctx: PageContext, arena: Arena, board: Board, tab: gr.Tab, votes: list) -> None:
    """Fill the leaderboard when the tab opens, on Refresh, on a date or view change and after each vote."""

    def on_board(since_text, until_text, by):
        try:
            result = arena.leaderboard(since_text, until_text, style_control=True, by=RATE_BY.get(by, "setup"))
        except ArenaError as exc:
            return gr.skip(), f"{WARNING_MARK} {escape_md(str(exc))}", gr.skip()
        note = "" if result.rows else "No counted votes yet: battle, vote, and the ratings appear here."
        return board_rows(result), note, style_markdown(result)

    args = (on_board, [board.since, board.until, board.by], [board.table, board.note, board.style])
    options = dict(concurrency_limit=2, concurrency_id="arena-board", **HIDDEN)
    triggers = [tab.select, board.refresh.click, board.since.submit, board.until.submit, board.by.change]
    gr.on(triggers, *args, **options)
    for event in votes:
        event.then(*args, **options)

    def on_export(since_text, until_text):
        try:
            lines = arena.export(since_text, until_text)
        except ArenaError as exc:
            return gr.File(visible=False), f"{WARNING_MARK} {escape_md(str(exc))}"
        path = ctx.downloads_dir / f"arena-votes-{datetime.now(UTC):%Y%m%d-%H%M%S}.jsonl"
        path.write_text(lines, encoding="utf-8")
        return gr.File(str(path), visible=True), f"{lines.count(chr(10))} counted votes exported."

    board.export.click(on_export, [board.since, board.until], [board.export_file, board.note], **HIDDEN)
