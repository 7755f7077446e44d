"""What every visitor of the load benchmark sends, how its reply is checked, and the worker command loop."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

WORDS = " ".join(f"w{i}" for i in range(100))  # the fakes stream this one word per chunk, after the echoed prompt
MIX = ("openai:gpt-fake", "anthropic:claude-fake", "ollama:llama-fake", "openai:gpt-fake-2")  # one visitor's columns
SYSTEM = "Be brief."


def prompt_for(visitor: int, round_no: int) -> str:
    """A prompt no other visitor sends, so a reply shows whose it is (the fakes echo it first)."""
    return f"v{visitor}r{round_no}"


def reply_ok(prompt: str, text: str) -> bool:
    """Whether a reply is complete and belongs to `prompt`."""
    return text == f"{prompt} {WORDS}"


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    import os

    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def serve_commands(handle: Callable[[dict], dict]) -> None:
    """Answer one JSON command per stdin line with one JSON line on stdout, until stdin closes."""
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(handle(json.loads(line))), flush=True)
