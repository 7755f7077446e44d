"""Setup links on the page: opening `/?models=...&prompt=...` fills the Compare tab (or a lesson's tab), the address
follows the setup as it changes, and Copy link copies it."""

from __future__ import annotations

import gradio as gr

from compare.lessons import Lesson
from ui.context import PageContext
from ui.names import CUSTOM_PRESET, N_SLOTS, SHARED_SYSTEM, SHARED_TEMPERATURE
from ui.render import WARNING_MARK, escape_md
from ui.tabs.column_settings import pack_columns
from ui.tabs.compare_view import CompareView
from ui.tabs.lesson_banner import LessonBanner, banner_text
from ui.tabs.lessons import TARGET_TAB, LessonsPanel, LessonTargets, fill_lesson, lesson_outputs
from ui.tabs.setup_link import LinkSetup, parse_setup_link
from ui.web.assets import FOLLOW_JS, LINK_JS

HIDDEN = dict(show_progress="hidden", api_visibility="private")


def build_link_notes() -> gr.Markdown:
    """Where the page says what it dropped or clipped from the link it was opened with (empty otherwise)."""
    return gr.Markdown(elem_id="link-notes")


def build_copy_link() -> None:
    """The Copy link button and its one-line status (handled in the browser: ui/web/static/link.js)."""
    gr.Button("Copy link", size="sm", scale=0, min_width=96, elem_id="copy-link")
    gr.HTML(
        '<span id="copy-link-status" role="status" aria-live="polite"></span>',
        elem_id="copy-link-note",
        js_on_load=None,
        container=False,
        padding=False,
        scale=0,
        min_width=0,
    )


def notes_markdown(notes: list[str]) -> str:
    """The link's notes as escaped Markdown lines (a link's text is never markup)."""
    return "  \n".join(f"{WARNING_MARK} {escape_md(n)}" for n in notes)


def wire_setup_link(
    ctx: PageContext, notes: gr.Markdown, lessons: LessonsPanel, fills: LessonTargets, banners: dict[str, LessonBanner]
) -> None:
    """Fill the page from its address when it loads, and keep the address following the Compare setup."""
    by_name = {lesson.name: (number, lesson) for number, lesson in enumerate(lessons.lessons, start=1)}
    compare = fills.compare
    targets = compare.targets(
        "prompt",
        "system",
        "n_columns",
        "temperature",
        "max_tokens",
        "preset",
        "models",
        "personas",
        "temps",
        "column_settings",
        "metas",
    ) + [notes, fills.tabs]
    for lesson in lessons.lessons:
        targets += lesson_outputs(lesson, fills)
    targets += [part for banner in banners.values() for part in (banner.row, banner.text)]
    outputs = list({id(c): c for c in targets}.values())

    def on_load(request: gr.Request):
        params = dict(request.query_params) if request is not None else {}
        link = parse_setup_link(params, ctx, list(by_name))
        updates: dict = {}
        lesson = by_name.get(link.lesson)
        if lesson is not None:
            number, chosen = lesson
            updates.update(fill_lesson(ctx, chosen, fills))
            banner = banners.get(TARGET_TAB[chosen.action])
            if banner is not None:
                updates.update({banner.row: gr.Row(visible=True), banner.text: banner_text(number, chosen)})
        updates.update(compare_updates(ctx, compare, link, updates, lesson[1] if lesson else None))
        if link.notes:
            updates[notes] = notes_markdown(link.notes)
        return updates or {notes: gr.skip()}  # Gradio reads an empty dict as one value for all the outputs

    gr.context.Context.root_block.load(on_load, None, outputs, **HIDDEN)
    gr.context.Context.root_block.load(None, None, None, js=LINK_JS)
    follow = compare.targets("prompt", "system", "temperature", "max_tokens", "preset", "n_columns", "column_settings")
    gr.on([c.change for c in follow], None, follow, None, js=FOLLOW_JS, **HIDDEN)


def compare_updates(
    ctx: PageContext, compare: CompareView, link: LinkSetup, filled: dict, lesson: Lesson | None
) -> dict:
    """The Compare tab's updates for a link, on top of what a compare lesson `filled` in."""
    out: dict = {}
    if link.preset is not None:
        chosen = ctx.presets[link.preset]
        system = chosen.system if link.system is None else link.system
        prompt = chosen.example if link.prompt is None else link.prompt
        # Choosing a preset rewrites both boxes (ui/tabs/compare.py on_preset): only keep it when the link agrees.
        keep = system == chosen.system and prompt == chosen.example
        names = [p.name for p in ctx.presets.values()]
        out[compare.preset] = link.preset if keep else gr.Dropdown(choices=names + [CUSTOM_PRESET], value=CUSTOM_PRESET)
        out[compare.system], out[compare.prompt] = system, prompt
    else:
        if link.system is not None:
            out[compare.system] = link.system
        if link.prompt is not None:
            out[compare.prompt] = link.prompt
    if link.temperature is not None:
        out[compare.temperature] = link.temperature
    if link.max_tokens is not None:
        out[compare.max_tokens] = link.max_tokens
    out.update(_column_updates(ctx, compare, link, filled, lesson))
    return out


def _column_updates(
    ctx: PageContext, compare: CompareView, link: LinkSetup, filled: dict, lesson: Lesson | None
) -> dict:
    from_lesson = lesson is not None and lesson.action == "compare"
    # a system prompt from the link reaches every column, unless the link or its lesson chose per-column ones
    shared_system = link.system is not None and not from_lesson
    if link.models is None and link.personas is None and link.temps is None and not shared_system:
        return {}
    defaults = ctx.default_columns()
    models = [filled.get(dd, m) for dd, (m, _) in zip(compare.models, defaults)]
    personas = [filled.get(dd, SHARED_SYSTEM if shared_system else p) for dd, (_, p) in zip(compare.personas, defaults)]
    temps = [filled.get(dd, SHARED_TEMPERATURE) for dd in compare.temps]
    n = filled.get(compare.n_columns, 2)
    if link.models is not None:
        n = len(link.models)
        models[:n] = link.models
        personas[:n], temps[:n] = [SHARED_SYSTEM] * n, [SHARED_TEMPERATURE] * n
    for per, given in ((personas, link.personas), (temps, link.temps)):
        per[: len(given or [])] = given or []
    models, personas, temps = [
        [v if isinstance(v, str) else d for v, d in zip(values, fallback)]
        for values, fallback in (
            (models, [m for m, _ in defaults]),
            (personas, [p for _, p in defaults]),
            (temps, [SHARED_TEMPERATURE] * N_SLOTS),
        )
    ]
    out = {compare.n_columns: n, compare.column_settings: pack_columns(models, personas, temps)}
    out.update(zip(compare.models, models))
    out.update(zip(compare.personas, personas))
    out.update(zip(compare.temps, temps))
    for slot, message in link.unavailable.items():
        out[compare.metas[slot]] = f"{WARNING_MARK} {escape_md(message)}"
    return out
