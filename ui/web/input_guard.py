"""Calls that no handler can use get a clear message before Gradio runs anything.

Gradio answers two kinds of malformed call with `{"error": null}` and a traceback only in the log: a call with fewer
values than its endpoint takes (Gradio's own check raises a ValueError, whose text it hides), and text holding an
unpaired UTF-16 surrogate such as "\\ud800" (valid JSON, but not text: it fails later, wherever it is encoded). This
ASGI middleware reads the JSON body of every call route (the API's `/call/<name>`, `/run/<name>`, `/call/v2/<name>`
with values by name, where a missing required one is a bare HTTP 500 otherwise, and the page's `/queue/join`) and
answers such a call with HTTP 422 in the shape of Gradio's own validation errors, one entry per input naming the
parameter, which gradio_client raises as a ValidationError and the page shows on the input. Every other request
passes untouched."""

from __future__ import annotations

import inspect
import json
import re

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

_CALL_ROUTE = re.compile(r"/gradio_api/(?:call|run|api)/(v2/)?([^/]+)/?$")
_JOIN_ROUTE = "/gradio_api/queue/join"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _route(path: str) -> tuple[str, str | None] | None:
    """("api", name) for a call with values in order, ("named", name) for /call/v2/<name> (values by parameter name),
    ("join", None) for the page's queue, None for anything else."""
    if path.endswith(_JOIN_ROUTE):
        return "join", None
    found = _CALL_ROUTE.search(path)
    if found is None:
        return None
    return ("named" if found.group(1) else "api"), found.group(2)


def _find_fn(blocks, kind: str, api_name: str | None, body: dict):
    if kind != "join":
        return next((fn for fn in blocks.fns.values() if fn.api_name == api_name), None)
    index = body.get("fn_index")
    return blocks.fns.get(index) if isinstance(index, int) else None


def parameter_names(fn) -> list[str]:
    """A name per input: the function's parameter, else the component's label, else its position."""
    named = list(fn.input_parameter_names or [])
    return [
        (named[i] if i < len(named) and named[i] else None) or getattr(block, "label", None) or f"input {i + 1}"
        for i, block in enumerate(fn.inputs)
    ]


def surrogate_in(value) -> str | None:
    """Where the first unpaired surrogate in a (nested) value is, e.g. "U+D800 at character 3", or None."""
    if isinstance(value, str):
        found = _SURROGATE.search(value)
        return f"U+{ord(found.group()):04X} at character {found.start() + 1}" if found else None
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list):
        return next((where for item in value if (where := surrogate_in(item))), None)
    return None


def problems(fn, sent: dict[int, object], required: list[int], by_name: bool) -> tuple[dict[int, str], str]:
    """({input index: what is wrong}, one line saying it all) for the values a call `sent` (by input index), given the
    inputs it must send; `by_name` for /call/v2, whose values come by parameter name."""
    names = parameter_names(fn)
    found = {
        i: f"holds an unpaired surrogate ({where}), which is not text; send the character itself or remove it"
        for i, value in sent.items()
        if (where := surrogate_in(value))
    }
    lines = [f"{names[i]} {message}" for i, message in found.items()]
    missing = [i for i in required if i not in sent]
    if missing:
        found.update({i: f"missing: the call sent {len(sent)} of {len(required)} values" for i in missing})
        takes = f"{', '.join(names[i] for i in required)}" + ("" if by_name else ", in this order")
        lines.append(
            f"missing {', '.join(names[i] for i in missing)}: this endpoint needs {takes}; the call sent {len(sent)}"
        )
    return found, "; ".join(lines)


def _required_by_name(fn) -> list[int]:
    """The inputs of a /call/v2 endpoint that have no default (Gradio fills in the others)."""
    try:
        params = inspect.signature(fn.fn).parameters
    except (TypeError, ValueError):
        return []
    names = parameter_names(fn)
    return [i for i, name in enumerate(names) if name in params and params[name].default is inspect.Parameter.empty]


def validation_answer(fn, found: dict[int, str], summary: str) -> JSONResponse:
    """HTTP 422 shaped like Gradio's validation errors (one entry per input), plus the whole story in "error"."""
    names = parameter_names(fn)
    detail = [
        {"__type__": "validate", "is_valid": i not in found, "message": found.get(i, ""), "parameter_name": names[i]}
        for i in range(len(fn.inputs))
    ]
    where = f"/{fn.api_name}: " if fn.api_name else ""
    return JSONResponse({"detail": detail, "error": where + summary}, status_code=422)


class InputGuard:
    """ASGI middleware: checks the values of every call before Gradio queues it (see the module docstring)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = _route(scope.get("path", "")) if scope["type"] == "http" and scope.get("method") == "POST" else None
        if route is None:
            return await self.app(scope, receive, send)
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client left: nothing to check
                return await self.app(scope, _replay([], message, receive), send)
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        answer = self._check(scope, route, body)
        if answer is not None:
            return await answer(scope, _replay([body], None, receive), send)
        await self.app(scope, _replay([body], None, receive), send)

    @staticmethod
    def _check(scope, route: tuple[str, str | None], body: bytes) -> JSONResponse | None:
        try:
            parsed = json.loads(body)
        except ValueError:
            return None  # not JSON: Gradio's own parsing answers that
        app, (kind, api_name) = scope.get("app"), route
        if not isinstance(parsed, dict) or not hasattr(app, "get_blocks") or not _logged_in(app, scope):
            return None  # a visitor who has not logged in gets Gradio's 401, not a description of the endpoint
        fn = _find_fn(app.get_blocks(), kind, api_name, parsed)
        if fn is None:
            return None
        if kind == "named":  # {"prompt": ..., "models": ...}: each value under its parameter's name
            names = parameter_names(fn)
            sent = {names.index(key): value for key, value in parsed.items() if key in names}
            found, summary = problems(fn, sent, _required_by_name(fn), by_name=True)
        elif isinstance(data := parsed.get("data"), list):
            # the page sends every input; an API call those the API shows (Gradio fills in the rest, e.g. gr.State)
            required = [i for i, block in enumerate(fn.inputs) if kind == "join" or not block.skip_api]
            found, summary = problems(fn, dict(zip(required, data)), required, by_name=False)
        else:
            return None
        return validation_answer(fn, found, summary) if found else None


def _logged_in(app, scope) -> bool:
    """Whether Gradio would let this request through its login check (as its get_current_user reads the cookie)."""
    if getattr(app, "auth", None) is None and getattr(app, "auth_dependency", None) is None:
        return True
    if getattr(app, "auth_dependency", None) is not None:
        return False  # a login of the host's own: Gradio decides, the call then fails as Gradio fails it
    cookies, cookie_id = Request(scope).cookies, getattr(app, "cookie_id", "")
    token = cookies.get(f"access-token-{cookie_id}") or cookies.get(f"access-token-unsecure-{cookie_id}")
    return token is not None and token in getattr(app, "tokens", {})


def _replay(bodies: list[bytes], first, receive):
    """A receive() that hands the app the body already read, then whatever the client sends next."""
    pending = [{"type": "http.request", "body": b"".join(bodies), "more_body": False}] if first is None else [first]

    async def replayed():
        return pending.pop(0) if pending else await receive()

    return replayed
