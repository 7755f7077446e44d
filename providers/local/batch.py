"""Continuous batching for an embedded llama.cpp model: concurrent requests decode together in one context."""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
import weakref
from typing import TYPE_CHECKING

from ..base import ProviderError
from ..events import Chunk, Finish, Phase, Status, Usage
from . import sharing
from .lowlevel import N_BATCH, KVContext, Sampler, kv_bytes_per_token
from .sequence import END, Sequence, Slot, common_prefix
from .threads import DECODE_THREAD

if TYPE_CHECKING:
    from .engine import LocalEngine

DEFAULT_MAX_TOKENS = 512
SHORT_WINDOW = 2048  # tokens per sequence in the shared lane; a longer request takes the model's one full-window lane


class Scheduler:
    """Decodes every admitted sequence of one model together, one token each per step, on the decode thread.

    Two lanes, each a llama.cpp context: n_seq sequences of up to SHORT_WINDOW tokens (fewer if their KV cache
    would pass kv_budget bytes), and one sequence of the model's full window for longer requests. The rest
    wait and are admitted in turns by visitor (least recently served first), told their place in line.
    """

    def __init__(self, runtime: LocalEngine, n_seq: int, kv_budget: int):
        self.n_seq, self.kv_budget = n_seq, kv_budget  # both may change until the first request
        self._owner = weakref.ref(
            runtime
        )  # held strongly only while decoding, so an idle model is freed with its registry
        self.runtime: LocalEngine | None = None
        self.lanes: list[KVContext] = []
        self.slots: list[Slot] = []
        self.reused_tokens = 0  # prompt tokens found already in the KV cache, in total
        self._lock = threading.Lock()
        self._waiting: list[Sequence] = []
        self._active: list[Sequence] = []
        self._served: dict[str, int] = {}  # visitor -> the tick they were last admitted at
        self._ticks = itertools.count(1)
        self._running = False

    def submit(self, seq: Sequence) -> None:
        """Queue a sequence (from any thread); the decode loop starts if it is not running."""
        with self._lock:
            seq.arrival = next(self._ticks)
            self._waiting.append(seq)
            if not self.lanes:
                seq.emit(Status(Phase.LOADING, at=time.perf_counter()))
            else:
                self._report_places()
            if not self._running:
                self._running, self.runtime = True, self._owner()
                DECODE_THREAD.submit(self._run)

    @property
    def engine(self) -> LocalEngine:
        """The engine, held while the decode loop runs (only the loop's own methods use it)."""
        assert self.runtime is not None
        return self.runtime

    @property
    def idle(self) -> bool:
        """Whether nothing is decoding or waiting."""
        return not self._running

    def forget_cache(self) -> None:
        """Drop every cached prefix (benchmarks start cold); waits for the decode thread."""

        def forget():
            with self._lock:
                for slot in self.slots:
                    if slot.busy is None and slot.tokens:
                        slot.kv.forget(slot.seq_id)
                        slot.tokens = []

        DECODE_THREAD.call(forget)

    def prepare(self) -> None:
        """Make the decoding contexts now (they take most of a second), so the first request does not wait for them."""

        def open_lanes():
            if not self.lanes:
                self._open(self._owner())

        DECODE_THREAD.call(open_lanes)

    def _open(self, runtime) -> None:
        llm, n_ctx, threads = runtime.llm(), runtime.model.n_ctx, runtime.n_threads
        short, per_token = min(SHORT_WINDOW, n_ctx), kv_bytes_per_token(llm)
        long_bytes = n_ctx * per_token if n_ctx > short else 0
        self.n_seq = max(1, min(self.n_seq, (self.kv_budget - long_bytes) // (short * per_token)))
        lanes = [KVContext(llm, short, self.n_seq, threads)] + (
            [KVContext(llm, n_ctx, 1, threads)] if long_bytes else []
        )
        with self._lock:
            self.slots, self.lanes = [Slot(kv, i) for kv in lanes for i in range(kv.n_seq)], lanes

    def _run(self) -> None:
        try:
            if not self.lanes:
                self._open(self.runtime)
        except BaseException as exc:
            with self._lock:
                failed, self._waiting, self._running, self.runtime = self._waiting, [], False, None
            for seq in failed:
                seq.fail(exc)
            return
        while True:
            self._tokenise_new()
            with self._lock:
                self._reap()
                self._admit()
                if not self._active and not self._waiting:
                    self._running, self.runtime = False, None
                    return
                work = list(self._active)
            if work:
                try:
                    self._step(work)
                except Exception as exc:  # only the sequences in this batch fail; the loop keeps serving
                    for seq in work:
                        if seq.slot is not None:
                            self._release(seq, keep_cache=False)
                            seq.fail(exc)
            if DECODE_THREAD.pending > 1:  # another model's loop (or a load) is queued: take turns step by step
                DECODE_THREAD.submit(self._run)
                return

    def _tokenise_new(self) -> None:
        with self._lock:
            fresh = [s for s in self._waiting if s.prompt is None]
        for seq in fresh:
            try:
                tokens = self.engine.prompt_tokens(seq.request)
                window = self.lanes[-1].window
                seq.room = window - len(tokens)
                if seq.room <= 0:
                    raise ProviderError(
                        "local",
                        f"the prompt is {len(tokens)} tokens; {self.engine.model.name} has a window of {window}",
                    )
                seq.budget = min(seq.request.max_tokens or DEFAULT_MAX_TOKENS, seq.room)
                seq.lane = next(kv for kv in self.lanes if kv.window >= len(tokens) + seq.budget)
                seq.prompt = tokens
            except BaseException as exc:
                with self._lock:
                    self._waiting.remove(seq)
                seq.fail(exc)

    def _reap(self) -> None:
        for seq in [s for s in self._waiting if s.stop.is_set()]:
            self._waiting.remove(seq)
            seq.emit(END)
        for seq in [s for s in self._active if s.stop.is_set()]:
            self._release(seq, locked=True)  # its cells stay cached: they are valid for its prompt and reply so far
            seq.emit(END)

    def _admit(self) -> None:
        for seq in self._order():
            free = [s for s in self.slots if s.busy is None and s.kv is seq.lane]
            prompt = seq.prompt
            if prompt is None or not free:
                continue  # a full lane holds up only its own line
            # the free slot whose cached tokens share the longest prefix with this prompt, else the least recent
            slot = max(free, key=lambda s: (common_prefix(s.tokens, prompt), -s.used_at))
            self._waiting.remove(seq)
            self._served[seq.client] = next(self._ticks)
            self._start(seq, slot)
        self._report_places()
        if len(self._served) > 10_000:  # forget visitors with nothing waiting
            waiting = {s.client for s in self._waiting}
            self._served = {c: t for c, t in self._served.items() if c in waiting}

    def _start(self, seq: Sequence, slot: Slot) -> None:
        assert seq.prompt is not None  # admitted only once tokenised
        keep = min(common_prefix(slot.tokens, seq.prompt), len(seq.prompt) - 1)  # the last one gives the logits
        if keep < len(slot.tokens):
            slot.kv.forget(slot.seq_id, keep)
            del slot.tokens[keep:]
        self.reused_tokens += keep
        seq.slot, slot.busy = slot, seq
        seq.pending = seq.prompt[keep:]
        seq.source = sharing.pick_source(seq, keep, [s for s in self.slots if s.kv is slot.kv])
        seq.sampler = Sampler(seq.request)
        self._active.append(seq)
        seq.emit(Status(Phase.WAITING, at=time.perf_counter()))

    def _release(self, seq: Sequence, keep_cache: bool = True, locked: bool = False) -> None:
        slot, sampler, seq.slot = seq.slot, seq.sampler, None
        assert slot is not None and sampler is not None
        if not keep_cache:
            slot.kv.forget(slot.seq_id)
            slot.tokens = []
        with self._lock if not locked else contextlib.nullcontext():
            self._active.remove(seq)
            slot.busy, slot.used_at = None, next(self._ticks)
        sampler.close()

    def _step(self, work: list[Sequence]) -> None:
        """One llama_decode per busy lane over its sequences, then one sample for each whose prompt is all in."""
        fed: list[tuple[Sequence, int, int]] = []
        written: set[int] = set()
        read: set[int] = set()
        for seq in sorted(work, key=lambda s: len(s.pending)):  # decoding sequences first, prompt chunks after
            if seq.source is not None:
                state = sharing.source_state(seq, written, read)
                if state is sharing.Source.WAIT:
                    continue
                if state is sharing.Source.COPY:
                    self._copy_prompt(seq, written, read)
                seq.source = None
            slot = seq.slot
            assert slot is not None
            kv = slot.kv
            take = min(len(seq.pending), N_BATCH - kv.n)
            if take <= 0:
                continue
            pos, seq_id, last = len(slot.tokens), slot.seq_id, take == len(seq.pending)
            for j in range(take):
                kv.add(seq.pending[j], pos + j, seq_id, last and j == take - 1)
            fed.append((seq, take, kv.n - 1 if last else -1))
        for kv in self.lanes:
            if kv.n:
                self.engine.governor.decode(kv, self.engine.threads_now)
        for seq, take, index in fed:
            slot, sampler = seq.slot, seq.sampler
            assert slot is not None and sampler is not None
            slot.tokens += seq.pending[:take]
            del seq.pending[:take]
            if index >= 0:
                self._advance(seq, sampler.sample(slot.kv, index))

    def _copy_prompt(self, seq: Sequence, written: set[int], read: set[int]) -> None:
        """Give seq the first tokens of its prompt from the slot it follows; it reads only the rest."""
        assert seq.source is not None and seq.slot is not None and seq.prompt is not None
        (source, shared), slot = seq.source, seq.slot
        slot.kv.copy(source.seq_id, slot.seq_id)
        slot.kv.forget(slot.seq_id, shared)
        self.reused_tokens += shared - len(slot.tokens)
        slot.tokens, seq.pending = seq.prompt[:shared], seq.prompt[shared:]
        written.add(id(slot))
        read.add(id(source))

    def _advance(self, seq: Sequence, token: int) -> None:
        runtime, finish = self.engine, None
        if token in runtime.stop_ids:
            finish = Finish("stop", "eos")
        else:
            seq.produced += 1
            text = seq.decoder.decode(runtime.piece(token))
            if text:  # stamped here, where it was produced, not when the event loop gets to it
                seq.emit(Chunk(text, at=time.perf_counter()))
            if seq.produced >= seq.budget:
                finish = Finish("length", "max_tokens" if seq.budget < seq.room else "context_window")
            seq.pending = [token]
        if finish is None:
            return
        tail = seq.decoder.decode(b"", final=True)
        if tail:
            seq.emit(Chunk(tail, at=time.perf_counter()))
        self._release(seq)
        prompt_tokens = len(seq.prompt or ())
        for item in (Finish(finish.reason, finish.raw, Usage(prompt_tokens, seq.produced)), END):
            seq.emit(item)

    def _order(self) -> list[Sequence]:
        """Waiting sequences in the order they will be admitted: the least recently served visitor first."""
        served, order, rest = dict(self._served), [], list(self._waiting)
        tick = max(served.values(), default=0)
        while rest:
            seq = min(rest, key=lambda s: (served.get(s.client, -1), s.arrival))
            rest.remove(seq)
            order.append(seq)
            tick += 1
            served[seq.client] = tick
        return order

    def _report_places(self) -> None:
        """Tell each waiting sequence its place in its lane's line when it changed."""
        now, ahead = time.perf_counter(), dict[int, int]()
        free = {id(kv): sum(s.busy is None for s in self.slots if s.kv is kv) for kv in self.lanes}
        for seq in self._order():
            lane = id(seq.lane or self.lanes[0])  # not yet tokenised: most requests are short
            ahead[lane] = ahead.get(lane, 0) + 1
            place = ahead[lane] - free[lane]  # the first `free` are admitted at the next step
            if place > 0 and place != seq.place:
                seq.place = place
                seq.emit(Status(Phase.QUEUED, f"{_ordinal(place)} in line", at=now))


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
