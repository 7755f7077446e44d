"""Prompts that begin alike are read once: one sequence reads the shared beginning, the others copy its KV cells.

Several columns of one model usually get the same prompt (and often the same system prompt): eight columns read
eight copies of it, which cost 8x reading one (prompt reading is compute-bound and linear in tokens). llama.cpp
copies a sequence's cells to another sequence's stream in a few milliseconds, about what reading two or three tokens
costs, so a beginning of at least MIN_SHARED tokens is read by the first sequence and copied into the others.
"""

from __future__ import annotations

from enum import Enum

from .sequence import Sequence, Slot, common_prefix

MIN_SHARED = 16  # tokens a copy must save over what a sequence's own slot already holds


class Source(Enum):
    """What a sequence that follows another does this step."""

    COPY = "copy"  # the source holds the shared tokens: copy them, then read the rest
    WAIT = "wait"  # the source is still reading them: feed nothing this step
    READ = "read"  # the source will not have them (stopped, or its slot moved on): read them yourself


def pick_source(seq: Sequence, keep: int, lane_slots: list[Slot]) -> tuple[Slot, int] | None:
    """The slot of seq's lane to copy the prompt's beginning from, and how many tokens it gives, when that beats the
    `keep` tokens seq's own slot already holds by MIN_SHARED; a slot counts for what it holds or is reading now."""
    prompt = seq.prompt or []
    best: tuple[Slot, int] | None = None
    for slot in lane_slots:
        if slot is seq.slot:
            continue
        shared = common_prefix(slot.tokens, prompt)
        reader = slot.busy
        if reader is not None and reader.source is None and reader.prompt is not None:
            shared = max(shared, common_prefix(reader.prompt, prompt))
        shared = min(shared, len(prompt) - 1)  # the last prompt token is always read: it gives the first logits
        if shared - keep >= MIN_SHARED and (best is None or shared > best[1]):
            best = (slot, shared)
    return best


def source_state(seq: Sequence, written: set[int], read: set[int]) -> Source:
    """What seq, which follows seq.source, does this step. `written` and `read` hold the ids of the slots copied
    into and from so far this step: llama.cpp makes the copies at the start of the step, in order, so a slot is
    neither copied from after it was written nor written after it was copied from until the next step."""
    assert seq.source is not None and seq.prompt is not None and seq.slot is not None
    slot, shared = seq.source
    if id(slot) in written or id(seq.slot) in read:
        return Source.WAIT
    if len(slot.tokens) >= shared and slot.tokens[:shared] == seq.prompt[:shared]:
        return Source.COPY
    reader = slot.busy
    if reader is None or reader.source is not None or common_prefix(reader.prompt or [], seq.prompt) < shared:
        return Source.READ
    return Source.WAIT
