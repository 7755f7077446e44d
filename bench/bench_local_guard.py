"""The AMX guard's price: decode rate with llama.cpp's extra buffer types off ÷ on, same model, same process.

python bench/bench_local_guard.py  (rounds alternate between the two loads; the ratio is what to read)
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from providers.local import cpu_guard  # noqa: E402
from providers.local.cpu_guard import GuardDecision  # noqa: E402
from providers.local.engine import quiet_llama  # noqa: E402
from providers.settings import smollm2_path  # noqa: E402

ROUNDS = 7
TOKENS = 128
PROMPT = "<|im_start|>user\nWrite a long story about a dragon.<|im_end|>\n<|im_start|>assistant\n"


def load(extra_bufts_off: bool):
    """A Llama loaded with the guard's decision forced one way."""
    from llama_cpp import Llama

    cpu_guard.apply(GuardDecision(extra_bufts_off, "benchmark"))
    return Llama(model_path=str(smollm2_path()), n_ctx=1024, n_threads=2, n_threads_batch=2, verbose=False)


def decode_rate(llm) -> float:
    """Tokens per second over TOKENS greedy tokens after the prompt's first token."""
    llm.reset()
    tokens = llm.tokenize(PROMPT.encode(), add_bos=False, special=True)
    count, first = 0, None
    for _ in llm.generate(tokens, temp=0.0, reset=True):
        count += 1
        if count == 1:
            first = time.perf_counter()
        if count == TOKENS + 1:
            break
    return (count - 1) / (time.perf_counter() - first)


def main() -> None:
    """Print both rates and their ratio."""
    quiet_llama()
    loads = {"on (llama.cpp default)": load(False), "off (guard)": load(True)}
    cpu_guard.apply(GuardDecision(False, "benchmark done"))
    rates = {name: [] for name in loads}
    for _ in range(ROUNDS):
        for name, llm in loads.items():
            rates[name].append(decode_rate(llm))
    medians = {name: statistics.median(r) for name, r in rates.items()}
    print(
        f"{date.today()} {platform.machine()} {platform.processor() or ''} cpu flags with amx: "
        f"{sorted(cpu_guard.AMX_CPU_FLAGS & cpu_guard.cpu_flags()) or 'none'}"
    )
    print(f"library features: {' '.join(sorted(cpu_guard.library_features()))}")
    for name, median in medians.items():
        print(f"extra buffer types {name}: {median:.1f} tok/s (median of {ROUNDS}, {TOKENS} tokens)")
    print(f"off ÷ on: {medians['off (guard)'] / medians['on (llama.cpp default)']:.3f}")


if __name__ == "__main__":
    main()
