"""Limits for public demos, a per-visitor rate limiter, and the Content-Security-Policy that blocks remote media and
foreign form posts."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from dataclasses import dataclass

from ui.web.visitor import DEFAULT_FORWARDED_ALLOW_IPS

OWN_POLICY_PATHS = ("/snapshot/",)  # ui/web/snapshots.py: script-free pages with their own, stricter CSP
# form-action: a form that slipped into a reply still cannot post anywhere but this app (its own login form)
CSP = "img-src 'self' data: blob:; media-src 'self' data: blob:; object-src 'none'; base-uri 'self'; form-action 'self'"


@dataclass(frozen=True)
class PageOptions:
    """How the page behaves; demo_caps turns on the limits for shared links and Spaces."""

    demo_caps: bool = False
    max_prompt_chars: int = 4000
    max_tokens_cap: int = 512
    max_models: int = 4
    runs_per_minute: int = 6
    concurrency: int = (
        32  # remote streams are I/O-bound: one process streams ~32 runs of 4 columns (README, bench_load)
    )
    coalesce_s: float = 0.05
    votes_per_hour: int = 30  # arena votes per visitor, when caps are on
    arena_live: bool = False  # stream arena answers as they come (reveals which side finished first)
    proxy_header: str | None = None  # a trusted proxy's header holding the client address (ui/web/visitor.py)
    proxy_hops: int = 1  # how many trusted proxies appended to that header
    max_upload_mb: int = 1  # per uploaded file, when caps are on and the app has a file input (ui/web/uploads.py)
    uploads_per_minute: int = 10  # upload requests per visitor, when caps are on
    # FORWARDED_ALLOW_IPS: the only peers whose proxy header is believed
    forwarded_allow_ips: str = DEFAULT_FORWARDED_ALLOW_IPS

    @property
    def prompt_cap(self) -> int | None:
        """Max prompt characters, when caps are on."""
        return self.max_prompt_chars if self.demo_caps else None

    @property
    def tokens_cap(self) -> int | None:
        """Max tokens per reply, when caps are on."""
        return self.max_tokens_cap if self.demo_caps else None

    @property
    def models_cap(self) -> int:
        """Max columns per run."""
        return self.max_models if self.demo_caps else 8


class RateLimiter:
    """Sliding one-minute window of runs (or other actions, named by `noun`) per visitor."""

    SWEEP_ABOVE = 4096

    def __init__(self, per_minute: int, noun: str = "runs", clock=time.monotonic):
        self.per_minute = per_minute
        self.noun = noun
        self._clock = clock
        self._runs: dict[str, deque] = defaultdict(deque)

    def check(self, visitor: str) -> str | None:
        """Record a run and return None, or return a message saying when to try again."""
        now = self._clock()
        runs = self._runs[visitor]
        while runs and now - runs[0] >= 60:
            runs.popleft()
        if len(runs) >= self.per_minute:
            wait = 60 - (now - runs[0])
            return f"This demo allows {self.per_minute} {self.noun} per minute; try again in {wait:.0f} s."
        runs.append(now)
        if len(self._runs) > self.SWEEP_ABOVE:  # visitors who left: keep memory flat on a long-lived server
            for key in [k for k, r in self._runs.items() if now - r[-1] >= 60]:
                del self._runs[key]
        return None


class ContentSecurityPolicy:
    """ASGI middleware adding a CSP header so model output cannot make the browser fetch remote images."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["path"].startswith(OWN_POLICY_PATHS):  # pages that set a stricter policy of their own keep it
            return await self.app(scope, receive, send)

        async def send_with_csp(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-security-policy"]
                headers.append((b"content-security-policy", CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_csp)
