"""Fake OpenAI Chat Completions server (SSE streaming, usage chunk, /v1/models, OpenAI error bodies)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from . import tokenizer_api
from .plan import int_param, make_plan
from .server import Behaviour, FakeServer, Handler, RecordedRequest, sse

EFFORTS = ("minimal", "low", "medium", "high")  # what o-series / gpt-5 accept for reasoning_effort

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
            if not self.pre_list(h):
                data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.models]
                h.send_json(200, {"object": "list", "data": data})
        elif req.method == "POST" and req.path == "/v1/chat/completions":
            self._chat(h, req.body if isinstance(req.body, dict) else {})
        elif (
            req.method == "POST"
            and self.behaviour.tokenizer_api
            and (found := tokenizer_api.answer(self.behaviour.tokenizer_api, req.path, req.body or {}))
        ):
            h.send_json(*found)
        else:
            h.send_json(404, self.error_body(404, f"Invalid URL ({req.method} {req.path})"))

    def param_error(self, beh: Behaviour, body: dict[str, Any]) -> dict[str, Any] | None:
        """The 400 body the real API sends for a parameter this model refuses, else None."""
        for name in beh.rejects:
            if name in body:
                return _invalid(f"Unrecognized request argument supplied: {name}", name, None)
        if not beh.reasoning_model:
            return None
        if "max_tokens" in body:
            message = (
                "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead."
            )
            return _invalid(message, "max_tokens", "unsupported_parameter")
        for name in ("temperature", "top_p"):
            value = body.get(name)
            if value is not None and value != 1:
                return _invalid(
                    f"Unsupported value: '{name}' does not support {_show(value)} with this model. "
                    "Only the default (1) value is supported.",
                    name,
                    "unsupported_value",
                )
        effort = body.get("reasoning_effort")
        if effort is not None and effort not in EFFORTS:
            return _invalid(
                f"Unsupported value: 'reasoning_effort' does not support {_show(effort)} with this "
                "model. Supported values are: 'minimal', 'low', 'medium', and 'high'.",
                "reasoning_effort",
                "unsupported_value",
            )
        return None

    def _chat(self, h: Handler, body: dict[str, Any]) -> None:
        model = str(body.get("model", ""))
        beh = self.behaviour_for(model, body)
        if self.pre_fault(h, beh):
            return
        if not self.knows(model):
            message = f"The model `{model}` does not exist or you do not have access to it."
            h.send_json(404, self.error_body(404, message))
            return
        if (error := self.param_error(beh, body)) is not None:
            h.send_json(400, error)
            return
        field = beh.reasoning_field
        hidden = 0 if field is not None else beh.hidden_reasoning_tokens or len(beh.reasoning_pieces())
        cap = int_param(body.get("max_completion_tokens"))
        plan = make_plan(
            beh,
            body,
            thinking=field is not None,
            hidden=hidden,
            cap=cap if cap is not None else int_param(body.get("max_tokens")),
        )
        if beh.tokenizer_api:  # the server counts with its own tokenizer and template
            if beh.input_tokens is None:
                plan.n_in = tokenizer_api.prompt_count(list(body.get("messages") or []))
            if beh.output_tokens is None and not plan.truncated:
                plan.n_out = len(tokenizer_api.tokenize("".join(plan.content), False)) + plan.n_reasoning
        usage: dict[str, Any] = {
            "prompt_tokens": plan.n_in,
            "completion_tokens": plan.n_out,
            "total_tokens": plan.n_in + plan.n_out,
        }
        if beh.cache_read_tokens is not None:  # prompt_tokens counts them too
            usage["prompt_tokens_details"] = {"cached_tokens": beh.cache_read_tokens, "audio_tokens": 0}
        if plan.n_reasoning > 0:
            usage["completion_tokens_details"] = {
                "reasoning_tokens": plan.n_reasoning,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            }
        finish = plan.finish(beh, "stop", "length")
        base = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_fake",
        }
        if not body.get("stream"):
            message = {"role": "assistant", "content": plan.text(beh), "refusal": None}
            if plan.thinking:
                message[str(field)] = "".join(plan.thinking)
            choice = {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": finish if beh.finish_signal else None,
            }
            whole = {**base, "object": "chat.completion", "choices": [choice]}
            h.send_whole(beh, whole | ({"usage": usage} if beh.usage else {}), len(plan.items()))
            return
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            # With include_usage the real API puts "usage": null on every chunk but the last.
            return sse(
                {**base, "object": "chat.completion.chunk", "choices": [choice]}
                | ({"usage": None} if include_usage else {})
            )

        def render(item: tuple[str, str]) -> bytes:
            kind, piece = item
            return chunk({"content": None, str(field): piece} if kind == "thinking" else {"content": piece})

        def tail() -> list[bytes]:
            # Without the finish signal the usage chunk still comes (when asked for), but no finish and no [DONE].
            events = [chunk({}, finish)] if beh.finish_signal else []
            if include_usage and beh.usage:
                events.append(sse({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}))
            return [*events, b"data: [DONE]\n\n"] if beh.finish_signal else events

        first = (
            {"role": "assistant", "content": None, str(field): ""}
            if plan.thinking
            else {"role": "assistant", "content": "", "refusal": None}
        )
        h.stream(
            beh,
            "text/event-stream; charset=utf-8",
            [chunk(first)],
            plan.items(),
            render,
            tail,
            malformed=b'data: {"id": "chatcmpl-broken", "choices": [{"delta": {"content": "oops\n\n',
        )


def _invalid(message: str, param: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}


def _show(value: Any) -> str:
    """A value as OpenAI quotes it in messages: strings in single quotes, numbers bare."""
    return f"'{value}'" if isinstance(value, str) else json.dumps(value)
