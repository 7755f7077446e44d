"""Turn SDK and network exceptions into ProviderErrors a newcomer can act on."""

from __future__ import annotations

import json
import re

from .base import ProviderError


def _class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _status_hint(status: int, key_env: str | None) -> str:
    if status == 401:
        return (
            f"the API key was rejected; check {key_env} in .env"
            if key_env
            else "the server rejected the request as unauthorised"
        )
    if status == 403:
        return "this key is not allowed to use that model"
    if status == 404:
        return "unknown model or endpoint; check the model name"
    if status == 429:
        return "rate limited or out of quota; wait and try again"
    if status == 400:
        return "the server rejected the request"
    if status >= 500:
        return "the server had an internal error; try again"
    return "the server refused the request"


def _server_message(exc: BaseException) -> str:
    """Pull the human message out of an SDK error body without echoing raw payloads."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return err["message"]
        if isinstance(err, str):
            return err
    message = getattr(exc, "message", None) or getattr(exc, "error", None) or str(exc)
    return str(message)


def from_exception(
    provider: str, exc: BaseException, *, base_url: str = "", key_env: str | None = None
) -> ProviderError:
    """Map an OpenAI/Anthropic/Ollama SDK or network exception to a ProviderError."""
    if isinstance(exc, ProviderError):
        return exc
    names = _class_names(exc)
    status = getattr(exc, "status_code", None)
    if isinstance(status, int) and status >= 400:
        hint = _status_hint(status, key_env)
        detail = _server_message(exc).strip()
        return ProviderError(provider, f"{hint}. Server said: {detail[:300]}", status=status)
    if names & {"APITimeoutError", "TimeoutException", "ReadTimeout", "ConnectTimeout", "TimeoutError"}:
        return ProviderError(provider, f"timed out waiting for {base_url or 'the server'}")
    if names & {"JSONDecodeError", "APIResponseValidationError", "ValidationError"} or isinstance(
        exc, json.JSONDecodeError
    ):
        return ProviderError(provider, f"the server sent a malformed response chunk ({type(exc).__name__})")
    if names & {"RemoteProtocolError", "ReadError", "StreamError"}:
        return _cut(provider)
    if names & {"APIConnectionError", "ConnectError", "ConnectionError", "OSError"}:
        cause = exc.__cause__ or exc.__context__
        if cause is not None and _class_names(cause) & {"RemoteProtocolError", "ReadError"}:
            return _cut(provider)
        return ProviderError(provider, f"could not connect to {base_url or 'the server'}; is it running and reachable?")
    return ProviderError(provider, f"unexpected {type(exc).__name__}: {str(exc)[:300]}")


def _cut(provider: str) -> ProviderError:
    err = ProviderError(provider, "the connection was cut mid-stream; the partial reply is kept")
    err.cut = True  # before any reply this is a pooled connection the server had closed: one retry is safe
    return err


def rejected_param(exc: BaseException, wire_to_field: dict[str, str]) -> str | None:
    """The request field a 400 rejected: the error body's `param`, else a known parameter named in its message."""
    body = getattr(exc, "body", None)
    err = body.get("error", body) if isinstance(body, dict) else None
    named = err.get("param") if isinstance(err, dict) else None
    if isinstance(named, str) and named in wire_to_field:
        return wire_to_field[named]
    message = _server_message(exc)
    for wire in sorted(wire_to_field, key=len, reverse=True):
        if re.search(rf"\b{re.escape(wire)}\b", message):
            return wire_to_field[wire]
    return None
