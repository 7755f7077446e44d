"""Throughput under load, printed as ratios measured side by side in one run (python bench/bench_load.py).

30 visitors x 4 columns (OpenAI, Anthropic, Ollama, OpenAI) of 100-token replies at 100 tokens/s from the wire fakes
(each its own process). The visitors are gradio_client sessions in one separate process (bench/load_visitors.py);
the SDK-only baseline reads the same streams straight through the three SDKs in another (bench/load_sdk.py). Each
round runs every case once, interleaved, and the figures are medians over rounds of the per-visitor wall times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from contextlib import ExitStack
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("COMPARE_OFFLINE_TOKENIZERS", "1")

from bench.fakeproc import fake_server  # noqa: E402
from bench.load_mix import WORDS, cpu_seconds, rss_mb  # noqa: E402
from bench.nginx_lb import balancer  # noqa: E402
from tests.appserver import AppProcess  # noqa: E402
from tests.fakes.process import free_port  # noqa: E402


class Worker:
    """A bench worker process answering one JSON command per line."""

    def __init__(self, module: str, *args: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, *args], cwd=ROOT, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert json.loads(self.proc.stdout.readline())["ready"]

    def ask(self, **cmd) -> dict:
        """Send one command and wait for its answer."""
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(30)


def app_env(fakes: dict[str, str], db: str) -> dict[str, str]:
    """The app's settings: every provider pointed at its fake, one shared store file."""
    return {
        "OPENAI_API_KEY": "k",
        "OPENAI_BASE_URL": fakes["openai"] + "/v1",
        "ANTHROPIC_API_KEY": "k",
        "ANTHROPIC_BASE_URL": fakes["anthropic"],
        "OLLAMA_HOST": fakes["ollama"],
        "COMPARE_DB": db,
    }


def main() -> None:
    """Start fakes, apps, nginx and workers; run the rounds; print the ratios."""
    from ui.web.safety import PageOptions

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--visitors", type=int, default=30)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--concurrency", type=int, default=32, help="the app's --concurrency (shared compare slots)")
    p.add_argument("--slots-before", type=int, default=4, help="also measure an app with this --concurrency (0: skip)")
    p.add_argument("--no-balancer", action="store_true", help="skip the two-process figure")
    args = p.parse_args()
    n = args.visitors
    print(
        f"bench_load  {date.today()}  {platform.machine()}  {os.cpu_count()} cores  python {platform.python_version()}"
        f"  {n} visitors x 4 columns x {len(WORDS.split()) + 1} tokens at 100 tok/s"
        f"  app --concurrency {args.concurrency}"
    )
    fake_args = ["--tokens-per-s", "100", "--reply", WORDS, "--echo-prompt"]
    with ExitStack() as stack:
        fakes = {
            proto: stack.enter_context(fake_server("--protocol", proto, *fake_args))
            for proto in ("openai", "anthropic", "ollama")
        }
        db = str(Path(stack.enter_context(__import__("tempfile").TemporaryDirectory())) / "compare.db")
        options = PageOptions(concurrency=args.concurrency)
        apps = [stack.enter_context(AppProcess(app_env(fakes, db), options))]
        if not args.no_balancer:
            apps.append(stack.enter_context(AppProcess(app_env(fakes, db), options)))
            lb_port = free_port()
            split = stack.enter_context(balancer([int(a.url.rstrip("/").rsplit(":", 1)[1]) for a in apps], lb_port))
            lb_url = f"http://127.0.0.1:{lb_port}/"
        before = (
            stack.enter_context(AppProcess(app_env(fakes, db), PageOptions(concurrency=args.slots_before)))
            if args.slots_before
            else None
        )
        sdk = Worker("bench.load_sdk", fakes["openai"], fakes["anthropic"], fakes["ollama"])
        stack.callback(sdk.close)
        visitors = Worker("bench.load_visitors")
        stack.callback(visitors.close)
        app = apps[0]

        def through_app(url: str, count: int, round_no: int, tag: bool = False) -> dict:
            cpu = [cpu_seconds(a.pid) for a in apps]
            out = visitors.ask(url=url, visitors=count, round=round_no, tag=tag)
            out["app_cpu_s"] = sum(cpu_seconds(a.pid) - c for a, c in zip(apps, cpu))
            return out

        cases = {
            "sdk 1": lambda r: sdk.ask(visitors=1, round=r),
            f"sdk {n}": lambda r: sdk.ask(visitors=n, round=r),
            "app 1": lambda r: through_app(app.url, 1, r),
            f"app {n}": lambda r: through_app(app.url, n, r),
        }
        if not args.no_balancer:
            cases[f"lb {n}"] = lambda r: through_app(lb_url, n, r, tag=True)
        if before is not None:
            cases["before 1"] = lambda r: visitors.ask(url=before.url, visitors=1, round=r)
            cases[f"before {n}"] = lambda r: visitors.ask(url=before.url, visitors=n, round=r)
        warm = [case(0) for case in cases.values()]  # warm-up: imports, pools, sessions, the store's schema
        rss_warm = rss_mb(app.pid)
        seen: dict[str, list[dict]] = {name: [] for name in cases}
        for r in range(1, args.rounds + 1):
            for name, case in cases.items():
                seen[name].append(case(r))
        report(seen, warm, n, rss_warm, rss_mb(app.pid), split() if not args.no_balancer else None, args.slots_before)


def report(
    seen: dict[str, list[dict]], warm: list[dict], n: int, rss_warm: float, rss_end: float, split, slots_before: int
) -> None:
    """Print the ratios, the CPU cost per 1,000 tokens and the checks."""
    med = {name: statistics.median(w for out in runs for w in out["walls"]) for name, runs in seen.items()}
    every = warm + [out for runs in seen.values() for out in runs]
    bad, replies = sum(out["bad"] for out in every), 4 * sum(len(out["walls"]) for out in every)
    errors = sorted({e for out in every for e in out.get("errors", [])})
    app_ratio, sdk_ratio = med[f"app {n}"] / med["app 1"], med[f"sdk {n}"] / med["sdk 1"]

    def per_k(name: str, key: str) -> float:
        runs = seen[name]
        return 1000 * sum(o[key] for o in runs) / sum(o["tokens"] for o in runs)

    print(f"  {'app: ' + str(n) + ' visitors / 1 visitor (median wall)':<48} {app_ratio:6.2f}x")
    print(f"  {'SDK only, same streams: ' + str(n) + ' / 1':<48} {sdk_ratio:6.2f}x")
    print(f"  {'app figure / SDK-only figure':<48} {app_ratio / sdk_ratio:6.2f}    (target <= 1.2)")
    print(
        f"  {'app CPU per 1,000 streamed tokens':<48} {per_k(f'app {n}', 'app_cpu_s') * 1000:6.1f} ms"
        f"   (SDK-only process: {per_k(f'sdk {n}', 'cpu_s') * 1000:.1f} ms; visitors' process:"
        f" {per_k(f'app {n}', 'cpu_s') * 1000:.1f} ms)"
    )
    if split is not None:
        shares = "/".join(str(v) for v in sorted(split.values()))
        print(
            f"  {'two app processes behind nginx: ' + str(n) + ' / 1':<48} {med[f'lb {n}'] / med['app 1']:6.2f}x"
            f"   (visitors per process {shares})"
        )
    if slots_before:
        print(f"  {f'app with --concurrency {slots_before}: {n} / 1':<48} {med[f'before {n}'] / med['before 1']:6.2f}x")
    print(f"  {'median wall, 1 visitor: app / SDK only':<48} {med['app 1'] / med['sdk 1']:6.2f}x")
    print(f"  app memory after warm-up {rss_warm:.0f} MB, after the last round {rss_end:.0f} MB")
    print(
        f"  replies wrong, incomplete or crossed: {bad} of {replies}, warm-up included"
        + (f"  ({'; '.join(errors)})" if errors else "")
    )


if __name__ == "__main__":
    main()
