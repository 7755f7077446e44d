"""Live model lists: ask a provider's own models endpoint, keep the chat models, cache them, merge with the catalog."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable

from .base import ProviderError

LISTING_TTL_S = 600.0
# Ids that are not chat models on any server: embeddings, speech, images, video, moderation, legacy completions.
NOT_CHAT = (
    "embed",
    "whisper",
    "tts",
    "dall-e",
    "davinci",
    "babbage",
    "moderation",
    "image",
    "imagen",
    "audio",
    "realtime",
    "transcribe",
    "search",
    "computer-use",
    "codex",
    "aqa",
    "veo",
    "live",
    "sora",
    "lyria",
    "rerank",
    "deep-research",
)
# On the providers' own endpoints only: what a chat model's id starts with, and chat-shaped ids that the Chat
# Completions endpoint still refuses (OpenAI's -pro models and gpt-3.5-turbo-instruct answer on other APIs).
CHAT_PREFIXES = {
    "openai": re.compile(r"^(gpt-|chatgpt-|o\d)"),
    "gemini": re.compile(r"^(gemini-|gemma-)"),
    "anthropic": re.compile(r"^claude-"),
}
REFUSED = {"openai": re.compile(r"-pro(-|$)|-instruct(-|$)")}
SNAPSHOT = re.compile(r"^(.+)-(\d{4}-\d{2}-\d{2}|\d{4})$")  # gpt-4o-2024-08-06, gpt-4-0613


def chat_models(provider: str, ids: list[str], official: bool) -> list[str]:
    """The chat models among a models endpoint's ids (official = the provider's own server, not a stand-in)."""
    names = [i.removeprefix("models/") if provider == "gemini" else i for i in ids]
    keep = [n for n in names if n and not any(word in n.lower() for word in NOT_CHAT)]
    if official:
        allowed, refused = CHAT_PREFIXES.get(provider), REFUSED.get(provider)
        keep = [n for n in keep if (allowed is None or allowed.search(n)) and not (refused and refused.search(n))]
    listed = set(keep)
    # A dated snapshot adds nothing to the menu when its alias is listed too (it can still be typed in).
    return sorted({n for n in keep if not ((m := SNAPSHOT.match(n)) and m.group(1) in listed)})


def merge(catalog: list[str], listed: list[str]) -> list[str]:
    """Catalog rows first, in their order, then the listed ids the catalog does not have, sorted."""
    known = set(catalog)
    return list(catalog) + sorted(set(listed) - known)


class ListingCache:
    """Provider name -> its filtered model ids, each kept for `ttl` seconds of `clock`."""

    def __init__(self, ttl: float = LISTING_TTL_S, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[str, tuple[float, list[str]]] = {}

    def get(self, name: str) -> list[str] | None:
        """The cached ids for a provider, or None when absent or older than the TTL."""
        entry = self._entries.get(name)
        if entry is None or self.clock() - entry[0] >= self.ttl:
            return None
        return list(entry[1])

    def put(self, name: str, ids: list[str]) -> None:
        """Remember a successful listing (failures are not cached: the next discovery asks again)."""
        self._entries[name] = (self.clock(), list(ids))


async def live_models(provider, cache: ListingCache, timeout: float, official: bool) -> list[str]:
    """The provider's chat models from its models endpoint (cached); raises ProviderError on failure."""
    cached = cache.get(provider.name)
    if cached is not None:
        return cached
    try:
        ids = await asyncio.wait_for(provider.server_models(), timeout)
    except TimeoutError:
        raise ProviderError(provider.label, f"no answer within {timeout:g} s") from None
    found = chat_models(provider.name, ids, official)
    cache.put(provider.name, found)
    return found


def failure_note(provider, exc: BaseException) -> str:
    """The note shown on a provider's rows when its models endpoint could not be listed."""
    detail = exc.message if isinstance(exc, ProviderError) else type(exc).__name__
    return (
        f"could not list {provider.label}'s models at {provider.base_url or '?'} ({detail}); "
        "showing the catalog's models"
    )
