"""A local server's own tokenizer and chat template at its root, as llama.cpp and vLLM offer them.

llama.cpp: `POST /apply-template {"messages"}` -> `{"prompt"}`, `POST /tokenize {"content", "add_special",
"parse_special"}` -> `{"tokens"}`. vLLM: `POST /tokenize {"model", "messages" | "prompt"}` -> `{"count", "tokens",
"max_model_len"}`. The template is SmolLM2's ChatML, which adds a default system prompt when the request has none;
the tokenizer is deliberately unlike cl100k (a special marker is one token, other text one token per 3 characters), so
a count made with it cannot be mistaken for a local tiktoken count.
"""

from __future__ import annotations

import re
from typing import Any

DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
SPECIAL = re.compile(r"(<\|im_start\|>|<\|im_end\|>)")
KINDS = ("llama.cpp", "vllm")


def apply_template(messages: list[dict[str, Any]]) -> str:
    """SmolLM2's chat template: ChatML, a default system prompt first when none is given, then the reply's opening."""
    if not messages or messages[0].get("role") != "system":
        messages = [{"role": "system", "content": DEFAULT_SYSTEM}, *messages]
    turns = "".join(f"<|im_start|>{m.get('role')}\n{m.get('content')}<|im_end|>\n" for m in messages)
    return turns + "<|im_start|>assistant\n"


def tokenize(text: str, parse_special: bool = True) -> list[int]:
    """Token ids: a special marker is one token (when parsed as special), other text one per 3 characters."""
    ids: list[int] = []
    for part in SPECIAL.split(text) if parse_special else [text]:
        if parse_special and SPECIAL.fullmatch(part):
            ids.append(1 if part == "<|im_start|>" else 2)
        else:
            ids += [100 + ord(part[i]) for i in range(0, len(part), 3)]
    return ids


def prompt_count(messages: list[dict[str, Any]]) -> int:
    """What the model sees of a chat request, in this server's tokens."""
    return len(tokenize(apply_template(messages)))


def answer(kind: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """(status, JSON body) for a tokenizer route of a `kind` server, or None when it has no such route."""
    if kind == "llama.cpp" and path == "/apply-template":
        return 200, {"prompt": apply_template(list(body.get("messages") or []))}
    if kind == "llama.cpp" and path == "/tokenize":
        content = body.get("content")
        return 200, {"tokens": tokenize(content, body.get("parse_special", True)) if isinstance(content, str) else []}
    if kind == "vllm" and path == "/tokenize":
        if "messages" in body:
            tokens = tokenize(apply_template(list(body["messages"])))
        elif isinstance(body.get("prompt"), str):
            tokens = tokenize(body["prompt"], parse_special=False)
        else:
            return 400, {"object": "error", "message": "prompt or messages required", "code": 400}
        return 200, {"count": len(tokens), "tokens": tokens, "max_model_len": 8192}
    return None
