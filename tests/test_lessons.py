"""Lesson files: the shipped ones load, malformed ones fail naming the file, roles resolve to available models."""

from __future__ import annotations

import json

import pytest

from compare.lessons import LESSONS_DIR, load_lesson, load_lessons, load_lessons_lenient, resolve_models
from compare.presets import load_presets
from providers.base import ConfigError

PERSONAS = {p.name for p in load_presets() if not p.steps}
GOOD = {"title": "T", "explanation": "Some words.", "action": "tokens", "setup": {"text": "handcrafted"}}


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_all_shipped_lessons_load_in_order():
    lessons = load_lessons(preset_names=PERSONAS)
    assert [lesson.action for lesson in lessons] == ["compare", "compare", "compare", "tokens", "context", "pipeline"]
    assert all(lesson.explanation.count(".") >= 2 for lesson in lessons)  # a few sentences each
    temperature = lessons[1].setup["columns"]
    assert {c["temperature"] for c in temperature} == {0, 1.2}
    assert lessons[3].setup["text"] == "handcrafted"
    personas = [c["system"] for c in lessons[0].setup["columns"]]
    assert len(set(personas)) == 2 and [c["model"] for c in lessons[0].setup["columns"]] == ["cloud", "cloud"]


def test_bad_json_names_the_file(tmp_path):
    write(tmp_path, "07-broken.json", '{"title": "x",\n "explanation": }')
    with pytest.raises(ConfigError, match=r"07-broken\.json: not valid JSON .*line 2"):
        load_lessons(tmp_path)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.pop("title"), "missing text field 'title'"),
        (lambda d: d.pop("explanation"), "missing text field 'explanation'"),
        (lambda d: d.update(action="dance"), "'action' must be one of"),
        (lambda d: d.pop("setup"), "missing object field 'setup'"),
        (lambda d: d["setup"].pop("text"), "setup: missing text field 'text'"),
        (
            lambda d: d.update(action="compare", setup={"prompt": "hi", "columns": []}),
            "'columns' must be a list of 1 to 8",
        ),
        (
            lambda d: d.update(
                action="compare", setup={"prompt": "hi", "columns": [{"model": "local", "temperature": 3}]}
            ),
            "column 1: 'temperature' must be a number from 0 to 2",
        ),
        (
            lambda d: d.update(action="compare", setup={"prompt": "hi", "columns": [{"model": "gpt"}]}),
            "model 'gpt' should be one of",
        ),
        (
            lambda d: d.update(action="compare", setup={"prompt": "hi", "columns": [{"system": "Pirate"}]}),
            "'Pirate' is not a preset",
        ),
        (lambda d: d.update(action="pipeline", setup={"pipelines": [["local"]]}), "pipeline 1 must be a"),
        (lambda d: d.update(action="context", setup={"text": "x", "models": []}), "'models' must be a non-empty list"),
        (lambda d: d["setup"].update(max_tokens="lots"), "'max_tokens' must be a whole number"),
    ],
)
def test_malformed_lesson_names_file_and_problem(tmp_path, change, message):
    data = json.loads(json.dumps(GOOD))
    change(data)
    path = write(tmp_path, "08-teacher.json", data)
    with pytest.raises(ConfigError) as info:
        load_lesson(path, PERSONAS)
    assert str(info.value).startswith("08-teacher.json: ") and message in str(info.value)


def test_not_an_object_and_lenient_loading(tmp_path):
    write(tmp_path, "01-ok.json", GOOD)
    write(tmp_path, "02-list.json", "[1, 2]")
    with pytest.raises(ConfigError, match="02-list.json: expected a JSON object"):
        load_lessons(tmp_path)
    lessons, errors = load_lessons_lenient(tmp_path)
    assert [lesson.name for lesson in lessons] == ["01-ok"] and errors[0].startswith("02-list.json:")


def test_a_teacher_adds_a_lesson_with_one_file(tmp_path):
    for path in sorted(LESSONS_DIR.glob("*.json")):
        write(tmp_path, path.name, path.read_text(encoding="utf-8"))
    write(tmp_path, "07-my-lesson.json", {**GOOD, "title": "My lesson"})
    assert load_lessons(tmp_path)[-1].title == "My lesson"


def test_roles_resolve_to_available_models():
    here = {"local:smollm2", "ollama:llama3.2", "vllm:qwen3"}  # what the registry says runs on this machine
    no_keys = ["local:smollm2"]
    assert resolve_models(["cloud", "open"], no_keys, here) == ["local:smollm2", "local:smollm2"]
    assert resolve_models(["cloud", "cloud"], no_keys, here) == ["local:smollm2"] * 2
    both = ["local:smollm2", "ollama:llama3.2", "openai:gpt-4o-mini"]
    assert resolve_models(["cloud", "open"], both, here) == ["openai:gpt-4o-mini", "local:smollm2"]
    assert resolve_models(["local", "open"], both, here) == ["local:smollm2", "ollama:llama3.2"]
    assert (
        resolve_models(["cloud", "cloud", "cloud"], ["local:smollm2", "ollama:llama3.2"], here) == ["local:smollm2"] * 3
    )
    # a remote vLLM endpoint with a key is billed like any cloud model: the registry, not the provider name, decides
    assert resolve_models(["cloud"], ["local:smollm2", "vllm:qwen3"], {"local:smollm2"}) == ["vllm:qwen3"]
    assert resolve_models(["openai:gpt-4o"], no_keys, here) == ["local:smollm2"]
    assert resolve_models(["openai:gpt-4o"], no_keys, here, keep_unavailable=True) == ["openai:gpt-4o"]
    assert resolve_models(["local"], [], here) == ["local:smollm2"]


@pytest.fixture(scope="module")
def no_keys_ctx():
    from tests.appserver import ISOLATION_ENV
    from tests.conftest import make_settings
    from ui.context import PageContext

    return PageContext.create(make_settings(ISOLATION_ENV))


def test_lesson_setups_fill_the_tabs_with_local_models_when_there_are_no_keys(no_keys_ctx):
    from ui.context import N_SLOTS
    from ui.tabs.lessons import _fill_compare, _fill_context, _fill_pipeline, lesson_models
    from ui.tabs.pipeline import MAX_PIPELINES

    lessons = {lesson.name: lesson for lesson in load_lessons(preset_names=PERSONAS)}
    temperature = _fill_compare(no_keys_ctx, lessons["02-temperature"])
    assert temperature.n_columns == 4 and temperature.models == ["local:smollm2"] * 4
    assert temperature.temps == ["0", "0", "1.2", "1.2"] and temperature.history == [[]] * N_SLOTS
    packed = json.loads(temperature.column_settings)  # what the run reads
    assert packed["models"] == ["local:smollm2"] * 4 and packed["temperatures"] == ["0", "0", "1.2", "1.2"]
    personas = _fill_compare(no_keys_ctx, lessons["01-system-vs-user"])
    assert personas.personas[:2] == ["Explain like I'm five", "Sarcastic persona"]
    assert lesson_models(no_keys_ctx, lessons["03-frontier-vs-open"]) == ["local:smollm2", "local:smollm2"]
    pipeline = _fill_pipeline(no_keys_ctx, lessons["06-two-step-pipeline"])
    assert len(pipeline) == 6 + 2 * MAX_PIPELINES + 1
    assert pipeline[0].startswith("Summarize this article") and pipeline[3] == "{previous}" and pipeline[4] == 2
    assert pipeline[6:10] == ["local:smollm2"] * 4
    context = _fill_context(no_keys_ctx, lessons["05-context-windows"])
    assert context[1][0] == "local:smollm2" and "openai:gpt-4o-mini" in context[1]


def test_lesson_tab_lists_a_broken_file_by_name(no_keys_ctx, tmp_path, monkeypatch):
    import gradio as gr

    from ui.tabs import lessons as lessons_tab

    write(tmp_path, "01-ok.json", GOOD)
    write(tmp_path, "02-broken.json", "{")
    real = lessons_tab.load_lessons_lenient
    monkeypatch.setattr(lessons_tab, "load_lessons_lenient", lambda preset_names: real(tmp_path, preset_names))
    with gr.Blocks():
        panel = lessons_tab.build_lessons_tab(no_keys_ctx)
    assert [lesson.name for lesson in panel.lessons] == ["01-ok"] and len(panel.buttons) == 1
    assert panel.errors[0].startswith("02-broken.json: not valid JSON")
