"""Columns whose prompts begin alike read the shared beginning once; the others copy it and reply as if alone."""

from __future__ import annotations

import pytest

from providers.base import ChatRequest, Message
from providers.local.engine import LocalEngine
from providers.local.lowlevel import N_BATCH
from providers.local.sharing import MIN_SHARED
from providers.settings import LocalModel, smollm2_path
from tests.engine_helpers import decode_together

STORY = (Message("system", "Be brief."), Message("user", "Write a long story about a dragon."))


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    engine = LocalEngine(LocalModel("smollm2", smollm2_path()))
    engine.warm()
    return engine


def greedy(messages=STORY, max_tokens: int = 12) -> ChatRequest:
    return ChatRequest("smollm2", messages, temperature=0.0, max_tokens=max_tokens)


def largest_step(engine: LocalEngine, before: list[list]) -> int:
    """The most tokens any step since `before` (the governor's step rows) carried."""
    old = {(tokens, threads): count for tokens, threads, count, _ in before}
    now = engine.governor.describe()["steps"]
    return max(tokens for tokens, threads, count, _ in now if count > old.get((tokens, threads), 0))


def test_four_columns_with_one_prompt_read_it_once_and_each_replies_as_it_would_alone(engine):
    prompt = engine.prompt_tokens(greedy())
    engine.forget_cache()
    [alone] = decode_together(engine, [greedy()])
    engine.forget_cache()
    reused, steps = engine.scheduler.reused_tokens, engine.governor.describe()["steps"]
    together = decode_together(engine, [greedy() for _ in range(4)])
    assert together == [alone] * 4
    assert engine.scheduler.reused_tokens - reused == 3 * (len(prompt) - 1), "three columns copied all but its end"
    assert largest_step(engine, steps) < 2 * len(prompt), "no step read the prompt twice"


def test_prompts_that_part_early_are_each_read_in_full(engine):
    other = (Message("system", "Answer in French."), STORY[1])
    shared = sum(a == b for a, b in zip(engine.prompt_tokens(greedy()), engine.prompt_tokens(greedy(other))))
    assert shared < MIN_SHARED, "the chat template puts the system prompt first: little is shared"
    engine.forget_cache()
    reused = engine.scheduler.reused_tokens
    decode_together(engine, [greedy(), greedy(other)])
    assert engine.scheduler.reused_tokens == reused


def test_a_column_whose_source_stops_before_reading_the_shared_part_reads_it_itself(engine):
    long = (Message("user", "Summarise this: " + "the dragon slept on the hill. " * 120),)
    assert len(engine.prompt_tokens(greedy(long))) > N_BATCH, "the source needs two steps to read it"
    engine.forget_cache()
    [alone] = decode_together(engine, [greedy(long)])
    engine.forget_cache()
    stopped, follower = decode_together(engine, [greedy(long), greedy(long)], stop_on_start={0})
    assert stopped == "" and follower == alone
