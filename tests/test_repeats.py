"""Repeat-run statistics: spread, and verdicts that separate real differences from noise at the stated rate."""

import random

import pytest

from compare.repeats import compare_pair, comparisons, spread, summarize
from compare.validate import check_repeat


def test_spread_of_known_values():
    s = spread([5, 1, 3, 2, 4, None])
    assert (s["median"], s["min"], s["max"], s["n"]) == (3, 1, 5, 5)
    assert s["p10"] == pytest.approx(1.4) and s["p90"] == pytest.approx(4.6)
    assert spread([None]) is None


def test_failed_runs_are_counted_and_excluded():
    runs = [{"ttft_s": 1.0}, {"ttft_s": 9.0, "error": "boom"}, {"ttft_s": 2.0}, {"ttft_s": 50.0, "stopped": True}]
    line = summarize("m", runs)
    assert (line["runs"], line["ok_runs"], line["failed_runs"]) == (4, 2, 2)
    assert line["ttft_s"]["max"] == 2.0


def test_fewer_than_three_runs_gives_no_verdict():
    out = compare_pair("ttft_s", "a", "b", [1.0, 1.1], [5.0, 5.2, 5.1])
    assert out["better"] is None and out["p_value"] is None and "fewer than 3" in out["note"]


def jittered(rng, base, n, jitter=0.5):
    """n runs of a model whose ttft/total vary up to ±jitter relative, and rate likewise."""
    return [
        {
            "ttft_s": base * rng.uniform(1 - jitter, 1 + jitter),
            "total_s": 4 * base * rng.uniform(1 - jitter, 1 + jitter),
            "tokens_per_s": 100 / base * rng.uniform(1 - jitter, 1 + jitter),
        }
        for _ in range(n)
    ]


def test_clearly_different_models_are_told_apart_in_the_right_direction():
    rng = random.Random(7)
    out = comparisons([("fast", jittered(rng, 0.2, 8)), ("slow", jittered(rng, 1.0, 8))])
    assert {(c["metric"], c["better"]) for c in out} == {
        ("ttft_s", "fast"),
        ("total_s", "fast"),
        ("tokens_per_s", "fast"),
    }
    assert all(c["p_value"] < 0.05 for c in out)


def test_identical_models_are_called_different_at_about_the_stated_rate():
    rng = random.Random(1234)
    trials, false = 400, 0
    for _ in range(trials):
        verdict = comparisons([("a", jittered(rng, 0.5, 10)), ("b", jittered(rng, 0.5, 10))])[0]
        false += verdict["better"] is not None
    # the exact test at alpha 0.05 rejects at most 5% by construction; 400 trials allow some sampling slack
    assert false / trials <= 0.075
    assert false > 0  # the test is not simply refusing to call anything


@pytest.mark.parametrize("bad", [0, 11, "x", 2.5, None, True])
def test_bad_repeat_is_a_clear_message(bad):
    with pytest.raises(ValueError, match="from 1 to 10"):
        check_repeat(bad)
    assert check_repeat("3") == 3


def test_three_runs_each_cannot_reach_significance_and_the_verdict_says_how_many_would():
    apart = [0.1, 0.11, 0.12], [0.5, 0.51, 0.52]  # as different as three runs can be
    three = compare_pair("ttft_s", "a", "b", *apart)
    assert three["better"] is None and three["p_value"] == pytest.approx(0.1)
    assert "cannot reach p < 0.05" in three["note"] and "use 4 or more runs" in three["note"]
    four = compare_pair("ttft_s", "a", "b", apart[0] + [0.13], apart[1] + [0.53])
    assert four["better"] == "a" and four["p_value"] == pytest.approx(2 / 70)
