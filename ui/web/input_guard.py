"""Calls that no handler can use get a clear message before Gradio runs anything.

Gradio answers two kinds of malformed call with `{"error": null}` and a traceback only in the log: a call with fewer
values than its endpoint takes (Gradio's own check raises a ValueError, whose text it hides), and text holding an
unpaired UTF-16 surrogate such as "\\ud800" (valid JSON, but not text: it fails later, wherever it is encoded). This
ASGI middleware reads the JSON body of every call route (the API's `/call/<name>`, `/run/<name>`, the page's
`/queue/join`) and answers such a call with HTTP 422 in the shape of Gradio's own validation errors, one entry per
input naming the parameter, which gradio_client raises as a ValidationError and the page shows on the input. Every
other request passes untouched."""

from __future__ import annotations

import json
import re

from starlette.responses import JSONResponse

API_PREFIX = "/gradio_api/"
_CALL_ROUTE = re.compile(r"/gradio_api/(?:call|run|api)/(?!v2/)([^/]+)/?$")
_JOIN_ROUTE = "/gradio_api/queue/join"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _route(path: str) -> tuple[str, str | None] | None:
    """("api", name) for a named call, ("join", None) for the page's queue, None for anything else."""
    if path.endswith(_JOIN_ROUTE):
        return "join", None
    found = _CALL_ROUTE.search(path)
    return ("api", found.group(1)) if found else None


def _find_fn(blocks, kind: str, api_name: str | None, body: dict):
    if kind == "api":
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


def problems(fn, data: list, whole: bool) -> tuple[dict[int, str], str]:
    """({input index: what is wrong}, one line saying it all) for a call's values; `whole` when the caller sends every
    input (the page), not only those of the API."""
    names = parameter_names(fn)
    found = {
        i: f"holds an unpaired surrogate ({where}), which is not text; send the character itself or remove it"
        for i, value in enumerate(data)
        if (where := surrogate_in(value))
    }
    lines = [f"{names[i]} {message}" for i, message in found.items()]
    sent = [i for i, block in enumerate(fn.inputs) if whole or not block.skip_api]
    if len(data) < len(sent):
        missing = list(range(len(data), len(fn.inputs)))
        found.update({i: f"missing: the call sent {len(data)} of {len(sent)} values" for i in missing})
        lines.append(
            f"missing {', '.join(names[i] for i in missing)}: this endpoint takes {len(sent)} values in this order "
            f"({', '.join(names[i] for i in sent)}); the call sent {len(data)}"
        )
    return found, "; ".join(lines)


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

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
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
        data = parsed.get("data") if isinstance(parsed, dict) else None
        app = scope.get("app")
        if not isinstance(data, list) or not hasattr(app, "get_blocks"):
            return None
        fn = _find_fn(app.get_blocks(), route[0], route[1], parsed)
        if fn is None:
            return None
        found, summary = problems(fn, data, whole=route[0] == "join")
        return validation_answer(fn, found, summary) if found else None


def _replay(bodies: list[bytes], first, receive):
    """A receive() that hands the app the body already read, then whatever the client sends next."""
    pending = [{"type": "http.request", "body": b"".join(bodies), "more_body": False}] if first is None else [first]

    async def replayed():
        return pending.pop(0) if pending else await receive()

    return replayed
