"""Fake OpenAI, Anthropic and Ollama HTTP servers for tests and benchmarks (stdlib only)."""
