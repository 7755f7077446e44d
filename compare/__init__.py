"""The comparison engine: fan-out runner, metrics, token counting and input checks (no UI imports)."""

from providers.base import Message

from .metrics import Result
from .runner import Column, Comparison, Delta, Finished, StateChange


def make_messages(prompt: str, system: str | None = None, history: list[Message] | tuple = ()) -> tuple[Message, ...]:
    """System prompt first (if any), then earlier turns, then the new user prompt."""
    head = (Message("system", system),) if system and system.strip() else ()
    return head + tuple(history) + (Message("user", prompt),)


__all__ = ["Column", "Comparison", "Delta", "Finished", "Message", "Result", "StateChange", "make_messages"]
