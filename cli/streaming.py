"""Replies streamed to a terminal as they arrive, and the `--json` line of each finished column."""

from __future__ import annotations

import sys

JSON_KEYS = (
    "model",
    "text",
    "error",
    "status",
    "finish_reason",
    "warnings",
    "ttft_s",
    "answer_ttft_s",
    "total_s",
    "input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "tokens_exact",
    "tokens_source",
    "tokens_per_s",
    "itl_p50_ms",
    "itl_p95_ms",
    "cost_usd",
    "cost_note",
    "price_source",
    "token_note",
    "queue_s",
    "load_s",
    "stopped",
    "started_at",
    "reasoning",
    "reasoning_s",
    "local_input_tokens",
    "local_output_tokens",
    "tokenizer",
    "server_wait_s",
)


def json_line(data: dict) -> dict:
    """A result's `--json` line: the JSON_KEYS of its to_json(), in that order."""
    return {k: data[k] for k in JSON_KEYS}


class LinePrinter:
    """Streams several columns to a terminal: raw text for one model, prefixed whole lines for several."""

    def __init__(self, labels: dict[str, str]):
        self.labels = labels
        self.pending = {key: "" for key in labels}
        self.single = len(labels) == 1

    def write(self, key: str, text: str) -> None:
        """Show new text for a column."""
        if self.single:
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        self.pending[key] += text
        *lines, self.pending[key] = self.pending[key].split("\n")
        for line in lines:
            print(f"[{self.labels[key]}] {line}", flush=True)

    def close(self, key: str) -> None:
        """Flush a finished column."""
        if self.single:
            print(flush=True)
        elif self.pending[key]:
            print(f"[{self.labels[key]}] {self.pending[key]}", flush=True)
            self.pending[key] = ""
