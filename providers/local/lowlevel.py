"""Thin wrappers over llama-cpp-python's low-level API: a multi-sequence context with its batch, and samplers."""

from __future__ import annotations

import random

from ..base import ChatRequest, ProviderError

DEFAULT_TEMPERATURE = 0.7
DEFAULT_TOP_P = 0.95
TOP_K = 40
MIN_P = 0.05  # llama-cpp-python's generate() default, kept so replies read as they did before batching
N_BATCH = 512  # tokens per llama_decode call: every decoding sequence's next token plus prompt chunks


def kv_bytes_per_token(llm) -> int:
    """Bytes of f16 keys and values one token takes in the KV cache of this model."""
    import llama_cpp as lc

    model = llm.model
    head_dim = lc.llama_model_n_embd(model) // max(1, lc.llama_model_n_head(model))
    return 2 * 2 * lc.llama_model_n_layer(model) * lc.llama_model_n_head_kv(model) * head_dim


class KVContext:
    """A llama.cpp context over an already loaded model: n_seq sequences, each with its own window of n_ctx cells.

    Each sequence gets its own KV stream (kv_unified off). With one shared pool, a sequence's logits came out
    slightly different depending on where its cells sat among the others' (two columns with the same seed
    diverged after a dozen tokens); with a stream each, a reply is the same batched as alone.
    """

    def __init__(self, llm, n_ctx: int, n_seq: int, n_threads: int):
        import llama_cpp as lc

        self.lc = lc
        params = lc.llama_context_default_params()
        params.n_ctx, params.n_seq_max, params.kv_unified = n_ctx * n_seq, n_seq, False
        params.n_batch = params.n_ubatch = N_BATCH
        params.n_threads = params.n_threads_batch = n_threads
        self.ctx = lc.llama_init_from_model(llm.model, params)
        if not self.ctx:
            raise ProviderError("local", f"llama.cpp could not make a context for {n_seq} sequences of {n_ctx} tokens")
        self.window, self.n_seq = min(n_ctx, lc.llama_n_ctx_seq(self.ctx)), n_seq
        self.threads = n_threads
        self.mem = lc.llama_get_memory(self.ctx)
        self.batch = lc.llama_batch_init(N_BATCH, 0, 1)
        self.n = 0
        stack = getattr(llm, "_stack", None)
        if stack is not None:  # freed with the Llama, before the model it points into
            stack.callback(self.close)

    def add(self, token: int, pos: int, seq_id: int, logits: bool) -> None:
        """Append one token of one sequence to the batch."""
        b, i = self.batch, self.n
        b.token[i], b.pos[i], b.n_seq_id[i], b.logits[i] = token, pos, 1, logits
        b.seq_id[i][0] = seq_id
        self.n += 1

    def use_threads(self, n: int) -> None:
        """Decode with n threads from the next batch on."""
        if n != self.threads:
            self.lc.llama_set_n_threads(self.ctx, n, n)
            self.threads = n

    def decode(self) -> None:
        """Run the batch through the model and start a new one."""
        self.batch.n_tokens, n, self.n = self.n, self.n, 0
        code = self.lc.llama_decode(self.ctx, self.batch)
        if code != 0:
            raise ProviderError("local", f"llama_decode failed ({code}) on a batch of {n} tokens")

    def copy(self, source: int, target: int) -> None:
        """Make target's cells a copy of source's at the start of the next step (its whole stream: that is what
        llama.cpp copies between streams; drop the tail with forget)."""
        self.lc.llama_memory_seq_cp(self.mem, source, target, -1, -1)

    def forget(self, seq_id: int, start: int = 0) -> None:
        """Free a sequence's cells from position `start` on."""
        self.lc.llama_memory_seq_rm(self.mem, seq_id, start, -1)

    def close(self) -> None:
        """Free the batch and the context (once)."""
        if self.ctx:
            self.lc.llama_batch_free(self.batch)
            self.lc.llama_free(self.ctx)
            self.ctx = None


class Sampler:
    """One sequence's own llama.cpp sampler chain: its temperature, top-p and seed, independent of the others."""

    def __init__(self, request: ChatRequest):
        import llama_cpp as lc

        self.lc = lc
        temperature = DEFAULT_TEMPERATURE if request.temperature is None else request.temperature
        top_p = DEFAULT_TOP_P if request.top_p is None else request.top_p
        seed = request.seed if request.seed is not None else random.randrange(2**31)
        self.chain = lc.llama_sampler_chain_init(lc.llama_sampler_chain_default_params())
        if temperature <= 0:
            parts = [lc.llama_sampler_init_greedy()]
        else:
            parts = [
                lc.llama_sampler_init_top_k(TOP_K),
                lc.llama_sampler_init_top_p(top_p, 1),
                lc.llama_sampler_init_min_p(MIN_P, 1),
                lc.llama_sampler_init_temp(temperature),
                lc.llama_sampler_init_dist(seed & 0xFFFFFFFF),
            ]
        for part in parts:  # the chain owns them from here on
            lc.llama_sampler_chain_add(self.chain, part)

    def sample(self, kv: KVContext, index: int) -> int:
        """A token from the logits at batch position `index` (the chain also records it)."""
        return self.lc.llama_sampler_sample(self.chain, kv.ctx, index)

    def close(self) -> None:
        """Free the chain."""
        self.lc.llama_sampler_free(self.chain)
