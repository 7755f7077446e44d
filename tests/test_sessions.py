"""Per-session memory: Gradio keeps ~0.7 MB of state for every session hash, and every REST call or new client is a
new session. The app drops a session's state once nobody can use it (ui/web/sessions.py): its RSS must grow by at
most 40 MB over 300 new sessions and stay flat after that. Memory, not timing: the bound holds on a busy machine."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from types import SimpleNamespace

import gradio as gr
import httpx
import pytest
from gradio.state_holder import StateHolder

import ui.web.sessions as sessions
from tests.appserver import AppProcess, api_client
from ui.web.sessions import SessionJanitor


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))


def rest_call(url: str) -> str:
    """One `leaderboard` call over raw REST: a session hash of its own, as every such call has."""
    joined = httpx.post(f"{url}gradio_api/call/leaderboard", json={"data": ["", "", False, "setup"]}, timeout=60)
    return httpx.get(f"{url}gradio_api/call/leaderboard/{joined.json()['event_id']}", timeout=60).text


def test_rss_stays_bounded_over_hundreds_of_new_sessions():
    with AppProcess({}) as app:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(rest_call, [app.url] * 40))  # warm-up: first-call imports, caches, thread pools
            start = rss_mb(app.pid)
            results = list(pool.map(rest_call, [app.url] * 280))
            for _ in range(20):  # and some gradio_client sessions, each a new client
                with api_client(app.url) as client:
                    client.predict("", "", api_name="/leaderboard")
            after_300 = rss_mb(app.pid)
            list(pool.map(rest_call, [app.url] * 150))
            after_450 = rss_mb(app.pid)
    assert all("event: complete" in r for r in results)
    assert after_300 - start <= 40, (start, after_300)  # with Gradio's defaults alone: ~210 MB
    assert after_450 - after_300 <= 10, (after_300, after_450)  # flat: the next sessions keep nothing either


@pytest.fixture
def held():
    """A real StateHolder for a small Blocks with a gr.State, and a janitor sweeping it through a stand-in app."""
    with gr.Blocks() as demo:
        box, memory = gr.Textbox(), gr.State([])
        box.submit(lambda text, past: past + [text], [box, memory], memory)
    holder = StateHolder()
    holder.set_blocks(demo)
    pending: dict[str, set[str]] = {}
    running: dict[str, object] = {}
    queue = SimpleNamespace(pending_event_ids_session=pending, event_ids_to_events=running)
    app = SimpleNamespace(
        state_holder=holder, get_blocks=lambda: SimpleNamespace(_queue=queue, default_config=demo.default_config)
    )
    janitor = SessionJanitor(None)
    return SimpleNamespace(
        holder=holder, pending=pending, running=running, app=app, memory=memory, box=box, janitor=janitor
    )


def touch(holder, session: str, seconds_ago: float = 0.0):
    """Create or use a session, last used `seconds_ago`."""
    state = holder[session]
    holder.time_last_used[session] = datetime.now() - timedelta(seconds=seconds_ago)
    return state


def test_only_sessions_nobody_can_use_are_dropped(held):
    touch(held.holder, "api-call")  # stateless and done: nothing to keep
    touch(held.holder, "running")
    held.pending["running"] = {"event-1"}
    held.running["event-1"] = object()
    touch(held.holder, "left-before-its-result")  # Gradio keeps the id of an event whose client never read it
    held.pending["left-before-its-result"] = {"event-2"}
    touch(held.holder, "client-with-state")[held.memory._id] = ["a turn"]  # gr.State values, recently used
    touch(held.holder, "updated-component")[held.box._id] = gr.Textbox(value="changed by a handler")
    touch(held.holder, "old-state", seconds_ago=sessions.STATEFUL_IDLE_S + 1)[held.memory._id] = ["stale"]
    assert held.janitor.sweep(held.app) == 3
    assert set(held.holder.session_data) == {"running", "client-with-state", "updated-component"}
    held.running.clear()  # the event finished
    assert held.janitor.sweep(held.app) == 1 and "running" not in held.holder.session_data


def test_an_open_page_keeps_its_state_and_a_closed_one_goes_after_a_grace(held, monkeypatch):
    monkeypatch.setattr(sessions, "CLOSED_PAGE_S", 0.3)
    janitor, released = held.janitor, asyncio.Event()

    async def heartbeat_stream(scope, receive, send):
        await released.wait()  # an open page: the stream lasts until the tab closes

    janitor.app = heartbeat_stream

    async def page_lifetime():
        scope = {"type": "http", "path": "/gradio_api/heartbeat/page-1", "app": held.app}
        beat = asyncio.create_task(janitor(scope, None, None))
        await asyncio.sleep(0.05)
        touch(held.holder, "page-1", seconds_ago=3600)[held.memory._id] = ["conversation"]
        assert janitor.sweep(held.app) == 0  # idle for an hour, but its page is open
        released.set()
        await beat
        assert janitor.sweep(held.app) == 0  # the tab closed just now: it may still come back
        await asyncio.sleep(0.4)
        assert janitor.sweep(held.app) == 1

    asyncio.run(page_lifetime())
    assert "page-1" not in held.holder.session_data
