"""One request in the batch scheduler, and the KV-cache slot it decodes in."""

from __future__ import annotations

import codecs
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from ..base import ChatRequest, ProviderError
from .lowlevel import KVContext, Sampler

END = object()  # a sequence's last item: nothing more will come


class Sequence:
    """One request in flight: its settings, its place in the KV cache and where its output goes."""

    def __init__(self, request: ChatRequest, emit: Callable[[object], None], stop: threading.Event):
        self.request, self.emit, self.stop = request, emit, stop
        self.client = request.client or ""
        self.arrival = 0
        self.prompt: list[int] | None = None  # set on the decode thread, once tokenised
        self.budget = self.room = self.produced = 0
        self.lane: KVContext | None = None  # the smallest lane whose window holds the prompt and the budget
        self.slot: Slot | None = None
        self.pending: list[int] = []  # tokens to feed at the next step: prompt left to prefill, or the last sample
        self.source: tuple[Slot, int] | None = None  # a slot to copy the prompt's first n tokens from (sharing.py)
        self.sampler: Sampler | None = None
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.place = 0  # the queue place last reported

    def fail(self, exc: BaseException) -> None:
        """End this sequence with an error the column shows."""
        self.emit(exc if isinstance(exc, ProviderError) else ProviderError("local", f"{type(exc).__name__}: {exc}"))
        self.emit(END)


@dataclass
class Slot:
    """One sequence id of one lane; after a request ends its cells stay as a prefix cache for the next one."""

    kv: KVContext
    seq_id: int
    tokens: list[int] = field(default_factory=list)  # what the KV cache holds for this id, from position 0
    busy: Sequence | None = None
    used_at: int = 0


def common_prefix(a: list[int], b: list[int]) -> int:
    """How many leading tokens two token lists share."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
