"""A banner on the tab a lesson ran in: the lesson's title and explanation stay in view, with a way back."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from compare.lessons import Lesson
from ui.render import escape_md

HIDDEN = dict(show_progress="hidden", api_visibility="private")


@dataclass
class LessonBanner:
    """One tab's banner: a row (hidden until a lesson runs there), its text, and its two buttons."""

    row: gr.Row
    text: gr.Markdown
    back: gr.Button
    close: gr.Button


def build_lesson_banner(tab: str) -> LessonBanner:
    """Lay out a hidden banner at the top of the current tab."""
    with gr.Row(
        visible=False, elem_id=f"lesson-banner-{tab}", elem_classes=["lesson-banner"], equal_height=True
    ) as row:
        text = gr.Markdown(elem_id=f"lesson-banner-text-{tab}")
        back = gr.Button("Back to the lesson", size="sm", scale=0, min_width=150, elem_id=f"lesson-back-{tab}")
        close = gr.Button("Hide", size="sm", scale=0, min_width=70, elem_id=f"lesson-hide-{tab}")
    return LessonBanner(row, text, back, close)


def banner_text(number: int, lesson: Lesson) -> str:
    """The banner's Markdown: the lesson's number, title and explanation."""
    return f"**Lesson {number}: {escape_md(lesson.title)}** — {lesson.explanation}"


def wire_banner(banner: LessonBanner, tabs: gr.Tabs) -> None:
    """Back returns to the Lessons tab (the banner stays for when you come back); Hide closes it."""
    banner.back.click(lambda: gr.Tabs(selected="lessons"), None, [tabs], **HIDDEN)
    banner.close.click(lambda: gr.Row(visible=False), None, [banner.row], **HIDDEN)
