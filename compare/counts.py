"""Where each token count comes from: reported by the server, disputed by a local count, or estimated locally."""

from __future__ import annotations

from dataclasses import dataclass, field

from providers.events import Usage

DISPUTE_SHARE = 0.25  # a server count is disputed when it differs from ours by more than 25% ...
DISPUTE_TOKENS = 10  # ... and by more than 10 tokens


@dataclass
class Counts:
    """The counts a Result shows, their source, and the local counts they were checked against."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    source: str = "estimated"  # "reported", "disputed" or "estimated"
    notes: list[str] = field(default_factory=list)
    local_input: int | None = None
    local_output: int | None = None
    warnings: list[str] = field(default_factory=list)


def disputed(reported: int, local: int) -> bool:
    """Whether a reported count and a local count of the same text disagree beyond tokenizer differences."""
    gap = abs(reported - local)
    return gap > DISPUTE_TOKENS and gap > DISPUTE_SHARE * local


def settle_counts(
    usage: Usage | None, counter, model_id: str, messages, answer: str, thinking: str, own_tokenizer: bool
) -> Counts:
    """Pick each count (the server's when it gave one) and check it against a local count of the same text.

    own_tokenizer: the reported counts come from the model's own tokenizer run here (the embedded model), so
    there is nothing to check them against.
    """
    usage = usage or Usage()
    out = Counts(usage.input_tokens, usage.output_tokens, usage.reasoning_tokens)
    if counter is None:
        out.source = "reported" if out.input_tokens is not None and out.output_tokens is not None else "estimated"
        return out
    if own_tokenizer and out.input_tokens is not None and out.output_tokens is not None:
        out.source = "reported"
        if thinking and out.reasoning_tokens is None:
            out.reasoning_tokens = counter.count_text(model_id, thinking).count
        out.reasoning_tokens = out.reasoning_tokens or 0
        return out
    local_in = counter.count_messages(model_id, messages)
    local_answer = counter.count_text(model_id, answer)
    local_thinking = counter.count_text(model_id, thinking).count if thinking else 0
    out.local_input, out.local_output = local_in.count, local_answer.count + local_thinking
    out.notes = [n for n in (local_in.note, local_answer.note) if n]
    if out.reasoning_tokens is None:
        out.reasoning_tokens = local_thinking
    if out.input_tokens is None or out.output_tokens is None:
        out.input_tokens = local_in.count if out.input_tokens is None else out.input_tokens
        out.output_tokens = out.local_output if out.output_tokens is None else out.output_tokens
        out.source = "estimated"
        return out
    out.source = "reported"
    if disputed(out.input_tokens, out.local_input):
        out.source = "disputed"
        out.warnings.append(
            f"disputed input count: the server says {out.input_tokens:,}, counted here ~{out.local_input:,}"
        )
    hidden = out.reasoning_tokens if (usage.reasoning_tokens and not thinking) else 0
    visible = out.output_tokens - hidden  # hidden reasoning was never shown, so it cannot be counted here
    # A summarised thinking stream bills more than it shows: only a count below the visible text is suspect.
    suspect = visible < out.local_output if usage.summarised_reasoning else True
    if suspect and disputed(visible, out.local_output):
        out.source = "disputed"
        out.warnings.append(f"disputed output count: the server says {visible:,}, counted here ~{out.local_output:,}")
    return out
