"""How many threads each llama.cpp decode step uses: all it may while steps keep their pace, fewer when one stalls.

llama.cpp's OpenMP team meets at a barrier after every operation of a step (hundreds per token). When another
process takes a core, one team thread waits for a time slice while the others spin at the barrier: measured on
2 cores with one busy, two threads fell from ~140 to 1-50 tokens/s while one thread kept ~90. A single thread has
no barrier to wait at. So: decode with every thread while that is faster, and drop one when a step stalls.

Finding out costs differently in the two directions. A step with one thread fewer costs at most ~1.5x a free step,
so the governor takes one now and then to know that pace (a machine busy from the start makes every step slow, with
no quick step to compare with). A try with one more thread can stall for up to a second on a busy machine, so it
waits until the kernel's counters show most of a core idle, and after a try that stalled the next waits twice as
long.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Protocol

from .idle import IdleCores

STALL = 2.0  # a step this many times slower than its usual pace stalled (another process had a core)
LOSES = 1.5  # a step this many times slower than one thread fewer usually runs: the extra thread costs time
CHECK_EVERY = 2.0  # seconds between steps that check what one thread fewer does now, for each size of step
CHECKED_UP_TO = 16  # tokens: steps that read long prompts cost ~2x with one thread fewer, so they are not checked
FIRST_PAUSE = 0.5  # seconds at fewer threads before trying one more
LONGEST_PAUSE = 8.0  # the pause doubles after each failed try, up to this: a failed try costs at most one slow step
HOLD = 2.0  # a stall within this many seconds of adding a thread means the addition failed: the pause keeps growing
FREE = 0.75  # idle cores (since the last look) that make a try with one more thread worth it
LEARN = 1 / 16  # how fast a usual pace follows slower steps that did not stall (longer contexts cost more per step)
THREADS_VAR = "COMPARE_LOCAL_THREADS"  # "auto" (default): adapt up to every core; a number: always that many


def thread_setting(raw: str | None) -> int | None:
    """COMPARE_LOCAL_THREADS read: None for "auto", else a fixed thread count; ValueError for anything else."""
    value = (raw or "auto").strip().lower()
    if value == "auto":
        return None
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise ValueError(f"{THREADS_VAR} must be auto or a whole number of threads (1 or more), not {raw!r}")


class Batch(Protocol):
    """What the governor drives: a llama.cpp context with a pending batch (lowlevel.KVContext)."""

    n: int

    def use_threads(self, n: int) -> None: ...

    def decode(self) -> None: ...


def size_class(tokens: int) -> int:
    """Steps are compared with steps of similar size: 1, 2, 3-4, 5-8, ... tokens."""
    return max(0, tokens - 1).bit_length()


class ThreadGovernor:
    """Chooses the thread count of every decode step from how long the last steps took (one per engine)."""

    def __init__(
        self,
        most: int,
        adaptive: bool = True,
        clock: Callable[[], float] = time.perf_counter,
        free_cores: Callable[[], float | None] | None = None,
    ):
        self.most = max(1, most)
        self.adaptive = adaptive  # False: every step uses `most` threads (COMPARE_LOCAL_THREADS=N)
        self.threads = self.most  # the count steps use now; a try uses one more
        self._clock = clock
        self._free_cores = free_cores or IdleCores()  # idle cores since its last call; None when unknown
        self._pace: dict[tuple[int, int], float] = {}  # (threads, size class) -> seconds of a step that ran freely
        self._pause = FIRST_PAUSE
        self._try_at = 0.0  # when to look at the machine, and try one more thread if a core is free
        self._added_at = -HOLD
        self._learned_at: dict[tuple[int, int], float] = {}  # (threads, size class) -> when its pace last learned
        self.steps: Counter[tuple[int, int]] = Counter()  # (batch tokens, threads) -> steps decoded so
        self.seconds: defaultdict[tuple[int, int], float] = defaultdict(float)  # the same -> seconds those steps took
        self.stalls = self.tries = self.looks = 0

    def decode(self, batch: Batch, ceiling: int | None = None) -> int:
        """Decode `batch` with the threads chosen for it (at most `ceiling`), timing the step; returns the count."""
        tokens = batch.n
        threads = self.choose(tokens, ceiling)
        batch.use_threads(threads)
        start = self._clock()
        batch.decode()
        self.record(tokens, threads, self._clock() - start)
        return threads

    def choose(self, tokens: int, ceiling: int | None = None) -> int:
        """Threads for the next step of `tokens` tokens: the current count; one more when it is time to try and a
        core looks free; one fewer when that pace is unknown for steps of this size, or not checked for a while."""
        limit = self.most if ceiling is None else max(1, min(ceiling, self.most))
        self.threads = min(self.threads, limit)
        if not self.adaptive:
            return self.threads
        now, size = self._clock(), size_class(tokens)
        if self.threads < limit and now >= self._try_at:
            free = self._free_cores()
            if free is None or free >= FREE:
                return self.threads + 1
            self.looks += 1  # the machine is still busy: look again after the pause, without paying for a try
            self._try_at = now + self._pause
        if self.threads > 1 and tokens <= CHECKED_UP_TO and (self.threads, size) in self._pace:
            if now - self._learned_at.get((self.threads - 1, size), -CHECK_EVERY) >= CHECK_EVERY:
                return self.threads - 1
        return self.threads

    def record(self, tokens: int, threads: int, seconds: float) -> None:
        """Learn from one step of `tokens` tokens that took `seconds` with `threads` threads."""
        self.steps[tokens, threads] += 1
        self.seconds[tokens, threads] += seconds
        if not self.adaptive:
            return
        size, now = size_class(tokens), self._clock()
        stalled = self._stalled(threads, size, seconds)
        if not stalled:
            usual = self._pace.get((threads, size))
            if usual is None or seconds < usual or threads < self.threads:  # a check tells the pace as it is now
                self._pace[threads, size] = seconds
            else:
                self._pace[threads, size] = usual + (seconds - usual) * LEARN
            self._learned_at[threads, size] = now
        if threads > self.threads:  # a try with one more thread
            self.tries += 1
            if stalled:
                self._back_off(now)
            else:
                self.threads, self._added_at, self._try_at = threads, now, now + self._pause
        elif threads == self.threads and stalled and threads > 1:
            self.stalls += 1
            self.threads = threads - 1
            self._free_cores()  # the next look counts idle time from now
            if now - self._added_at < HOLD:  # the thread just added did not hold: wait longer before the next try
                self._back_off(now)
            else:
                self._pause, self._try_at = FIRST_PAUSE, now + FIRST_PAUSE

    def _stalled(self, threads: int, size: int, seconds: float) -> bool:
        """Whether a step lost time to waiting: clearly slower than one thread fewer runs steps of its size, or, with
        that unknown, well behind its own usual pace."""
        fewer, usual = self._pace.get((threads - 1, size)), self._pace.get((threads, size))
        if fewer is not None:
            return seconds > LOSES * fewer
        return usual is not None and seconds > STALL * usual

    def _back_off(self, now: float) -> None:
        self._pause = min(self._pause * 2, LONGEST_PAUSE)
        self._try_at = now + self._pause

    def describe(self) -> dict:
        """For stats: threads now, stalls, tries, looks (tries skipped), and [batch tokens, threads, steps, seconds]."""
        return {
            "threads": self.threads,
            "most": self.most,
            "adaptive": self.adaptive,
            "stalls": self.stalls,
            "tries": self.tries,
            "looks": self.looks,
            "steps": [[*key, count, self.seconds[key]] for key, count in sorted(self.steps.items())],
        }
