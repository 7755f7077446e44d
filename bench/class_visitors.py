"""The class benchmark's visitors: gradio_client sessions each running two keyless columns through the page's queue.

Runs as a worker of bench/bench_local_class.py, in its own process so its CPU is its own: one JSON command per stdin
line ({"url", "visitors", "round", "tokens"}), one JSON answer per line: each column's figures as the app reported
them, each visitor's wall time from submit to reply, and this process's CPU seconds. Visitor i sends
`X-Forwarded-For: 10.0.0.<i>` (the app trusts that header in this benchmark), so each is a visitor of its own, as
pupils on their own machines are; clients are built before the clock starts and kept across rounds.
"""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load_mix import cpu_seconds, serve_commands  # noqa: E402

COLUMNS = ["local:smollm2", "local:smollm2"]
SYSTEM = "You are a patient teacher. Answer in plain words."
TOPICS = ("a token", "a prompt", "temperature", "a context window", "a language model", "training data")

_clients: dict[tuple[str, int], object] = {}


def prompt_for(visitor: int, round_no: int) -> str:
    """What pupil `visitor` asks in a round: questions of the same length on a few topics, as in a lesson."""
    return f"Pupil {visitor} asks (round {round_no}): what is {TOPICS[(visitor + round_no) % len(TOPICS)]}?"


def client(url: str, visitor: int):
    """This visitor's session (built once)."""
    from gradio_client import Client

    key = (url, visitor)
    if key not in _clients:
        _clients[key] = Client(
            url,
            verbose=False,
            download_files=False,
            analytics_enabled=False,
            headers={"X-Forwarded-For": f"10.0.0.{visitor + 1}"},
            ssl_verify=False,  # plain http: skip building a TLS context per request (see bench/load_visitors.py)
        )
    return _clients[key]


def handle(cmd: dict) -> dict:
    """Run N visitors at once and report every column's figures."""
    url, n, round_no, tokens = cmd["url"], cmd["visitors"], cmd["round"], cmd["tokens"]
    with ThreadPoolExecutor(n) as pool:
        clients = list(pool.map(lambda v: client(url, v), range(n)))
    gate = threading.Barrier(n)

    def visit(v: int) -> dict:
        prompt = prompt_for(v, round_no)
        gate.wait()
        start = time.perf_counter()
        try:
            out = clients[v].predict(prompt, SYSTEM, COLUMNS, 0.7, tokens, api_name="/compare")
        except Exception as exc:
            return {"wall": time.perf_counter() - start, "error": f"{type(exc).__name__}: {exc}"[:200], "columns": []}
        keep = ("ttft_s", "queue_s", "load_s", "total_s", "output_tokens", "tokens_per_s", "error")
        columns = [{k: r.get(k) for k in keep} for r in out["results"]]
        return {"wall": time.perf_counter() - start, "error": None, "columns": columns}

    cpu = cpu_seconds()
    started = time.perf_counter()
    with ThreadPoolExecutor(n) as pool:
        visits = list(pool.map(visit, range(n)))
    return {"visits": visits, "wall": time.perf_counter() - started, "cpu_s": cpu_seconds() - cpu}


if __name__ == "__main__":
    serve_commands(handle)
