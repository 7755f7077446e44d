"""Who a request comes from, for per-visitor limits and fair turns on the embedded model.

Gradio's session hash is chosen by the caller (every new page load, client or REST call picks a fresh one), so it
cannot key a limit. The key is the client's address: the TCP peer, or, when the operator names a proxy's header
(--proxy-header / COMPARE_PROXY_HEADER) and the request comes from an address listed in FORWARDED_ALLOW_IPS, the
address that proxy wrote there. A client connecting directly cannot pick its own key by sending that header.

FORWARDED_ALLOW_IPS is read as uvicorn reads it (default "127.0.0.1,::1": Gradio's share tunnel, a proxy on the same
host; addresses, networks such as 10.0.0.0/8, or "*"). uvicorn itself already replaces the peer with the right-most
untrusted X-Forwarded-For entry for those addresses, so behind a listed proxy that writes X-Forwarded-For the peer
seen here is already the visitor."""

from __future__ import annotations

import functools
import ipaddress

LOOPBACK_NAMES = {"localhost", "testclient"}
DEFAULT_FORWARDED_ALLOW_IPS = "127.0.0.1,::1"  # uvicorn's default


class TrustedProxies:
    """The peers whose proxy headers are believed, from a FORWARDED_ALLOW_IPS value."""

    def __init__(self, spec: str = DEFAULT_FORWARDED_ALLOW_IPS):
        entries = [part.strip() for part in spec.split(",") if part.strip()]
        self.everyone = "*" in entries
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        self.names: set[str] = set()  # anything that is not an address, e.g. a unix socket's name
        for entry in entries:
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.names.add(entry)

    def __contains__(self, host: str | None) -> bool:
        if self.everyone:
            return True
        if not host:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return host in self.names
        return any(address in network for network in self.networks)


@functools.lru_cache(maxsize=8)
def trusted_proxies(spec: str) -> TrustedProxies:
    """The parsed FORWARDED_ALLOW_IPS value (parsed once per distinct value)."""
    return TrustedProxies(spec)


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


def visitor_key(
    request,
    proxy_header: str | None = None,
    proxy_hops: int = 1,
    forwarded_allow_ips: str = DEFAULT_FORWARDED_ALLOW_IPS,
) -> str:
    """The visitor's address for limits and turns (see the module docstring); a loopback peer with no trusted header
    (the machine's owner, or a tunnel that forwards no address) is told apart by its page session instead."""
    if request is None:
        return "anonymous"
    host = getattr(getattr(request, "client", None), "host", None)
    if proxy_header and host in trusted_proxies(forwarded_allow_ips):
        headers = getattr(request, "headers", None) or {}
        if found := header_address(headers.get(proxy_header.lower(), "") or "", proxy_hops):
            return f"ip:{found}"
    if host and not is_loopback(host):
        return f"ip:{host}"
    return f"session:{getattr(request, 'session_hash', None) or 'anonymous'}"
