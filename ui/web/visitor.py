"""Who a request comes from, for per-visitor limits and fair turns on the embedded model.

Gradio's session hash is chosen by the caller (every new page load, client or REST call picks a fresh one), so it
cannot key a limit. The key is the client's address: the TCP peer, or, when the operator names a trusted proxy's
header (--proxy-header / COMPARE_PROXY_HEADER), the address that proxy wrote there. uvicorn already replaces the peer
with X-Forwarded-For for proxies listed in FORWARDED_ALLOW_IPS (default 127.0.0.1: Gradio's share tunnel, a proxy
on the same host)."""

from __future__ import annotations

import ipaddress

LOOPBACK_NAMES = {"localhost", "testclient"}


def header_address(value: str, hops: int) -> str | None:
    """The address `hops` entries from the right of a comma-separated proxy header (the entries further left were
    written by the client itself and can be anything), or None if the header is shorter."""
    entries = [part.strip() for part in value.split(",") if part.strip()]
    return entries[-hops] if hops >= 1 and len(entries) >= hops else None


def is_loopback(host: str) -> bool:
    """True for this machine's own addresses."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in LOOPBACK_NAMES


def visitor_key(request, proxy_header: str | None = None, proxy_hops: int = 1) -> str:
    """The visitor's address for limits and turns (see the module docstring); a loopback peer with no trusted header
    (the machine's owner, or a tunnel that forwards no address) is told apart by its page session instead."""
    if request is None:
        return "anonymous"
    if proxy_header:
        headers = getattr(request, "headers", None) or {}
        if found := header_address(headers.get(proxy_header.lower(), "") or "", proxy_hops):
            return f"ip:{found}"
    host = getattr(getattr(request, "client", None), "host", None)
    if host and not is_loopback(host):
        return f"ip:{host}"
    return f"session:{getattr(request, 'session_hash', None) or 'anonymous'}"
