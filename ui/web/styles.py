"""The page's CSS: compact chrome, reply-first columns, status marks, presentation mode, phone and contrast fixes.

The rules live in ui/web/static/page.css (the Arena's room: arena.css), section by section, each with why it is
there."""

from __future__ import annotations

from ui.web.assets import static_text

CSS = static_text("page.css") + static_text("arena.css")
