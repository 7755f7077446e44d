"""What one Compare column shows while its runs stream, and one frame of the whole tab."""

from __future__ import annotations

from dataclasses import dataclass, field

from compare.result import Result
from providers.base import Message
from providers.events import Chunk, Phase, Status
from ui.names import N_SLOTS
from ui.render import result_line, status_line, thinking_block, thinking_head, untrusted_markdown
from ui.tabs.compare_view import CompareUpdate


@dataclass
class ColumnView:
    """What one column shows while its stream runs: its conversation so far, the reply growing, a status line."""

    model_id: str
    earlier: list[Message]
    prompt: str
    parts: list[str] = field(default_factory=list)
    thinking: list[str] = field(default_factory=list)
    thinking_head: str = "Thinking…"
    meta: str = ""
    run: int = 1  # which of the column's runs it shows
    runs: int = 1

    def take(self, run: int, event, live_ttft: float | None = None) -> None:
        """Fold one engine event of run `run` into the view (a new run starts the reply over)."""
        if run != self.run:
            self.run, self.parts, self.thinking = run, [], []
            self.meta = status_line(Phase.WAITING, f"run {run} of {self.runs}")
        if isinstance(event, Chunk):
            (self.thinking if event.thinking else self.parts).append(event.text)
        elif isinstance(event, Status):
            self.meta = status_line(event.phase, event.detail, live_ttft)
        elif isinstance(event, Result):
            self.show(event)

    def show(self, result: Result) -> None:
        """Show a column's final result: its answer, folded thinking and stats line."""
        self.parts, self.thinking = [result.text], [result.reasoning]
        self.thinking_head = thinking_head(result)
        self.meta = result_line(result)
        if self.runs > 1:
            self.meta = f"run {self.run} of {self.runs} · {self.meta}"

    def reply_markdown(self) -> str:
        """The column's conversation, earlier turns first, as sanitised Markdown (thinking folded above the reply)."""
        reply = transcript(self.earlier, self.prompt, "".join(self.parts))
        return thinking_block(self.thinking_head, "".join(self.thinking)) + reply


def transcript(earlier: list[Message], prompt: str, reply: str) -> str:
    """A column's visible conversation; a single turn shows just the reply."""
    if not earlier:
        return untrusted_markdown(reply)
    turns = [f"**{'You' if m.role == 'user' else 'Model'}:** {m.content}" for m in earlier]
    turns += [f"**You:** {prompt}", f"**Model:** {reply}"]
    return untrusted_markdown("\n\n".join(turns))


def frame(views: dict[int, ColumnView], banner: str, history, record) -> CompareUpdate:
    """One full update of a streaming run: every column's reply and status line, banner, history, run record."""
    replies = [views[s].reply_markdown() if s in views else "" for s in range(N_SLOTS)]
    metas = [views[s].meta if s in views else "" for s in range(N_SLOTS)]
    return CompareUpdate(replies=replies, metas=metas, banner=banner, history=history, record=record)


def empty_history() -> list[list[Message]]:
    """One empty conversation per column slot."""
    return [[] for _ in range(N_SLOTS)]
