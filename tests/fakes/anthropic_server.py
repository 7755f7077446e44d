"""Fake Anthropic Messages server (SSE event stream, /v1/models, Anthropic error bodies)."""

from __future__ import annotations

import uuid
from typing import Any

from .behaviour import Behaviour
from .plan import int_param, make_plan
from .server import FakeServer, Handler, RecordedRequest, sse

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
THINKING_TYPES = ("enabled", "disabled", "adaptive")
SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"  # opaque; real ones are longer base64


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
            if not self.pre_list(h):
                data = [
                    {"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
                    for m in self.models
                ]
                h.send_json(
                    200,
                    {
                        "data": data,
                        "has_more": False,
                        "first_id": data[0]["id"] if data else None,
                        "last_id": data[-1]["id"] if data else None,
                    },
                )
        elif req.method == "POST" and req.path == "/v1/messages":
            self._messages(h, req)
        else:
            h.send_json(404, self.error_body(404, f"Not found: {req.method} {req.path}"))

    @staticmethod
    def thinking_error(body: dict[str, Any]) -> str | None:
        """The real API's 400 message for an extended-thinking request it refuses, else None."""
        thinking = body.get("thinking")
        if thinking is None:
            return None
        kind = thinking.get("type") if isinstance(thinking, dict) else None
        if kind not in THINKING_TYPES:
            return (
                f"thinking: Input tag '{kind}' found using 'type' does not match any of the expected tags: "
                "'disabled', 'enabled', 'adaptive'"
            )
        if kind != "enabled":
            return None
        budget = int_param(thinking.get("budget_tokens"))
        if budget is None:
            return "thinking.enabled.budget_tokens: Field required"
        if budget < 1024:
            return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
        if budget >= (int_param(body.get("max_tokens")) or 0):
            return (
                "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at "
                "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
                "#max-tokens-and-context-window-size"
            )
        if body.get("temperature") is not None and body.get("temperature") != 1:
            return (
                "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at "
                "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
                "#important-considerations-when-using-extended-thinking"
            )
        return None

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
        if (error := self.thinking_error(body)) is not None:
            h.send_json(400, self.error_body(400, error))
            return
        thinks = (body.get("thinking") or {}).get("type") in ("enabled", "adaptive")
        plan = make_plan(beh, body, thinking=thinks, cap=int_param(body.get("max_tokens")))
        stop = plan.finish(beh, "end_turn", "max_tokens")
        n_in, n_out = plan.n_in, plan.n_out
        prompt = prompt_usage(beh, n_in)
        message = {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
        }
        # The answer's text block follows the thinking block, if any; it is left out when the cap ends the thinking.
        has_text = bool(plan.content) or not plan.thinking or not plan.truncated
        if not body.get("stream"):
            blocks = (
                [{"type": "thinking", "thinking": "".join(plan.thinking), "signature": SIGNATURE}]
                if plan.thinking
                else []
            )
            blocks += [{"type": "text", "text": plan.text(beh)}] if has_text else []
            whole = {**message, "content": blocks, "stop_reason": stop if beh.finish_signal else None}
            usage = {"usage": {**prompt, "output_tokens": n_out}} if beh.usage else {}
            h.send_whole(beh, whole | usage, len(plan.items()))
            return
        text_at = 1 if plan.thinking else 0
        opened = [not plan.thinking]  # whether the text block has started

        def block_start(index: int, block: dict[str, Any]) -> bytes:
            return sse({"type": "content_block_start", "index": index, "content_block": block}, "content_block_start")

        def block_stop(index: int) -> bytes:
            return sse({"type": "content_block_stop", "index": index}, "content_block_stop")

        def delta(index: int, d: dict[str, Any]) -> bytes:
            return sse({"type": "content_block_delta", "index": index, "delta": d}, "content_block_delta")

        def open_text() -> list[bytes]:
            if opened[0]:
                return []
            opened[0] = True
            events = [delta(0, {"type": "signature_delta", "signature": SIGNATURE}), block_stop(0)]
            return events + ([block_start(1, {"type": "text", "text": ""})] if has_text else [])

        def render(item: tuple[str, str]) -> bytes:
            kind, piece = item
            if kind == "thinking":
                return delta(0, {"type": "thinking_delta", "thinking": piece})
            return b"".join([*open_text(), delta(text_at, {"type": "text_delta", "text": piece})])

        def tail() -> list[bytes]:
            events = [*open_text(), *([block_stop(text_at)] if has_text else [])]
            if not beh.finish_signal:
                return events
            end = {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None}}
            return [
                *events,
                sse(end | ({"usage": {"output_tokens": n_out}} if beh.usage else {}), "message_delta"),
                sse({"type": "message_stop"}, "message_stop"),
            ]

        start_usage = {"usage": {**prompt, "output_tokens": 1}} if beh.usage else {}
        first = {"type": "thinking", "thinking": "", "signature": ""} if plan.thinking else {"type": "text", "text": ""}
        head = [
            sse({"type": "message_start", "message": message | start_usage}, "message_start"),
            block_start(0, first),
            sse({"type": "ping"}, "ping"),
        ]
        broken = b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0, "delta": {\n\n'
        # How the real API reports overload once a stream has begun: an error event, then the end of the response.
        overloaded = self.error_body(529, beh.error_message or "Overloaded")
        h.stream(
            beh,
            "text/event-stream; charset=utf-8",
            head,
            plan.items(),
            render,
            tail,
            malformed=broken,
            error_event=sse(overloaded, "error"),
        )


def prompt_usage(beh: Behaviour, n_in: int) -> dict[str, int]:
    """Anthropic's prompt counts: input_tokens leaves out the cached tokens, reported in their own fields."""
    read, write = beh.cache_read_tokens, beh.cache_write_tokens
    out = {"input_tokens": n_in - (read or 0) - (write or 0)}
    if read is not None:
        out["cache_read_input_tokens"] = read
    if write is not None:
        out["cache_creation_input_tokens"] = write
    return out
