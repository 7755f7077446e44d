"""Keep each finished pipeline in the store like a comparison: one column per step, so History and snapshots show it."""

from __future__ import annotations

import gradio as gr

from store import new_owner_token, valid_owner_token
from ui.render import WARNING_MARK, escape_md
from ui.web.snapshots import save_run, snapshot_url

HIDDEN = dict(show_progress="hidden", api_visibility="private")


def wire_pipeline_saving(ctx, pipeline_refs: dict, saving: dict) -> None:
    """After each pipeline run, save it under the visitor's owner token and put its snapshot link in the banner."""
    finished = pipeline_refs["finished"]
    banner = pipeline_refs["banner"]

    async def on_finished(token, banner_text, request: gr.Request):
        session = getattr(request, "session_hash", None) or "anonymous"
        entry = finished.pop(session, None)
        if entry is None:
            return gr.skip(), gr.skip()
        run, started = entry
        token = token if valid_owner_token(token) else new_owner_token()
        run_id, error = await save_run(ctx, run.record(started).to_json(), token, kind="pipeline")
        if error:
            return f"{banner_text}  \n{WARNING_MARK} This run was not saved to History ({escape_md(error)}).", token
        url = snapshot_url(request, run_id)
        return f"{banner_text}  \n<small>Saved to History · read-only snapshot: [{url}]({url})</small>".strip(), token

    pipeline_refs["run_event"].success(on_finished, [saving["owner"], banner], [banner, saving["owner"]], **HIDDEN)
