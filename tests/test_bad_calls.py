"""Calls no handler can use get a clear message, never `{"error": null}`: too few values, unpaired surrogates in any
text field, and values of the wrong kind (`tokenize` encodings, `leaderboard` dates, `battle` setups, an infinite
max tokens, `evaluate` sets and models). Raw REST (POST /gradio_api/call/<name>, then
the event stream) and gradio_client against the running app."""

from __future__ import annotations

import json

import gradio as gr
import httpx
import pytest
from gradio_client.exceptions import AppError

from tests.appserver import AppServer, api_client
from tests.fakes.process import free_port
from ui.launch import start_server
from ui.web.safety import PageOptions


@pytest.fixture(scope="module")
def app():
    with AppServer({}) as running:
        yield running


def post(url: str, route: str, body: dict) -> httpx.Response:
    # json.dumps escapes a lone surrogate as "\ud800" (valid JSON); httpx's own encoder would refuse to send it
    return httpx.post(url + route, content=json.dumps(body), headers={"content-type": "application/json"}, timeout=60)


def call(url: str, name: str, data: list) -> tuple[str, object]:
    """POST /gradio_api/call/<name>, then read its event stream: ("refused", the 422 body) or (event, data)."""
    joined = post(url, f"gradio_api/call/{name}", {"data": data})
    if joined.status_code != 200:
        assert joined.status_code == 422, joined.text
        return "refused", joined.json()
    stream = httpx.get(f"{url}gradio_api/call/{name}/{joined.json()['event_id']}", timeout=60).text
    event = stream.strip().split("\n\n")[-1]
    kind, _, data_line = event.partition("\n")
    return kind.removeprefix("event: "), json.loads(data_line.removeprefix("data: "))


def invalid(answer: dict) -> dict[str, str]:
    return {d["parameter_name"]: d["message"] for d in answer["detail"] if not d["is_valid"]}


def test_too_few_values_name_what_is_missing(app):
    kind, answer = call(app.url, "compare", ["Explain tokens"])
    assert kind == "refused"
    assert answer["error"].startswith("/compare: missing system_prompt, models, temperature, max_tokens")
    assert "this endpoint needs prompt, system_prompt, models, temperature" in answer["error"]
    assert answer["error"].endswith("repeat, same_server, in this order; the call sent 1")
    assert set(invalid(answer)) == {
        "system_prompt",
        "models",
        "temperature",
        "max_tokens",
        "reasoning",
        "owner",
        "repeat",
        "same_server",
    }
    kind, answer = call(app.url, "leaderboard", [])
    assert kind == "refused" and answer["error"].startswith("/leaderboard: missing since, until")
    legacy = post(app.url, "gradio_api/run/tokenize", {"data": ["hello"]})
    assert legacy.status_code == 422 and "missing encodings" in legacy.json()["error"]
    by_name = post(app.url, "gradio_api/call/v2/compare", {"system_prompt": "Be brief.", "max_tokens": 8})
    assert by_name.status_code == 422, by_name.text  # Gradio alone: a bare "Internal Server Error"
    assert by_name.json()["error"] == (
        "/compare: missing prompt, models: this endpoint needs prompt, system_prompt, models; the call sent 2"
    )
    assert (
        post(app.url, "gradio_api/call/v2/tokenize", {"text": "x\ud800"})
        .json()["error"]
        .startswith("/tokenize: text holds an unpaired surrogate")
    )


@pytest.mark.parametrize(
    "name, data, field",
    [
        ("compare", ["Explain \ud800 tokens", "", ["local:smollm2"], 0.7, 8, None, None, 1, "together"], "prompt"),
        ("compare", ["Hi", "Be brief \udfff", ["local:smollm2"], 0.7, 8, None, None, 1, "together"], "system_prompt"),
        ("compare", ["Hi", "", ["local:smollm2", "openai:\ud83d"], 0.7, 8, None, None, 1, "together"], "models"),
        ("tokenize", ["hi\ud800", ["cl100k_base"]], "text"),
        ("vote", ["battle-\udc00", "a", ""], "battle_id"),
        ("vote", ["abc", "a\udfff", ""], "choice"),
        ("room_start", [["local:smollm2", "local:smollm2#sarcastic-persona"], "Hi \ud800"], "prompt"),
        ("room_state", ["AB\ud800CD", ""], "room"),
        ("room_vote", ["ABCDEF", "x" * 16 + "\ud800", "a", ""], "voter"),
        ("leaderboard", ["\ud800", "", False, "setup"], "since"),
        ("battle", ["Who wins?", ["local:smollm2", {"\ud800": 1}]], "models"),
        ("pipeline", ["Hi", ["local:smollm2"], ["local:smollm2"], "", "", "{previous} \ud800", 0.7, 8], "step2_prompt"),
    ],
)
def test_an_unpaired_surrogate_is_named_by_its_field(app, name, data, field):
    kind, answer = call(app.url, name, data)
    assert kind == "refused"
    assert set(invalid(answer)) == {field}
    assert "unpaired surrogate" in invalid(answer)[field] and answer["error"].startswith(f"/{name}: {field} holds")


def test_the_pages_queue_is_guarded_too(app):
    tokenize = next(i for i, fn in app.demo.fns.items() if fn.api_name == "tokenize")
    answer = post(
        app.url, "gradio_api/queue/join", {"data": ["x\ud800", None], "fn_index": tokenize, "session_hash": "s" * 11}
    )
    assert answer.status_code == 422 and set(invalid(answer.json())) == {"text"}
    # a well-formed pair is one character, not a surrogate: it goes through
    kind, out = call(app.url, "tokenize", ["smile \ud83d\ude00", ["cl100k_base"]])
    assert kind == "complete" and out[0]["cl100k_base"]["count"] > 1


def test_tokenize_says_what_its_arguments_must_be(app):
    kind, answer = call(app.url, "tokenize", ["hello", 5])
    assert kind == "error" and answer["error"].startswith("encodings must be a list of tokenizer names")
    with api_client(app.url) as client:
        with pytest.raises(AppError, match="encodings must be a list of tokenizer names, one name, or null"):
            client.predict("hello", {"o200k_base": True}, api_name="/tokenize")
        with pytest.raises(AppError, match="text must be a string"):
            client.predict(12345, ["cl100k_base"], api_name="/tokenize")
        assert client.predict("hello", "cl100k_base", api_name="/tokenize")["cl100k_base"]["count"] == 1
        assert "cl100k_base" in client.predict("hello", None, api_name="/tokenize")


def test_behind_a_login_only_a_logged_in_caller_hears_what_an_endpoint_takes():
    def echo(text: str, times: int) -> str:
        return text * times

    with gr.Blocks() as demo:
        gr.api(echo, api_name="echo")
    port = free_port()
    start_server(demo, "127.0.0.1", port, auth=[("teacher", "s3cret-pass")], options=PageOptions())
    url = f"http://127.0.0.1:{port}/"
    try:
        with httpx.Client(timeout=60) as browser:
            refused = browser.post(f"{url}gradio_api/call/echo", json={"data": ["hi"]})
            assert refused.status_code == 401 and "times" not in refused.text
            browser.post(f"{url}login", data={"username": "teacher", "password": "s3cret-pass"})
            told = browser.post(f"{url}gradio_api/call/echo", json={"data": ["hi"]})
            assert told.status_code == 422 and told.json()["error"].startswith("/echo: missing times")
    finally:
        demo.close()


@pytest.mark.parametrize(
    "name, data, says",
    [
        ("leaderboard", [5, "", False, "setup"], "since"),
        ("leaderboard", ["", ["2026"], False, "setup"], "until"),
        ("battle", ["Who wins?", [["local:smollm2"], "local:smollm2"]], "setup id"),
        ("pipeline", ["Hi", ["local:smollm2"], ["local:smollm2"], "", "", "{previous}", 0.7, "Infinity"], "max"),
        ("pipeline", ["Hi", ["local:smollm2"], ["local:smollm2"], "", "", "{previous}", 0.7, -1e309], "max"),
        ("evaluate", ["general", "local:smollm2", "local:smollm2", 0.7, 8, False, ""], "models"),
        ("evaluate", [{"rows": 1}, ["local:smollm2"], "", 0.7, 8, False, ""], "prompt_set"),
    ],
)
def test_values_of_the_wrong_kind_get_a_sentence(app, name, data, says):
    kind, answer = call(app.url, name, data)
    message = answer["error"] if isinstance(answer, dict) else None
    assert kind in ("error", "refused") and message, (kind, answer)  # never {"error": null}
    assert says in message.lower() and "Traceback" not in message
