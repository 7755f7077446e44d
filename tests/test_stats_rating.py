"""Leaderboard maths: Bradley–Terry fits against hand-computed cases, ties, the prior, bootstrap bounds and ranks."""

from __future__ import annotations

import math

import numpy as np
import pytest

import stats
from stats import bootstrap, fit_strengths, ranks, tally, to_rating


def leaderboard(games):
    """The rows of the plain (not style-controlled) leaderboard."""
    return stats.leaderboard(games).rows


def games(*spec: tuple[str, str, str, int]) -> list[tuple[str, str, str]]:
    """(a, b, winner, how many times) -> one game per time."""
    return [(a, b, w) for a, b, w, n in spec for _ in range(n)]


def mle(played) -> dict[str, float]:
    """Plain maximum-likelihood ratings (no prior)."""
    t = tally(played)
    return dict(zip(t.models, to_rating(fit_strengths(t, prior=0))))


def test_three_models_against_a_hand_solved_case():
    # Strengths 4 : 2 : 1 predict A beats B 2/3, B beats C 2/3, A beats C 4/5. These counts match exactly, so those
    # strengths solve the likelihood equations: R = 1000 + 400·log10(strength / geometric mean) = 1000 ± 400·log10 2.
    played = games(
        ("A", "B", "model_a", 2),
        ("B", "A", "model_a", 1),  # B wins one sitting on the left
        ("B", "C", "model_a", 2),
        ("B", "C", "model_b", 1),
        ("A", "C", "model_a", 4),
        ("C", "A", "model_a", 1),
    )
    r = mle(played)
    step = 400 * math.log10(2)  # 120.41
    assert r["A"] == pytest.approx(1000 + step, abs=1e-6)
    assert r["B"] == pytest.approx(1000, abs=1e-6)
    assert r["C"] == pytest.approx(1000 - step, abs=1e-6)


def test_two_models_closed_form_and_ties_count_half():
    # p = wins / (wins + losses) -> rating difference 400·log10(p / (1 - p)), centred on 1000.
    r = mle(games(("A", "B", "model_a", 3), ("A", "B", "model_b", 1)))
    assert r["A"] - r["B"] == pytest.approx(400 * math.log10(3), abs=1e-6)
    assert r["A"] + r["B"] == pytest.approx(2000, abs=1e-6)
    # 2 wins, 1 loss, 2 ties: each tie is half a win each way -> 3 : 2.
    tied = mle(games(("A", "B", "model_a", 2), ("A", "B", "model_b", 1), ("A", "B", "tie", 2)))
    assert tied["A"] - tied["B"] == pytest.approx(400 * math.log10(3 / 2), abs=1e-6)
    both_bad = mle(games(("A", "B", "model_a", 2), ("A", "B", "model_b", 1), ("A", "B", "tie (bothbad)", 2)))
    assert both_bad == pytest.approx(tied)


def test_a_cycle_leaves_everyone_level_and_sides_do_not_matter():
    cycle = mle(
        games(
            ("A", "B", "model_a", 2),
            ("A", "B", "model_b", 1),
            ("B", "C", "model_a", 2),
            ("B", "C", "model_b", 1),
            ("C", "A", "model_a", 2),
            ("C", "A", "model_b", 1),
        )
    )
    assert list(cycle.values()) == pytest.approx([1000, 1000, 1000], abs=1e-6)
    left = mle(games(("A", "B", "model_a", 3), ("A", "B", "model_b", 1)))
    right = mle(games(("B", "A", "model_b", 3), ("B", "A", "model_a", 1)))
    assert left == pytest.approx(right)


def test_the_prior_keeps_an_unbeaten_model_finite_and_shrinks_towards_1000():
    unbeaten = games(("A", "B", "model_a", 5))
    t = tally(unbeaten)
    a, b = to_rating(fit_strengths(t))  # default prior
    assert math.isfinite(a) and a > 1000 > b and a - 1000 == pytest.approx(1000 - b)
    # With the prior the 3:1 difference is smaller than the maximum-likelihood one, but in the same direction.
    t = tally(games(("A", "B", "model_a", 3), ("A", "B", "model_b", 1)))
    shrunk = to_rating(fit_strengths(t))
    assert 0 < shrunk[0] - shrunk[1] < 400 * math.log10(3)


def big_sample(scale: int) -> list[tuple[str, str, str]]:
    return games(
        ("A", "B", "model_a", 6 * scale),
        ("A", "B", "model_b", 4 * scale),
        ("B", "C", "model_a", 6 * scale),
        ("B", "C", "model_b", 3 * scale),
        ("A", "C", "model_a", 7 * scale),
        ("A", "C", "tie", 2 * scale),
        ("A", "C", "model_b", 1 * scale),
    )


def test_bootstrap_is_seeded_and_needs_at_least_100_resamples():
    t = tally(big_sample(1))
    first = bootstrap(t, rounds=100, seed=7)
    assert first.shape == (100, 3)
    assert np.array_equal(first, bootstrap(t, rounds=100, seed=7))
    assert not np.array_equal(first, bootstrap(t, rounds=100, seed=8))
    with pytest.raises(ValueError, match="at least 100"):
        bootstrap(t, rounds=99)


def test_interval_contains_the_estimate_and_narrows_with_more_data():
    small, large = leaderboard(big_sample(1)), leaderboard(big_sample(10))
    for rows in (small, large):
        for row in rows:
            assert row.ci_low < row.rating < row.ci_high
    width = {r.model: r.ci_high - r.ci_low for r in small}
    for row in large:
        assert row.ci_high - row.ci_low < width[row.model] / 2  # ten times the data: about a third as wide
    # The bounds are the 2.5th and 97.5th percentiles of the seeded bootstrap.
    samples = bootstrap(tally(big_sample(1)), stats.ROUNDS, stats.SEED)
    by_model = {r.model: r for r in small}
    for i, model in enumerate(tally(big_sample(1)).models):
        assert by_model[model].ci_low == pytest.approx(np.percentile(samples[:, i], 2.5))
        assert by_model[model].ci_high == pytest.approx(np.percentile(samples[:, i], 97.5))


def test_rank_is_one_plus_models_whose_lower_bound_is_above_my_upper_bound():
    # A [1100, 1200], B [1050, 1150] overlap: both rank 1. C [900, 1000] is below both lower bounds: rank 3.
    # D [990, 1060]: only A's lower bound (1100) is above 1060: rank 2.
    assert ranks([1100, 1050, 900, 990], [1200, 1150, 1000, 1060]) == [1, 1, 3, 2]


def test_rows_count_battles_and_win_rate_with_ties_as_half():
    rows = {r.model: r for r in leaderboard(big_sample(1))}
    assert (rows["A"].battles, rows["B"].battles, rows["C"].battles) == (20, 19, 19)
    assert rows["A"].win_rate == pytest.approx((6 + 7 + 1) / 20)  # 6 + 7 wins, two ties as one
    assert rows["C"].win_rate == pytest.approx((3 + 1 + 1) / 19)
    assert [r.model for r in leaderboard(big_sample(1))] == ["A", "B", "C"]  # sorted by rating
    assert leaderboard([]) == []


@pytest.mark.parametrize("bad, message", [([("A", "B", "maybe")], "unknown winner"), ([("A", "A", "tie")], "itself")])
def test_bad_games_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        tally(bad)
