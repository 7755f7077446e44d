"""The command line, run as a user runs it: `python -m compare ...` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from providers import prices
from tests.engine_helpers import CATALOG_PRICES
from tests.fakes.anthropic_server import AnthropicServer
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {
    "model",
    "text",
    "error",
    "ttft_s",
    "total_s",
    "input_tokens",
    "output_tokens",
    "tokens_exact",
    "tokens_per_s",
    "cost_usd",
}


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "compare", *args],
        cwd=ROOT,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_json_run_across_providers_and_the_local_model():
    with (
        OpenAIServer(Behaviour(reply="openai says hi")) as oa,
        AnthropicServer(Behaviour(reply="claude says hi", fault=None)) as an,
    ):
        env = {
            "OPENAI_API_KEY": "k1",
            "OPENAI_BASE_URL": oa.url + "/v1",
            "ANTHROPIC_API_KEY": "k2",
            "ANTHROPIC_BASE_URL": an.url,
            "COMPARE_CONFIG": str(CATALOG_PRICES),
        }
        done = cli(
            "--json",
            "--max-tokens",
            "24",
            "--system",
            "Be brief.",
            "-m",
            "openai:gpt-4o-mini",
            "-m",
            "anthropic:claude-3-5-haiku-latest",
            "-m",
            "local:smollm2",
            "Explain what a token is",
            env=env,
        )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    by_model = {line["model"]: line for line in lines}
    assert set(by_model) == {"openai:gpt-4o-mini", "anthropic:claude-3-5-haiku-latest", "local:smollm2"}
    assert all(REQUIRED <= set(line) for line in lines)
    assert by_model["openai:gpt-4o-mini"]["text"] == "openai says hi"
    assert by_model["anthropic:claude-3-5-haiku-latest"]["text"] == "claude says hi"
    local = by_model["local:smollm2"]
    assert local["text"].strip() and local["tokens_exact"] and 0 < local["output_tokens"] <= 24
    assert all(line["error"] is None for line in lines)
    assert by_model["openai:gpt-4o-mini"]["cost_usd"] > 0 and local["cost_usd"] == 0
    assert by_model["openai:gpt-4o-mini"]["price_source"] == prices.label()


def test_a_failing_model_still_exits_zero_with_its_error():
    with OpenAIServer(Behaviour(fault="401")) as srv:
        done = cli(
            "--json",
            "-m",
            "openai:gpt-4o-mini",
            "hello",
            env={"OPENAI_API_KEY": "sk-SECRET-abcdef", "OPENAI_BASE_URL": srv.url + "/v1"},
        )
    assert done.returncode == 0
    [line] = [json.loads(x) for x in done.stdout.splitlines()]
    assert "check OPENAI_API_KEY" in line["error"]
    assert "sk-SECRET-abcdef" not in done.stdout + done.stderr


def test_streaming_output_shows_reply_then_metrics_table():
    with OpenAIServer(Behaviour(reply="line one\nline two")) as srv:
        done = cli(
            "-m", "openai:a", "-m", "openai:b", "hi", env={"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.url + "/v1"}
        )
    assert done.returncode == 0
    assert "[openai:a] line one" in done.stdout and "[openai:b] line two" in done.stdout
    assert "ttft" in done.stdout and "tok/s" in done.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["-m", "local:smollm2", "   "], "The prompt is empty"),
        (["hello"], "No models chosen"),
        (["-m", "gpt-4o", "hello"], "should look like provider:model"),
        (["-m", "local:nope", "hello"], "unknown local model"),
        (["-m", "openai:gpt-4o-mini", "hello"], "set OPENAI_API_KEY in .env"),
        (["-m", "local:smollm2", "--temperature", "5", "hello"], "Temperature must be between 0 and 2"),
        (["-m", "local:smollm2", "--max-tokens", "0", "hello"], "Max tokens must be a whole number"),
        (["-m", "local:smollm2", "--repeat", "11", "hello"], "repeat must be a whole number from 1 to 10"),
        (["-m", "local:smollm2", "--repeat", "x", "hello"], "repeat must be a whole number from 1 to 10"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(args, message):
    done = cli(*args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_repeat_runs_a_column_sequentially_columns_together_and_tells_a_clear_difference():
    words = "one two three four five six seven eight nine ten eleven twelve"
    fast = Behaviour(reply=words, first_token_delay_s=0.03, tokens_per_s=400, jitter=0.3, jitter_seed=1)
    slow = Behaviour(reply=words, first_token_delay_s=0.4, tokens_per_s=30, jitter=0.3, jitter_seed=2)
    with OpenAIServer(fast) as oa, AnthropicServer(slow) as an:
        env = {
            "OPENAI_API_KEY": "k1",
            "OPENAI_BASE_URL": oa.url + "/v1",
            "ANTHROPIC_API_KEY": "k2",
            "ANTHROPIC_BASE_URL": an.url,
        }
        done = cli("--json", "--repeat", "5", "-m", "openai:fast", "-m", "anthropic:slow", "Count", env=env)
        spans = {"openai:fast": sorted(oa.spans), "anthropic:slow": sorted(an.spans)}
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    runs = [line for line in lines if "run" in line]
    assert sorted((r["model"], r["run"]) for r in runs) == sorted((m, k) for m in spans for k in range(1, 6))
    assert all(r["error"] is None and r["text"] == words for r in runs)
    for column in spans.values():  # each stream ends before the column's next one starts
        assert len(column) == 5 and all(a[1] <= b[0] for a, b in zip(column, column[1:]))
    assert any(a[0] < b[1] and b[0] < a[1] for a in spans["openai:fast"] for b in spans["anthropic:slow"])
    summaries = {line["model"]: line for line in lines if line.get("summary")}
    assert set(summaries) == set(spans) and all(s["runs"] == 5 for s in summaries.values())
    for s in summaries.values():
        for metric in ("ttft_s", "total_s", "tokens_per_s"):
            assert {"median", "p10", "p90", "min", "max"} <= set(s[metric])
            assert s[metric]["min"] <= s[metric]["p10"] <= s[metric]["median"] <= s[metric]["p90"] <= s[metric]["max"]
    [verdicts] = [line["comparisons"] for line in lines if "comparisons" in line]
    assert {(v["metric"], v["better"]) for v in verdicts} == {
        (m, "openai:fast") for m in ("ttft_s", "total_s", "tokens_per_s")
    }
    assert all(v["p_value"] < 0.05 for v in verdicts)


def test_list_shows_availability_and_reasons():
    done = cli("--list", env={"OLLAMA_HOST": "127.0.0.1:9"})
    assert done.returncode == 0
    rows = {line.split()[0]: line for line in done.stdout.splitlines()}
    assert "available" in rows["local:smollm2"] and "unavailable" not in rows["local:smollm2"]
    assert "set OPENAI_API_KEY in .env" in rows["openai:gpt-4o-mini"]


NEW_FIELDS = {
    "reasoning",
    "reasoning_tokens",
    "answer_ttft_s",
    "finish_reason",
    "warnings",
    "tokens_source",
    "itl_p50_ms",
    "itl_p95_ms",
}


def test_reasoning_flag_and_the_new_json_fields():
    beh = Behaviour(reply="It is 4.", reasoning="Two plus two.", reasoning_field="reasoning")
    with OpenAIServer(beh) as srv:
        done = cli(
            "--json",
            "--reasoning",
            "low",
            "-m",
            "openai:qwq",
            "What is 2+2?",
            env={"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.url + "/v1"},
        )
        body = srv.requests[-1].body
    assert done.returncode == 0, done.stderr
    [line] = [json.loads(x) for x in done.stdout.splitlines()]
    assert NEW_FIELDS <= set(line) and REQUIRED <= set(line)
    assert (line["text"], line["reasoning"], line["finish_reason"], line["warnings"]) == (
        "It is 4.",
        "Two plus two.",
        "stop",
        [],
    )
    assert line["tokens_source"] == "reported" and line["reasoning_tokens"] > 0
    assert body["reasoning_effort"] == "low" and body["max_tokens"] == 256 + 1024  # the page's default answer length
    assert line["answer_ttft_s"] >= line["ttft_s"]


def test_same_model_twice_is_numbered_and_warnings_are_listed():
    with OpenAIServer(Behaviour(reply="a b c", finish_signal=False)) as srv:
        done = cli(
            "-m", "openai:m", "-m", "openai:m", "hi", env={"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.url + "/v1"}
        )
    assert done.returncode == 0, done.stderr
    assert "[openai:m #1] a b c" in done.stdout and "[openai:m #2] a b c" in done.stdout
    assert "no finish signal" in done.stdout and "openai:m #2: no finish signal" in done.stdout


def test_json_lines_printed_while_the_local_model_loads_all_arrive():
    # Three cloud replies land while the embedded model is loading; none may be swallowed by the load.
    per_model = {f"m{i}": Behaviour(reply=f"reply {i}", first_token_delay_s=0.05 * i) for i in range(1, 5)}
    with OpenAIServer(per_model=per_model) as srv:
        done = cli(
            "--json",
            "--max-tokens",
            "8",
            "-m",
            "local:smollm2",
            *[a for i in range(1, 5) for a in ("-m", f"openai:m{i}")],
            "hi",
            env={"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.url + "/v1"},
        )
    assert done.returncode == 0, done.stderr
    models = sorted(json.loads(x)["model"] for x in done.stdout.splitlines())
    assert models == ["local:smollm2", "openai:m1", "openai:m2", "openai:m3", "openai:m4"]
    assert "llama" not in done.stderr.lower(), "llama.cpp's own logging stays quiet"


def test_ctrl_c_prints_what_each_column_had_and_exits_130():
    import signal
    import time

    with OpenAIServer(Behaviour(reply=" ".join(f"w{i}" for i in range(400)), tokens_per_s=20)) as srv:
        base = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
        env = {**base, "OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.url + "/v1"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "compare", "--json", "-m", "openai:a", "-m", "openai:b", "hi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while (srv.active_streams < 2 or srv.finished_streams) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert srv.disconnected.wait(5), "the upstream streams are closed"
    assert proc.returncode == 130, err
    lines = [json.loads(x) for x in out.splitlines()]
    assert sorted(line["model"] for line in lines) == ["openai:a", "openai:b"]
    assert all(line["stopped"] and line["status"] == "stopped" and line["text"].startswith("w0 w1") for line in lines)
    assert "Traceback" not in err
