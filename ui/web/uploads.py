"""Gradio's upload routes, kept to what the app uses.

`POST /gradio_api/upload` stores any file anyone sends and serves it back to whoever has its URL, whether or not the
page has a file input. Here it is refused unless the app has one; when it has, demo limits cap each upload (size, and
uploads per visitor per minute). `POST /gradio_api/process_recording` (screen recordings, video) is always refused:
the app records nothing."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ui.web.safety import PageOptions, RateLimiter
from ui.web.visitor import visitor_key

UPLOAD_ROUTE = "/gradio_api/upload"
REFUSED_ROUTES = ("/gradio_api/process_recording",)
MB = 1024 * 1024
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and part headers around the file
FILES_PER_UPLOAD = 5  # one upload request carries at most this many files of the capped size
# Components a visitor can put a file into (in the browser or through the API).
FILE_INPUTS = (
    gr.File,
    gr.UploadButton,
    gr.Image,
    gr.ImageEditor,
    gr.ImageSlider,
    gr.Audio,
    gr.Video,
    gr.Gallery,
    gr.Model3D,
    gr.MultimodalTextbox,
)


def takes_files(blocks: gr.Blocks) -> bool:
    """Whether the app has a file input: a file-taking component that is interactive, or left to Gradio to decide
    and the input of some event (as Gradio's page decides)."""
    event_inputs = {id(block) for fn in blocks.fns.values() for block in fn.inputs}
    return any(
        isinstance(block, FILE_INPUTS)
        and (block.interactive or (block.interactive is None and id(block) in event_inputs))
        for block in blocks.blocks.values()
    )


@dataclass(frozen=True)
class UploadPolicy:
    """What the upload route accepts: nothing without a file input; under demo limits, capped files at a capped rate."""

    accepted: bool
    max_file_bytes: int | None = None  # per file (Gradio's max_file_size), under demo limits
    per_minute: int | None = None  # upload requests per visitor, under demo limits

    @classmethod
    def for_app(cls, blocks: gr.Blocks, options: PageOptions) -> UploadPolicy:
        """The policy for this app and its options."""
        if not takes_files(blocks):
            return cls(accepted=False)
        if not options.demo_caps:
            return cls(accepted=True)
        return cls(True, options.max_upload_bytes, options.uploads_per_minute)

    @property
    def max_request_bytes(self) -> int | None:
        """The most one upload request may carry."""
        return None if self.max_file_bytes is None else self.max_file_bytes * FILES_PER_UPLOAD + FORM_OVERHEAD


class _TooLarge(Exception):
    pass


class UploadGuard:
    """ASGI middleware applying an UploadPolicy to Gradio's upload routes."""

    def __init__(self, app: ASGIApp, policy: UploadPolicy, options: PageOptions):
        self.app = app
        self.policy = policy
        self.options = options
        self.limiter = RateLimiter(policy.per_minute, noun="uploads") if policy.per_minute else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if (
            scope["type"] != "http"
            or scope.get("method") != "POST"
            or not path.endswith((UPLOAD_ROUTE, *REFUSED_ROUTES))
        ):
            return await self.app(scope, receive, send)
        if not self.policy.accepted or not path.endswith(UPLOAD_ROUTE):
            return await PlainTextResponse("This app takes no file uploads.", 403)(scope, receive, send)
        if self.limiter is not None:
            o = self.options
            visitor = visitor_key(Request(scope), o.proxy_header, o.proxy_hops, o.forwarded_allow_ips)
            if refused := self.limiter.check(visitor):
                return await PlainTextResponse(refused, 429)(scope, receive, send)
        cap = self.policy.max_request_bytes
        if cap is None:
            return await self.app(scope, receive, send)
        too_large = PlainTextResponse(
            f"An upload may carry at most {FILES_PER_UPLOAD} files of {self.options.max_upload_mb:g} MB each.", 413
        )
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > cap:
            return await too_large(scope, receive, send)
        await self._capped(scope, receive, send, cap, too_large)

    async def _capped(self, scope, receive, send, cap: int, too_large: PlainTextResponse) -> None:
        """Pass the request on, stopping it with 413 once its body passes `cap` (a body sent without a length)."""
        received, started = 0, False

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise _TooLarge
            return message

        async def noting_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, noting_send)
        except _TooLarge:
            if not started:
                await too_large(scope, receive, send)
