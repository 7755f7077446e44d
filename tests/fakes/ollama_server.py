"""Fake Ollama server (NDJSON /api/chat, /api/tags, /api/version, /api/ps, {"error": ...} bodies)."""
from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime, timezone
from typing import Any

from .server import Behaviour, FakeServer, Handler, RecordedRequest

VERSION = "0.12.0"


def _full(name: str) -> str:
    """Ollama's canonical name: a missing tag means ":latest"."""
    return name if ":" in name else f"{name}:latest"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


class OllamaServer(FakeServer):
    """Fake Ollama API; the SDK's host is `srv.url`. Names match with or without ":latest"."""

    default_models = ("llama3.2:latest",)

    def error_body(self, status: int, message: str) -> Any:
        """Ollama's error shape: {"error": "..."}."""
        return {"error": message}

    def knows(self, model: str) -> bool:
        """Whether `model` is served, comparing canonical names."""
        return self._models is None or _full(model) in {_full(m) for m in self.models}

    def behaviour_for(self, model: str) -> Behaviour:
        """The per-model behaviour (keys match with or without ":latest"), else the server's."""
        for key, beh in self.per_model.items():
            if _full(key) == _full(model):
                return beh
        return self.behaviour

    def handle(self, h: Handler, req: RecordedRequest) -> None:
        """Route /, /api/version, /api/tags, /api/ps and /api/chat."""
        route = (req.method, req.path)
        if route == ("GET", "/"):
            h.send_body(200, b"Ollama is running", "text/plain; charset=utf-8")
        elif route == ("GET", "/api/version"):
            h.send_json(200, {"version": VERSION})
        elif route == ("GET", "/api/tags"):
            if not self.pre_fault(h, self.behaviour):
                h.send_json(200, {"models": [self._tag(m) for m in self.models]})
        elif route == ("GET", "/api/ps"):
            h.send_json(200, {"models": []})
        elif route == ("POST", "/api/chat"):
            self._chat(h, req.body if isinstance(req.body, dict) else {})
        else:
            h.send_body(404, b"404 page not found", "text/plain")

    @staticmethod
    def _tag(name: str) -> dict[str, Any]:
        name = _full(name)
        details = {"parent_model": "", "format": "gguf", "family": "llama", "families": ["llama"],
                   "parameter_size": "3.2B", "quantization_level": "Q4_K_M"}
        return {"name": name, "model": name, "modified_at": "2025-01-01T00:00:00.000000000Z", "size": 2019393189,
                "digest": hashlib.sha256(name.encode()).hexdigest(), "details": details}

    def _chat(self, h: Handler, body: dict[str, Any]) -> None:
        started = time.perf_counter()
        model = str(body.get("model", ""))
        beh = self.behaviour_for(model)
        if self.pre_fault(h, beh):
            return
        if not self.knows(model):
            h.send_json(404, self.error_body(404, f'model "{model}" not found, try pulling it first'))
            return
        pieces = beh.pieces()
        n_in, n_out = beh.token_counts(body, pieces)

        def final(content: str) -> dict[str, Any]:
            elapsed, load = int((time.perf_counter() - started) * 1e9), 1_000_000  # real totals include the load
            prompt = min(int(beh.first_token_delay_s * 1e9), elapsed)
            stats = {"total_duration": elapsed + load, "load_duration": load, "prompt_eval_count": n_in,
                     "prompt_eval_duration": prompt, "eval_count": n_out, "eval_duration": elapsed - prompt}
            if not beh.usage:
                stats = {k: v for k, v in stats.items() if not k.endswith("_count")}
            return {"model": model, "created_at": _now(), "message": {"role": "assistant", "content": content},
                    "done": True, "done_reason": "stop", **stats}

        if body.get("stream") is False:  # Ollama streams unless told not to
            h.send_whole(beh, lambda: final(beh.reply), len(pieces))  # built after the wait so durations cover it
            return

        def line(obj: dict[str, Any]) -> bytes:
            return json.dumps(obj).encode() + b"\n"

        def piece_line(piece: str) -> bytes:
            return line({"model": model, "created_at": _now(), "message": {"role": "assistant", "content": piece},
                         "done": False})

        h.stream(beh, "application/x-ndjson", [], pieces, piece_line, lambda: [line(final(""))],
                 malformed=b'{"model": "broken", "message": {"role": "assistant", "content": "oops\n')
