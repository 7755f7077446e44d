"""Fake OpenAI Chat Completions server (SSE streaming, usage chunk, /v1/models, OpenAI error bodies)."""
from __future__ import annotations

import time
import uuid
from typing import Any

from .server import FakeServer, Handler, RecordedRequest, sse

_ERROR_KINDS = {  # status -> (type, code), as the real API sends them
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
}


class OpenAIServer(FakeServer):
    """Fake OpenAI-compatible API; the SDK's base_url is `srv.url + "/v1"`."""

    default_models = ("gpt-fake",)

    def extra_headers(self) -> dict[str, str]:
        """A request id on every response, as the real API sends."""
        return {"x-request-id": f"req_{uuid.uuid4().hex}"}

    def error_body(self, status: int, message: str) -> Any:
        """OpenAI's error shape: {"error": {"message", "type", "param", "code"}}."""
        kind, code = _ERROR_KINDS.get(status, ("server_error", None))
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}

    def handle(self, h: Handler, req: RecordedRequest) -> None:
        """Route GET /v1/models and POST /v1/chat/completions."""
        if req.method == "GET" and req.path == "/v1/models":
            if not self.pre_fault(h, self.behaviour):
                data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.models]
                h.send_json(200, {"object": "list", "data": data})
        elif req.method == "POST" and req.path == "/v1/chat/completions":
            self._chat(h, req.body if isinstance(req.body, dict) else {})
        else:
            h.send_json(404, self.error_body(404, f"Invalid URL ({req.method} {req.path})"))

    def _chat(self, h: Handler, body: dict[str, Any]) -> None:
        model = str(body.get("model", ""))
        beh = self.behaviour_for(model)
        if self.pre_fault(h, beh):
            return
        if not self.knows(model):
            message = f"The model `{model}` does not exist or you do not have access to it."
            h.send_json(404, self.error_body(404, message))
            return
        pieces = beh.pieces()
        n_in, n_out = beh.token_counts(body, pieces)
        usage = {"prompt_tokens": n_in, "completion_tokens": n_out, "total_tokens": n_in + n_out}
        base = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "created": int(time.time()), "model": model,
                "system_fingerprint": "fp_fake"}
        if not body.get("stream"):
            message = {"role": "assistant", "content": beh.reply, "refusal": None}
            choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
            whole = {**base, "object": "chat.completion", "choices": [choice]}
            h.send_whole(beh, whole | ({"usage": usage} if beh.usage else {}), len(pieces))
            return
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            # With include_usage the real API puts "usage": null on every chunk but the last.
            return sse({**base, "object": "chat.completion.chunk", "choices": [choice]}
                       | ({"usage": None} if include_usage else {}))

        def tail() -> list[bytes]:
            events = [chunk({}, "stop")]
            if include_usage and beh.usage:
                events.append(sse({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}))
            return [*events, b"data: [DONE]\n\n"]

        head = [chunk({"role": "assistant", "content": "", "refusal": None})]
        h.stream(beh, "text/event-stream; charset=utf-8", head, pieces, lambda p: chunk({"content": p}), tail,
                 malformed=b'data: {"id": "chatcmpl-broken", "choices": [{"delta": {"content": "oops\n\n')
