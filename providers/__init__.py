"""The shared provider registry: one module per wire protocol, built from configuration."""

from .base import ChatRequest, ConfigError, Message, ProviderError, Sampling
from .events import Phase, Status, Usage
from .registry import ModelInfo, Registry, UnknownModelError, split_model_id
from .settings import Settings

__all__ = [
    "ChatRequest",
    "ConfigError",
    "Message",
    "ModelInfo",
    "Phase",
    "ProviderError",
    "Registry",
    "Sampling",
    "Settings",
    "Status",
    "UnknownModelError",
    "Usage",
    "split_model_id",
]
