"""Browser-side latency and cost of the page, with Playwright + system Chromium against fake servers in other processes.

    python bench/bench_browser.py          (from the repo root; about two minutes on 2 cores)

(i)   click -> first visible token: our app (1 column) vs a bare Gradio echo app (bench/echo_app.py) streaming from the
      same fake OpenAI server; median of interleaved runs, ratio ours/bare (target <= 1.2). A third app, the echo with
      29 idle inputs and 18 idle outputs under Gradio's defaults, shows what an event of the page's size costs untuned.
(ii)  4 columns x ~2000 tokens at 500 tok/s: time from the server sending the last token (timestamped by a pass-through
      proxy in this process as the bytes leave the fake server) to that token being visible (MutationObserver, then
      the next animation frame) in the page; target <= 150 ms. Wall clocks: Python time.time() vs JS Date.now().
(iii) browser CPU seconds for run (ii): all Chromium processes (/proc utime+stime), the page's renderer (CDP
      Performance.getMetrics ProcessTime / ThreadTime, plus main-thread task, script, layout and style time);
      and the app server process's CPU for comparison.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root, for `python bench/bench_browser.py`

from bench.browser_probe import (  # noqa: E402
    MARKER_WATCH_JS,
    CpuMeter,
    browser_version,
    chromium_pids,
    cpu_busy,
    open_page,
    ttft_once,
)
from bench.timing_proxy import TimingProxy, host_port  # noqa: E402
from tests.appserver import AppProcess, spawn, stop_process  # noqa: E402
from tests.browser_fixtures import (  # noqa: E402
    chromium_missing_reason,
    launch_chromium,
    set_columns,
    set_model,
    set_prompt,
)
from tests.fakes.behaviour import DEFAULT_REPLY  # noqa: E402

RATE = 500
SHORT_WORDS = 200  # (i): 0.4 s per reply, long enough that the first update is never the whole reply
LONG_WORDS = 2000  # (ii): 4 s per column
MARKER = "ZQXENDMARKERZQX"
SHORT_END = "SHORTENDWORD"
TTFT_TARGET, TAIL_TARGET_MS = 1.2, 150.0


def words(n: int, last: str) -> str:
    """n words of ordinary prose (the fake's default reply, cycled), the last one being `last`."""
    base = DEFAULT_REPLY.split()
    return " ".join([base[i % len(base)] for i in range(n - 1)] + [last])


def fake_server(reply: str, name: str):
    """A fake OpenAI server process streaming `reply` at RATE tokens/s: (process, url)."""
    return spawn(
        ["-m", "tests.fakes.serve", "--protocol", "openai", "--tokens-per-s", str(RATE), "--reply", reply], name, 60
    )


def main(argv: list[str] | None = None) -> int:
    """Run the browser benchmark and print its table."""
    p = argparse.ArgumentParser(prog="python bench/bench_browser.py", description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=25, help="measured first-token runs per app (after one warm-up)")
    args = p.parse_args(argv)
    reason = chromium_missing_reason()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    busy_before = cpu_busy(2.0)
    started = time.time()
    procs, proxies, app = [], [], None
    try:
        short_srv, short_url = fake_server(words(SHORT_WORDS, SHORT_END), "short fake server")
        procs.append(short_srv)
        long_srv, long_url = fake_server(words(LONG_WORDS, MARKER), "long fake server")
        procs.append(long_srv)
        short_proxy = TimingProxy(host_port(short_url))
        long_proxy = TimingProxy(host_port(long_url), MARKER.encode())
        proxies += [short_proxy, long_proxy]
        # openai:* -> short replies, groq:* -> long replies (two endpoint rows of one app); both apps share the proxy.
        app = AppProcess(
            {
                "OPENAI_API_KEY": "bench-key",
                "OPENAI_BASE_URL": short_proxy.url + "/v1",
                "GROQ_API_KEY": "bench-key",
                "GROQ_BASE_URL": long_proxy.url + "/v1",
            }
        ).start()
        echo = ["bench/echo_app.py", "--base-url", short_proxy.url + "/v1", "--model", "ttft"]
        bare, bare_url = spawn(echo, "echo app", 120)
        procs.append(bare)
        shaped, shaped_url = spawn(
            [*echo, "--extra-inputs", "29", "--extra-outputs", "18"],
            "30-in/19-out echo app",
            120,
        )
        procs.append(shaped)

        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            ours = open_page(browser, app.url)
            set_columns(ours, 1)
            set_model(ours, 0, "openai:ttft")
            set_prompt(ours, "Write a few sentences.")
            baseline = open_page(browser, bare_url)
            baseline.locator("#prompt textarea").fill("Write a few sentences.")
            same_shape = open_page(browser, shaped_url)
            same_shape.locator("#prompt textarea").fill("Write a few sentences.")

            def ours_done(page):
                page.wait_for_function("() => document.querySelector('#meta-0 span.md').textContent.includes('done')")
                page.wait_for_function("() => document.querySelector('#export-md a[download]')")  # results panel too
                page.click("#clear")  # same one-turn request every run (no growing conversation)
                page.wait_for_function("() => !document.querySelector('#reply-0 span.md').textContent.trim()")
                page.wait_for_timeout(200)

            def bare_done(page):
                page.wait_for_function(
                    f"() => document.querySelector('#out span.md').textContent.includes('{SHORT_END}')"
                )
                page.wait_for_timeout(200)

            # (i) first visible token, interleaved (ABBA...) after one warm-up each.
            first_word = words(SHORT_WORDS, SHORT_END).split()[0] + " "
            for page in (ours, baseline, same_shape):
                page.evaluate("needle => { window.__sseNeedle = needle; }", first_word)
            ttft_once(ours, "#reply-0", ours_done, short_proxy)
            ttft_once(baseline, "#out", bare_done, short_proxy)
            ttft_once(same_shape, "#out", bare_done, short_proxy)
            ttft = {"ours": [], "bare": [], "shape": []}
            for i in range(args.runs):
                order = [
                    ("ours", ours, "#reply-0", ours_done),
                    ("bare", baseline, "#out", bare_done),
                    ("shape", same_shape, "#out", bare_done),
                ]
                for name, page, out, done in order if i % 2 == 0 else order[::-1]:
                    ttft[name].append(ttft_once(page, out, done, short_proxy))
            baseline.close()
            same_shape.close()

            # (ii) + (iii): four long columns.
            page = ours
            page.bring_to_front()
            page.evaluate("marker => { window.__sse = []; window.__sseNeedle = marker; }", MARKER)
            page.locator("#setup .label-wrap").click()  # "System prompt and parameters"
            max_tokens = page.locator("#max-tokens input")
            max_tokens.fill("4096")  # what a real server would need for 2000-token replies (the fake ignores it)
            max_tokens.press("Enter")
            set_columns(page, 4)
            for slot in range(4):
                set_model(page, slot, f"groq:long-{slot}")
            page.wait_for_timeout(1000)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            metrics = lambda: {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}  # noqa: E731
            browser_cpu, app_cpu = CpuMeter(chromium_pids), CpuMeter(lambda: [app.pid])
            m0 = metrics()
            browser_cpu.start()
            app_cpu.start()
            t_click = time.time()
            page.evaluate(MARKER_WATCH_JS, [[f"reply-{i}" for i in range(4)], MARKER])
            page.wait_for_function("() => Object.keys(window.__marker).length === 4", timeout=120_000)
            t_visible = time.time()
            cpu_browser, cpu_app, m1 = browser_cpu.stop(), app_cpu.stop(), metrics()
            painted = page.evaluate("() => window.__marker")
            sse_marker = page.evaluate("() => window.__sse")
            clicked_ms = page.evaluate("() => window.__clickedAt")
            page.wait_for_function(
                "() => [0,1,2,3].every(i => document.querySelector('#meta-' + i + ' span.md')"
                ".textContent.includes('done'))"
            )
            stats = [page.locator(f"#meta-{i} span.md").inner_text().splitlines()[1] for i in range(4)]
            browser.close()
    finally:
        if app is not None:
            app.close()
        for proc in procs:
            stop_process(proc)
        for proxy in proxies:
            proxy.close()

    sent = {r["model"]: r["t_marker"] for r in long_proxy.chats("long-")}
    per_column = [
        painted[f"reply-{slot}"] - sent[f"long-{slot}"] * 1000 if sent.get(f"long-{slot}") else None
        for slot in range(4)
    ]
    last_sent, last_painted = max(t for t in sent.values() if t), max(painted.values()) / 1000
    tail_ms = (last_painted - last_sent) * 1000
    tail_sse_ms = max(sse_marker) - last_sent * 1000 if sse_marker else float("nan")
    stream_s = last_sent - clicked_ms / 1000
    parts = ("ms", "to_server_ms", "server_to_page_ms", "page_to_paint_ms")
    med = {name: {k: statistics.median(r[k] for r in runs) for k in parts} for name, runs in ttft.items()}
    ratio = med["ours"]["ms"] / med["bare"]["ms"]
    shape_ratio = med["ours"]["ms"] / med["shape"]["ms"]
    d = {
        k: m1.get(k, 0) - m0.get(k, 0)
        for k in (
            "ProcessTime",
            "ThreadTime",
            "TaskDuration",
            "ScriptDuration",
            "LayoutDuration",
            "RecalcStyleDuration",
        )
    }
    wall = t_visible - t_click

    def verdict(ok: bool) -> str:
        return "ok" if ok else "OVER TARGET"

    print(
        f"bench_browser  {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}  {platform.node()}  "
        f"{os.cpu_count()} CPUs  Chromium {browser_version()}  fake servers (separate processes) at {RATE} tok/s"
    )
    print()
    print(
        f"(i) click -> first visible token, ms ({args.runs} interleaved runs each after one warm-up; 1 column, "
        f"{SHORT_WORDS}-token reply)"
    )
    print(
        f"    {'':<18}{'runs':<{7 * args.runs}}{'median':>8}   median split: click -> request at fake server"
        " -> first bytes back reach the page (SSE) -> painted"
    )
    for name, label in (("ours", "ours (1 column)"), ("bare", "bare echo app"), ("shape", "echo, 30 in/19 out")):
        runs = " ".join(f"{r['ms']:6.0f}" for r in ttft[name])
        m = med[name]
        print(
            f"    {label:<18}{runs:<{7 * args.runs}}{m['ms']:8.0f}   {m['to_server_ms']:5.0f} + "
            f"{m['server_to_page_ms']:5.0f} + {m['page_to_paint_ms']:5.0f}"
        )
    print()
    print(f"(ii) 4 columns x {LONG_WORDS} tokens: server sends last token -> visible in page, ms")
    print(
        "    per column: "
        + "  ".join(f"{v:5.0f}" if v is not None else "    ?" for v in per_column)
        + f"    (streams ended {stream_s:.2f} s after the click)"
    )
    print(
        f"    split for the last column: {tail_sse_ms:.0f} ms until the update carrying it reaches the page (app + "
        f"transport), {tail_ms - tail_sse_ms:.0f} ms more until painted (browser)"
    )
    print(f"    column 1 stats line: {stats[0]}")
    print()
    print(f"(iii) CPU during run (ii), click -> last marker visible ({wall:.2f} s wall)")
    print(
        f"    Chromium, all processes (/proc utime+stime): {cpu_browser:6.2f} s  ({cpu_browser / wall:.0%} of one core)"
    )
    print(
        f"    the page's renderer process (CDP ProcessTime): {d['ProcessTime']:5.2f} s  (main thread CPU "
        f"{d['ThreadTime']:.2f} s)"
    )
    print(
        f"    renderer main-thread tasks (CDP, wall time):  {d['TaskDuration']:5.2f} s  (script "
        f"{d['ScriptDuration']:.2f}, layout {d['LayoutDuration']:.2f}, style {d['RecalcStyleDuration']:.2f})"
    )
    print(f"    app server process (/proc utime+stime):      {cpu_app:6.2f} s")
    print()
    print(f"    {'metric':<48}{'measured':>10}{'target':>10}  verdict")
    print(
        f"    {'first visible token, ours / bare (medians)':<48}{ratio:>9.2f}x{'<= 1.2x':>10}  "
        f"{verdict(ratio <= TTFT_TARGET)}"
    )
    print(f"    {'  vs an echo app with 30 inputs/19 outputs':<48}{shape_ratio:>9.2f}x{'-':>10}")
    print(
        f"    {'last token sent -> visible, 4 columns (ms)':<48}{tail_ms:>10.0f}{'<= 150':>10}  "
        f"{verdict(tail_ms <= TAIL_TARGET_MS)}"
    )
    print(f"    {'browser CPU for the 4-column run (s)':<48}{cpu_browser:>10.2f}{'-':>10}")
    print(
        f"    total bench time {time.time() - started:.0f} s; CPUs {busy_before:.0%} busy in the 2 s before it started"
    )
    if busy_before > 0.2:
        print(
            "    WARNING: the machine was already busy before the bench started; these timings are noisy. "
            "Re-run on an idle machine."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
