"""The one place where timing, token counts, rates and cost are measured, for every provider alike."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from providers import prices
from providers.events import Finish, Phase, Usage
from providers.registry import ModelInfo

from .counts import settle_counts
from .result import Result


class StreamMeter:
    """Stamps one stream's events with a monotonic clock and turns them into a Result."""

    def __init__(self, column: str, info: ModelInfo, clock=time.perf_counter):
        self.column = column
        self.info = info
        self._clock = clock
        self.parts: list[str] = []
        self.thinking_parts: list[str] = []
        self.finish: Finish | None = None  # the provider's own end record (finish signal and usage), if it sent one
        self.notes: list[str] = []
        self.sent = False
        self.phase = Phase.WAITING
        self._t0 = self._phase_since = clock()
        self._waits = {Phase.QUEUED: 0.0, Phase.LOADING: 0.0}
        self._first: float | None = None
        self._last: float | None = None
        self._answer_times: list[float] = []
        self._thinking_span: list[float] = []
        self._start = datetime.now(UTC)  # prices are looked up as of the request's day
        self._started_at = self._start.isoformat(timespec="milliseconds")

    @property
    def text(self) -> str:
        """The answer so far."""
        return "".join(self.parts)

    @property
    def reasoning(self) -> str:
        """The thinking so far."""
        return "".join(self.thinking_parts)

    def status(self, phase: Phase, now: float | None = None) -> None:
        """Record a state change; time spent queued or loading is kept apart from time to first token."""
        now = self._clock() if now is None else now
        if self.phase in self._waits:
            self._waits[self.phase] += max(0.0, now - self._phase_since)
        self.phase, self._phase_since = phase, now

    def chunk(self, text: str, thinking: bool = False, at: float | None = None) -> bool:
        """Record streamed text (stamped `at` when the provider knows when it was produced); True for the first."""
        if not text:
            return False
        now = self._clock() if at is None else at
        (self.thinking_parts if thinking else self.parts).append(text)
        if thinking:
            self._thinking_span = [self._thinking_span[0] if self._thinking_span else now, now]
        else:
            self._answer_times.append(now)
        self._last = now
        if self._first is None:
            self._first = now
            self.status(Phase.STREAMING, now)
            return True
        return False

    def _since_start(self, t: float | None) -> float | None:
        if t is None:
            return None
        return t - self._t0 - self._waits[Phase.QUEUED] - self._waits[Phase.LOADING]

    def ttft(self) -> float | None:
        """Time to the first token of any kind (thinking or answer), excluding queueing and model loading."""
        return self._since_start(self._first)

    def answer_ttft(self) -> float | None:
        """Time to the first answer token, excluding queueing and model loading."""
        return self._since_start(self._answer_times[0] if self._answer_times else None)

    @property
    def usage(self) -> Usage | None:
        """The usage the server reported at the end of the stream, if any."""
        return self.finish.usage if self.finish else None

    def now(self) -> float:
        """This meter's clock, for stamping the end before work that is not the stream's (token counting)."""
        return self._clock()

    def result(
        self, counter, messages, error: str | None = None, stopped: bool = False, end: float | None = None
    ) -> Result:
        """Close the measurement at `end` (default: now) and compute every figure."""
        end = self._clock() if end is None else end
        self.status(Phase.STOPPED if stopped else Phase.ERROR if error else Phase.DONE, end)
        answer, thinking = self.text, self.reasoning
        counts = settle_counts(
            self.usage, counter, self.info.id, messages, answer, thinking, own_tokenizer=self.info.own_tokenizer
        )
        request_s = end - self._t0 - self._waits[Phase.QUEUED]  # the request's own time: queueing is not in it
        warnings = list(dict.fromkeys(self.notes)) + counts.warnings  # a retried request may repeat a note
        hidden = bool(counts.reasoning_tokens) and not thinking and counts.output_tokens is not None
        rate = self._rate(counts.output_tokens, hidden)
        if hidden and rate is not None:
            warnings.append("thinking hidden by the provider: tokens/s spans from the request, not the first token")
        timings, dropped = _plausible(self.usage.server_timings if self.usage else {}, request_s)
        if dropped:
            warnings.append(f"server timings dropped as implausible: {', '.join(dropped)}")
        status = Phase.STOPPED if stopped else Phase.ERROR if error else Phase.DONE
        if status == Phase.DONE:
            ending = self._ending_warnings(answer, thinking)
            warnings += ending
            status = Phase.WARNING if ending else status
        cached = self._cached(counts.input_tokens)
        cost, cost_note = self._cost(counts.input_tokens, counts.output_tokens, *cached)
        itl = [(b - a) * 1000 for a, b in zip(self._answer_times, self._answer_times[1:])]
        note = {
            "reported": "exact: reported by the provider",
            "disputed": "disputed: the provider's count and a local count differ",
        }.get(counts.source)
        return Result(
            column=self.column,
            model=self.info.id,
            text=answer,
            error=error,
            status=status,
            ttft_s=self.ttft(),
            answer_ttft_s=self.answer_ttft(),
            total_s=request_s,
            queue_s=self._waits[Phase.QUEUED] or None,
            load_s=self._waits[Phase.LOADING] or None,
            input_tokens=counts.input_tokens,
            output_tokens=counts.output_tokens,
            reasoning_tokens=counts.reasoning_tokens,
            cache_read_tokens=cached[0] or None,
            cache_write_tokens=cached[1] or None,
            tokens_exact=counts.source == "reported",
            tokens_source=counts.source,
            token_note=note or "; ".join(dict.fromkeys(counts.notes)) or "estimated locally",
            local_input_tokens=counts.local_input,
            local_output_tokens=counts.local_output,
            tokens_per_s=rate,
            itl_p50_ms=_percentile(itl, 50),
            itl_p95_ms=_percentile(itl, 95),
            cost_usd=cost,
            cost_note=cost_note,
            price_source=(self.info.price_source or "") if cost else "",
            context_window=self.info.context_window,
            server_timings=timings,
            started_at=self._started_at,
            reasoning=thinking,
            reasoning_s=self._thinking_seconds(),
            finish_reason=self.finish.reason if self.finish else None,
            warnings=warnings,
        )

    def _rate(self, output_tokens: int | None, hidden_reasoning: bool) -> float | None:
        """All output tokens over the span from the first token of any kind to the last (from the request when the
        provider hid its thinking, which happened before the first visible token)."""
        start = self._t0 + self._waits[Phase.QUEUED] + self._waits[Phase.LOADING] if hidden_reasoning else self._first
        if start is None or self._last is None or not output_tokens or self._last <= start:
            return None
        return output_tokens / (self._last - start)

    def _thinking_seconds(self) -> float | None:
        if not self._thinking_span:
            return None
        end = self._answer_times[0] if self._answer_times else self._thinking_span[-1]
        return max(0.0, end - self._thinking_span[0])

    def _ending_warnings(self, answer: str, thinking: str) -> list[str]:
        out = []
        reason = self.finish.reason if self.finish else None
        raw = self.finish.raw if self.finish else ""
        if reason is None:
            out.append("no finish signal: the stream ended without the provider's end marker")
        elif reason == "length":
            out.append("cut off: the context window is full" if raw == "context_window" else "cut off by max tokens")
        elif reason == "content_filter":
            out.append(f"stopped by the provider ({raw or 'content filter'})")
        if not answer.strip():
            out.append("empty reply: all output went to thinking" if thinking.strip() else "empty reply")
        return out

    def _cached(self, input_tokens: int | None) -> tuple[int, int]:
        """(cache read, cache write) tokens, when the input count shown is the server's own (0 otherwise)."""
        usage = self.usage
        if usage is None or input_tokens is None or usage.input_tokens != input_tokens:
            return 0, 0
        return usage.cache_read_tokens or 0, usage.cache_write_tokens or 0

    def _cost(
        self, input_tokens: int | None, output_tokens: int | None, cache_read: int = 0, cache_write: int = 0
    ) -> tuple[float | None, str]:
        """Declared prices charge every input token alike; the table charges cached tokens at their own rates."""
        info = self.info
        if not self.sent:
            return None, "not sent"
        if info.input_per_m is None or info.output_per_m is None:
            return None, info.price_note or "no price known for this model"
        if input_tokens is None:
            return None, "no token counts"
        if info.table is None:
            return (input_tokens * info.input_per_m + (output_tokens or 0) * info.output_per_m) / 1e6, ""
        usage = prices.PricedUsage(input_tokens, output_tokens or 0, cache_read, cache_write)
        try:
            return prices.cost(info.table, usage, self._start), ""
        except (LookupError, ValueError) as exc:  # e.g. more cached tokens reported than the whole prompt
            return None, f"the {prices.label()} could not price this usage: {exc}"


def _plausible(timings: dict[str, float], request_s: float) -> tuple[dict[str, float], list[str]]:
    """Server timings that are positive and no longer than the request itself."""
    kept = {k: v for k, v in timings.items() if 0 < v <= request_s}
    return kept, [f"{k} {v:.3g} s" for k, v in timings.items() if k not in kept]


def _percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
