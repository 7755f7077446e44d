"""Read-only snapshot links served by the app itself (`/snapshot/<id>`), and saving runs off the streaming path.

The routes go into the FastAPI app Gradio builds (``app_kwargs={"routes": snapshot_routes()}``) and find the store
through the app's current Blocks, so they follow `gradio app.py` reloads. A snapshot id is a capability: anyone
holding the link may read it (no login), only its owner token may delete it (``DELETE /snapshot/<id>`` with the
``X-Owner-Token`` header: 204, 403 for another token, 404 for an unknown id).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from ui.web.snapshot_page import SNAPSHOT_HEADERS, not_found_document, snapshot_document

log = logging.getLogger("llm_compare.store")
SNAPSHOT_PREFIX = "/snapshot/"
OWNER_HEADER = "x-owner-token"
_ID = re.compile(r"^[A-Za-z0-9_-]{22,64}$")


def _store(request: Request):
    return request.app.get_blocks().ctx.store


def _not_found() -> HTMLResponse:
    return HTMLResponse(not_found_document(), status_code=404, headers=SNAPSHOT_HEADERS)


async def _find(request: Request):
    run_id = request.path_params["run_id"]
    if not _ID.match(run_id):
        return None
    return await asyncio.to_thread(_store(request).get_run, run_id)


async def show_snapshot(request: Request) -> Response:
    """GET: the run's page, or 404."""
    try:
        run = await _find(request)
    except Exception as exc:  # the store is down: say so rather than claim the snapshot is gone
        log.warning("snapshot read failed: %s", _reason(exc))
        return HTMLResponse(
            "<!doctype html><title>Unavailable</title><p>The run store is unavailable; try again later.",
            status_code=503,
            headers=SNAPSHOT_HEADERS,
        )
    return _not_found() if run is None else HTMLResponse(snapshot_document(run), headers=SNAPSHOT_HEADERS)


async def delete_snapshot(request: Request) -> Response:
    """DELETE: remove the run when the X-Owner-Token header is its owner's."""
    run = await _find(request)
    if run is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    token = request.headers.get(OWNER_HEADER, "")
    if not token or not secrets.compare_digest(token.encode(), run.owner.encode()):
        return JSONResponse({"error": "only the owner token this run was saved with can delete it"}, status_code=403)
    await asyncio.to_thread(_store(request).delete_run, run.id, run.owner)
    return Response(status_code=204)


def snapshot_routes() -> list[Route]:
    """The routes to hand to Gradio's FastAPI app."""
    return [
        Route(SNAPSHOT_PREFIX + "{run_id}", show_snapshot, methods=["GET", "HEAD"]),
        Route(SNAPSHOT_PREFIX + "{run_id}", delete_snapshot, methods=["DELETE"]),
    ]


def app_url(request) -> str:
    """The app's public root URL (no trailing slash) as the browser or API client reached it; "" when unknown."""
    raw = getattr(request, "request", None)
    if raw is None:
        return ""
    try:
        from gradio.route_utils import get_root_url

        return get_root_url(raw, raw.url.path, raw.scope.get("root_path") or None)
    except Exception:  # an unusual request object: a relative link still works in the page
        return ""


def snapshot_url(request, run_id: str) -> str:
    """The absolute snapshot link for a run (relative when the request does not say where the app is)."""
    return f"{app_url(request)}{SNAPSHOT_PREFIX}{run_id}"


async def save_run(ctx, record: dict, owner: str, kind: str = "compare") -> tuple[str | None, str | None]:
    """Save in `ctx`'s store on a worker thread; (run id, None), or (None, a one-line reason) after logging it once."""
    try:
        return await asyncio.to_thread(lambda: ctx.store.save_run(record, owner, kind)), None
    except Exception as exc:
        reason = _reason(exc)
        log.warning("could not save a %s run: %s", kind, reason)
        return None, reason


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__
