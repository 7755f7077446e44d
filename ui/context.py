"""Everything the page's handlers share: registry, token counter, presets, limits and active runs."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from compare import Comparison, RequestCheck, RunRequest
from compare.presets import Preset, load_presets
from compare.tokens import TokenCounter
from providers import ModelInfo, Registry, Settings
from providers.client_cache import release_clients
from store import Store, open_store
from ui.names import N_SLOTS, SHARED_SYSTEM
from ui.web.queued_stop import StopRequests
from ui.web.safety import PageOptions, RateLimiter
from ui.web.visitor import visitor_key


@dataclass
class ActiveRun:
    """A comparison in flight for one browser session, kept so Stop can cancel it and report partials."""

    comparison: Comparison
    request: RunRequest
    started_at: str
    history: list  # each slot's conversation before this run
    stopped: bool = False


@dataclass
class PageContext:
    """Built once per app from settings; handlers receive it instead of touching globals."""

    registry: Registry
    options: PageOptions
    presets: dict[str, Preset]
    counter: TokenCounter
    limiter: RateLimiter
    models: list[ModelInfo] = field(default_factory=list)
    active: dict[str, ActiveRun] = field(default_factory=dict)
    stops: StopRequests = field(default_factory=StopRequests)
    _downloads: Path | None = field(default=None, repr=False)
    _store: Store | None = field(default=None, repr=False)

    @classmethod
    def create(cls, settings: Settings | None = None, options: PageOptions | None = None) -> PageContext:
        """Load settings (.env, environment, config), presets, and run discovery once."""
        registry = Registry(settings or Settings.load())
        options = options or PageOptions()
        ctx = cls(
            registry,
            options,
            {p.name: p for p in load_presets()},
            TokenCounter(registry),
            RateLimiter(options.runs_per_minute, options.runs_per_minute * options.max_models),
        )
        ctx.refresh_models()
        return ctx

    def refresh_models(self) -> list[ModelInfo]:
        """Re-run discovery (bounded to about a second)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self.models = asyncio.run(self._discover())
        else:  # called from inside the server's loop: run discovery on a private loop in a thread
            import concurrent.futures

            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                self.models = pool.submit(asyncio.run, self._discover()).result()
        return self.models

    async def _discover(self) -> list[ModelInfo]:
        try:
            return await self.registry.discover()
        finally:  # the clients discovery built belong to this private loop: close them before it ends
            await release_clients(self.registry.providers.values())

    @property
    def available_ids(self) -> list[str]:
        """Model ids that can run now: local first, then cloud models cheapest first."""

        def order(m):  # local first, then cheapest cloud model first (a class's budget), unknown prices last
            price = None if m.input_per_m is None or m.output_per_m is None else m.input_per_m + m.output_per_m
            return (not m.embedded, price is None, price or 0.0, m.id)

        return [m.id for m in sorted((m for m in self.models if m.available), key=order)]

    def resolve_models(self, wanted: list[str], keep_unavailable: bool = False) -> list[str]:
        """Lesson roles (local, open, cloud) and ids as models available here (see compare.lessons.resolve_models)."""
        from compare.lessons import resolve_models

        return resolve_models(
            wanted, self.available_ids, {m.id for m in self.models if m.runs_locally}, keep_unavailable
        )

    def default_columns(self) -> list[tuple[str, str]]:
        """(model, system choice) per slot: two local columns under different presets when there are no keys."""
        ids = self.available_ids
        embedded = {m.id for m in self.models if m.embedded}
        cloud = [i for i in ids if i not in embedded]
        local = [i for i in ids if i in embedded]
        first = local[0] if local else (ids[0] if ids else "local:smollm2")
        second = cloud[0] if cloud else first
        persona = "Sarcastic persona" if second == first and "Sarcastic persona" in self.presets else SHARED_SYSTEM
        return [(first, SHARED_SYSTEM), (second, persona)] + [(first, SHARED_SYSTEM)] * (N_SLOTS - 2)

    @property
    def downloads_dir(self) -> Path:
        """This app's private folder for run downloads, made on first use."""
        if self._downloads is None:
            import atexit
            import shutil

            self._downloads = Path(tempfile.mkdtemp(prefix="llm-compare-"))
            atexit.register(shutil.rmtree, self._downloads, ignore_errors=True)  # nothing is left behind at exit
        return self._downloads

    @property
    def store(self) -> Store:
        """Where runs are kept (COMPARE_DB or DATABASE_URL, see store/), opened on first use."""
        if self._store is None:
            settings = self.registry.settings
            self._store = open_store(settings.env, settings.redact, settings.secret_values())
        return self._store

    def prewarm_in_background(self) -> None:
        """Import the SDKs and build clients on a daemon thread, so the first run's clocks and loop are spared."""
        import threading

        threading.Thread(target=self.registry.prewarm, name="prewarm-sdks", daemon=True).start()

    def visitor(self, request) -> str:
        """Who `request` comes from, for demo limits and fair turns (its address; see ui/web/visitor.py)."""
        o = self.options
        return visitor_key(request, o.proxy_header, o.proxy_hops, o.forwarded_allow_ips)

    def request_check(self, available_only: bool = True, labels: dict[str, str] | None = None) -> RequestCheck:
        """How this page checks a run request: its demo limits, its presets, the field names the caller shows."""
        return RequestCheck(self.options.limits, self.presets, labels or {}, available_only)

    def pipeline_preset(self) -> Preset | None:
        """The first preset with two steps (summarize, then translate), or None."""
        return next((p for p in self.presets.values() if len(p.steps) >= 2), None)

    def system_for(self, choice: str, shared: str) -> str:
        """The system prompt a column uses: the shared box, or a preset's."""
        preset = self.presets.get(choice)
        return preset.system if preset else (shared or "")
