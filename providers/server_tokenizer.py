"""A server's own tokenizer and chat template, where it offers them at its root: llama.cpp (`POST /apply-template`,
`POST /tokenize`) and vLLM (`POST /tokenize`, which applies the chat template itself).

Counting runs on worker threads (compare/tokens.py), so these calls are synchronous; each is bounded by a short
timeout and any failure means "not available": the caller falls back to a labelled local estimate.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from typing import Any

from .base import Message

TIMEOUT_S = 2.0
RETRY_AFTER_S = 30.0
PROBE = [{"role": "user", "content": "Hi"}]
NAMES = {
    "llama.cpp": "the server's own tokenizer and chat template (llama.cpp /tokenize, /apply-template)",
    "vllm": "the server's own tokenizer and chat template (vLLM /tokenize)",
}


class ServerTokenizer:
    """Counts what a model behind an OpenAI-compatible server sees, with that server's tokenizer and template.

    Which kind of server it is (llama.cpp, vLLM or neither) is asked once; an unreachable server is asked again
    after RETRY_AFTER_S, a server that answered without the endpoints is not.
    """

    def __init__(self, base_url: str, timeout: float = TIMEOUT_S):
        self.root = base_url.rstrip("/").removesuffix("/v1")
        self._timeout = timeout
        self._probe_lock = threading.Lock()
        self._kind: str | None = None
        self._probed = False
        self._next_probe = 0.0  # monotonic time before which an unreachable server is not asked again

    @property
    def name(self) -> str:
        """What the counts were made with, for the Result's `tokenizer` and the page's token note."""
        return NAMES.get(self._kind or "", "the server's own tokenizer")

    def prompt_count(self, model: str, messages: Sequence[Message]) -> int | None:
        """Tokens of the prompt as the model sees it (chat template and any default system prompt), or None."""
        wire = [{"role": m.role, "content": m.content} for m in messages]
        kind = self._kind_for(model)
        if kind == "llama.cpp":
            templated = self._post("/apply-template", {"messages": wire})
            prompt = templated.get("prompt") if isinstance(templated, dict) else None
            if not isinstance(prompt, str):
                return None
            return _token_list(self._post("/tokenize", {"content": prompt, "add_special": True, "parse_special": True}))
        if kind == "vllm":
            body = {"model": model, "messages": wire, "add_generation_prompt": True}
            return _count_field(self._post("/tokenize", body))
        return None

    def text_count(self, model: str, text: str) -> int | None:
        """Tokens in plain text (a reply), without special tokens, or None."""
        kind = self._kind_for(model)
        if kind == "llama.cpp":
            body: dict[str, Any] = {"content": text, "add_special": False, "parse_special": False}
            return _token_list(self._post("/tokenize", body))
        if kind == "vllm":
            return _count_field(self._post("/tokenize", {"model": model, "prompt": text, "add_special_tokens": False}))
        return None

    def _kind_for(self, model: str) -> str | None:
        with self._probe_lock:  # columns counting at once ask the server once
            if not self._probed and time.monotonic() >= self._next_probe:
                try:
                    self._kind, self._probed = self._probe(model), True
                except OSError:  # unreachable or timed out: not asked again for a while (each try can take seconds)
                    self._next_probe = time.monotonic() + RETRY_AFTER_S
            return self._kind

    def _probe(self, model: str) -> str | None:
        templated = self._post("/apply-template", {"messages": PROBE}, probing=True)
        if isinstance(templated, dict) and isinstance(templated.get("prompt"), str):
            return "llama.cpp"
        counted = self._post("/tokenize", {"model": model, "prompt": "Hi"}, probing=True)
        return "vllm" if _count_field(counted) is not None else None

    def _post(self, path: str, body: dict, probing: bool = False) -> Any:
        """The JSON answer, or None for an error status or a body that is not JSON; OSError when probing and the
        server could not be reached (so that it is asked again later)."""
        # urllib, not httpx: importing httpx on a counting thread raced the SDKs reading it on the event loop.
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            self.root + path, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
        )
        try:
            # No proxies: the server is local (the endpoints are asked of keyless servers on this machine or network).
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with opener.open(request, timeout=self._timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError:  # the server answered: it has no such endpoint, or refused this body
            return None
        except (OSError, ValueError):  # unreachable, timed out or cut (OSError); not JSON (ValueError)
            if probing:
                raise OSError(f"no answer from {self.root}") from None
            return None


def _token_list(answer: Any) -> int | None:
    tokens = answer.get("tokens") if isinstance(answer, dict) else None
    return len(tokens) if isinstance(tokens, list) else None


def _count_field(answer: Any) -> int | None:
    count = answer.get("count") if isinstance(answer, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) else None
