"""What a room looks like on the page, from its state (arena/rooms.py's `state`): the join line, the prompt, both
answers, the vote count and, after the reveal, a bar of the tallies with both setups. Plain functions of the state:
the same for a student's phone, the teacher's tab and the projector."""

from __future__ import annotations

import html

from ui.render import escape_md, mark, untrusted_markdown

SIDES = (("a", "A"), ("b", "B"), ("tie", "Tie"), ("both_bad", "Both bad"))


def join_line(code: str, link: str) -> str:
    """The room's code and the address students open."""
    return f"### Room **{escape_md(code)}** <small>students open [{escape_md(link)}]({link})</small>"


def prompt_line(state: dict) -> str:
    """The battle's prompt, as text."""
    return f"**Prompt:** {escape_md(state['prompt'])}"


def answer(text: str) -> str:
    """One answer pane (an empty answer says so: why it is empty waits for the reveal)."""
    return untrusted_markdown(text) if text.strip() else "*(no answer)*"


def count_line(state: dict, student: bool) -> str:
    """How many have voted, and (for a student) what to do or what happened to their vote."""
    n = state["votes"]
    votes = f"**{n}** vote{'' if n == 1 else 's'}"
    if state["revealed"]:
        return f"{mark('done')} {votes} · revealed"
    if not student:
        return f"{mark('waiting')} {votes} so far · waiting for the teacher's reveal"
    if state.get("voted"):
        return f"{mark('done')} **Your vote is in.** {votes} so far · the teacher reveals the result"
    return f"{votes} so far · **tap the better answer** (one vote, no changes)"


def tally_bar(state: dict) -> str:
    """After the reveal: one bar split by the tallies, its legend, both setups and whether the votes count; before
    it, nothing."""
    if not state.get("revealed"):
        return ""
    tallies = state["tallies"]
    total = sum(tallies.values())
    label = ", ".join(f"{name} {tallies[key]}" for key, name in SIDES)
    parts = []
    for key, name in SIDES:
        share = tallies[key] / total if total else 0
        if share:
            parts.append(
                f'<span class="room-seg room-{key}" style="width:{share:.1%}">{html.escape(name)} {tallies[key]}</span>'
            )
    bar = f'<div class="room-bar" role="img" aria-label="{html.escape(label)}">{"".join(parts)}</div>'
    legend = "".join(
        f'<li><span class="room-key room-{key}"></span>{html.escape(name)}: <b>{tallies[key]}</b></li>'
        for key, name in SIDES
    )
    names = (
        f'<p class="room-names"><b>A</b> was <code>{html.escape(state["a_model"])}</code> · '
        f"<b>B</b> was <code>{html.escape(state['b_model'])}</code></p>"
    )
    note = "" if state["counted"] else f'<p class="room-note">{html.escape(leaderboard_note(state))}</p>'
    return f'<div class="room-reveal">{bar}<ul class="room-legend">{legend}</ul>{names}{note}</div>'


def leaderboard_note(state: dict) -> str:
    """Why a revealed battle's votes do not count in the leaderboard."""
    return "These votes do not count in the leaderboard: " + (state.get("reason") or "").removeprefix("not counted: ")
