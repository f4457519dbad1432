"""FID and KID from Inception features, in float64 numpy.

FID (Heusel et al. 2017, arXiv 1706.08500) is the Fréchet distance between two Gaussians fitted to
the features: |μ₁ - μ₂|² + tr(Σ₁ + Σ₂ - 2 (Σ₁Σ₂)^½). KID (Bińkowski et al. 2018, arXiv 1801.01401)
is the unbiased estimate of the squared MMD with the kernel k(x, y) = (x·y/d + 1)³, averaged over
random subsets; unlike FID it has no bias that depends on the number of images.
"""

import numpy as np

KID_SUBSETS = 100
KID_SUBSET_SIZE = 1000


def feature_moments(features):
    """`(mu, sigma)`: the mean and the (n - 1)-normalised covariance of (n, d) features."""
    features = np.asarray(features, np.float64)
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(
            f"need at least 2 feature vectors of shape (n, d). Received: shape={features.shape}"
        )
    return features.mean(axis=0), np.cov(features, rowvar=False)


def _clean_eigenvalues(values):
    """Eigenvalues of a PSD matrix with round-off removed: below d·ε·λ_max counts as 0.

    This is numpy's `matrix_rank` tolerance. Without it the null space's round-off (about
    1e-16·λ_max, of either sign) passes through the square root and adds d·√(1e-16·λ_max) to the
    trace: 2e-5 for 2048 features of unit scale, a visible "FID" of a set against itself.
    """
    tolerance = values.max(initial=0.0) * values.shape[0] * np.finfo(np.float64).eps
    return np.where(values > tolerance, values, 0.0)


def _psd_sqrt(matrix):
    """The symmetric square root of a symmetric positive semi-definite matrix."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(_clean_eigenvalues(values))) @ vectors.T


def trace_sqrt_product(sigma1, sigma2):
    """tr((Σ₁Σ₂)^½) for covariance matrices, exact when either is singular.

    Σ₁Σ₂ is not symmetric, but it is similar to the symmetric PSD matrix M = Σ₁^½ Σ₂ Σ₁^½
    (Σ₁Σ₂ = Σ₁^½ M Σ₁^-½ where Σ₁ is invertible, and by continuity otherwise), so both have the
    same non-negative eigenvalues λᵢ and tr((Σ₁Σ₂)^½) = Σ √λᵢ. Two symmetric eigen-decompositions
    give it with no complex arithmetic. `scipy.linalg.sqrtm(Σ₁Σ₂)` (pytorch-fid's route) works
    on the non-symmetric product through a Schur form: with fewer images than 2048 dimensions both
    covariances are rank-deficient, the product has a large null space, sqrtm warns and returns
    complex or inaccurate values, and the usual fix (adding εI to both covariances) changes the
    answer by about ε·tr terms. Here round-off only makes some λᵢ slightly negative; they are
    zero in exact arithmetic and are clipped to 0.
    """
    root = _psd_sqrt(np.asarray(sigma1, np.float64))
    middle = root @ np.asarray(sigma2, np.float64) @ root
    middle = (middle + middle.T) / 2.0  # symmetric up to round-off; eigvalsh wants it exactly
    return float(np.sqrt(_clean_eigenvalues(np.linalg.eigvalsh(middle))).sum())


def trace_sqrt_product_from_features(features1, features2):
    """tr((Σ₁Σ₂)^½) from the features themselves, for sets smaller than the dimension.

    With A = (X₁ - μ₁)ᵀ/√(n₁-1) (d×n₁), Σ₁ = AAᵀ and likewise Σ₂ = BBᵀ; the non-zero eigenvalues
    of AAᵀBBᵀ are those of (BᵀA)ᵀ(BᵀA), so the trace is the sum of the singular values of the
    n₂×n₁ matrix BᵀA: exact, and much cheaper than two d×d eigen-decompositions when n ≪ d.
    """
    a = _centred(features1)
    b = _centred(features2)
    return float(np.linalg.svd(b.T @ a, compute_uv=False).sum())


def _centred(features):
    features = np.asarray(features, np.float64)
    return (features - features.mean(axis=0)).T / np.sqrt(features.shape[0] - 1)


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """The Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2): FID, given moments."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != mu1.shape * 2:
        raise ValueError(
            f"mismatched statistics: mu {mu1.shape} and {mu2.shape}, sigma {sigma1.shape} and "
            f"{sigma2.shape}"
        )
    difference = mu1 - mu2
    value = difference @ difference + np.trace(sigma1) + np.trace(sigma2)
    value -= 2.0 * trace_sqrt_product(sigma1, sigma2)
    # Round-off can leave -1e-12 for identical statistics; a distance is never negative.
    return max(float(value), 0.0)


def frechet_distance_of_features(features1, features2):
    """The FID of two feature sets (n, d): the same value as `frechet_distance` of their moments.

    Sets no larger than the dimension go through `trace_sqrt_product_from_features`.
    """
    mu1, sigma1 = feature_moments(features1)
    mu2, sigma2 = feature_moments(features2)
    d = mu1.shape[0]
    if max(len(features1), len(features2)) > d:
        return frechet_distance(mu1, sigma1, mu2, sigma2)
    difference = mu1 - mu2
    value = difference @ difference + np.trace(sigma1) + np.trace(sigma2)
    value -= 2.0 * trace_sqrt_product_from_features(features1, features2)
    return max(float(value), 0.0)


def polynomial_kernel(x, y):
    """k(x, y) = (x·y / d + 1)³ for every pair of rows of x (n, d) and y (m, d)."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x, y):
    """The unbiased estimate of MMD² between the samples x (m, d) and y (n, d), m, n ≥ 2."""
    m, n = x.shape[0], y.shape[0]
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(within_x + within_y - 2.0 * k_xy.mean())


def kernel_inception_distance(
    features1, features2, num_subsets=KID_SUBSETS, subset_size=KID_SUBSET_SIZE, seed=0
):
    """KID: `(mean, std)` of the unbiased MMD² over `num_subsets` random subsets.

    Each subset draws `min(subset_size, n1, n2)` rows of each set without replacement, with a
    `numpy.random.default_rng(seed)`: the same features and seed give the same numbers.
    The std is over subsets (ddof 0): the spread of one subset's estimate, not the error of the
    mean.
    """
    x = np.asarray(features1, np.float64)
    y = np.asarray(features2, np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"features must be (n, d) with one d. Received: {x.shape} and {y.shape}")
    size = min(subset_size, x.shape[0], y.shape[0])
    if size < 2:
        raise ValueError(
            f"KID needs at least 2 feature vectors per set. Received: {x.shape[0]} and "
            f"{y.shape[0]}"
        )
    if num_subsets < 1:
        raise ValueError(f"`num_subsets` must be positive. Received: num_subsets={num_subsets}")
    rng = np.random.default_rng(seed)
    values = np.array(
        [
            mmd2_unbiased(
                x[rng.choice(x.shape[0], size, replace=False)],
                y[rng.choice(y.shape[0], size, replace=False)],
            )
            for _ in range(num_subsets)
        ]
    )
    return float(values.mean()), float(values.std())
