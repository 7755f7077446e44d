"""A reasoning model on the page: thinking folded above the answer, kept open while it streams, warnings shown."""

from __future__ import annotations

import pytest

from tests.appserver import AppServer
from tests.browser_fixtures import (
    md_text,
    require_chromium,
    screenshot,
    set_column_setting,
    set_model,
    set_prompt,
    wait_meta,
)
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

THOUGHT = " ".join(f"think{i}" for i in range(60))  # 60 chunks at 30/s: 2 s of thinking before the answer
ANSWER = " ".join(f"answer{i}" for i in range(30))


@pytest.fixture(scope="module")
def app():
    require_chromium()
    per_model = {
        "thinker": Behaviour(reply=ANSWER, reasoning=THOUGHT, reasoning_field="reasoning", tokens_per_s=30),
        "unfinished": Behaviour(reply="half an answer", finish_signal=False),
    }
    with OpenAIServer(per_model=per_model) as fake:
        env = {"OPENAI_API_KEY": "sk-test-SECRET-1234567890", "OPENAI_BASE_URL": fake.url + "/v1"}
        with AppServer(env) as running:
            running.fake = fake
            yield running


def test_thinking_streams_folded_above_the_answer_and_stays_open_once_opened(new_page, app):
    page = new_page(app.url)
    set_model(page, 0, "openai:thinker")
    set_model(page, 1, "openai:unfinished")
    set_column_setting(page, "reason", 0, "high")
    set_prompt(page, "Think first, then answer.")
    page.click("#run")
    fold = page.locator("#reply-0 details.thinking")
    fold.wait_for()
    assert not fold.evaluate("d => d.open"), "thinking starts folded"
    fold.locator("summary").click()
    page.wait_for_function("() => document.querySelector('#reply-0').innerText.includes('think20')")
    assert fold.evaluate("d => d.open"), "an opened fold stays open while frames re-render the column"
    wait_meta(page, 0, "done")
    summary = page.locator("#reply-0 details.thinking summary").inner_text()
    assert summary.startswith("Thinking · ") and " tokens · " in summary and summary.endswith(" s"), summary
    answer = page.locator("#reply-0 span.md").evaluate(
        "el => { const c = el.cloneNode(true); c.querySelectorAll('details').forEach(d => d.remove()); "
        "return c.innerText; }"
    )
    assert answer.split() == ANSWER.split(), "the answer is shown apart from the thinking"
    meta = md_text(page, "meta-0")
    assert "answer" in meta and "thinking" in meta, meta
    assert app.fake.requests[-1].body.get("reasoning_effort") or any(
        r.body.get("reasoning_effort") == "high" for r in app.fake.requests if r.body
    )
    wait_meta(page, 1, "no finish signal")
    assert "done" not in md_text(page, "meta-1").split("\n")[0], "an unfinished stream is not a clean done"
    screenshot(page, "browser_reasoning")
