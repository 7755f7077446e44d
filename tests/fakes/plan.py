"""What one reply streams and reports: thinking and answer pieces after the max-tokens cap, counts, the finish."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .behaviour import Behaviour, count_tokens, last_user_text, prompt_tokens


@dataclass
class Plan:
    """The pieces to send (thinking first), whether the cap cut them, and the token counts to report."""

    thinking: list[str]
    content: list[str]
    truncated: bool
    n_in: int
    n_out: int
    n_reasoning: int

    def items(self) -> list[tuple[str, str]]:
        """("thinking" | "text", piece) pairs in streaming order."""
        return [("thinking", p) for p in self.thinking] + [("text", p) for p in self.content]

    def text(self, beh: Behaviour) -> str:
        """The whole answer text (the reply itself unless the cap cut it)."""
        return "".join(self.content) if self.truncated or beh.echo_prompt else beh.reply

    def finish(self, beh: Behaviour, normal: str, length: str) -> str:
        """The finish value: the override, else `length` when cut, else the protocol's `normal`."""
        return beh.finish if beh.finish is not None else (length if self.truncated else normal)


def int_param(value: Any) -> int | None:
    """A request's integer parameter, or None when absent or not an integer."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def make_plan(beh: Behaviour, body: Any, *, thinking: bool, hidden: int = 0, cap: int | None = None) -> Plan:
    """Plan a reply: `thinking` streams the reasoning, `hidden` reasoning tokens are only counted, `cap` limits all."""
    think = beh.reasoning_pieces() if thinking else []
    content = beh._split(f"{last_user_text(body)} {beh.reply}") if beh.echo_prompt else beh.pieces()
    truncated = False
    if beh.honor_max_tokens and cap is not None:
        # Real servers spend the budget on reasoning first; the answer gets what is left.
        cap = max(cap, 0)
        truncated = hidden + len(think) + len(content) > cap
        hidden = min(hidden, cap)
        think = think[: cap - hidden]
        content = content[: cap - hidden - len(think)]
    shown_thinking = count_tokens("".join(think)) if think else 0
    n_reasoning = beh.reasoning_tokens if beh.reasoning_tokens is not None else hidden + shown_thinking
    n_in = beh.input_tokens if beh.input_tokens is not None else prompt_tokens(body)
    n_out = beh.output_tokens if beh.output_tokens is not None else count_tokens("".join(content)) + n_reasoning
    if truncated and beh.output_tokens is None:  # as real servers: a reply the cap cut made exactly that many tokens
        n_out = cap or 0
    return Plan(think, content, truncated, n_in, n_out, n_reasoning)
