"""FID and KID maths against closed forms and plain numpy/scipy references."""

import numpy as np
import pytest
import scipy.linalg

from training.evaluation import distances


def random_rotation(d, rng):
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    return q * np.sign(np.diag(r))


def closed_form_commuting(mu1, a, mu2, b):
    """FID of N(mu1, Q diag(a) Qᵀ) and N(mu2, Q diag(b) Qᵀ): |Δμ|² + Σ (√a - √b)²."""
    return np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)


def test_fid_of_diagonal_gaussians_is_the_closed_form():
    rng = np.random.default_rng(0)
    mu1, mu2 = rng.normal(size=8), rng.normal(size=8)
    a, b = rng.uniform(0.1, 3, 8), rng.uniform(0.1, 3, 8)
    value = distances.frechet_distance(mu1, np.diag(a), mu2, np.diag(b))
    assert value == pytest.approx(closed_form_commuting(mu1, a, mu2, b), rel=1e-12)


def test_fid_of_commuting_full_covariances_is_the_closed_form():
    rng = np.random.default_rng(1)
    q = random_rotation(32, rng)
    a, b = rng.uniform(0.01, 5, 32), rng.uniform(0.01, 5, 32)
    mu1, mu2 = rng.normal(size=32), rng.normal(size=32)
    value = distances.frechet_distance(mu1, (q * a) @ q.T, mu2, (q * b) @ q.T)
    assert value == pytest.approx(closed_form_commuting(mu1, a, mu2, b), rel=1e-10)


def test_fid_of_rank_deficient_covariances_is_the_closed_form():
    # Both covariances singular (rank 5 and 6 of 64), on different subspaces partly: the product
    # has a large null space, where a Schur-based sqrtm of Σ₁Σ₂ is at its weakest.
    rng = np.random.default_rng(2)
    q = random_rotation(64, rng)
    a, b = np.zeros(64), np.zeros(64)
    a[:5], b[3:9] = rng.uniform(0.5, 2, 5), rng.uniform(0.5, 2, 6)
    mu1, mu2 = rng.normal(size=64), rng.normal(size=64)
    value = distances.frechet_distance(mu1, (q * a) @ q.T, mu2, (q * b) @ q.T)
    assert value == pytest.approx(closed_form_commuting(mu1, a, mu2, b), rel=1e-9)


def test_fid_of_general_covariances_matches_scipy_sqrtm():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(200, 16)), rng.normal(size=(300, 16)) @ rng.normal(size=(16, 16))
    mu1, s1, mu2, s2 = x.mean(0), np.cov(x, rowvar=False), y.mean(0), np.cov(y, rowvar=False)
    reference = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(s1 @ s2).real)
    assert distances.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(reference, rel=1e-9)
    assert distances.frechet_distance(mu2, s2, mu1, s1) == pytest.approx(reference, rel=1e-9)


def test_fid_of_few_samples_in_many_dimensions_is_zero_against_itself():
    # 10 feature vectors in 512 dimensions: a covariance of rank 9, as with a tiny image folder.
    features = np.random.default_rng(4).gamma(1.0, 0.3, size=(10, 512))
    mu, sigma = distances.feature_moments(features)
    assert distances.frechet_distance(mu, sigma, mu, sigma) < 1e-9 * np.trace(sigma)
    assert distances.frechet_distance_of_features(features, features) < 1e-9 * np.trace(sigma)
    shifted = features + 0.1
    expected = 0.01 * 512  # only the means differ
    from_moments = distances.frechet_distance(mu, sigma, *distances.feature_moments(shifted))
    assert from_moments == pytest.approx(expected, rel=1e-9)
    from_features = distances.frechet_distance_of_features(features, shifted)
    assert from_features == pytest.approx(expected, rel=1e-9)


def test_fid_from_features_equals_fid_from_moments_for_small_sets():
    rng = np.random.default_rng(9)
    x, y = rng.gamma(1.0, 0.3, size=(12, 256)), rng.gamma(1.2, 0.3, size=(9, 256))
    moments = (*distances.feature_moments(x), *distances.feature_moments(y))
    from_moments = distances.frechet_distance(*moments)
    assert distances.frechet_distance_of_features(x, y) == pytest.approx(from_moments, rel=1e-9)


def test_fid_rejects_mismatched_statistics():
    with pytest.raises(ValueError, match="mismatched"):
        distances.frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))


def reference_mmd2(x, y):
    """Unbiased MMD² with k(a, b) = (a·b/d + 1)³, written out pair by pair."""
    d = x.shape[1]

    def k(a, b):
        return (a @ b / d + 1) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_mmd2_matches_the_pairwise_reference():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(7, 5)), rng.normal(1.0, 2.0, size=(9, 5))
    assert distances.mmd2_unbiased(x, y) == pytest.approx(reference_mmd2(x, y), rel=1e-12)


def test_kid_with_whole_sets_as_subsets_is_the_reference_with_zero_spread():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(6, 4)), rng.normal(0.5, 1.0, size=(6, 4))
    mean, std = distances.kernel_inception_distance(x, y, num_subsets=5, subset_size=100)
    assert mean == pytest.approx(reference_mmd2(x, y), rel=1e-12)
    assert std == pytest.approx(0.0, abs=1e-12)


def test_kid_of_one_centred_distribution_is_near_zero_and_a_shift_is_not():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(400, 32)), rng.normal(size=(400, 32))
    mean, std = distances.kernel_inception_distance(x, y, num_subsets=50, subset_size=100)
    assert abs(mean) < std
    shifted, _ = distances.kernel_inception_distance(x, y + 1.0, num_subsets=50, subset_size=100)
    assert shifted > 20 * std


def test_kid_is_seeded():
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(50, 8)), rng.normal(size=(60, 8))
    def kid(seed):
        return distances.kernel_inception_distance(x, y, num_subsets=10, subset_size=20, seed=seed)

    first = kid(3)
    assert kid(3) == first
    assert kid(4) != first


def test_kid_needs_two_vectors_per_set():
    with pytest.raises(ValueError, match="at least 2"):
        distances.kernel_inception_distance(np.zeros((1, 3)), np.zeros((5, 3)))
