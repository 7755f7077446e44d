"""The shared statistics beyond the plain fit (tests/test_stats_rating.py): style control, weights, group
bootstraps, the pairwise win rate, style features and vote hygiene."""

from __future__ import annotations

import numpy as np
import pytest

from stats import (
    Game,
    StyleFeatures,
    fit,
    leaderboard,
    prompt_weights,
    side_bias,
    style_features,
    tally,
    to_rating,
    win_rate,
)

PLAIN = StyleFeatures(0, 0, 0, 0)


def style(tokens: int, bold: int = 0) -> StyleFeatures:
    return StyleFeatures(tokens, 0, 0, bold)


def length_biased_votes(n: int = 400, seed: int = 5) -> list[Game]:
    """Two models of equal substance; "long" writes longer answers on average but the lengths overlap; voters pick
    the longer answer 9 times in 10. Sides are random, bold spans are noise."""
    rng = np.random.default_rng(seed)
    games = []
    for i in range(n):
        long_len, short_len = int(rng.integers(150, 400)), int(rng.integers(80, 330))  # overlap: 150-330
        longer_wins = rng.random() < 0.9
        long_wins = longer_wins == (long_len > short_len)
        left_is_long = rng.random() < 0.5
        styles = (style(long_len, int(rng.integers(0, 3))), style(short_len, int(rng.integers(0, 3))))
        a, b = ("long", "short") if left_is_long else ("short", "long")
        sa, sb = styles if left_is_long else styles[::-1]
        winner = "model_a" if long_wins == left_is_long else "model_b"
        games.append(Game(a, b, winner, group=f"battle-{i}", style_a=sa, style_b=sb))
    return games


def test_style_control_takes_the_length_preference_out_of_the_ratings():
    board = leaderboard(length_biased_votes(), style_control=True)
    rows = {r.model: r for r in board.rows}
    long, short = rows["long"], rows["short"]
    raw_gap, style_gap = long.rating - short.rating, long.style_rating - short.style_rating
    assert raw_gap > 50 and long.ci_low > short.ci_high  # raw ratings favour the longer model, clearly
    assert abs(style_gap) < raw_gap / 2  # the style-controlled gap is much smaller...
    assert long.style_ci_low <= short.style_ci_high and short.style_ci_low <= long.style_ci_high  # ...and overlaps
    length = board.style["length"]
    assert length.coef > 0 and length.ci_low > 0  # voters prefer length, beyond the models' strengths
    assert board.style["headers"].coef is None and board.style["lists"].coef is None  # never varied: no estimate
    assert board.style["bold"].ci_low < 0 < board.style["bold"].ci_high  # noise: its interval spans zero
    assert long.style_ci_low <= long.style_rating <= long.style_ci_high
    as_json = board.to_json()
    assert set(as_json["style"]) == {"length", "headers", "lists", "bold"}
    assert {"style_rating", "style_ci_low", "style_ci_high"} <= set(as_json["rows"][0])


def test_without_style_control_rows_keep_their_shape_and_style_needs_features():
    board = leaderboard([("A", "B", "model_a"), ("A", "B", "model_b"), ("A", "B", "model_a")])
    assert board.style is None and "style" not in board.to_json()
    assert set(board.to_json()["rows"][0]) == {"model", "rating", "ci_low", "ci_high", "battles", "win_rate", "rank"}
    with pytest.raises(ValueError, match="style features"):
        leaderboard([("A", "B", "model_a")], style_control=True)


def test_a_weight_counts_like_that_many_copies_of_the_game():
    weighted = tally([Game("A", "B", "model_a", weight=3.0), Game("A", "B", "model_b")])
    copies = tally([("A", "B", "model_a")] * 3 + [("A", "B", "model_b")])
    assert to_rating(fit(weighted).strengths) == pytest.approx(to_rating(fit(copies).strengths))
    halved = tally([Game("A", "B", "model_a", weight=0.5), Game("A", "B", "model_b")])
    assert to_rating(fit(halved).strengths)[0] < 1000  # half a win against a whole loss
    with pytest.raises(ValueError, match="weight"):
        tally([Game("A", "B", "model_a", weight=-1.0)])


def test_resampling_whole_groups_widens_the_interval_when_a_group_votes_together():
    # 10 rooms of 10 voters: seven rooms all for A, three all for B. As 100 independent games A leads clearly; as 10
    # groups the evidence is 7 against 3.
    votes = [("A", "B", "model_a" if room < 7 else "model_b", f"room-{room}") for room in range(10) for _ in range(10)]
    alone = {r.model: r for r in leaderboard([Game(a, b, w) for a, b, w, _ in votes]).rows}
    grouped = {r.model: r for r in leaderboard([Game(a, b, w, group=g) for a, b, w, g in votes]).rows}
    assert alone["A"].rating == pytest.approx(grouped["A"].rating)  # the point estimate does not depend on groups
    width = {name: rows["A"].ci_high - rows["A"].ci_low for name, rows in (("alone", alone), ("grouped", grouped))}
    assert width["grouped"] > 2 * width["alone"]
    assert alone["A"].rank < alone["B"].rank and grouped["A"].rank == grouped["B"].rank == 1


def test_win_rate_counts_ties_half_and_resamples_groups():
    assert win_rate([1, 0.5, 0, 1]).rate == pytest.approx(0.625)
    clear = win_rate([1.0] * 20)
    assert (clear.rate, clear.ci_low, clear.ci_high, clear.within_noise) == (1.0, 1.0, 1.0, False)
    # Each prompt judged twice with positions swapped: 14 of 20 prompts won in both orders, 6 lost in both.
    scores = [1.0] * 28 + [0.0] * 12
    prompts = [i // 2 for i in range(40)]
    by_verdict, by_prompt = win_rate(scores), win_rate(scores, prompts)
    assert by_verdict.rate == by_prompt.rate == pytest.approx(0.7)
    assert (by_prompt.verdicts, by_prompt.groups, by_verdict.groups) == (40, 20, 40)
    assert by_prompt.ci_high - by_prompt.ci_low > by_verdict.ci_high - by_verdict.ci_low
    assert win_rate([1, 0, 1, 0, 0.5]).within_noise
    assert win_rate([1, 1, 1, 1, 0.5]).to_json()["within_noise"] is False
    for bad, message in (([], "at least one"), ([2.0], "between 0"), ([1.0, 0.0], "groups")):
        with pytest.raises(ValueError, match=message):
            win_rate(bad, [1] if message == "groups" else None)


def test_style_features_count_markdown_outside_code_and_tokens_with_one_tokenizer():
    text = "# Title\n\nSome **bold** and __also bold__.\n\n- one\n* two\n1. three\n\n```\n# no header\n- no list\n```"
    found = style_features(text)
    assert (found.headers, found.lists, found.bold) == (1, 3, 2)
    assert style_features("hello world").tokens == 2  # cl100k_base: "hello", " world"
    assert style_features("") == PLAIN
    assert style_features("<|endoftext|>").tokens > 0  # special-token text in an answer is just text


def test_prompts_asked_very_often_are_down_weighted():
    prompts = ["hi"] * 20 + ["Hello   World", "hello world", "What is 2+2?"]
    weights = prompt_weights(prompts, cap=10)
    assert weights[:20] == [0.5] * 20  # 20 battles of one prompt weigh as much as 10
    assert weights[20:] == [1.0, 1.0, 1.0]  # a prompt asked twice (case and spacing ignored) keeps full weight
    assert sum(prompt_weights(["same"] * 3, cap=1)) == pytest.approx(1.0)


def test_a_voter_who_keeps_picking_one_side_is_flagged():
    biased = side_bias(["a"] * 9 + ["b"] + ["tie"] * 3)
    assert (biased.a, biased.b, biased.flagged) == (9, 1, True)
    assert biased.p_value == pytest.approx(22 / 1024)  # two-sided binomial test, ties left out
    assert biased.describe() == "picked A in 9 of 10 votes for a side (p = 0.021)"
    assert side_bias(["b"] * 6).flagged and not side_bias(["b"] * 5).flagged  # 5 of 5 could be a fair coin (p=0.06)
    fair = side_bias(["a", "b"] * 10 + ["both_bad"] * 10)
    assert not fair.flagged and fair.describe() is None
