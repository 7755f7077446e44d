"""The Lessons tab: short explanations from prompts/lessons, each with a button that fills and runs another tab."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from compare.lessons import Lesson, load_lessons_lenient
from ui.context import PageContext
from ui.names import SHARED_SYSTEM, SHARED_TEMPERATURE, TEMPERATURE_CHOICES
from ui.render import WARNING_MARK, escape_md
from ui.tabs.column_settings import pack_columns
from ui.tabs.column_view import empty_history
from ui.tabs.compare_view import KEEP, CompareUpdate, CompareView
from ui.tabs.lesson_banner import LessonBanner, banner_text, wire_banner
from ui.tabs.pipeline import MAX_PIPELINES, pipelines_cap
from ui.tabs.setup_link import lesson_link
from ui.tabs.tokens import example_note
from ui.web.assets import BUSY_JS

HIDDEN = dict(show_progress="hidden", api_visibility="private")
TARGET_TAB = {"compare": "compare", "tokens": "tokens", "context": "context", "pipeline": "pipeline"}
COMPARE_FILLS = (
    "prompt",
    "system",
    "n_columns",
    "history",
    "max_tokens",
    "temperature",
    "models",
    "personas",
    "temps",
    "column_settings",
)  # what a compare lesson sets (_fill_compare)


@dataclass
class LessonsPanel:
    """The laid-out lessons and their buttons, wired once the other tabs exist."""

    lessons: list[Lesson]
    buttons: list[gr.Button]
    errors: list[str]


def persona_names(ctx: PageContext) -> set[str]:
    """Preset names a lesson column may use as its system prompt."""
    return {p.name for p in ctx.presets.values() if not p.steps}


def lesson_models(ctx: PageContext, lesson: Lesson) -> list[str]:
    """The models this lesson would run on right now."""
    s = lesson.setup
    if lesson.action == "compare":
        return ctx.resolve_models([c.get("model", "local") for c in s["columns"]])[: ctx.options.models_cap]
    if lesson.action == "pipeline":
        pairs = s["pipelines"][: pipelines_cap(ctx)]
        return [" → ".join(ctx.resolve_models(list(p))) for p in pairs]
    if lesson.action == "context":
        return ctx.resolve_models(s["models"], keep_unavailable=True)
    return []


def build_lessons_tab(ctx: PageContext) -> LessonsPanel:
    """Lay out every lesson (explanation, the models it will use, a run button); malformed files are listed by name."""
    lessons, errors = load_lessons_lenient(preset_names=persona_names(ctx))
    gr.Markdown(
        f"{len(lessons)} short lessons on how LLMs work. Each runs on the models you have: "
        "with no API keys everything uses the embedded local model. "
        "Read the explanation, press **Run this lesson**, then look at the results."
    )
    for error in errors:
        gr.Markdown(f"{WARNING_MARK} Lesson file skipped: {escape_md(error)}", elem_classes=["lesson-error"])
    buttons = []
    for i, lesson in enumerate(lessons):
        with gr.Group(elem_classes=["lesson"]):
            models = lesson_models(ctx, lesson)
            label = "Context windows for" if lesson.action == "context" else "Runs on"
            runs_on = f"\n\n<small>{label}: {escape_md(' · '.join(models))}</small>" if models else ""
            link = lesson_link(lesson.name)
            runs_on += f"\n\n<small>Link that opens this lesson ready: [{escape_md(link)}]({link})</small>"
            gr.Markdown(
                f"### {i + 1}. {lesson.title}\n{lesson.explanation}{runs_on}",
                elem_id=f"lesson-{lesson.name}",
                padding=True,
            )
            with gr.Row():
                buttons.append(
                    gr.Button(
                        "Run this lesson",
                        variant="primary",
                        size="sm",
                        scale=0,
                        min_width=180,
                        elem_id=f"lesson-run-{i + 1}",
                    )
                )
    if not lessons:
        gr.Markdown("No lessons found in prompts/lessons.")
    return LessonsPanel(lessons, buttons, errors)


def _temperature_choice(value) -> str:
    if value is None:
        return SHARED_TEMPERATURE
    return next((c for c in TEMPERATURE_CHOICES[1:] if float(c) == float(value)), f"{value:g}")


def _max_tokens(ctx: PageContext, value, unset):
    cap = ctx.options.tokens_cap
    return unset if value is None else min(value, cap) if cap else value


@dataclass
class LessonTargets:
    """The tabs a lesson can fill: the tab strip (to select its tab) and each tab's components."""

    tabs: gr.Tabs
    compare: CompareView
    tokens: dict
    context: dict
    pipeline: dict


def wire_lessons(
    ctx: PageContext, panel: LessonsPanel, targets: LessonTargets, banners: dict[str, LessonBanner] | None = None
) -> None:
    """Connect each lesson button: fill the target tab, switch to it, run, and let that tab's Stop cancel the run;
    the target tab shows the lesson in a banner with a way back."""
    banners = banners or {}
    tabs, compare, context, pipeline = targets.tabs, targets.compare, targets.context, targets.pipeline
    for banner in banners.values():
        wire_banner(banner, tabs)
    for number, (lesson, button) in enumerate(zip(panel.lessons, panel.buttons), start=1):
        banner = banners.get(TARGET_TAB[lesson.action])
        if banner is not None:
            text = banner_text(number, lesson)
            button.click(lambda text=text: [gr.Row(visible=True), text], None, [banner.row, banner.text], **HIDDEN)
        outputs = lesson_outputs(lesson, targets)
        fill = lambda lesson=lesson: fill_lesson(ctx, lesson, targets)  # noqa: E731
        if lesson.action == "compare":
            event = button.click(fill, None, outputs, js=BUSY_JS, **HIDDEN)
            compare.run_events.append(
                event.then(
                    *compare.run,
                    concurrency_limit=ctx.options.concurrency,
                    concurrency_id="compare",
                    **compare.run_options,
                    **HIDDEN,
                )
            )
        elif lesson.action == "tokens":
            button.click(fill, None, outputs, **HIDDEN)
        elif lesson.action == "context":
            event = button.click(fill, None, outputs, **HIDDEN)
            event = event.then(*context["context"], **HIDDEN)
            if lesson.setup.get("measure"):
                event.then(
                    *context["measure"], concurrency_limit=ctx.options.concurrency, concurrency_id="compare", **HIDDEN
                )
        else:
            event = button.click(fill, None, outputs, js=pipeline["busy_js"], **HIDDEN)
            event = event.then(
                *pipeline["run"], concurrency_limit=ctx.options.concurrency, concurrency_id="compare", **HIDDEN
            )
            event.then(None, None, None, js=pipeline["idle_js"], **HIDDEN)
    # Lesson runs go through the tabs' own run handlers, so each tab's Stop (which signals the engine) stops them too.


def lesson_outputs(lesson: Lesson, targets: LessonTargets) -> list:
    """The components a lesson fills (on its target tab), and the tab strip."""
    tabs, tokens, context, pipeline = targets.tabs, targets.tokens, targets.context, targets.pipeline
    if lesson.action == "compare":
        return targets.compare.targets(*COMPARE_FILLS) + [tabs]
    if lesson.action == "tokens":
        return [tokens["text"], tokens["lesson"], tabs]
    if lesson.action == "context":
        return [context["text"], context["models"], context["reply_tokens"], tabs]
    return [
        pipeline["prompt"],
        pipeline["step1_system"],
        pipeline["step2_system"],
        pipeline["step2_prompt"],
        pipeline["n_pipelines"],
        pipeline["max_tokens"],
        *pipeline["model_dds"],
        tabs,
    ]


def fill_lesson(ctx: PageContext, lesson: Lesson, targets: LessonTargets) -> dict:
    """The lesson's setup on its target tab, which is selected, as {component: value}."""
    if lesson.action == "compare":
        return {**targets.compare.apply(_fill_compare(ctx, lesson)), targets.tabs: gr.Tabs(selected="compare")}
    if lesson.action == "tokens":
        values = _fill_tokens(targets.tokens, lesson)
    else:
        values = _fill_context(ctx, lesson) if lesson.action == "context" else _fill_pipeline(ctx, lesson)
    return dict(zip(lesson_outputs(lesson, targets), values))


def _fill_compare(ctx: PageContext, lesson: Lesson) -> CompareUpdate:
    s = lesson.setup
    columns = s["columns"][: ctx.options.models_cap]
    models = ctx.resolve_models([c.get("model", "local") for c in columns])
    systems = [c.get("system", SHARED_SYSTEM) for c in columns]
    temperatures = [_temperature_choice(c.get("temperature")) for c in columns]
    # The run reads the packed settings, so set them here too rather than wait for the dropdowns' change events.
    return CompareUpdate(
        prompt=s["prompt"],
        system=s.get("system", ""),
        n_columns=len(columns),
        history=empty_history(),
        max_tokens=_max_tokens(ctx, s.get("max_tokens"), KEEP),
        temperature=s.get("temperature", KEEP),
        models=models,
        personas=systems,
        temps=temperatures,
        column_settings=pack_columns(models, systems, temperatures),
    )


def _fill_tokens(tokens: dict, lesson: Lesson) -> list:
    text = lesson.setup["text"]
    note = next((example_note(e) for e in tokens["examples"] if e["text"] == text), "")
    return [text, note, gr.Tabs(selected="tokens")]


def _fill_context(ctx: PageContext, lesson: Lesson) -> list:
    s = lesson.setup
    models = list(dict.fromkeys(ctx.resolve_models(s["models"], keep_unavailable=True)))
    return [s["text"], models, s.get("reply_tokens", gr.skip()), gr.Tabs(selected="context")]


def _fill_pipeline(ctx: PageContext, lesson: Lesson) -> list:
    s, preset = lesson.setup, ctx.pipeline_preset()
    pairs = s["pipelines"][: pipelines_cap(ctx)]
    models = [m for pair in pairs for m in ctx.resolve_models(list(pair))]
    defaults = (
        (preset.example, preset.steps[0].system, preset.steps[1].system, preset.steps[1].prompt)
        if preset
        else ("", "", "", "{previous}")
    )
    texts = [s.get(k) or d for k, d in zip(("prompt", "step1_system", "step2_system", "step2_prompt"), defaults)]
    return [
        *texts,
        len(pairs),
        _max_tokens(ctx, s.get("max_tokens"), gr.skip()),
        *models,
        *[gr.skip()] * (2 * (MAX_PIPELINES - len(pairs))),
        gr.Tabs(selected="pipeline"),
    ]
