"""An evaluation's read-only page (`/evaluation/<id>`): its Markdown report rendered without raw HTML or scripts."""

from __future__ import annotations

import asyncio
import re

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from evaluate.repository import EvaluationRepository, StoredEvaluation
from evaluate.text_report import markdown_report
from ui.web.snapshot_page import SNAPSHOT_HEADERS, markdown_html, page

EVALUATION_PREFIX = "/evaluation/"
_ID = re.compile(r"^[A-Za-z0-9_-]{22,64}$")


def evaluation_document(stored: StoredEvaluation) -> str:
    """The full page of an evaluation."""
    body = markdown_html(markdown_report(stored))
    footer = "<footer><p>Saved by LLM side by side. Keys are never stored.</p></footer>"
    return page(f"Evaluation of {stored.spec.prompts.name} · LLM side by side", body + footer)


async def show_evaluation(request: Request) -> Response:
    """GET: the evaluation's page, or 404."""
    evaluation_id = request.path_params["evaluation_id"]
    document = None
    if _ID.match(evaluation_id):
        repo = EvaluationRepository(request.app.get_blocks().ctx.store)
        # the summary's bootstraps take a few hundred milliseconds of CPU: off the loop that streams every run
        document = await asyncio.to_thread(_document, repo, evaluation_id)
    if document is None:
        missing = page("Evaluation not found", "<h1>Evaluation not found</h1><p>No evaluation has this id.</p>")
        return HTMLResponse(missing, status_code=404, headers=SNAPSHOT_HEADERS)
    return HTMLResponse(document, headers=SNAPSHOT_HEADERS)


def _document(repo: EvaluationRepository, evaluation_id: str) -> str | None:
    stored = repo.load(evaluation_id)
    return evaluation_document(stored) if stored is not None else None


def evaluation_routes() -> list[Route]:
    """The route to hand to Gradio's FastAPI app beside the snapshot routes."""
    return [Route(EVALUATION_PREFIX + "{evaluation_id}", show_evaluation, methods=["GET", "HEAD"])]
