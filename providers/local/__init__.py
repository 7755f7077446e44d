"""Embedded llama.cpp models: no keys, no servers; each model decodes in a child process of its own."""

from .provider import LocalProvider

__all__ = ["LocalProvider"]
