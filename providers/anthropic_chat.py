"""Anthropic Messages API streaming (system prompt as the top-level field, extended thinking as its own blocks)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from .base import BaseProvider, ChatRequest, Connection, ModelSource, ProviderError
from .client_cache import ClientCache
from .errors import from_exception, rejected_param
from .events import Chunk, Finish, Notice, StreamItem, Usage
from .param_rules import budget_for
from .settings import Settings

DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_MAX_TOKENS = 1024
KNOWN_MODELS = ("claude-opus-5-5", "claude-fable-5-2", "claude-sonnet-5-5", "claude-haiku-5-5", "claude-sonnet-4-5")
FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
WIRE_TO_FIELD = {
    "temperature": "temperature",
    "top_p": "top_p",
    "max_tokens": "max_tokens",
    "thinking": "reasoning",
    "budget_tokens": "reasoning",
}


class AnthropicProvider(BaseProvider):
    """Claude models through the official anthropic SDK."""

    clients: ClientCache

    name = "anthropic"
    label = "Anthropic"
    key_env = "ANTHROPIC_API_KEY"
    models_from = ModelSource.CATALOG_AND_SERVER

    def __init__(self, settings: Settings):
        self._settings = settings
        self.connection = Connection.of(settings, DEFAULT_BASE_URL, "ANTHROPIC_BASE_URL", self.key_env)
        self.clients = ClientCache(self._build_client)

    def catalog_models(self) -> list[str]:
        """The catalog's Claude models (any other Claude model id also works)."""
        return list(KNOWN_MODELS)

    async def server_models(self) -> list[str]:
        """The models the API lists for this key."""
        try:
            page = await self.clients.get().models.list(limit=1000)
        except Exception as exc:
            raise self._error(exc) from None
        return [m.id for m in page.data]

    def _build_client(self):
        import anthropic

        client = anthropic.AsyncAnthropic(
            api_key=self.connection.api_key,
            base_url=self.base_url,
            max_retries=0,
            timeout=anthropic.Timeout(self._settings.read_timeout_s, connect=5.0),
        )
        # The SDK imports its resource modules and builds its event models on first use: do it now, off the clock.
        _ = client.messages, client.models
        from anthropic.types import RawMessageStreamEvent
        from pydantic import TypeAdapter

        TypeAdapter(RawMessageStreamEvent).validate_python(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": ""}}
        )
        return client

    def _error(self, exc: BaseException) -> ProviderError:
        err = from_exception(self.label, exc, base_url=self.base_url, key_env=self.key_env)
        err.message = self._settings.redact(err.message)
        if err.status == 400:
            err.param = rejected_param(exc, WIRE_TO_FIELD)
        return err

    @staticmethod
    def _params(request: ChatRequest) -> tuple[dict, list[str]]:
        rules = request.rules
        max_tokens = request.max_tokens or DEFAULT_MAX_TOKENS
        params = {
            "model": request.model,
            "max_tokens": max_tokens,
            "stream": True,
            "messages": [{"role": m.role, "content": m.content} for m in request.turns],
        }
        if request.system:
            params["system"] = request.system
        thinking = request.reasoning in ("low", "medium", "high") and rules.reasoning in ("budget", None)
        if thinking:
            budget = budget_for(request.reasoning, rules)
            params["thinking"] = {"type": "enabled", "budget_tokens": budget}
            params["max_tokens"] = max_tokens + budget  # must exceed the budget; the answer keeps its own room
        # This SDK version no longer takes sampling arguments directly; the API still accepts them. With thinking
        # on, the API takes no temperature but 1, so the column's temperature is left out and the column says so.
        sampling = {k: getattr(request, k) for k in ("temperature", "top_p") if getattr(request, k) is not None}
        notes = []
        if thinking:
            notes = [
                f"{k} {v:g} not sent: Claude takes only the default while thinking"
                for k, v in sampling.items()
                if v != 1
            ]
            sampling = {}
        if sampling:
            params["extra_body"] = sampling
        return params, notes

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        """Stream message events: thinking and text chunks, then one Finish (stop reason and usage)."""
        params, notes = self._params(request)
        try:
            stream = await self.clients.get().messages.create(**params)
        except Exception as exc:
            raise self._error(exc) from None
        for note in notes:
            yield Notice(note)
        output_tokens = None
        prompt: tuple = (None, None, None)
        stop_reason, stopped, thought = None, False, False
        try:
            async for event in stream:
                kind = event.type
                if kind == "content_block_delta":
                    delta_kind = getattr(event.delta, "type", "")
                    if delta_kind == "text_delta" and event.delta.text:
                        yield Chunk(event.delta.text)
                    elif delta_kind == "thinking_delta" and event.delta.thinking:
                        thought = True
                        yield Chunk(event.delta.thinking, thinking=True)
                elif kind == "content_block_start" and getattr(event.content_block, "type", "") == "redacted_thinking":
                    thought = True
                elif kind == "message_start":  # its output count is a placeholder until message_delta
                    prompt = _prompt_counts(event.message.usage, prompt)
                elif kind == "message_delta":
                    stop_reason = getattr(event.delta, "stop_reason", None) or stop_reason
                    if event.usage is not None:
                        output_tokens = event.usage.output_tokens
                        if getattr(event.usage, "input_tokens", None):
                            prompt = _prompt_counts(event.usage, prompt)
                elif kind == "message_stop":
                    stopped = True
                elif kind == "error":
                    raise ProviderError(self.label, f"the server reported an error mid-stream: {event}")
        except (asyncio.CancelledError, GeneratorExit, ProviderError):
            raise
        except Exception as exc:
            raise self._error(exc) from None
        finally:
            await stream.close()
        # Claude 4 models stream a summary of their thinking but bill (and count) the full thinking.
        usage = Usage(
            prompt[0],
            output_tokens,
            summarised_reasoning=thought,
            cache_read_tokens=prompt[1],
            cache_write_tokens=prompt[2],
        )
        reason = FINISH.get(stop_reason or "", "stop") if stopped else None  # no message_stop: no finish signal
        yield Finish(reason, stop_reason or "", usage)


def _prompt_counts(usage, before: tuple) -> tuple[int | None, int | None, int | None]:
    """(whole prompt, cache read, cache write): Anthropic's input_tokens leaves out the cached tokens, ours does not."""
    fresh = getattr(usage, "input_tokens", None)
    if fresh is None:
        return before
    read = _count(usage, "cache_read_input_tokens", before[1])  # a later event may leave out what the first said
    write = _count(usage, "cache_creation_input_tokens", before[2])
    return fresh + (read or 0) + (write or 0), read, write


def _count(usage, name: str, before: int | None) -> int | None:
    value = getattr(usage, name, None)
    return before if value is None else value
