"""Profile the app under the load benchmark's 30 visitors with py-spy (python bench/profile_load.py OUT.txt).

Writes py-spy's collapsed stacks of the app process (and, with --visitors-too, of the visitors' process) while
ROUNDS rounds of visitors run; summarise with `python bench/profile_load.py --top OUT.txt`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_load import Worker, app_env  # noqa: E402
from bench.fakeproc import fake_server  # noqa: E402
from bench.load_mix import WORDS  # noqa: E402
from tests.appserver import AppProcess  # noqa: E402


def top(path: str, n: int = 40) -> None:
    """Print the functions with the most samples anywhere on the stack (inclusive) and at the top (own)."""
    own, incl, total = Counter(), Counter(), 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames, count = stack.split(";"), int(count)
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            incl[frame] += count
    print(f"{total} samples\n-- inclusive --")
    for frame, c in incl.most_common(n):
        print(f"{100 * c / total:5.1f}%  {frame}")
    print("-- own --")
    for frame, c in own.most_common(n):
        print(f"{100 * c / total:5.1f}%  {frame}")


def main() -> None:
    """Start fakes and one app, record it with py-spy while visitors run."""
    from ui.web.safety import PageOptions

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--top", action="store_true", help="summarise an existing OUT file instead")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--visitors", type=int, default=30)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--visitors-too", action="store_true", help="also record the visitors' process (OUT.visitors)")
    args = p.parse_args()
    if args.top:
        return top(args.out)
    with ExitStack() as stack:
        fakes = {
            proto: stack.enter_context(
                fake_server("--protocol", proto, "--tokens-per-s", "100", "--reply", WORDS, "--echo-prompt")
            )
            for proto in ("openai", "anthropic", "ollama")
        }
        db = str(Path(stack.enter_context(tempfile.TemporaryDirectory())) / "compare.db")
        app = stack.enter_context(AppProcess(app_env(fakes, db), PageOptions(concurrency=args.concurrency)))
        visitors = Worker("bench.load_visitors")
        stack.callback(visitors.close)
        visitors.ask(url=app.url, visitors=args.visitors, round=0)
        targets = [(app.pid, args.out)] + ([(visitors.proc.pid, args.out + ".visitors")] if args.visitors_too else [])
        spies = [
            subprocess.Popen(
                [
                    "py-spy",
                    "record",
                    "--pid",
                    str(pid),
                    "--format",
                    "raw",
                    "--rate",
                    "200",
                    "--output",
                    out,
                    "--nonblocking",
                    "--threads",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for pid, out in targets
        ]
        for r in range(1, args.rounds + 1):
            print(visitors.ask(url=app.url, visitors=args.visitors, round=r)["bad"], "bad", flush=True)
        for spy in spies:
            spy.send_signal(2)
            spy.wait(30)
    top(args.out)


if __name__ == "__main__":
    main()
