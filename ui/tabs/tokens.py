"""The Tokens tab (text split by several tokenizers side by side) and the Context windows tab (fill, cost, overhead)."""

from __future__ import annotations

import html
import time

import gradio as gr

from compare import Comparison, build_request, make_messages
from compare.report import fmt_cost, fmt_tokens
from compare.tokenview import (
    CHARS_PER_TOKEN,
    MAX_TEXT_CHARS,
    SUMMARY_HEADERS,
    TABLE_HEADERS,
    WORDS_PER_TOKEN,
    available_tokenizers,
    load_examples,
    render_html,
    summary_rows,
    token_table,
    tokenize,
)
from compare.validate import InputError, check_prompt
from ui.context import PageContext
from ui.render import WARNING_MARK
from ui.tabs.compare_view import CompareView

PREVIEW_TOKENS = 2000
MAX_VIEWS = 4
HIDDEN = dict(show_progress="hidden", api_visibility="private")
CONTEXT_HEADERS = [
    "model",
    "context window",
    "tokens in the text",
    "prompt tokens (chat framing)",
    "window used by prompt",
    "… plus the reply",
    "prompt cost",
    "reply cost",
    "total cost",
]
OVERHEAD_HEADERS = ["model", "tokens in the raw text", "prompt tokens the provider reported", "hidden overhead", "note"]
CONTEXT_SAMPLE = (
    "Large language models read text as tokens. Each model has a context window: the most tokens it can "
    "consider at once, counting both the prompt and the reply."
)
RULE = (
    f"Rule of thumb for English: about **{CHARS_PER_TOKEN:g} characters** or **{WORDS_PER_TOKEN:g} words** per token. "
    "Hover a token to see its id; `·` marks a space, `↵` a newline, *italic* tokens are only part of a character."
)


def tokens_view(ctx: PageContext, text: str, names: list[str], table_for: str | None = None) -> list:
    """Per tokenizer a header and a capped coloured preview, then the summary rows, a timing note and the id table."""
    text, note = text or "", ""
    if len(text) > MAX_TEXT_CHARS:
        text, note = text[:MAX_TEXT_CHARS], f" Only the first {MAX_TEXT_CHARS:,} characters are tokenised here."
    start = time.perf_counter()
    done = [tokenize(text, name, ctx.registry) for name in names]
    elapsed = time.perf_counter() - start
    out = []
    for t in done:
        head = (
            f"**{t.tokenizer}** · **{t.count:,}** tokens · {t.chars_per_token:g} chars/token · "
            f"{t.words_per_token:g} words/token"
        )
        note_html = f'<div class="token-note">{html.escape(t.note)}</div>' if t.note else ""
        out += [head, render_html(t, PREVIEW_TOKENS) + note_html]
    timing = (
        f"<small>{len(text):,} characters tokenised {len(done)} ways in {elapsed * 1000:.0f} ms; previews show at most "
        f"{PREVIEW_TOKENS:,} tokens each, counts cover everything.{note}</small>"
    )
    chosen = next((t for t in done if t.tokenizer == table_for), done[0] if done else None)
    return out + [summary_rows(done), timing, token_table(chosen) if chosen else []]


def example_note(example: dict) -> str:
    """The one-line lesson shown under the text for a classic example."""
    return f"**Why this example:** {example['lesson']}"


def context_choices(ctx: PageContext) -> list[str]:
    """Models to size windows for: those available now first, then every catalog entry."""
    return list(dict.fromkeys(ctx.available_ids + list(ctx.registry.settings.catalog.get("models", {}))))


def context_rows(ctx: PageContext, text: str, models: list[str], reply_tokens: int) -> list[list]:
    """For each model: window, tokens, share of the window with and without the reply, and costs at base rates."""
    rows, reply = [], int(reply_tokens or 0)
    for model in models or []:
        try:
            info = ctx.registry.info(model)
            raw = ctx.counter.count_text(model, text or "")
            framed = ctx.counter.count_messages(model, make_messages(text or ""))
        except Exception as exc:  # a bad id must not break the table
            rows.append([model, None, None, None, f"{type(exc).__name__}: {exc}", "", "", "", ""])
            continue
        window = info.context_window
        share = (lambda n, window=window: _share(n, window)) if window else (lambda n: "window unknown")
        prompt_cost = None if info.input_per_m is None else framed.count * info.input_per_m / 1e6
        reply_cost = None if info.output_per_m is None else reply * info.output_per_m / 1e6
        total = None if prompt_cost is None or reply_cost is None else prompt_cost + reply_cost
        rows.append(
            [
                model,
                f"{window:,}" if window else "unknown",
                fmt_tokens(raw.count, raw.exact),
                fmt_tokens(framed.count, framed.exact),
                share(framed.count),
                share(framed.count + reply),
                fmt_cost(prompt_cost),
                fmt_cost(reply_cost),
                fmt_cost(total),
            ]
        )
    return rows


def _share(tokens: int, window: int) -> str:
    share = tokens / window
    text = f"{share:.1%}" if share >= 0.01 else f"{share:.2%}" if share >= 0.0001 else "<0.01%"
    return text + (" (does not fit)" if tokens > window else "")


async def measure_overhead(ctx: PageContext, session: str, text: str, models: list[str]) -> tuple[list[list], str]:
    """Send the text once (1-token reply) to each chosen runnable model, and compare reported vs raw prompt tokens."""
    check_prompt(text, ctx.options.prompt_cap)
    runnable = [m for m in dict.fromkeys(models or []) if m in ctx.available_ids][: ctx.options.models_cap]
    if not runnable:
        raise InputError("None of the chosen models can run now: add an available one (local:smollm2 needs no key).")
    request = build_request(
        {"prompt": text, "models": runnable, "temperature": 0.0, "max_tokens": 1}, ctx.registry, ctx.request_check()
    )
    if ctx.options.demo_caps and (limited := ctx.limiter.check(session, request.upstream_requests)):
        raise InputError(limited)
    results = await Comparison(ctx.registry, request.engine_columns(), ctx.counter).run()
    rows = []
    for r in results:
        raw = ctx.counter.count_text(r.model, text)
        if r.error:
            rows.append([r.model, fmt_tokens(raw.count, raw.exact), None, None, r.error])
        elif r.tokens_exact:
            overhead = f"{'' if raw.exact else '~'}{r.input_tokens - raw.count:+,}"
            rows.append(
                [
                    r.model,
                    fmt_tokens(raw.count, raw.exact),
                    r.input_tokens,
                    overhead,
                    "chat template, role markers and any default system prompt",
                ]
            )
        else:
            rows.append(
                [
                    r.model,
                    fmt_tokens(raw.count, raw.exact),
                    fmt_tokens(r.input_tokens, False),
                    None,
                    "the provider did not report usage; the figure is an estimate",
                ]
            )
    skipped = [m for m in dict.fromkeys(models or []) if m not in runnable]
    note = f"<small>Not run (not available now): {', '.join(skipped)}</small>" if skipped else ""
    return rows, note


def build_tokens_tab(ctx: PageContext, tab: gr.Tab) -> dict:
    """Lay out the Tokens tab (tokenizers side by side, summary, id table) and return its handles."""
    examples = load_examples()
    names = available_tokenizers(ctx.registry)[:MAX_VIEWS]
    with gr.Row():
        text = gr.Textbox(
            examples[0]["text"], label="Text to tokenise", lines=4, max_lines=10, scale=3, elem_id="tok-text"
        )
        with gr.Column(scale=2):
            gr.Markdown("**Classic examples**")
            with gr.Row(elem_id="tok-examples"):
                example_btns = [
                    gr.Button(e["name"], size="sm", elem_id=f"tok-example-{i}", scale=0, min_width=60)
                    for i, e in enumerate(examples)
                ]
    lesson = gr.Markdown(example_note(examples[0]), elem_id="tok-lesson")
    gr.Markdown(RULE)
    views = []
    with gr.Row(elem_id="tok-views", equal_height=False):
        for i, name in enumerate(names):
            with gr.Column(min_width=200, elem_classes=["token-column"]):
                views += [
                    gr.Markdown(f"**{name}**", elem_id=f"tok-head-{i}"),
                    gr.HTML(elem_id=f"tok-view-{i}", js_on_load=None),
                ]
    summary = gr.Dataframe(
        headers=SUMMARY_HEADERS,
        interactive=False,
        wrap=True,
        elem_id="tok-summary",
        column_widths=["16%", "9%", "10%", "8%", "10%", "10%", "12%", "25%"],
    )
    timing = gr.Markdown(elem_id="tok-timing")
    with gr.Accordion("Token ids as a table", open=False):
        table_choice = gr.Dropdown(names, value=names[0], label="Tokenizer", elem_id="tok-table-choice")
        table = gr.Dataframe(headers=TABLE_HEADERS, interactive=False, elem_id="tok-table", max_height=300)

    render_fn = lambda t, n: tokens_view(ctx, t, names, n)  # noqa: E731
    render = (render_fn, [text, table_choice], [*views, summary, timing, table])
    gr.on(
        [text.change, table_choice.change],
        *render,
        trigger_mode="always_last",
        concurrency_limit=2,
        concurrency_id="tokens",
        **HIDDEN,
        show_progress_on=[timing],
    )
    for button, example in zip(example_btns, examples):
        button.click(lambda e=example: (e["text"], example_note(e)), None, [text, lesson], **HIDDEN)
    _when_shown(tab, render, show_progress_on=[timing])
    return {"text": text, "lesson": lesson, "render": render, "examples": examples}


def build_context_tab(
    ctx: PageContext, tab: gr.Tab, compare: CompareView | None = None, tokens: dict | None = None
) -> dict:
    """Lay out the Context windows tab (fill, reply cost, template overhead) and return its handles."""
    gr.Markdown(
        "How much of each model's **context window** a text fills, what a reply of N tokens would cost at "
        "the genai-prices table's base rates, and the **hidden tokens** a chat template adds to what you typed."
    )
    with gr.Row():
        text = gr.Textbox(
            CONTEXT_SAMPLE, label="Text (the prompt you would send)", lines=6, max_lines=14, scale=3, elem_id="ctx-text"
        )
        with gr.Column(scale=2):
            choices = context_choices(ctx)
            default = [
                m for m in [*ctx.available_ids[:1], "openai:gpt-6-luna", "anthropic:claude-sonnet-5-5"] if m in choices
            ]
            models = gr.Dropdown(choices, value=default, multiselect=True, label="Models", elem_id="ctx-models")
            reply_tokens = gr.Number(500, precision=0, minimum=0, label="Reply of N tokens", elem_id="ctx-reply")
    with gr.Row():
        copy_btn = gr.Button("Use the Tokens tab's text", size="sm", visible=tokens is not None)
        convo_btn = gr.Button("Use the Compare tab's conversation", size="sm", visible=compare is not None)
        measure_btn = gr.Button(
            "Measure chat-template overhead (sends the text once, 1-token reply)",
            size="sm",
            variant="primary",
            elem_id="ctx-measure",
        )
    table = gr.Dataframe(headers=CONTEXT_HEADERS, interactive=False, wrap=True, elem_id="ctx-table")
    gr.Markdown("**Hidden overhead:** prompt tokens the provider reports for a real run vs. tokens in the raw text.")
    overhead = gr.Dataframe(headers=OVERHEAD_HEADERS, interactive=False, wrap=True, elem_id="ctx-overhead")
    banner = gr.Markdown(elem_id="ctx-banner")

    context = (lambda t, m, n: context_rows(ctx, t, m, n), [text, models, reply_tokens], [table])
    gr.on(
        [text.change, models.change, reply_tokens.change],
        *context,
        trigger_mode="always_last",
        concurrency_limit=2,
        concurrency_id="tokens",
        **HIDDEN,
    )
    if tokens is not None:
        copy_btn.click(lambda t: t, [tokens["text"]], [text], **HIDDEN)
    if compare is not None:
        convo_btn.click(_conversation_text, [compare.prompt, compare.history], [text], **HIDDEN)

    async def on_measure(t, m, request: gr.Request):
        try:
            rows, note = await measure_overhead(ctx, ctx.visitor(request), t, m)
        except (InputError, ValueError, TypeError) as exc:
            return gr.skip(), f"{WARNING_MARK} {exc}"
        return rows, note

    measure = (on_measure, [text, models], [overhead, banner])
    measure_btn.click(*measure, concurrency_limit=ctx.options.concurrency, concurrency_id="compare", **HIDDEN)
    _when_shown(tab, context)
    return {"text": text, "models": models, "reply_tokens": reply_tokens, "context": context, "measure": measure}


def _when_shown(tab: gr.Tab, handler: tuple, **kwargs) -> None:
    """Fill a tab when it is opened rather than at page load: every input and output of an event that has run adds
    to the work Gradio's page does on each status message of any later event, the Compare tab's streams included."""
    tab.select(*handler, **HIDDEN, **kwargs)


def _conversation_text(prompt: str, history) -> str:
    """Column 1's conversation so far plus the prompt being typed, as one text."""
    turns = [m.content for m in (history or [[]])[0]] if history else []
    return "\n\n".join([*turns, prompt or ""]).strip()
