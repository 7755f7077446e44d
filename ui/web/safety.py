"""Limits for public demos, a per-visitor rate limiter, and the Content-Security-Policy that blocks remote media and
foreign form posts."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from dataclasses import dataclass

from compare.request import Limits
from evaluate.service import EvaluationLimits
from ui.web.visitor import DEFAULT_FORWARDED_ALLOW_IPS

OWN_POLICY_PATHS = ("/snapshot/", "/evaluation/")  # ui/web/snapshots.py: script-free pages with their own, stricter CSP
# form-action: a form that slipped into a reply still cannot post anywhere but this app (its own login form)
CSP = "img-src 'self' data: blob:; media-src 'self' data: blob:; object-src 'none'; base-uri 'self'; form-action 'self'"


@dataclass(frozen=True)
class PageOptions:
    """How the page behaves; demo_caps turns on the limits for shared links and Spaces."""

    demo_caps: bool = False
    max_prompt_chars: int = 4000
    max_conversation_chars: int = 16000  # all a column sends: system prompt, earlier turns a follow-up re-sends, prompt
    max_tokens_cap: int = 512
    max_models: int = 4
    runs_per_minute: int = 6
    concurrency: int = (
        32  # remote streams are I/O-bound: one process streams ~32 runs of 4 columns (README, bench_load)
    )
    coalesce_s: float = 0.05
    votes_per_hour: int = 30  # arena votes per visitor, when caps are on
    arena_live: bool = False  # stream arena answers as they come (reveals which side finished first)
    room_hours: int = 2  # an arena room expires this long after its last battle started
    proxy_header: str | None = None  # a trusted proxy's header holding the client address (ui/web/visitor.py)
    proxy_hops: int = 1  # how many trusted proxies appended to that header
    max_eval_prompts: int = 20  # prompts per evaluation, when caps are on
    allow_keyed_judge: bool = False  # with caps on, may a judge be a model that costs money (not run on this machine)?
    eval_confirm_usd: float = 1.0  # an evaluation estimated above this asks to confirm first
    max_upload_mb: float = 1.0  # per uploaded file, when caps are on and the app has a file input (ui/web/uploads.py)
    uploads_per_minute: int = 10  # upload requests per visitor, when caps are on
    # FORWARDED_ALLOW_IPS: the only peers whose proxy header is believed
    forwarded_allow_ips: str = DEFAULT_FORWARDED_ALLOW_IPS

    @property
    def max_upload_bytes(self) -> int:
        """The largest file a visitor may upload, when caps are on."""
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def prompt_cap(self) -> int | None:
        """Max prompt characters, when caps are on."""
        return self.max_prompt_chars if self.demo_caps else None

    @property
    def tokens_cap(self) -> int | None:
        """Max tokens per reply, when caps are on."""
        return self.max_tokens_cap if self.demo_caps else None

    @property
    def limits(self) -> Limits:
        """What one run request may ask for on this page (no caps unless demo limits are on)."""
        if not self.demo_caps:
            return Limits()
        return Limits(self.max_prompt_chars, self.max_conversation_chars, self.max_tokens_cap, self.max_models)

    @property
    def evaluation_limits(self) -> EvaluationLimits:
        """What an evaluation may ask for on this page."""
        if not self.demo_caps:
            return EvaluationLimits()
        return EvaluationLimits(self.max_eval_prompts, self.allow_keyed_judge)

    @property
    def models_cap(self) -> int:
        """Max columns per run."""
        return self.max_models if self.demo_caps else 8


class RateLimiter:
    """Sliding one-minute windows per visitor: at most `per_minute` runs (or other actions, named by `noun`), and at
    most `requests_per_minute` upstream model requests (a run's columns × repeats × pipeline steps × arena sides), so
    repeats cannot multiply spend."""

    SWEEP_ABOVE = 4096

    def __init__(
        self, per_minute: int, requests_per_minute: int | None = None, clock=time.monotonic, noun: str = "runs"
    ):
        self.per_minute = per_minute
        self.noun = noun
        self.requests_per_minute = requests_per_minute
        self._clock = clock
        self._runs: dict[str, deque[tuple[float, int]]] = defaultdict(deque)

    def check(self, visitor: str, requests: int = 1) -> str | None:
        """Record a run of `requests` upstream requests and return None, or return why not and when to try again."""
        now = self._clock()
        runs = self._runs[visitor]
        while runs and now - runs[0][0] >= 60:
            runs.popleft()
        budget = self.requests_per_minute
        if len(runs) >= self.per_minute:
            wait = 60 - (now - runs[0][0])
            return f"This demo allows {self.per_minute} {self.noun} per minute; try again in {wait:.0f} s."
        if budget is not None and requests > budget:
            return (
                f"This run would send {requests} model requests; this demo allows {budget} a minute. "
                "Use fewer columns or runs per column."
            )
        if budget is not None and sum(n for _, n in runs) + requests > budget:
            spent, freed_at = 0, runs[0][0]
            for at, n in runs:  # the moment enough earlier requests leave the window
                spent += n
                freed_at = at
                if sum(m for _, m in runs) - spent + requests <= budget:
                    break
            return (
                f"This demo allows {budget} model requests per minute (columns × runs per column); "
                f"try again in {60 - (now - freed_at):.0f} s."
            )
        runs.append((now, requests))
        if len(self._runs) > self.SWEEP_ABOVE:  # visitors who left: keep memory flat on a long-lived server
            for key in [k for k, r in self._runs.items() if not r or now - r[-1][0] >= 60]:
                del self._runs[key]
        return None

    def take_request(self, visitor: str) -> float:
        """Take one upstream request from the visitor's budget now (0.0), or say how many seconds until one frees:
        a long job (an evaluation) is paced by the budget instead of refused."""
        budget = self.requests_per_minute
        if budget is None:
            return 0.0
        now = self._clock()
        runs = self._runs[visitor]
        while runs and now - runs[0][0] >= 60:
            runs.popleft()
        if sum(n for _, n in runs) + 1 <= budget:
            runs.append((now, 1))
            return 0.0
        return max(0.05, 60 - (now - runs[0][0]))


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
