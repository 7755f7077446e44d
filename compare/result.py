"""One column's final record: reply, thinking, error, how it ended, timings, tokens and cost."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from providers.events import END_PHASES, Phase


@dataclass
class Result:
    """The final record of one column (see the README's formulas); `status` is how it ended, one of END_PHASES."""

    column: str
    model: str
    text: str = ""
    error: str | None = None
    status: Phase = Phase.DONE  # done, warning (incomplete or empty), error or stopped
    ttft_s: float | None = None
    answer_ttft_s: float | None = None
    total_s: float | None = None
    queue_s: float | None = None
    load_s: float | None = None
    input_tokens: int | None = None  # the whole prompt, cached tokens included
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cache_read_tokens: int | None = None  # the share of input_tokens read from the provider's prompt cache
    cache_write_tokens: int | None = None  # ... and written to it
    tokens_exact: bool = False
    tokens_source: str = "estimated"
    token_note: str = ""
    local_input_tokens: int | None = None
    local_output_tokens: int | None = None
    tokens_per_s: float | None = None
    itl_p50_ms: float | None = None
    itl_p95_ms: float | None = None
    cost_usd: float | None = None
    cost_note: str = ""
    price_source: str = ""  # prices.label() (the genai-prices table and its date) or "prices from compare.toml"
    context_window: int | None = None
    server_timings: dict[str, float] = field(default_factory=dict)
    started_at: str = ""
    reasoning: str = ""
    reasoning_s: float | None = None
    finish_reason: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def stopped(self) -> bool:
        """Whether Stop (or a closed client) cut this column short."""
        return self.status == Phase.STOPPED

    @property
    def ok(self) -> bool:
        """Finished without an error and was not stopped (a warning still counts)."""
        return self.status in (Phase.DONE, Phase.WARNING)

    def to_json(self) -> dict:
        """A JSON-ready dict (the CLI's --json line, the API's output, saved runs); `stopped` is spelled out."""
        data = asdict(self)
        data["status"] = str(self.status)
        at = list(data).index("status")
        items = list(data.items())
        return dict(items[:at] + [("stopped", self.stopped)] + items[at:])

    @classmethod
    def from_json(cls, data: dict) -> Result:
        """A stored result read back: unknown fields ignored, an unknown status read from its error and stopped flag."""
        known = {k: v for k, v in data.items() if k in _FIELDS}
        status = known.get("status")
        if status not in END_PHASES:
            status = Phase.STOPPED if data.get("stopped") else Phase.ERROR if data.get("error") else Phase.DONE
        return cls(**{"column": "", "model": "?", **known, "status": Phase(status)})


_FIELDS = {f.name for f in fields(Result)}
