"""Formatting engine results for the page: status lines, untrusted-text hygiene, summary and plots."""

from __future__ import annotations

import re

from compare.report import fmt_cost, fmt_rate, fmt_seconds, fmt_status, fmt_tokens
from compare.result import Result
from providers.events import Phase

_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\s*(\([^)]*\)|\[[^\]]*\])")
_HTML_MEDIA = re.compile(
    r"<\s*(img|image|picture|source|video|audio|iframe|object|embed|link|svg|input|style)\b[^>]*>", re.I
)
_FETCHING_ATTRS = re.compile(r"""\s(style|background|poster|srcset)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
# A reply must not draw a working form ("Verify your key" posting to the attacker): the form goes, its controls'
# tags go (their text stays), and so do attributes that would send a button elsewhere.
_FORM_OPEN = re.compile(r"<\s*form\b[^>]*>", re.I)
_FORM_PARTS = re.compile(
    r"<\s*/\s*form\s*>|<\s*/?\s*(button|select|option|optgroup|textarea|fieldset|datalist|output|keygen)\b[^>]*>", re.I
)
_FORM_ATTRS = re.compile(r"""\s(formaction|formmethod|formtarget|formenctype)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
# Marks drawn by the page's CSS (ui/web/static/page.css), not emoji: without an emoji font ⏳ shows as an empty box.
_STATUS_ICONS = {
    Phase.QUEUED: "queued",
    Phase.LOADING: "loading",
    Phase.WAITING: "waiting",
    Phase.STREAMING: "streaming",
    Phase.DONE: "done",
    Phase.ERROR: "error",
    Phase.STOPPED: "stopped",
}


def mark(kind: str) -> str:
    """A status mark drawn by CSS (kinds: queued, loading, waiting, streaming, done, error, stopped, warning)."""
    return f'<span class="st st-{kind}" aria-hidden="true"></span>'


WARNING_MARK = mark("warning")


def untrusted_markdown(text: str) -> str:
    """Model output made safe to show: no remote images, embedded media or forms (the page's CSP is a second guard)."""
    text = _MD_IMAGE.sub(lambda m: f"[image removed: {m.group(1) or 'untitled'}]", text)
    while True:  # until nothing changes: removing "<button>" from "<but<button>ton>" would leave a "<button>"
        before = text
        text = _HTML_MEDIA.sub("[media removed]", text)
        text = _FORM_OPEN.sub("[form removed]", text)
        text = _FORM_PARTS.sub("", text)
        text = _FORM_ATTRS.sub("", _FETCHING_ATTRS.sub("", text))
        if text == before:
            return text


def status_line(phase: Phase, detail: str = "", ttft_s: float | None = None) -> str:
    """A live status such as "streaming · first token 0.21 s", after its CSS-drawn mark."""
    line = f"{mark(_STATUS_ICONS[phase]) if phase in _STATUS_ICONS else ''} **{phase.value}**"
    if ttft_s is not None and phase == Phase.STREAMING:
        line += f" · first token {fmt_seconds(ttft_s)}"
    if detail:
        line += f" · {escape_md(detail)}"
    return line


def escape_md(text: str) -> str:
    """Escape characters that would turn plain text (error messages) into markup."""
    return re.sub(r"([\\`*_\[\]<>#|~])", r"\\\1", text)


def md_tokens(value: int | None, exact: bool) -> str:
    """A token count for Markdown: estimated counts keep their "~", escaped so two on a line are not strikethrough."""
    return escape_md(fmt_tokens(value, exact))


def context_gauge(tokens: int | None, window: int | None, exact: bool) -> str:
    """e.g. "context ~35 / 8,192 tokens (0.4%)", flagged when over the window."""
    if tokens is None:
        return ""
    if not window:
        return f"context {md_tokens(tokens, exact)} tokens (window unknown)"
    share = tokens / window
    line = f"context {md_tokens(tokens, exact)} / {window:,} tokens ({share:.1%})"
    return f"{WARNING_MARK} **{line}: does not fit this model's window**" if share >= 1 else line


def thinking_head(result: Result) -> str:
    """The folded thinking's title, e.g. "Thinking · 312 tokens · 4.1 s"."""
    parts = ["Thinking"]
    if result.reasoning_tokens:
        parts.append(f"{md_tokens(result.reasoning_tokens, result.tokens_exact)} tokens")
    if result.reasoning_s is not None:
        parts.append(fmt_seconds(result.reasoning_s))
    return " · ".join(parts)


def thinking_block(head: str, thinking: str) -> str:
    """Thinking folded above the answer (closed unless the reader opens it); nothing when there is none."""
    if not thinking:
        return ""
    return f'<details class="thinking"><summary>{head}</summary>\n\n{untrusted_markdown(thinking)}\n\n</details>\n\n'


_STATE_WORDS = {"stopped": Phase.STOPPED, "error": Phase.ERROR, "done": Phase.DONE}


def result_line(result: Result) -> str:
    """The finished stats line of one column: state, timings, tokens, cost, then warnings."""
    if result.status == "warning":
        head = f"{WARNING_MARK} **{escape_md(fmt_status(result))}**"
    else:
        head = status_line(_STATE_WORDS[result.status], result.error or "" if result.status == "error" else "")
    stats = [f"first token {fmt_seconds(result.ttft_s)}"]
    if result.reasoning and result.answer_ttft_s is not None:
        stats.append(f"answer {fmt_seconds(result.answer_ttft_s)}")
    stats += [
        f"total {fmt_seconds(result.total_s)}",
        f"{fmt_rate(result.tokens_per_s)} tok/s",
        f"in {md_tokens(result.input_tokens, result.tokens_exact)}{_cached(result)} · "
        f"out {md_tokens(result.output_tokens, result.tokens_exact)}",
    ]
    if result.reasoning_tokens:
        stats.append(f"thinking {md_tokens(result.reasoning_tokens, result.tokens_exact)}")
    cost = f"cost {fmt_cost(result.cost_usd)}"
    if result.cost_usd is None and result.cost_note:
        cost += f" ({escape_md(result.cost_note)})"
    elif result.price_source:
        cost += f" ({escape_md(result.price_source)})"
    stats.append(cost)
    if result.load_s:
        stats.insert(0, f"model load {fmt_seconds(result.load_s)}")
    if result.queue_s:
        stats.insert(0, f"queued {fmt_seconds(result.queue_s)}")
    gauge = context_gauge(result.input_tokens, result.context_window, result.tokens_exact)
    notes = [] if result.tokens_exact else [result.token_note]
    notes += result.warnings
    note = "".join(f"  \n<small>{escape_md(n)}</small>" for n in notes if n)
    return head + "  \n" + " · ".join(stats) + (f"  \n{gauge}" if gauge else "") + note


def _cached(result: Result) -> str:
    """The share of the prompt the provider's cache served or stored (the input count includes it)."""
    shares = ((result.cache_read_tokens, "cached"), (result.cache_write_tokens, "written to cache"))
    parts = [f"{n:,} {what}" for n, what in shares if n]
    return f" ({', '.join(parts)})" if parts else ""
