"""Time tokenize + render_html on 100 KB of mixed text for each tokenizer, against the bare tokenizer call."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from compare.tokens import load_encoding  # noqa: E402
from compare.tokenview import available_tokenizers, load_examples, render_html, tokenize  # noqa: E402
from providers import Settings  # noqa: E402
from providers.registry import Registry  # noqa: E402

TARGET_BYTES = 100_000
REPEATS = 5


def mixed_text() -> str:
    """About 100 KB of the examples (English, digits, Japanese, Spanish, code, emoji) repeated."""
    block = "\n".join(e["text"] for e in load_examples()) + "\n"
    text = block * (TARGET_BYTES // len(block.encode("utf-8")) + 1)
    while len(text.encode("utf-8")) > TARGET_BYTES:
        text = text[:-1]
    return text


def best_ms(fn) -> float:
    """Fastest of REPEATS runs, in milliseconds (after one warm-up call)."""
    fn()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def bare_call(name: str, text: str, registry):
    """The tokenizer alone, with nothing of ours around it."""
    if name.startswith("local:"):
        from providers.local.engine import LocalEngine  # in this process: the bare tokenizer, without the socket hop

        llm = LocalEngine(registry.providers["local"].runtimes[name.split(":", 1)[1]].model).llm()
        data = text.encode("utf-8")
        return lambda: llm.tokenize(data, add_bos=False, special=False)
    encoding, _ = load_encoding(name)
    return lambda: encoding.encode(text, disallowed_special=())


def main() -> None:
    """Print one line per tokenizer: tokens, bare ms, ours ms and the ratio."""
    registry = Registry(Settings.load(dotenv_path=None))
    text = mixed_text()
    print(f"{len(text.encode('utf-8')):,} bytes, {len(text):,} characters; best of {REPEATS}")
    print(f"{'tokenizer':<16}{'tokens':>8}{'bare ms':>10}{'ours ms':>10}{'ratio':>8}  note")
    for name in available_tokenizers(registry):
        bare = best_ms(bare_call(name, text, registry))
        ours = best_ms(lambda name=name: render_html(tokenize(text, name, registry)))
        result = tokenize(text, name, registry)
        print(f"{name:<16}{result.count:>8,}{bare:>10.1f}{ours:>10.1f}{ours / bare:>7.1f}x  {result.note}")


if __name__ == "__main__":
    main()
