"""Keeping runs: each finished comparison is saved after it ends (off the streaming path) and gets a snapshot link;
the History tab lists, searches, opens, re-runs, exports and deletes saved runs.

A visitor is a random owner token kept in the browser's localStorage (gr.BrowserState), not an IP or a login. In
share/demo mode the History tab lists only that token's runs; a local app lists every run. Only the token a run was
saved with can delete it."""

from __future__ import annotations

import asyncio

import gradio as gr

from store import new_owner_token, valid_owner_token
from ui.context import PageContext
from ui.render import WARNING_MARK, escape_md
from ui.tabs.compare_view import CompareView
from ui.tabs.history_view import LIST_HEADERS, list_row, rerun_values, run_markdown
from ui.tabs.run_end import RunEndPart
from ui.web.snapshot_page import record_json
from ui.web.snapshots import save_run, snapshot_url

HIDDEN = dict(show_progress="hidden", api_visibility="private")
# BrowserState encrypts with a key it sends to the page anyway; a fixed key and name keep the token across restarts.
OWNER_STORAGE_KEY = "llm-compare-owner"
OWNER_STORAGE_SECRET = "llm-compare-owner-v1"
LIST_LIMIT = 100


def wire_history_saving(ctx: PageContext, compare: CompareView) -> dict:
    """The part of each run's end step that keeps a finished Compare run in History and shows its snapshot link; a
    failed save is told in the banner."""
    # part of the step after the run (ui.tabs.run_end), so streaming never waits on the database; the replies stay
    owner = gr.BrowserState("", storage_key=OWNER_STORAGE_KEY, secret=OWNER_STORAGE_SECRET)
    saved = gr.Markdown(elem_id="saved-run")
    saved_key = gr.State("")  # the last saved record's start: a run that raised leaves that record in the State
    banner, record = compare.banner, compare.record

    async def on_finished(request: gr.Request, run_record, token, banner_text, last_key):
        if run_record is None or run_record.started_at == last_key:
            return {}
        token = token if valid_owner_token(token) else new_owner_token()
        run_id, error = await save_run(ctx, run_record.to_json(), token)
        if error:
            note = (
                f"{WARNING_MARK} This run was not saved to History ({escape_md(error)}); "
                "the replies above are unaffected."
            )
            return {saved: "", banner: f"{banner_text}  \n{note}" if banner_text else note, owner: token}
        url = snapshot_url(request, run_id)
        return {
            saved: f"<small>Last run saved to History · read-only snapshot: [{url}]({url})</small>",
            owner: token,
            saved_key: run_record.started_at,
        }

    part = RunEndPart(on_finished, [record, owner, banner, saved_key], [saved, banner, owner, saved_key])
    gr.context.Context.root_block.load(
        lambda t: t if valid_owner_token(t) else new_owner_token(), [owner], [owner], **HIDDEN
    )
    return {"owner": owner, "saved": saved, "part": part}


def build_history_tab(ctx: PageContext, tab: gr.Tab, tabs: gr.Tabs, compare: CompareView, saving: dict) -> dict:
    """Lay out the History tab and wire it; it refreshes when opened and after each saved run."""
    owner = saving["owner"]
    own_only = ctx.options.demo_caps
    with gr.Row():
        search = gr.Textbox(
            label="Search",
            placeholder="words from the prompt or a model id (Enter searches)",
            scale=4,
            elem_id="history-search",
        )
        refresh_btn = gr.Button("Refresh", size="sm", scale=0, min_width=100, elem_id="history-refresh")
    note = gr.Markdown(elem_id="history-note")
    table = gr.Dataframe(headers=LIST_HEADERS, interactive=False, wrap=True, elem_id="history-table")
    ids, selected = gr.State([]), gr.State(None)
    link = gr.Markdown(elem_id="history-link")
    with gr.Row():
        rerun_btn = gr.Button("Re-run in Compare", interactive=False, elem_id="history-rerun")
        export_btn = gr.DownloadButton("Export JSON", interactive=False, elem_id="history-export")
        delete_btn = gr.Button("Delete", variant="stop", interactive=False, elem_id="history-delete")
    status = gr.Markdown(elem_id="history-status")
    view = gr.Markdown(elem_id="history-view", elem_classes=["reply"])
    buttons = [rerun_btn, export_btn, delete_btn]

    async def listing(query, token):
        if own_only and not valid_owner_token(token):
            return [], [], "No runs from this browser yet."
        try:
            runs = await asyncio.to_thread(ctx.store.list_runs, token if own_only else None, query or "", LIST_LIMIT)
        except Exception as exc:
            return [], [], f"{WARNING_MARK} The run store is unavailable: {escape_md(type(exc).__name__)}."
        whose = "runs" + (" from this browser" if own_only else "")
        if not runs:
            return [], [], f"No {whose} match “{escape_md(query)}”." if query else f"No {whose} yet."
        count = f"{len(runs)} {whose if len(runs) > 1 else whose.replace('runs', 'run', 1)}"
        matching = f" matching “{escape_md(query)}”" if query else ""
        return [list_row(r) for r in runs], [r.id for r in runs], f"{count}{matching}, newest first."

    async def on_list(query, token):
        rows, run_ids, text = await listing(query, token)
        return gr.Dataframe(rows or None, headers=LIST_HEADERS), run_ids, text

    list_io = ([search, owner], [table, ids, note])
    for trigger in (tab.select, search.submit, refresh_btn.click):
        trigger(on_list, *list_io, **HIDDEN)

    async def readable(run_id, token):
        run = await asyncio.to_thread(ctx.store.get_run, run_id) if run_id else None
        return None if run is None or (own_only and run.owner != token) else run

    async def on_select(run_ids, token, request: gr.Request, evt: gr.SelectData):
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        run = await readable(run_ids[row] if isinstance(row, int) and 0 <= row < len(run_ids) else None, token)
        if run is None:
            return None, "", "", *[gr.Button(interactive=False)] * 3, "That run is no longer there: refresh the list."
        path = ctx.downloads_dir / f"run-{run.id}.json"
        await asyncio.to_thread(path.write_text, record_json(run), encoding="utf-8")
        url = snapshot_url(request, run.id)
        mine = run.owner == token
        elsewhere = (
            "<small>Made elsewhere (another browser, the API or the command line): "
            "only its owner can delete it.</small>"
        )
        return (
            run.id,
            run_markdown(run),
            f"Snapshot: [{url}]({url})",
            gr.Button(interactive=bool(run.record.get("columns"))),
            gr.DownloadButton(value=str(path), interactive=True),
            gr.Button(interactive=mine),
            "" if mine else elsewhere,
        )

    table.select(on_select, [ids, owner], [selected, view, link, *buttons, status], **HIDDEN)

    async def on_delete(run_id, token, query):
        done = (
            bool(run_id) and valid_owner_token(token) and await asyncio.to_thread(ctx.store.delete_run, run_id, token)
        )
        rows, run_ids, text = await listing(query, token)
        if not done:
            return [gr.skip()] * 7 + ["Only runs made in this browser can be deleted here."]
        return (
            gr.Dataframe(rows or None, headers=LIST_HEADERS),
            run_ids,
            text,
            None,
            "",
            "",
            gr.Button(interactive=False),
            "Deleted: its snapshot link now answers 404.",
        )

    delete_outputs = [table, ids, note, selected, view, link, delete_btn, status]
    delete_btn.click(on_delete, [selected, owner, search], delete_outputs, **HIDDEN)
    _wire_rerun(ctx, rerun_btn, selected, owner, tabs, compare, status, readable)
    return {"search": search, "table": table, "view": view, "link": link, "status": status, "selected": selected}


def _wire_rerun(ctx: PageContext, rerun_btn, selected, owner, tabs, compare: CompareView, status, readable) -> None:
    """Re-run fills the Compare tab with the run's prompt, system prompt, models and settings and switches to it (the
    visitor presses Run); the Compare conversation starts over."""
    outputs = compare.targets(
        "prompt",
        "system",
        "n_columns",
        "temperature",
        "max_tokens",
        "history",
        "models",
        "personas",
        "temps",
        "reasonings",
        "column_settings",
    ) + [tabs, status]

    async def on_rerun(run_id, token, packed):
        run = await readable(run_id, token)
        update = rerun_values(ctx, run.record, packed) if run else None
        if update is None:
            return {status: "This run has no comparison columns to re-create."}
        return {**compare.apply(update), tabs: gr.Tabs(selected="compare"), status: "Loaded into Compare: press Run."}

    rerun_btn.click(on_rerun, [selected, owner, compare.column_settings], outputs, **HIDDEN)
