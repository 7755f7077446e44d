"""Split `<think>…</think>` at the start of a reply (local GGUF reasoning models, servers with no reasoning parser)."""

from __future__ import annotations

OPEN, CLOSE = "<think>", "</think>"


class ThinkTagSplitter:
    """Feed answer text as it streams; get back (text, is_thinking) pieces with the tags removed.

    Only a reply that opens with <think> (after whitespace) is split, so a reply that merely mentions the tag
    later is left alone. Tags may arrive split across chunks, so a possible partial tag is held back.
    """

    def __init__(self):
        self._state = "start"  # start -> thinking -> answer
        self._held = ""

    def feed(self, text: str) -> list[tuple[str, bool]]:
        """Pieces ready to show for this chunk of text."""
        buf = self._held + text
        self._held = ""
        if self._state == "start":
            stripped = buf.lstrip()
            if stripped.startswith(OPEN):
                self._state, buf = "thinking", stripped[len(OPEN) :]
            elif OPEN.startswith(stripped):
                self._held = buf  # could still become "<think>"
                return []
            else:
                self._state = "answer"
        if self._state == "thinking":
            end = buf.find(CLOSE)
            if end < 0:
                keep = _partial_suffix(buf, CLOSE)
                self._held, buf = buf[len(buf) - keep :] if keep else "", buf[: len(buf) - keep]
                return [(buf, True)] if buf else []
            self._state = "answer"
            thinking, rest = buf[:end], buf[end + len(CLOSE) :].lstrip("\n")
            return [p for p in ((thinking, True), (rest, False)) if p[0]]
        return [(buf, False)] if buf else []

    def flush(self) -> list[tuple[str, bool]]:
        """Whatever was held back, at the end of the stream."""
        held, self._held = self._held, ""
        return [(held, self._state == "thinking")] if held else []


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of `text` that is a start of `tag`."""
    for n in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:n]):
            return n
    return 0
