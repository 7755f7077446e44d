"""Fake Anthropic Messages server (SSE event stream, /v1/models, Anthropic error bodies)."""
from __future__ import annotations

import uuid
from typing import Any

from .server import FakeServer, Handler, RecordedRequest, sse

_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                404: "not_found_error", 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}


class AnthropicServer(FakeServer):
    """Fake Anthropic API; the SDK's base_url is `srv.url` (it adds /v1/messages itself)."""

    default_models = ("claude-fake",)

    def extra_headers(self) -> dict[str, str]:
        """A request id on every response, as the real API sends."""
        return {"request-id": f"req_{uuid.uuid4().hex[:24]}"}

    def error_body(self, status: int, message: str) -> Any:
        """Anthropic's error shape: {"type": "error", "error": {"type", "message"}}."""
        return {"type": "error", "error": {"type": _ERROR_TYPES.get(status, "api_error"), "message": message}}

    def handle(self, h: Handler, req: RecordedRequest) -> None:
        """Route GET /v1/models and POST /v1/messages."""
        if req.method == "GET" and req.path == "/v1/models":
            if not self.pre_fault(h, self.behaviour):
                data = [{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
                        for m in self.models]
                h.send_json(200, {"data": data, "has_more": False, "first_id": data[0]["id"] if data else None,
                                  "last_id": data[-1]["id"] if data else None})
        elif req.method == "POST" and req.path == "/v1/messages":
            self._messages(h, req)
        else:
            h.send_json(404, self.error_body(404, f"Not found: {req.method} {req.path}"))

    def _messages(self, h: Handler, req: RecordedRequest) -> None:
        body = req.body if isinstance(req.body, dict) else {}
        model = str(body.get("model", ""))
        beh = self.behaviour_for(model)
        if self.pre_fault(h, beh):
            return
        # SDK 2.x sends the key as "Authorization: Bearer"; older ones as "x-api-key". Either will do.
        if not (req.headers.get("x-api-key") or req.headers.get("authorization")):
            h.send_json(401, self.error_body(401, "x-api-key header is required"))
            return
        if "max_tokens" not in body:
            h.send_json(400, self.error_body(400, "max_tokens: Field required"))
            return
        if not self.knows(model):
            h.send_json(404, self.error_body(404, f"model: {model}"))
            return
        pieces = beh.pieces()
        n_in, n_out = beh.token_counts(body, pieces)
        message = {"id": f"msg_{uuid.uuid4().hex[:24]}", "type": "message", "role": "assistant", "model": model,
                   "content": [], "stop_reason": None, "stop_sequence": None}
        if not body.get("stream"):
            whole = {**message, "content": [{"type": "text", "text": beh.reply}], "stop_reason": "end_turn"}
            usage = {"usage": {"input_tokens": n_in, "output_tokens": n_out}} if beh.usage else {}
            h.send_whole(beh, whole | usage, len(pieces))
            return
        start_usage = {"usage": {"input_tokens": n_in, "output_tokens": 1}} if beh.usage else {}
        head = [
            sse({"type": "message_start", "message": message | start_usage}, "message_start"),
            sse({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                "content_block_start"),
            sse({"type": "ping"}, "ping"),
        ]

        def delta(piece: str) -> bytes:
            return sse({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}},
                       "content_block_delta")

        def tail() -> list[bytes]:
            end = {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}}
            return [sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
                    sse(end | ({"usage": {"output_tokens": n_out}} if beh.usage else {}), "message_delta"),
                    sse({"type": "message_stop"}, "message_stop")]

        broken = b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0, "delta": {\n\n'
        h.stream(beh, "text/event-stream; charset=utf-8", head, pieces, delta, tail, malformed=broken)
