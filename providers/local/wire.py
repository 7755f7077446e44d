"""Errors across the socket between the server and an engine process."""

from __future__ import annotations

from ..base import ProviderError


def encode_error(exc: BaseException) -> dict:
    """An exception as plain fields: ProviderError takes keyword arguments, so it does not survive pickling."""
    if isinstance(exc, ProviderError):
        return {
            "provider": exc.provider,
            "message": exc.message,
            "status": exc.status,
            "param": exc.param,
        }
    return {"provider": "local", "message": f"{type(exc).__name__}: {exc}"}


def decode_error(fields: dict) -> ProviderError:
    """The ProviderError encode_error described."""
    fields = dict(fields)
    return ProviderError(fields.pop("provider"), fields.pop("message"), **fields)
