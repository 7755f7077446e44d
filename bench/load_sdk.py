"""The SDK-only baseline: the load benchmark's streams read straight through the three SDKs, shared clients, no app.

Runs as a worker of bench/bench_load.py: one JSON command per stdin line ({"visitors": N, "round": r}), one JSON
answer per line (each visitor's wall time, this process's CPU seconds, streamed tokens, replies that were wrong).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load_mix import MIX, SYSTEM, cpu_seconds, prompt_for, reply_ok, serve_commands  # noqa: E402


class Clients:
    """One client per SDK, shared by every stream (as the app shares them)."""

    def __init__(self, openai_url: str, anthropic_url: str, ollama_url: str):
        import anthropic
        import ollama
        import openai

        self.openai = openai.AsyncOpenAI(api_key="k", base_url=openai_url + "/v1", max_retries=0)
        self.anthropic = anthropic.AsyncAnthropic(api_key="k", base_url=anthropic_url, max_retries=0)
        self.ollama = ollama.AsyncClient(host=ollama_url)

    async def stream(self, model_id: str, prompt: str) -> tuple[str, int]:
        """Read one reply to the end: (text, output tokens the server reported)."""
        provider, _, model = model_id.partition(":")
        messages = [{"role": "user", "content": prompt}]
        parts, tokens = [], 0
        if provider == "openai":
            stream = await self.openai.chat.completions.create(
                model=model,
                messages=[{"role": "system", "content": SYSTEM}, *messages],
                stream=True,
                stream_options={"include_usage": True},
                max_tokens=256,
                temperature=0.7,
            )
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
                if chunk.usage:
                    tokens = chunk.usage.completion_tokens
        elif provider == "anthropic":
            stream = await self.anthropic.messages.create(
                model=model, system=SYSTEM, messages=messages, max_tokens=256, stream=True
            )
            async for event in stream:
                if event.type == "content_block_delta" and event.delta.type == "text_delta":
                    parts.append(event.delta.text)
                elif event.type == "message_delta":
                    tokens = event.usage.output_tokens
        else:
            stream = await self.ollama.chat(
                model=model,
                messages=[{"role": "system", "content": SYSTEM}, *messages],
                stream=True,
                options={"temperature": 0.7, "num_predict": 256},
            )
            async for part in stream:
                if part.message and part.message.content:
                    parts.append(part.message.content)
                if part.done:
                    tokens = part.eval_count
        return "".join(parts), tokens


async def visitor(clients: Clients, prompt: str) -> tuple[float, int, int]:
    """One visitor's four streams at once: (wall seconds, tokens, wrong replies)."""
    start = time.perf_counter()
    replies = await asyncio.gather(*(clients.stream(m, prompt) for m in MIX))
    wall = time.perf_counter() - start
    return wall, sum(t for _, t in replies), sum(not reply_ok(prompt, text) for text, _ in replies)


def main() -> None:
    """Serve commands on one event loop for the life of the process (the clients' pools belong to it)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    clients = Clients(*sys.argv[1:4])

    def handle(cmd: dict) -> dict:
        cpu = cpu_seconds()
        runs = loop.run_until_complete(
            asyncio.gather(*(visitor(clients, prompt_for(v, cmd["round"])) for v in range(cmd["visitors"])))
        )
        return {
            "walls": [w for w, _, _ in runs],
            "tokens": sum(t for _, t, _ in runs),
            "bad": sum(b for _, _, b in runs),
            "cpu_s": cpu_seconds() - cpu,
        }

    serve_commands(handle)


if __name__ == "__main__":
    main()
