"""Browser-benchmark probes: in-page timing JavaScript, page setup, per-process CPU meters, Chromium's version."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from bench.timing_proxy import TimingProxy
from tests.browser_fixtures import CHROMIUM

CLK_TCK = os.sysconf("SC_CLK_TCK")


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
        """Note each process's CPU seconds so far."""
        self.before = {pid: cpu_seconds(pid) for pid in self.pids_fn()}

    def stop(self) -> float:
        """CPU seconds used since start(), summed over the processes alive now."""
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
  setTimeout(() => {
    if (!done) { obs.disconnect(); reject(new Error('no token within ' + timeoutMs + ' ms')); }
  }, timeoutMs);
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


def ttft_once(page, out: str, wait_done, proxy: TimingProxy) -> dict:
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


def open_page(browser, url: str):
    """A new 1280x900 page with the SSE tap installed, loaded at `url` and showing its #run button."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.add_init_script(SSE_TAP_JS)
    page.set_default_timeout(120_000)
    page.goto(url, timeout=120_000)
    page.wait_for_selector("#run")
    return page


def browser_version() -> str:
    """The system Chromium's version number, or "?" if it cannot be read."""
    try:
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=20).stdout
        return (re.search(r"[\d.]+", out) or [out.strip()])[0]
    except Exception:
        return "?"
