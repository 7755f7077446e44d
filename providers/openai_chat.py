"""OpenAI chat completions, serving OpenAI and every OpenAI-compatible endpoint row."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from .base import BaseProvider, ChatRequest, Connection, ModelSource, ProviderError
from .client_cache import ClientCache
from .errors import from_exception, rejected_param
from .events import Chunk, Finish, Notice, StreamItem, Usage
from .param_rules import effort_value, reasoning_allowance
from .settings import Endpoint, Settings

CONNECT_TIMEOUT_S = 5.0
# Servers name thinking differently: DeepSeek, llama.cpp and vLLM's parsers say reasoning_content; OpenRouter, Groq
# and newer vLLM say reasoning.
REASONING_FIELDS = ("reasoning_content", "reasoning")
FINISH = {
    "stop": "stop",
    "length": "length",
    "content_filter": "content_filter",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
}
WIRE_TO_FIELD = {
    "temperature": "temperature",
    "top_p": "top_p",
    "seed": "seed",
    "max_tokens": "max_tokens",
    "max_completion_tokens": "max_tokens",
    "reasoning_effort": "reasoning",
}


class OpenAICompatProvider(BaseProvider):
    """One OpenAI-compatible endpoint (OpenAI itself, Gemini, Groq, LM Studio, ...)."""

    clients: ClientCache

    def __init__(self, endpoint: Endpoint, settings: Settings):
        self.endpoint = endpoint
        self.name = endpoint.name
        self.label = endpoint.label
        self.connection = Connection.of(settings, endpoint.base_url, endpoint.base_url_env, endpoint.key_env)
        # A keyless server runs on this machine: it is charged nothing, and its own list is its models.
        self.runs_locally = endpoint.keyless
        if endpoint.keyless:
            self.models_from = ModelSource.SERVER
        elif endpoint.lists_models or self.connection.custom:
            self.models_from = ModelSource.CATALOG_AND_SERVER
        self._settings = settings
        self.clients = ClientCache(self._build_client)

    def _build_client(self):
        import openai

        client = openai.AsyncOpenAI(
            api_key=self.connection.api_key or "not-needed",
            base_url=self.base_url,
            max_retries=0,
            timeout=openai.Timeout(self._settings.read_timeout_s, connect=CONNECT_TIMEOUT_S),
        )
        # The SDK imports its resource modules and builds its response models on first use (~0.1 s): do it now.
        _ = client.chat.completions, client.models
        from openai.types.chat import ChatCompletionChunk

        ChatCompletionChunk.model_validate(
            {
                "id": "warm",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "m",
                "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": None}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            }
        )
        return client

    def _error(self, exc: BaseException) -> ProviderError:
        err = from_exception(self.label, exc, base_url=self.base_url, key_env=self.endpoint.key_env)
        err.message = self._settings.redact(err.message)
        if err.status == 400:
            err.param = rejected_param(exc, WIRE_TO_FIELD)
        return err

    def catalog_models(self) -> list[str]:
        """The endpoint row's models."""
        return list(self.endpoint.models)

    async def server_models(self) -> list[str]:
        """The server's own /models list."""
        try:
            page = await self.clients.get().models.list()
        except Exception as exc:
            raise self._error(exc) from None
        return sorted(m.id for m in page.data)

    def _params(self, request: ChatRequest) -> dict:
        rules = request.rules
        params = {
            "model": request.model,
            "stream": True,
            "stream_options": {"include_usage": True},
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        }
        for name in ("temperature", "top_p", "seed"):
            if getattr(request, name) is not None:
                params[name] = getattr(request, name)
        if request.max_tokens is not None:  # the cap covers reasoning too: keep the answer's own room
            max_tokens = request.max_tokens + reasoning_allowance(request, rules)
            params["max_tokens" if self.connection.custom else rules.max_tokens_param] = max_tokens
        if request.reasoning is not None:
            params["reasoning_effort"] = effort_value(request.reasoning, rules)
        return params

    async def _open(self, params: dict):
        try:
            return await self.clients.get().chat.completions.create(**params)
        except Exception as exc:
            raise self._error(exc) from None

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        """Stream a chat completion: thinking and answer chunks, then one Finish with the finish reason and usage."""
        params = self._params(request)
        try:
            stream = await self._open(params)
        except ProviderError as exc:
            # OpenAI's reasoning models reject max_tokens and ask for max_completion_tokens: rename, not drop.
            if exc.param != "max_tokens" or "max_completion_tokens" not in exc.message or "max_tokens" not in params:
                raise
            params["max_completion_tokens"] = params.pop("max_tokens")
            yield Notice("max_tokens was rejected; sent as max_completion_tokens")
            stream = await self._open(params)
        reason, usage = None, None
        try:
            async for chunk in stream:
                if chunk.choices:
                    choice = chunk.choices[0]
                    delta = choice.delta
                    if delta is not None:
                        thinking = _reasoning_text(delta)
                        if thinking:
                            yield Chunk(thinking, thinking=True)
                        if delta.content:
                            yield Chunk(delta.content)
                    reason = choice.finish_reason or reason
                if getattr(chunk, "usage", None) is not None:
                    usage = _usage(chunk.usage)
        except (asyncio.CancelledError, GeneratorExit):
            raise
        except Exception as exc:
            raise self._error(exc) from None
        finally:
            await stream.close()
        if reason or usage:
            yield Finish(FINISH.get(reason, "stop") if reason else None, reason or "", usage)


def _usage(usage) -> Usage:
    """The usage chunk's counts (the whole prompt, cached tokens included)."""
    details = getattr(usage, "completion_tokens_details", None)
    reasoning = getattr(details, "reasoning_tokens", None) if details is not None else None
    cached = getattr(getattr(usage, "prompt_tokens_details", None), "cached_tokens", None)
    return Usage(usage.prompt_tokens, usage.completion_tokens, reasoning_tokens=reasoning, cache_read_tokens=cached)


def _reasoning_text(delta) -> str:
    extra = getattr(delta, "model_extra", None) or {}
    fields = getattr(delta, "__dict__", {})
    for name in REASONING_FIELDS:
        # Looked up in the model's dicts: getattr on an absent field raises inside pydantic, on every chunk.
        value = extra.get(name, fields.get(name))
        if isinstance(value, str) and value:
            return value
    return ""
