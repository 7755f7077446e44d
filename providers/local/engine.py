"""One embedded llama.cpp model, loaded and decoded inside the engine process (see worker.py)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ..base import ChatRequest, ProviderError
from ..settings import LocalModel
from . import cpu_guard
from .batch import Scheduler
from .governor import THREADS_VAR, ThreadGovernor, thread_setting
from .threads import DECODE_THREAD

SEQUENCES = 8  # requests decoded together per model; more wait their turn
KV_BUDGET = 1 << 30  # bytes of KV cache per model; SmolLM2-135M (23 KB a token) takes 8 x 2,048 + 8,192: 566 MB


class LocalEngine:
    """One GGUF model: loaded lazily once; concurrent requests decode together in one llama.cpp batch."""

    def __init__(
        self, model: LocalModel, n_threads: int | None = None, n_seq: int = SEQUENCES, kv_budget: int = KV_BUDGET
    ):
        self.model = model
        self.n_threads = n_threads or os.cpu_count() or 1
        self.threads_now = self.n_threads  # fewer while other engine processes decode too: see share_threads
        self.governor = ThreadGovernor(self.n_threads)  # set again at load, from COMPARE_LOCAL_THREADS
        self._llm = None
        self._formatter: Callable[..., Any] | None = None  # the model's chat template, set at load
        self.stop_ids: set[int] = set()
        self._pieces: dict[int, bytes] = {}
        self.scheduler = Scheduler(self, n_seq, kv_budget)

    @property
    def loaded(self) -> bool:
        """Whether the weights are in memory."""
        return self._llm is not None

    def llm(self):
        """The llama_cpp.Llama instance (tokenizer, metadata, weights), loading it on the decode thread on first use."""
        if self._llm is None:
            DECODE_THREAD.call(self._load_once)
        return self._llm

    def share_threads(self, n: int) -> None:
        """Decode with n threads (at most n_threads) from the next step: the cores are shared with other engines."""
        self.threads_now = max(1, min(int(n), self.n_threads))

    def warm(self) -> None:
        """Load the weights and make the decoding contexts now, so the first request waits for neither."""
        self.llm()
        self.scheduler.prepare()

    def _load_once(self) -> None:
        if self._llm is None:  # only ever runs on the decode thread, so no second load can race this one
            self._llm = self._load()

    def _load(self):
        if not self.model.path.is_file():
            raise ProviderError("local", f"model file not found: {self.model.path}")
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        quiet_llama()
        try:
            cpu_guard.apply(cpu_guard.current_decision())
            fixed = thread_setting(os.environ.get(THREADS_VAR))
        except ValueError as exc:
            raise ProviderError("local", str(exc)) from None
        if fixed is not None:
            self.n_threads = self.threads_now = fixed
        self.governor = ThreadGovernor(self.n_threads, adaptive=fixed is None)
        try:  # the Llama's own context is only for tokenising; decoding uses the scheduler's shared one
            llm = Llama(
                model_path=str(self.model.path),
                n_ctx=512,
                n_batch=512,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ProviderError("local", f"could not load {self.model.path.name}: {exc}") from None
        eos = llm.token_eos()
        eos_text = llm.detokenize([eos], special=True).decode("utf-8", "replace") if eos >= 0 else ""
        bos = llm.token_bos()
        bos_text = llm.detokenize([bos], special=True).decode("utf-8", "replace") if bos >= 0 else ""
        template = llm.metadata.get("tokenizer.chat_template") or CHATML_TEMPLATE
        self._formatter = Jinja2ChatFormatter(template=template, eos_token=eos_text, bos_token=bos_text)
        self.stop_ids = {eos} | {
            t for s in ("<|im_end|>", "<|endoftext|>", "<|eot_id|>") for t in _single_token(llm, s)
        }
        return llm

    def prompt_tokens(self, request: ChatRequest) -> list[int]:
        """The request rendered through the model's chat template, as token ids."""
        llm = self.llm()
        assert self._formatter is not None  # set by the load llm() waited for
        rendered = self._formatter(messages=[{"role": m.role, "content": m.content} for m in request.messages])
        return llm.tokenize(rendered.prompt.encode("utf-8"), add_bos=not rendered.added_special, special=True)

    def tokenize(self, text: str) -> list[int]:
        """Raw text as this model's token ids (no BOS, special tokens read as text)."""
        return self.llm().tokenize(text.encode("utf-8"), add_bos=False, special=False) if text else []

    def split(self, text: str) -> tuple[list[int], list[bytes]]:
        """Raw text as token ids and each token's bytes."""
        ids = self.tokenize(text)
        return ids, [self.piece(i) for i in ids]

    def stats(self) -> dict:
        """The scheduler's state, for tests and benchmarks: idle, reused prefix tokens, lanes and cached slots."""
        scheduler = self.scheduler
        lanes = list(scheduler.lanes)
        return {
            "idle": scheduler.idle,
            "reused_tokens": scheduler.reused_tokens,
            "n_seq": scheduler.n_seq,
            "extra_bufts": bool(self._llm.model_params.use_extra_bufts) if self._llm is not None else None,
            "threads": self.governor.describe(),
            "lanes": [(kv.window, kv.n_seq) for kv in lanes],
            "slots": [(lanes.index(s.kv), len(s.tokens)) for s in scheduler.slots],
        }

    def forget_cache(self) -> None:
        """Drop every cached prompt prefix (benchmarks start cold)."""
        self.scheduler.forget_cache()

    def piece(self, token: int) -> bytes:
        """A generated token's bytes (special tokens render as nothing), cached: the vocabulary is fixed."""
        piece = self._pieces.get(token)
        if piece is None:
            piece = self._pieces[token] = self.llm().detokenize([token])
        return piece


def quiet_llama() -> None:
    """Silence llama.cpp without touching the process's output streams (other threads may be printing).

    With verbose=False, llama-cpp-python points fds 1 and 2 at /dev/null for the whole process while a model loads,
    so a line another thread prints then (the CLI's --json output) is lost. Its log callback is the quiet way.
    """
    import contextlib
    import ctypes

    import llama_cpp
    import llama_cpp._internals
    import llama_cpp.llama

    global _LOG_CALLBACK
    if _LOG_CALLBACK is None:
        _LOG_CALLBACK = llama_cpp.llama_log_callback(lambda level, text, data: None)
        llama_cpp.llama_log_set(_LOG_CALLBACK, ctypes.c_void_p(0))
    for module in (llama_cpp.llama, llama_cpp._internals):
        if hasattr(module, "suppress_stdout_stderr"):
            setattr(module, "suppress_stdout_stderr", lambda disable=True: contextlib.nullcontext())  # noqa: B010 -- not in its stubs


_LOG_CALLBACK: object = None  # kept referenced: llama.cpp calls it from C


def _single_token(llm, text: str) -> list[int]:
    ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
    return ids if len(ids) == 1 else []


CHATML_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
