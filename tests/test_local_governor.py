"""The decode-thread governor: a stalled step makes the engine use fewer threads, a quiet spell brings them back.

Time is a fake step clock: each fake step says how long it took with the threads it was given, so "another
process took a core" and "the machine is quiet again" are exact, not timing-dependent.
"""

from __future__ import annotations

import pytest

from providers.base import ChatRequest, Message
from providers.local.engine import LocalEngine
from providers.local.governor import (
    CHECK_EVERY,
    CHECKED_UP_TO,
    FIRST_PAUSE,
    LONGEST_PAUSE,
    ThreadGovernor,
    thread_setting,
)
from providers.local.idle import IdleCores
from providers.local.lowlevel import KVContext, Sampler
from providers.settings import LocalModel, smollm2_path
from tests.engine_helpers import decode_together

QUIET = {1: 0.010, 2: 0.006}  # seconds a one-token step takes with 1 or 2 threads on a quiet machine
BUSY = {1: 0.011, 2: 0.400}  # another process on one core: two threads stall at every barrier, one does not


class FakeMachine:
    """A clock, idle cores as the kernel would count them, and a batch whose decode takes what the current load
    says for the threads it was given."""

    def __init__(self):
        self.now = 100.0
        self.load = QUIET
        self.free: float | None = 1.0  # idle cores since the governor last looked
        self.n = 1
        self.threads = 0
        self.used: list[int] = []

    def clock(self) -> float:
        return self.now

    def free_cores(self) -> float | None:
        return self.free

    def busy(self) -> None:
        self.load, self.free = BUSY, 0.05

    def quiet(self) -> None:
        self.load, self.free = QUIET, 1.0

    def use_threads(self, n: int) -> None:
        self.threads = n

    def decode(self) -> None:
        self.used.append(self.threads)
        self.now += self.load[self.threads]

    def steps(self, governor: ThreadGovernor, count: int, ceiling: int | None = None) -> list[int]:
        """Decode `count` steps; the thread counts they used."""
        start = len(self.used)
        for _ in range(count):
            governor.decode(self, ceiling)
        return self.used[start:]

    def wait(self, seconds: float) -> None:
        self.now += seconds


def governed() -> tuple[FakeMachine, ThreadGovernor]:
    machine = FakeMachine()
    return machine, ThreadGovernor(2, clock=machine.clock, free_cores=machine.free_cores)


def test_a_stalled_step_drops_a_thread_and_a_quiet_spell_brings_it_back():
    machine, governor = governed()
    assert machine.steps(governor, 5) == [2, 1, 2, 2, 2], "every core, after one step that learns one thread's pace"
    machine.busy()
    assert machine.steps(governor, 4) == [2, 1, 1, 1], "one stalled step, then one thread"
    assert governor.stalls == 1
    machine.quiet()
    machine.wait(FIRST_PAUSE)
    assert machine.steps(governor, 3) == [2, 2, 2], "after the pause a core is free: a try holds, back to two"
    assert governor.threads == 2 and governor.tries == 1


def test_a_machine_busy_from_the_start_costs_two_slow_steps_not_the_reply():
    machine, governor = governed()
    machine.busy()
    assert machine.steps(governor, 6) == [2, 1, 2, 1, 1, 1], "every two-thread step is slow: no quick one to learn"
    assert governor.stalls == 1


def test_a_quiet_machine_checks_one_thread_fewer_now_and_then_and_never_on_long_prompt_steps():
    machine, governor = governed()
    start = machine.now
    while machine.now < start + 120:
        machine.steps(governor, 1)
    checks = machine.used.count(1)
    assert governor.stalls == 0 and 120 / CHECK_EVERY - 2 <= checks <= 120 / CHECK_EVERY + 2
    assert checks / len(machine.used) < 0.005, "under half a percent of steps, each ~1.5x a two-thread step"
    machine.n = CHECKED_UP_TO + 1
    assert set(machine.steps(governor, 400)) == {2}, "a step reading a prompt would cost ~2x: not checked"


def test_while_the_core_stays_busy_no_step_pays_for_a_try():
    machine, governor = governed()
    machine.steps(governor, 3)
    machine.busy()
    machine.steps(governor, 1)  # the stall
    while machine.now < 200:
        machine.steps(governor, 1)
    assert set(machine.used[4:]) == {1}, "the kernel's counters show no idle core: no try"
    assert governor.looks >= 100 / LONGEST_PAUSE and governor.tries == 0
    machine.quiet()
    machine.wait(FIRST_PAUSE)
    assert machine.steps(governor, 2) == [2, 2], "the core is free again: two threads"


@pytest.mark.parametrize("free", [1.0, None], ids=["a core looks idle", "idle time unknown"])
def test_when_tries_keep_stalling_they_come_ever_less_often(free):
    machine, governor = governed()
    machine.steps(governor, 3)
    machine.busy()
    machine.free = free  # the counters say a core is idle (or cannot say), yet two threads stall
    machine.steps(governor, 1)
    tries: list[float] = []
    while machine.now < 200:
        before = machine.now
        if machine.steps(governor, 1) == [2]:
            tries.append(before)
    gaps = [round(b - a, 1) for a, b in zip(tries, tries[1:])]
    assert gaps[:4] == sorted(gaps[:4]) and gaps[0] < gaps[3], f"the pause grows: {gaps}"
    assert max(gaps) <= LONGEST_PAUSE + 0.5 and gaps[-1] >= LONGEST_PAUSE, f"and stops growing at its cap: {gaps}"
    assert len(tries) / machine.used.count(1) < 0.01, "well under 1% of steps pay for a try"


def test_a_thread_added_back_that_stalls_at_once_waits_longer_before_the_next_try():
    machine, governor = governed()
    machine.steps(governor, 3)
    machine.busy()
    machine.steps(governor, 1)
    machine.wait(FIRST_PAUSE)
    machine.quiet()
    assert machine.steps(governor, 1) == [2], "a quiet moment: the try holds"
    machine.busy()
    machine.free = 1.0
    assert machine.steps(governor, 2) == [2, 1], "but the next step stalls"
    machine.wait(FIRST_PAUSE)
    assert machine.steps(governor, 1) == [1], "so the next try waits longer than the first pause"
    machine.wait(FIRST_PAUSE)
    assert machine.steps(governor, 1) == [2]


def test_steps_that_grow_slower_as_the_context_grows_are_followed_not_taken_for_stalls():
    machine, governor = governed()
    for step in range(2000):  # each step 0.05% dearer than the last: 2.7x over 2,000 tokens
        machine.load = {threads: seconds * 1.0005**step for threads, seconds in QUIET.items()}
        machine.steps(governor, 1)
    assert governor.stalls == 0 and machine.used.count(2) > 0.99 * len(machine.used)


def test_the_ceiling_from_other_engines_caps_the_threads_without_counting_as_a_stall():
    machine, governor = governed()
    assert machine.steps(governor, 2, ceiling=1) == [1, 1]
    assert governor.stalls == 0 and governor.threads == 1
    assert machine.steps(governor, 2, ceiling=2) == [2, 2], "the other engine finished: both cores again"


def test_a_fixed_thread_count_never_changes():
    machine = FakeMachine()
    governor = ThreadGovernor(2, adaptive=False, clock=machine.clock, free_cores=machine.free_cores)
    machine.busy()
    assert machine.steps(governor, 4) == [2] * 4 and governor.stalls == 0


def test_idle_cores_are_counted_from_the_kernel_counters_of_the_cores_we_may_use(tmp_path):
    stat = tmp_path / "stat"

    def write(cpu0: tuple[int, int], cpu1: tuple[int, int], cpu2: tuple[int, int]) -> None:
        rows = [f"cpu{i} {busy} 0 0 {idle} 0 0 0 0 0 0" for i, (busy, idle) in enumerate((cpu0, cpu1, cpu2))]
        stat.write_text("cpu  1 2 3 4 5 6 7 8 9 10\n" + "\n".join(rows) + "\nintr 1 2 3\n")

    write((100, 100), (100, 100), (100, 100))
    idle = IdleCores(stat, cpus={0, 1})
    write((200, 100), (110, 190), (200, 100))  # cpu0 busy, cpu1 90% idle; cpu2 is not ours
    assert idle() == pytest.approx(0.9)
    write((300, 100), (210, 190), (300, 100))
    assert idle() == pytest.approx(0.0), "counted since the previous call"
    stat.unlink()
    assert idle() is None, "no counters (not Linux): unknown"


@pytest.mark.parametrize("raw, expected", [(None, None), ("auto", None), (" AUTO ", None), ("1", 1), ("3", 3)])
def test_the_thread_setting_reads_auto_or_a_count(raw, expected):
    assert thread_setting(raw) == expected


@pytest.mark.parametrize("raw", ["0", "-1", "two", "1.5"])
def test_a_bad_thread_setting_names_the_variable_and_what_it_takes(raw):
    with pytest.raises(ValueError, match="COMPARE_LOCAL_THREADS must be auto or a whole number"):
        thread_setting(raw)


def test_the_real_engine_decodes_with_the_threads_the_governor_chose_and_replies_the_same(monkeypatch):
    """The scheduler's steps go through the governor into llama.cpp: a stall mid-reply switches the context to one
    thread from the next step, a quiet spell back to two, and greedy text is the same as without stalls."""
    import llama_cpp

    engine = LocalEngine(LocalModel("smollm2", smollm2_path()), n_threads=2)
    engine.warm()
    steps: list[tuple[int, int]] = []  # (threads llama.cpp decoded with, step number)
    fake = {"now": 0.0, "step": 0, "slow": set(), "paused": False}

    def timed_decode(kv, original=KVContext.decode):
        steps.append((llama_cpp.llama_n_threads(kv.ctx), fake["step"]))
        original(kv)
        fake["now"] += 0.5 if fake["step"] in fake["slow"] else 0.005
        fake["step"] += 1

    def sample_after_a_pause(sampler, kv, index, original=Sampler.sample):
        if fake["step"] == 13 and not fake["paused"]:  # between steps 12 and 13: a quiet spell (untimed)
            fake["now"] += FIRST_PAUSE
            fake["paused"] = True
        return original(sampler, kv, index)

    def reply() -> str:
        engine.forget_cache()
        steps.clear()
        fake["step"], fake["paused"] = 0, False
        engine.governor = ThreadGovernor(2, clock=lambda: fake["now"], free_cores=lambda: 1.0)
        request = ChatRequest("smollm2", (Message("user", "Write a long story about a dragon."),), 0.0, max_tokens=24)
        return decode_together(engine, [request])[0]

    monkeypatch.setattr(KVContext, "decode", timed_decode)
    monkeypatch.setattr(Sampler, "sample", sample_after_a_pause)
    calm = reply()
    assert steps.count((1, 2)) == 1 and {threads for threads, _ in steps} == {1, 2}, "one check, else two"
    fake["slow"] = {6}
    stalled = reply()
    used = [threads for threads, _ in steps]
    assert used[:7] == [2, 2, 1, 2, 2, 2, 2], "two threads (step 0 reads the prompt, step 2 checks one thread)"
    assert used[7:13] == [1] * 6, "after the stalled step 6, one thread"
    assert used[13:] == [2] * (len(used) - 13), "a quiet spell after step 12 brings the second thread back"
    assert stalled == calm, "the thread count changes the pace, not the reply"
