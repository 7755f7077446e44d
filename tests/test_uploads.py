"""Gradio's upload route: refused while an app has no file input; with one (the app's Evaluate tab takes prompt-set
files), capped per file and per visitor under demo limits. Raw HTTP against apps as start_server serves them (tiny
Blocks without and with a gr.File, and the app itself)."""

from __future__ import annotations

import gradio as gr
import httpx
import pytest

from tests.appserver import AppServer
from tests.fakes.process import free_port
from ui.launch import start_server
from ui.web.safety import PageOptions
from ui.web.uploads import MB, takes_files

PER_MINUTE = 5


def upload(url: str, size: int, headers: dict | None = None) -> httpx.Response:
    return httpx.post(
        f"{url}gradio_api/upload", files={"files": ("set.jsonl", b"x" * size)}, headers=headers, timeout=60
    )


def test_an_app_without_a_file_input_takes_no_upload():
    with gr.Blocks() as demo:
        box, echo = gr.Textbox(), gr.Textbox()
        box.submit(lambda text: text, box, echo)
    assert not takes_files(demo)
    port = free_port()
    start_server(demo, "127.0.0.1", port, options=PageOptions(demo_caps=True))
    url = f"http://127.0.0.1:{port}/"
    try:
        refused = upload(url, 20_000)
        assert refused.status_code == 403 and refused.text == "This app takes no file uploads."
        recording = httpx.post(f"{url}gradio_api/process_recording", files={"video": ("v.mp4", b"0" * 100)})
        assert recording.status_code == 403
        assert httpx.get(f"{url}gradio_api/info", timeout=30).status_code == 200  # the rest of the API is open
    finally:
        demo.close()


def test_the_app_takes_prompt_sets_within_the_demo_cap():
    with AppServer({}, PageOptions(demo_caps=True)) as app:
        assert takes_files(app.demo)  # the Evaluate tab's "Upload a set" button
        assert upload(app.url, 20_000).status_code == 200
        assert upload(app.url, int(1.5 * MB)).status_code == 413
        recording = httpx.post(f"{app.url}gradio_api/process_recording", files={"video": ("v.mp4", b"0" * 100)})
        assert recording.status_code == 403  # the app records nothing, file input or not


@pytest.fixture(scope="module")
def file_app():
    """A tiny Blocks whose only event takes a gr.File, served with demo limits by the app's own start_server."""
    with gr.Blocks() as demo:
        prompts = gr.File(label="Prompt set")
        size = gr.Number()
        prompts.upload(lambda f: len(open(f, "rb").read()), prompts, size)
    assert takes_files(demo)
    port = free_port()
    start_server(demo, "127.0.0.1", port, options=PageOptions(demo_caps=True, uploads_per_minute=PER_MINUTE))
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def chunked_upload(url: str, files: int, size: int) -> httpx.Response:
    """A multipart upload of `files` files of `size` bytes sent without a Content-Length (chunked), so only counting
    the body as it arrives can stop it."""
    boundary = "guardtestboundary"

    def body():
        for n in range(files):
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="part{n}.jsonl"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            yield b"y" * size + b"\r\n"
        yield f"--{boundary}--\r\n".encode()

    return httpx.post(
        f"{url}gradio_api/upload",
        content=body(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        timeout=60,
    )


def test_with_a_file_input_uploads_are_capped_and_rate_limited_per_visitor(file_app):
    small = upload(file_app, 10_000)
    assert small.status_code == 200, small.text
    [path] = small.json()
    served = httpx.get(f"{file_app}gradio_api/file={path}", timeout=30)
    assert served.status_code == 200 and served.content == b"x" * 10_000

    too_big = upload(file_app, int(1.5 * MB))  # over the 1 MB per file, under what one request may carry
    assert too_big.status_code == 413, too_big.text
    assert upload(file_app, 6 * MB).status_code == 413  # its Content-Length alone says too much
    chunked = chunked_upload(file_app, 8, MB - 1000)  # each file within the cap, together far more than a request's
    assert chunked.status_code == 413 and "at most 5 files of 1 MB each" in chunked.text

    assert upload(file_app, 100).status_code == 200  # the fifth upload from this visitor this minute
    limited = upload(file_app, 100)
    assert limited.status_code == 429 and f"allows {PER_MINUTE} uploads per minute" in limited.text
    # another visitor (its address forwarded by the proxy on this host) has an allowance of its own
    assert upload(file_app, 100, {"X-Forwarded-For": "203.0.113.40"}).status_code == 200


def test_upload_caps_come_from_flags_or_the_environment(monkeypatch):
    from providers import ConfigError
    from ui.web.flags import options_from_args, parse_args

    monkeypatch.delenv("COMPARE_MAX_UPLOAD_MB", raising=False)
    defaults = options_from_args(parse_args(["--demo-limits"]))
    assert (defaults.max_upload_mb, defaults.uploads_per_minute) == (1, 10)
    flags = options_from_args(parse_args(["--max-upload-mb", "3", "--uploads-per-minute", "2"]))
    assert (flags.max_upload_mb, flags.uploads_per_minute) == (3, 2)
    monkeypatch.setenv("COMPARE_MAX_UPLOAD_MB", "4")
    assert options_from_args(parse_args([])).max_upload_mb == 4
    assert options_from_args(parse_args(["--max-upload-mb", "2"])).max_upload_mb == 2  # the flag wins
    assert options_from_args(parse_args(["--max-upload-mb", "0.5"])).max_upload_bytes == 512 * 1024
    monkeypatch.setenv("COMPARE_MAX_UPLOAD_MB", "lots")
    with pytest.raises(ConfigError, match="COMPARE_MAX_UPLOAD_MB must be a number of megabytes, not 'lots'"):
        options_from_args(parse_args([]))
    with pytest.raises(ConfigError, match="--max-upload-mb must be a number of megabytes above 0"):
        options_from_args(parse_args(["--max-upload-mb", "0"]))
