"""Paired differences with t intervals: known numbers, scipy's tests, and the words they give."""

import math

import numpy as np
import pytest
from scipy import stats

from training.experiments.statistics import paired_difference
from training.experiments.statistics import t_quantile
from training.experiments.statistics import unpaired_difference
from training.experiments.statistics import verdict


def by_seed(*values):
    return dict(enumerate(values))


def test_t_quantile_is_student_t_not_two():
    assert t_quantile(2) == pytest.approx(4.3027, abs=1e-4)
    assert t_quantile(4) == pytest.approx(2.7764, abs=1e-4)
    assert t_quantile(10_000) == pytest.approx(1.96, abs=1e-3)


def test_paired_difference_by_hand():
    # Differences 0.5, 0.4, 0.6: mean 0.5, sd 0.1, half-width 4.3027 · 0.1 / √3 = 0.2484.
    difference = paired_difference(by_seed(2.0, 3.0, 4.0), by_seed(1.5, 2.6, 3.4))
    assert difference.mean == pytest.approx(0.5)
    assert difference.interval == pytest.approx((0.5 - 0.24842, 0.5 + 0.24842), abs=1e-5)
    assert difference.count == 3 and difference.signs == (3, 0)
    assert difference.excludes_zero


def test_a_seed_matched_difference_the_unpaired_spread_hides():
    """The old test (|Δ| > 2·SE, SE from the two groups' spreads) called this noise."""
    kind, reference = by_seed(20.5, 22.1, 24.6), by_seed(20.0, 21.5, 24.2)
    old_two_se = 2 * math.sqrt(np.var([20.5, 22.1, 24.6], ddof=1) / 3
                               + np.var([20.0, 21.5, 24.2], ddof=1) / 3)
    paired = paired_difference(kind, reference)
    assert abs(paired.mean) < old_two_se
    assert paired.excludes_zero
    assert not unpaired_difference(kind, reference).excludes_zero
    assert verdict("refined", "softmax", paired, higher_is_better=True) == (
        "refined better than softmax in every seed; the paired 95 % interval excludes 0"
    )
    assert verdict("refined", "softmax", paired, higher_is_better=False).startswith(
        "refined worse than softmax in every seed"
    )


@pytest.mark.parametrize("seed_values", [(1.0, 2.5, 2.0, 4.0), (3.1, 2.0, 2.2)])
def test_intervals_agree_with_scipy(seed_values):
    rng = np.random.default_rng(len(seed_values))
    reference = np.array(seed_values)
    values = reference + rng.normal(0.3, 0.5, len(reference))
    paired = paired_difference(by_seed(*values), by_seed(*reference))
    expected = stats.ttest_rel(values, reference).confidence_interval(0.95)
    assert paired.interval == pytest.approx((expected.low, expected.high))
    unpaired = unpaired_difference(by_seed(*values), by_seed(*reference))
    welch = stats.ttest_ind(values, reference, equal_var=False).confidence_interval(0.95)
    assert unpaired.interval == pytest.approx((welch.low, welch.high))


def test_only_seeds_in_both_count_and_the_words_say_how_many():
    paired = paired_difference({0: 1.0, 1: 2.0, 2: 0.0, 3: np.nan}, {0: 0.5, 1: 2.5, 2: 0.2, 4: 9.0})
    assert paired.count == 3 and paired.signs == (1, 2)
    assert not paired.excludes_zero
    assert verdict("efficient", "none", paired, higher_is_better=True) == (
        "no difference resolved (efficient worse than none in 2 of 3 seeds; "
        "the paired 95 % interval includes 0)"
    )
    assert verdict("a", "b", paired_difference({0: 1.0}, {0: 2.0}), True) == (
        "too few seeds to compare"
    )
