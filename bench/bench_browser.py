"""Browser-side latency and cost of the page, with Playwright + system Chromium against fake servers in other processes.

    python bench/bench_browser.py          (from the repo root; about a minute on 2 cores)

(i)   click -> first visible token: our app (1 column) vs a bare Gradio echo app (bench/echo_app.py) streaming from the
      same fake OpenAI server; median of interleaved runs, ratio ours/bare (target <= 1.2).
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
import re
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.appserver import AppProcess, spawn, stop_process  # noqa: E402
from tests.browser_fixtures import (CHROMIUM, chromium_missing_reason, launch_chromium, set_columns,  # noqa: E402
                                    set_model, set_prompt)
from tests.fakes.behaviour import DEFAULT_REPLY  # noqa: E402

RATE = 500
SHORT_WORDS = 200  # (i): 0.4 s per reply, long enough that the first update is never the whole reply
LONG_WORDS = 2000  # (ii): 4 s per column
MARKER = "ZQXENDMARKERZQX"
SHORT_END = "SHORTENDWORD"
TTFT_TARGET, TAIL_TARGET_MS = 1.2, 150.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


def words(n: int, last: str) -> str:
    """n words of ordinary prose (the fake's default reply, cycled), the last one being `last`."""
    base = DEFAULT_REPLY.split()
    return " ".join([base[i % len(base)] for i in range(n - 1)] + [last])


# --- a pass-through proxy that timestamps requests, first reply bytes and the marker --------------------------

class TimingProxy:
    """TCP pass-through to a fake server. Per request: time.time() when it arrives, when the first reply bytes leave
    the server, and when `marker` passes (None if it never does), with the model name from the request body."""

    def __init__(self, upstream: tuple[str, int], marker: bytes = b"\x00never\x00"):
        self.upstream, self.marker = upstream, marker
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._stop:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket):
        up = socket.create_connection(self.upstream)
        for s in (client, up):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        current: dict = {}

        def requests_side():
            buf = b""
            try:
                while data := client.recv(65536):
                    if re.match(rb"(GET|POST|PUT|DELETE) ", data):  # httpx writes each request head in one piece
                        record = {"t_request": time.time(), "model": None, "t_first": None, "t_marker": None}
                        with self._lock:
                            self.requests.append(record)
                        current["r"], buf = record, b""
                    buf = (buf + data)[-65536:]
                    if current.get("r") and not current["r"]["model"]:
                        if m := re.search(rb'"model"\s*:\s*"([^"]+)"', buf):
                            current["r"]["model"] = m.group(1).decode()
                    up.sendall(data)
            except OSError:
                pass
            finally:
                _close(up)

        threading.Thread(target=requests_side, daemon=True).start()
        tail = b""
        try:
            while data := up.recv(65536):
                now, record = time.time(), current.get("r")
                window = tail + data
                if record is not None:
                    if record["t_first"] is None:
                        record["t_first"] = now
                    if record["t_marker"] is None and self.marker in window:
                        record["t_marker"] = now
                client.sendall(data)
                tail = window[-len(self.marker):]
        except OSError:
            pass
        finally:
            _close(client)

    def chats(self, model_prefix: str = "") -> list[dict]:
        """The chat requests seen so far (oldest first)."""
        with self._lock:
            return [r for r in self.requests if r["model"] and r["model"].startswith(model_prefix)]

    def close(self):
        self._stop = True
        _close(self._sock)


def _close(s: socket.socket):
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()


# --- CPU accounting ------------------------------------------------------------------------------------------

def cpu_busy(seconds: float) -> float:
    """Share of all CPUs busy over the next `seconds` (from /proc/stat), to flag a machine that is not idle."""
    def sample():
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
        return sum(values), values[3] + values[4]  # total, idle + iowait

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
    return kids


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (all its threads), in seconds; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def chromium_pids() -> list[int]:
    """Chromium processes started (via Playwright's driver) by this process."""
    kids, found, todo = _children(), [], [os.getpid()]
    while todo:
        pid = todo.pop()
        for child in kids.get(pid, []):
            todo.append(child)
            try:
                comm = Path(f"/proc/{child}/comm").read_text().strip()
            except OSError:
                continue
            if "chrom" in comm:
                found.append(child)
    return found


class CpuMeter:
    """CPU seconds used between start() and stop() by a set of processes (found again at stop, for new renderers)."""

    def __init__(self, pids_fn):
        self.pids_fn = pids_fn

    def start(self):
        self.before = {pid: cpu_seconds(pid) for pid in self.pids_fn()}

    def stop(self) -> float:
        return sum(cpu_seconds(pid) - self.before.get(pid, 0.0) for pid in self.pids_fn())


# --- in-page measurements ------------------------------------------------------------------------------------

FIRST_TOKEN_JS = """([button, out, timeoutMs]) => new Promise((resolve, reject) => {
  // Click; resolve with ms until the reply shows new text, taken at the next animation frame (= painted),
  // plus the wall-clock (Date.now) times of the click and of that frame.
  const md = () => document.querySelector(out + ' span.md');
  const before = md().textContent;
  let t0, clickedAt, done = false;
  const check = () => {
    if (done) return;
    const text = md().textContent;
    if (text.trim().length && text !== before) {
      done = true; obs.disconnect();
      requestAnimationFrame(() => resolve({ms: performance.now() - t0, clickedAt, paintedAt: Date.now(),
                                           sseAt: window.__sse.length ? window.__sse[0] : null}));
    }
  };
  const obs = new MutationObserver(check);
  obs.observe(document.querySelector(out), {subtree: true, childList: true, characterData: true});
  setTimeout(() => { if (!done) { obs.disconnect(); reject(new Error('no token within ' + timeoutMs + ' ms')); } }, timeoutMs);
  window.__sse = [];
  clickedAt = Date.now();
  t0 = performance.now();
  document.querySelector(button).click();
})"""

SSE_TAP_JS = """(() => {
  // Note (Date.now) when a server-sent line carrying window.__sseNeedle reaches the page: Gradio's client reads its
  // event stream as text lines through a ReadableStream reader, so wrapping read() sees each line as it arrives.
  const read = ReadableStreamDefaultReader.prototype.read;
  window.__sse = []; window.__sseNeedle = null;
  ReadableStreamDefaultReader.prototype.read = function () {
    return read.call(this).then(r => {
      const needle = window.__sseNeedle;
      if (needle && typeof r.value === 'string' && r.value.startsWith('data:') && r.value.includes(needle))
        window.__sse.push(Date.now());
      return r;
    });
  };
})();"""

MARKER_WATCH_JS = """([ids, marker]) => {
  // For each reply, the wall-clock ms (Date.now, same clock as Python's time.time) when the marker is first painted.
  window.__marker = {}; window.__markerSeen = {};
  for (const id of ids) {
    const root = document.querySelector('#' + id);
    const obs = new MutationObserver(() => {
      if (window.__markerSeen[id]) return;
      const md = root.querySelector('span.md');
      if (md && md.textContent.includes(marker)) {
        window.__markerSeen[id] = Date.now(); obs.disconnect();
        requestAnimationFrame(() => { window.__marker[id] = Date.now(); });
      }
    });
    obs.observe(root, {subtree: true, childList: true, characterData: true});
  }
  window.__clickedAt = Date.now();
  document.querySelector('#run').click();
}"""


def ttft_once(page, out: str, wait_done, proxy: "TimingProxy") -> dict:
    """One click -> first painted token; adds the split at the fake server (request out, first reply bytes back)."""
    page.bring_to_front()
    seen = len(proxy.chats())
    result = page.evaluate(FIRST_TOKEN_JS, ["#run", out, 60_000])
    wait_done(page)
    request = proxy.chats()[seen]
    result["to_server_ms"] = request["t_request"] * 1000 - result["clickedAt"]
    result["from_server_ms"] = result["paintedAt"] - request["t_first"] * 1000
    sse = result["sseAt"] if result["sseAt"] is not None else float("nan")
    result["server_to_page_ms"] = sse - request["t_first"] * 1000
    result["page_to_paint_ms"] = result["paintedAt"] - sse
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python bench/bench_browser.py", description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5, help="measured first-token runs per app (after one warm-up)")
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
        short_srv, short_url = spawn(["-m", "tests.fakes.serve", "--protocol", "openai", "--tokens-per-s", str(RATE),
                                      "--reply", words(SHORT_WORDS, SHORT_END)], "short fake server", 60)
        procs.append(short_srv)
        long_srv, long_url = spawn(["-m", "tests.fakes.serve", "--protocol", "openai", "--tokens-per-s", str(RATE),
                                    "--reply", words(LONG_WORDS, MARKER)], "long fake server", 60)
        procs.append(long_srv)
        short_proxy = TimingProxy(_host_port(short_url))
        long_proxy = TimingProxy(_host_port(long_url), MARKER.encode())
        proxies += [short_proxy, long_proxy]
        # openai:* -> short replies, groq:* -> long replies (two endpoint rows of one app); both apps share the proxy.
        app = AppProcess({"OPENAI_API_KEY": "bench-key", "OPENAI_BASE_URL": short_proxy.url + "/v1",
                          "GROQ_API_KEY": "bench-key", "GROQ_BASE_URL": long_proxy.url + "/v1"}).start()
        bare, bare_url = spawn(["bench/echo_app.py", "--base-url", short_proxy.url + "/v1", "--model", "ttft"],
                               "echo app", 120)
        procs.append(bare)
        shaped, shaped_url = spawn(["bench/echo_app.py", "--base-url", short_proxy.url + "/v1", "--model", "ttft",
                                    "--extra-inputs", "29", "--extra-outputs", "18"], "same-shape echo app", 120)
        procs.append(shaped)

        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            ours = browser.new_page(viewport={"width": 1280, "height": 900})
            ours.add_init_script(SSE_TAP_JS)
            ours.set_default_timeout(120_000)
            ours.goto(app.url, timeout=120_000)
            ours.wait_for_selector("#run")
            set_columns(ours, 1)
            set_model(ours, 0, "openai:ttft")
            set_prompt(ours, "Write a few sentences.")
            baseline = browser.new_page(viewport={"width": 1280, "height": 900})
            baseline.add_init_script(SSE_TAP_JS)
            baseline.set_default_timeout(120_000)
            baseline.goto(bare_url, timeout=120_000)
            baseline.wait_for_selector("#run")
            baseline.locator("#prompt textarea").fill("Write a few sentences.")
            same_shape = browser.new_page(viewport={"width": 1280, "height": 900})
            same_shape.add_init_script(SSE_TAP_JS)
            same_shape.set_default_timeout(120_000)
            same_shape.goto(shaped_url, timeout=120_000)
            same_shape.wait_for_selector("#run")
            same_shape.locator("#prompt textarea").fill("Write a few sentences.")

            def ours_done(page):
                page.wait_for_function("() => document.querySelector('#meta-0 span.md').textContent.includes('done')")
                page.wait_for_function("() => document.querySelector('#export-md a[download]')")  # results panel too
                page.click("#clear")  # same one-turn request every run (no growing conversation)
                page.wait_for_function("() => !document.querySelector('#reply-0 span.md').textContent.trim()")
                page.wait_for_timeout(200)

            def bare_done(page):
                page.wait_for_function(f"() => document.querySelector('#out span.md').textContent.includes('{SHORT_END}')")
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
                order = [("ours", ours, "#reply-0", ours_done), ("bare", baseline, "#out", bare_done),
                         ("shape", same_shape, "#out", bare_done)]
                for name, page, out, done in (order if i % 2 == 0 else order[::-1]):
                    ttft[name].append(ttft_once(page, out, done, short_proxy))
            baseline.close()
            same_shape.close()

            # (ii) + (iii): four long columns.
            page = ours
            page.bring_to_front()
            page.evaluate("marker => { window.__sse = []; window.__sseNeedle = marker; }", MARKER)
            page.get_by_text("Parameters").click()
            max_tokens = page.get_by_label("Max tokens")
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
            page.wait_for_function("() => [0,1,2,3].every(i => document.querySelector('#meta-' + i + ' span.md')"
                                   ".textContent.includes('done'))")
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
    per_column = [painted[f"reply-{slot}"] - sent[f"long-{slot}"] * 1000 if sent.get(f"long-{slot}") else None
                  for slot in range(4)]
    last_sent, last_painted = max(t for t in sent.values() if t), max(painted.values()) / 1000
    tail_ms = (last_painted - last_sent) * 1000
    tail_sse_ms = max(sse_marker) - last_sent * 1000 if sse_marker else float("nan")
    stream_s = last_sent - clicked_ms / 1000
    parts = ("ms", "to_server_ms", "server_to_page_ms", "page_to_paint_ms")
    med = {name: {k: statistics.median(r[k] for r in runs) for k in parts} for name, runs in ttft.items()}
    ratio = med["ours"]["ms"] / med["bare"]["ms"]
    shape_ratio = med["ours"]["ms"] / med["shape"]["ms"]
    d = {k: m1.get(k, 0) - m0.get(k, 0) for k in ("ProcessTime", "ThreadTime", "TaskDuration", "ScriptDuration",
                                                  "LayoutDuration", "RecalcStyleDuration")}
    wall = t_visible - t_click

    def verdict(ok: bool) -> str:
        return "ok" if ok else "OVER TARGET"

    print(f"bench_browser  {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}  {platform.node()}  "
          f"{os.cpu_count()} CPUs  Chromium {browser_version()}  fake servers (separate processes) at {RATE} tok/s")
    print()
    print(f"(i) click -> first visible token, ms ({args.runs} interleaved runs each after one warm-up; 1 column, "
          f"{SHORT_WORDS}-token reply)")
    print(f"    {'':<18}{'runs':<{7 * args.runs}}{'median':>8}   median split: click -> request at fake server"
          " -> first bytes back reach the page (SSE) -> painted")
    for name, label in (("ours", "ours (1 column)"), ("bare", "bare echo app"), ("shape", "echo, same shape")):
        runs = " ".join(f"{r['ms']:6.0f}" for r in ttft[name])
        m = med[name]
        print(f"    {label:<18}{runs:<{7 * args.runs}}{m['ms']:8.0f}   {m['to_server_ms']:5.0f} + "
              f"{m['server_to_page_ms']:5.0f} + {m['page_to_paint_ms']:5.0f}")
    print()
    print(f"(ii) 4 columns x {LONG_WORDS} tokens: server sends last token -> visible in page, ms")
    print("    per column: " + "  ".join(f"{v:5.0f}" if v is not None else "    ?" for v in per_column)
          + f"    (streams ended {stream_s:.2f} s after the click)")
    print(f"    split for the last column: {tail_sse_ms:.0f} ms until the update carrying it reaches the page (app + "
          f"transport), {tail_ms - tail_sse_ms:.0f} ms more until painted (browser)")
    print(f"    column 1 stats line: {stats[0]}")
    print()
    print(f"(iii) CPU during run (ii), click -> last marker visible ({wall:.2f} s wall)")
    print(f"    Chromium, all processes (/proc utime+stime): {cpu_browser:6.2f} s  ({cpu_browser / wall:.0%} of one core)")
    print(f"    the page's renderer process (CDP ProcessTime): {d['ProcessTime']:5.2f} s  (main thread CPU "
          f"{d['ThreadTime']:.2f} s)")
    print(f"    renderer main-thread tasks (CDP, wall time):  {d['TaskDuration']:5.2f} s  (script "
          f"{d['ScriptDuration']:.2f}, layout {d['LayoutDuration']:.2f}, style {d['RecalcStyleDuration']:.2f})")
    print(f"    app server process (/proc utime+stime):      {cpu_app:6.2f} s")
    print()
    print(f"    {'metric':<48}{'measured':>10}{'target':>10}  verdict")
    print(f"    {'first visible token, ours / bare (medians)':<48}{ratio:>9.2f}x{'<= 1.2x':>10}  "
          f"{verdict(ratio <= TTFT_TARGET)}")
    print(f"    {'  same vs an echo app with our 30 inputs/19 outputs':<48}{shape_ratio:>9.2f}x{'-':>10}")
    print(f"    {'last token sent -> visible, 4 columns (ms)':<48}{tail_ms:>10.0f}{'<= 150':>10}  "
          f"{verdict(tail_ms <= TAIL_TARGET_MS)}")
    print(f"    {'browser CPU for the 4-column run (s)':<48}{cpu_browser:>10.2f}{'-':>10}")
    print(f"    total bench time {time.time() - started:.0f} s; CPUs {busy_before:.0%} busy in the 2 s before it started")
    if busy_before > 0.2:
        print("    WARNING: the machine was already busy before the bench started; these timings are noisy. "
              "Re-run on an idle machine.")
    return 0


def _host_port(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    return host, int(port)


def browser_version() -> str:
    try:
        import subprocess

        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=20).stdout
        return (re.search(r"[\d.]+", out) or [out.strip()])[0]
    except Exception:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
