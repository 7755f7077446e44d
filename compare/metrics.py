"""The one place where timing, token counts, rates and cost are measured, for every provider alike."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from providers.base import Phase, Usage
from providers.registry import ModelInfo


@dataclass
class Result:
    """The final record of one column: reply, error, timings, tokens and cost."""

    column: str
    model: str
    text: str = ""
    error: str | None = None
    stopped: bool = False
    ttft_s: float | None = None
    total_s: float | None = None
    queue_s: float | None = None
    load_s: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    tokens_exact: bool = False
    token_note: str = ""
    tokens_per_s: float | None = None
    cost_usd: float | None = None
    context_window: int | None = None
    server_timings: dict[str, float] = field(default_factory=dict)
    started_at: str = ""

    def to_json(self) -> dict:
        """A JSON-ready dict (the CLI's --json line and the API's output)."""
        return asdict(self)


class StreamMeter:
    """Stamps one stream's events with a monotonic clock and turns them into a Result."""

    def __init__(self, column: str, info: ModelInfo, clock=time.perf_counter):
        self.column = column
        self.info = info
        self._clock = clock
        self.parts: list[str] = []
        self.usage: Usage | None = None
        self.phase = Phase.WAITING
        self._t0 = self._phase_since = clock()
        self._waits = {Phase.QUEUED: 0.0, Phase.LOADING: 0.0}
        self._first: float | None = None
        self._last: float | None = None
        self._started_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")

    @property
    def text(self) -> str:
        """The reply so far."""
        return "".join(self.parts)

    def status(self, phase: Phase, now: float | None = None) -> None:
        """Record a state change; time spent queued or loading is kept apart from time to first token."""
        now = self._clock() if now is None else now
        if self.phase in self._waits:
            self._waits[self.phase] += now - self._phase_since
        self.phase, self._phase_since = phase, now

    def delta(self, text: str) -> bool:
        """Record a text delta; returns True for the first non-empty one."""
        if not text:
            return False
        now = self._clock()
        self.parts.append(text)
        self._last = now
        if self._first is None:
            self._first = now
            self.status(Phase.STREAMING, now)
            return True
        return False

    def ttft(self) -> float | None:
        """Time to first token so far (None before it), excluding queueing and model loading."""
        if self._first is None:
            return None
        return self._first - self._t0 - self._waits[Phase.QUEUED] - self._waits[Phase.LOADING]

    def record_usage(self, usage: Usage) -> None:
        """Keep the server-reported usage (exact counts)."""
        self.usage = usage

    def finish(self, counter, messages, error: str | None = None, stopped: bool = False) -> Result:
        """Close the measurement and compute every figure."""
        end = self._clock()
        self.status(Phase.STOPPED if stopped else Phase.ERROR if error else Phase.DONE, end)
        text = self.text
        reported_in = self.usage.input_tokens if self.usage else None
        reported_out = self.usage.output_tokens if self.usage else None
        notes = []
        input_tokens, output_tokens = reported_in, reported_out
        if input_tokens is None and counter is not None:
            estimate = counter.count_messages(self.info.id, messages)
            input_tokens, notes = estimate.count, notes + [estimate.note]
        if output_tokens is None and counter is not None:
            estimate = counter.count_text(self.info.id, text)
            output_tokens, notes = estimate.count, notes + [estimate.note]
        exact = reported_in is not None and reported_out is not None
        rate = None
        if self._first is not None and self._last is not None and output_tokens and self._last > self._first:
            rate = output_tokens / (self._last - self._first)
        cost = None
        if self.info.input_per_m is not None and self.info.output_per_m is not None and input_tokens is not None:
            cost = (input_tokens * self.info.input_per_m + (output_tokens or 0) * self.info.output_per_m) / 1e6
        return Result(
            column=self.column, model=self.info.id, text=text, error=error, stopped=stopped,
            ttft_s=self.ttft(),
            total_s=end - self._t0, queue_s=self._waits[Phase.QUEUED] or None, load_s=self._waits[Phase.LOADING] or None,
            input_tokens=input_tokens, output_tokens=output_tokens, tokens_exact=exact,
            token_note="exact: reported by the provider" if exact else "; ".join(dict.fromkeys(n for n in notes if n)) or "partly reported",
            tokens_per_s=rate, cost_usd=cost, context_window=self.info.context_window,
            server_timings=dict(self.usage.server_timings) if self.usage else {}, started_at=self._started_at)
