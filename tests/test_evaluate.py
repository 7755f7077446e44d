"""Evaluate: prompt sets, both orders judged, consistency, honest intervals, and resuming without paying twice —
through the real OpenAI SDK against the fake server, the real store and the real command line."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compare.request import RequestCheck
from compare.validate import InputError
from evaluate.judge import PairVerdict, read_verdict
from evaluate.prompt_set import PromptSet, load_prompt_set, parse_prompt_set, shipped_sets
from evaluate.repository import EvaluationRepository
from evaluate.runner import EvaluationRun
from evaluate.service import build_spec
from evaluate.summary import summarize
from providers import Registry
from store import open_store
from tests.conftest import make_settings
from tests.fakes.behaviour import last_user_text
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour

ROOT = Path(__file__).resolve().parent.parent
ANSWER = re.compile(r"\[The Start of Assistant (A|B)'s Answer\]\n(.*?)\n\[The End of Assistant \1's Answer\]", re.S)


def answers_shown(judge_prompt: str) -> dict[str, str]:
    """{"A": text, "B": text} as a judge prompt shows them."""
    return dict(ANSWER.findall(judge_prompt))


def prefers_longer(prompt: str) -> str:
    a, b = (len(text) for text in answers_shown(prompt).values())
    return "Longer is better. " + ("[[A]]" if a > b else "[[B]]" if b > a else "[[C]]")


def mostly_longer(prompt: str) -> str:
    """Prefers the longer answer, except on every fifth question (a judge swayed by length, not ruled by it)."""
    verdict = prefers_longer(prompt)
    if question_number(prompt) % 5 == 4:
        verdict = verdict.replace("[[A]]", "[[b]]").replace("[[B]]", "[[A]]").replace("[[b]]", "[[B]]")
    return verdict


def question_number(prompt: str) -> int:
    found = re.search(r"question (\d+)", prompt)
    return int(found.group(1)) if found else 0


def short_reply(prompt: str) -> str:
    return " ".join(["short"] * (3 + question_number(prompt) % 4))


def long_reply(prompt: str) -> str:
    return " ".join(["long"] * (6 + question_number(prompt) % 5))  # lengths overlap the short model's now and then


def wordy_reply(prompt: str) -> str:
    """Two words longer than the short model's answer, except on every fourth question, two words shorter."""
    q = question_number(prompt)
    return " ".join(["short"] * (3 + q % 4 + (2 if q % 4 != 3 else -2)))


def numbered_set(n: int) -> PromptSet:
    lines = [json.dumps({"id": f"q{i}", "prompt": f"This is question {i}: say something."}) for i in range(n)]
    return parse_prompt_set("\n".join(lines).encode(), "numbered.jsonl")


@pytest.fixture(scope="module")
def fake():
    per_model = {
        "short": Behaviour(reply_for=short_reply),
        "long": Behaviour(reply_for=long_reply),
        "wordy": Behaviour(reply_for=wordy_reply),
        "always-a": Behaviour(reply="Assistant A seems fine. [[A]]"),
        "longer": Behaviour(reply_for=prefers_longer),
        "mostly-longer": Behaviour(reply_for=mostly_longer),
        "mumbles": Behaviour(reply="Both are interesting."),
    }
    with OpenAIServer(Behaviour(), per_model=per_model) as srv:
        yield srv


@pytest.fixture
def env(fake, tmp_path):
    return {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": fake.url + "/v1", "COMPARE_DB": str(tmp_path / "e.db")}


def evaluate(env: dict, prompts: PromptSet, judge: str, models=("openai:short", "openai:long")):
    settings = make_settings(env)
    registry = Registry(settings)
    repo = EvaluationRepository(open_store(settings.env, settings.redact, settings.secret_values()))
    spec = build_spec({"models": list(models), "judge": judge, "max_tokens": 64}, prompts, registry, RequestCheck())
    stored = repo.load(repo.create(spec, "owner-for-tests-000000"))
    asyncio.run(EvaluationRun(registry, repo, stored).run())
    return repo.load(stored.id)


def judge_prompts(fake, judge: str) -> list[str]:
    return [last_user_text(r.body) for r in fake.requests if r.body and r.body.get("model") == judge]


def test_a_judge_that_always_says_a_is_never_consistent_and_gives_only_ties(fake, env):
    fake.reset()
    stored = evaluate(env, numbered_set(6), "openai:always-a")
    summary = summarize(stored)
    assert summary["judge"]["consistency"] == 0.0 and summary["judge"]["favoured_when_inconsistent"] == {"A": 6, "B": 0}
    [pair] = summary["pairs"]
    assert (pair["wins_a"], pair["wins_b"], pair["ties"]) == (0, 0, 6) and pair["win_rate_a"] == 0.5
    assert pair["within_noise"]


def test_every_pair_is_judged_in_both_orders_and_the_explanation_is_kept(fake, env):
    fake.reset()
    stored = evaluate(env, numbered_set(3), "openai:longer")
    shown = [answers_shown(p) for p in judge_prompts(fake, "longer")]
    assert len(shown) == 6, "two judge calls per prompt"
    for i in range(3):
        short, long = short_reply(f"question {i}"), long_reply(f"question {i}")
        assert {"A": short, "B": long} in shown and {"A": long, "B": short} in shown
    kept = {(j.prompt_id, j.swapped): j for j in stored.judgements.values()}
    assert len(kept) == 6 and all(j.result.text.startswith("Longer is better.") for j in kept.values())


def test_a_judge_preferring_longer_answers_ranks_the_longer_model_first_beyond_noise(fake, env):
    fake.reset()
    stored = evaluate(env, numbered_set(20), "openai:longer")
    summary = summarize(stored)
    assert summary["judge"]["consistency"] == 1.0
    [pair] = summary["pairs"]  # a = short, b = long
    assert pair["wins_b"] > pair["wins_a"] and pair["ci_high"] < 0.5 and not pair["within_noise"]
    assert [r["model"] for r in summary["ratings"]] == ["openai:long", "openai:short"]
    columns = {c["model"]: c for c in summary["columns"]}
    assert columns["openai:long"]["output_tokens"]["median"] > columns["openai:short"]["output_tokens"]["median"]


def test_style_control_takes_out_a_judge_that_only_rewards_length(fake, env):
    fake.reset()
    summary = summarize(evaluate(env, numbered_set(20), "openai:mostly-longer", ("openai:short", "openai:wordy")))
    wordy, short = summary["ratings"]
    assert (wordy["model"], short["model"]) == ("openai:wordy", "openai:short")
    length = summary["style"]["length"]
    assert length["coef"] > 0 and length["ci_low"] > 0  # the judge favoured the longer answer, whoever wrote it
    assert abs(wordy["style_rating"] - short["style_rating"]) < wordy["rating"] - short["rating"]
    assert wordy["style_ci_low"] < short["style_ci_high"] and short["style_ci_low"] < wordy["style_ci_high"]


def test_an_unparseable_verdict_is_counted_apart_never_as_a_tie(fake, env):
    fake.reset()
    summary = summarize(evaluate(env, numbered_set(4), "openai:mumbles"))
    [pair] = summary["pairs"]
    assert pair["unparseable"] == 4 and pair["ties"] == 0 and pair["win_rate_a"] is None
    assert summary["judge"]["unparseable"] == 4 and summary["judge"]["consistency"] is None
    assert read_verdict("so [[A]] ... on reflection [[C]]") == "C" and read_verdict("[A]") is None
    assert PairVerdict("x", "y", "A", "B").winner == "x" and PairVerdict("x", "y", "A", "A").winner == "tie"


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b'{"prompt": "ok"}\n{"prompt": ""}\n', "s.jsonl", "s.jsonl, line 2: the prompt is empty"),
        (b'{"prompt": "ok"}\n{"promt": "typo"}\n', "s.jsonl", "line 2: unknown column 'promt'"),
        (b'{"prompt": "ok"}\nnot json\n', "s.jsonl", "line 2: not valid JSON"),
        (b"prompt,category\nfine,a\n,b\n", "s.csv", "s.csv, row 3: the prompt is empty"),
        (b"question\nwhat?\n", "s.csv", "the first row must name the columns, one of them 'prompt'"),
        (b'{"prompt": "caf\xe9"}\n', "s.jsonl", "not UTF-8 text (line 1"),
        (b'{"id": "x", "prompt": "a"}\n{"id": "x", "prompt": "b"}\n', "s.jsonl", "line 2: id 'x' is used twice"),
        (b"", "s.jsonl", "no prompts"),
    ],
)
def test_a_bad_set_gets_one_message_naming_the_row(data, name, message):
    with pytest.raises(InputError, match=re.escape(message)):
        parse_prompt_set(data, name)


def test_the_shipped_sets_load_and_a_demo_caps_their_size():
    sets = {name: load_prompt_set(name) for name in shipped_sets()}
    assert len(sets["general"].rows) == 20 and sets["general"].categories
    assert all(r.reference for r in sets["reasoning"].rows)
    assert any(r.system for r in sets["classroom"].rows)
    with pytest.raises(InputError, match="has 20 prompts; this demo allows at most 5"):
        load_prompt_set("general", max_rows=5)


def cli(env: dict, *args: str) -> subprocess.Popen:
    full = {**os.environ, **env, "COMPARE_DOTENV": "none", "COMPARE_OFFLINE_TOKENIZERS": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "compare", "eval", *args],
        cwd=ROOT,
        env=full,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_the_command_line_speaks_its_json_contract(fake, env, tmp_path):
    fake.reset()
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps({"prompt": f"This is question {i}"}) for i in range(3)))
    proc = cli(
        env, "--prompts", str(path), "-m", "openai:short", "-m", "openai:long", "--judge", "openai:longer", "--json"
    )
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    head, *body, last = lines
    assert {"evaluation_id", "prompts", "columns"} <= set(head) and head["prompts"] == 3
    answers = [x for x in body if "judgement" not in x]
    verdicts = [x for x in body if x.get("judgement")]
    assert len(answers) == 6 and set(answers[0]) == {
        "prompt_id",
        "model",
        "text",
        "error",
        "ttft_s",
        "total_s",
        "tokens_per_s",
        "output_tokens",
        "cost_usd",
    }
    assert len(verdicts) == 3 and all(
        v["winner"] == "openai:long" and (v["first"], v["swapped"]) == ("B", "A") for v in verdicts
    )
    assert last["summary"] and last["judge"]["model"] == "openai:longer" and last["judge"]["consistency"] == 1.0
    assert {"a", "b", "wins_a", "wins_b", "ties", "win_rate_a", "ci_low", "ci_high"} <= set(last["pairs"][0])
    assert {"model", "rating", "ci_low", "ci_high"} <= set(last["ratings"][0]) and len(last["columns"]) == 2


def test_resume_after_sigkill_asks_no_model_twice_for_an_answer_it_gave(fake, env, tmp_path):
    fake.reset()
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps({"prompt": f"This is question {i}"}) for i in range(8)))
    slow = {**env}
    fake.per_model["slow"] = Behaviour(reply="one two three four five six", tokens_per_s=12)
    proc = cli(slow, "--prompts", str(path), "-m", "openai:short", "-m", "openai:slow", "--per-provider", "2", "--json")
    head = json.loads(proc.stdout.readline())
    answered_before = set()
    deadline = time.monotonic() + 60
    while len(answered_before) < 4 and time.monotonic() < deadline:
        line = json.loads(proc.stdout.readline())
        if "prompt_id" in line and not line.get("judgement") and not line["error"]:
            answered_before.add((line["prompt_id"], line["model"]))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    stored = EvaluationRepository(open_store(env)).load(head["evaluation_id"])
    assert set(stored.answers) >= answered_before and len(stored.answers) < 16, "killed mid-run, answers kept"
    resumed = cli(slow, "--resume", head["evaluation_id"], "--json")
    out, err = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, err
    asked: dict[tuple[str, str], int] = {}
    for r in fake.requests:
        if r.path.endswith("/chat/completions"):
            key = (r.body["model"], last_user_text(r.body))
            asked[key] = asked.get(key, 0) + 1
    for prompt_id, column in stored.answers:
        prompt = next(row.prompt for row in stored.spec.prompts.rows if row.id == prompt_id)
        assert asked[(column.removeprefix("openai:"), prompt)] == 1, f"{column} was asked {prompt_id} again"
    final = EvaluationRepository(open_store(env)).load(head["evaluation_id"])
    assert len(final.answers) == 16 and all(r.ok for r in final.answers.values())
    lines = [json.loads(x) for x in out.splitlines()]
    assert sum(1 for x in lines if "prompt_id" in x and not x.get("judgement")) == 16, "resume prints the whole run"
