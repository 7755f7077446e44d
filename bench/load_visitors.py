"""The load benchmark's visitors: concurrent gradio_client sessions calling the app's `compare` endpoint.

Runs as a worker of bench/bench_load.py, in its own process so its CPU is its own: one JSON command per stdin line
({"url": ..., "visitors": N, "round": r, "tag": bool}), one JSON answer per line (each visitor's wall time from
submit to reply, this process's CPU seconds, output tokens, replies that were wrong). Each visitor keeps its client
(and so its Gradio session) across rounds; clients are built before the clock starts. With "tag", visitor i sends
the header X-Visitor: v<i>, which the load balancer hashes on.
"""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load_mix import MIX, SYSTEM, cpu_seconds, prompt_for, reply_ok, serve_commands  # noqa: E402

_clients: dict[tuple[str, int], object] = {}


def client(url: str, visitor: int, tag: bool):
    """This visitor's session on `url` (built once)."""
    from gradio_client import Client

    key = (url, visitor)
    if key not in _clients:
        headers = {"X-Visitor": f"v{visitor}"} if tag else None
        # Plain http to 127.0.0.1: without ssl_verify=False gradio_client loads the CA bundle into a new TLS context
        # for every request it makes (about 40% of this process's CPU), which would crowd the app on two cores.
        _clients[key] = Client(
            url, verbose=False, download_files=False, analytics_enabled=False, headers=headers, ssl_verify=False
        )
    return _clients[key]


def handle(cmd: dict) -> dict:
    """Run N visitors at once against one URL and report what each saw."""
    url, n, round_no = cmd["url"], cmd["visitors"], cmd["round"]
    with ThreadPoolExecutor(n) as pool:
        clients = list(pool.map(lambda v: client(url, v, cmd.get("tag", False)), range(n)))
    gate = threading.Barrier(n)

    def visit(v: int) -> tuple[float, int, int, str]:
        prompt = prompt_for(v, round_no)
        gate.wait()
        start = time.perf_counter()
        try:
            out = clients[v].predict(prompt, SYSTEM, list(MIX), 0.7, 256, api_name="/compare")
        except Exception as exc:  # a failed visitor counts as four wrong replies
            return time.perf_counter() - start, 0, len(MIX), f"{type(exc).__name__}: {exc}"[:200]
        wall = time.perf_counter() - start
        results = out["results"]
        wrong = [r for r in results if not reply_ok(prompt, r["text"])]
        problem = f"{wrong[0]['model']}: {wrong[0]['error'] or repr(wrong[0]['text'][:40])}"[:200] if wrong else ""
        return wall, sum(r["output_tokens"] or 0 for r in results), len(wrong) + len(MIX) - len(results), problem

    cpu = cpu_seconds()
    with ThreadPoolExecutor(n) as pool:
        runs = list(pool.map(visit, range(n)))
    return {
        "walls": [w for w, *_ in runs],
        "tokens": sum(t for _, t, _, _ in runs),
        "bad": sum(b for _, _, b, _ in runs),
        "errors": sorted({e for *_, e in runs if e})[:3],
        "cpu_s": cpu_seconds() - cpu,
    }


if __name__ == "__main__":
    serve_commands(handle)
