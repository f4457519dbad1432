"""Differences between attention kinds over seeds: paired by seed, with t-based 95 % intervals.

Runs of one seed share their initial weights (where the kinds share layers), data order and
evaluation batches, so they move together across seeds: the seed-matched (paired) difference
is the test that fits the design. Its 95 % interval is mean ± t · sd / √n with t the 97.5 %
quantile of Student's t with n − 1 degrees of freedom (4.30 for 3 seeds; 2·SE, "about 95 %" for
many samples, covers about 82 % at n = 3). The unpaired interval (Welch) is given beside it: it
shows how much of the spread is the seeds' and not the kinds'.

Example:

    >>> d = paired_difference({0: 2.0, 1: 3.0, 2: 4.0}, {0: 1.5, 1: 2.6, 2: 3.4})
    >>> round(d.mean, 3), d.count, [round(x, 3) for x in d.interval]
    (0.5, 3, [0.252, 0.748])
"""

import dataclasses
import math

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


def t_quantile(degrees_of_freedom, confidence=CONFIDENCE):
    """The two-sided `confidence` quantile of Student's t (4.303 at 2 degrees of freedom)."""
    if degrees_of_freedom <= 0:
        return float("nan")
    return float(stats.t.ppf(0.5 + confidence / 2, degrees_of_freedom))


@dataclasses.dataclass(frozen=True)
class Difference:
    """A difference of one kind against a reference, with its 95 % interval.

    Attributes:
        mean: the mean difference (kind − reference).
        interval: `(low, high)`, the t-based 95 % interval of `mean` (NaN when n < 2).
        count: the number of seeds (paired) or the smaller group (unpaired).
        signs: `(above, below)`: seeds where the kind's value is above / below the
            reference's (paired only; `(0, 0)` for unpaired).
    """

    mean: float
    interval: tuple
    count: int
    signs: tuple = (0, 0)

    @property
    def excludes_zero(self):
        low, high = self.interval
        return bool(low > 0 or high < 0)


def _finite(by_seed):
    return {seed: float(value) for seed, value in by_seed.items() if np.isfinite(value)}


def paired_difference(values, reference):
    """The seed-matched difference of `{seed: value}` against `{seed: reference value}`.

    Only seeds present (and finite) in both count.
    """
    values, reference = _finite(values), _finite(reference)
    seeds = sorted(set(values) & set(reference))
    differences = np.array([values[seed] - reference[seed] for seed in seeds])
    count = len(differences)
    if count == 0:
        return Difference(float("nan"), (float("nan"),) * 2, 0)
    mean = float(differences.mean())
    signs = (int((differences > 0).sum()), int((differences < 0).sum()))
    if count < 2:
        return Difference(mean, (float("nan"),) * 2, count, signs)
    half = t_quantile(count - 1) * float(differences.std(ddof=1)) / math.sqrt(count)
    return Difference(mean, (mean - half, mean + half), count, signs)


def unpaired_difference(values, reference):
    """The difference of means with Welch's t interval (seeds not matched)."""
    a = np.array(list(_finite(values).values()))
    b = np.array(list(_finite(reference).values()))
    if len(a) < 2 or len(b) < 2:
        mean = float(a.mean() - b.mean()) if len(a) and len(b) else float("nan")
        return Difference(mean, (float("nan"),) * 2, min(len(a), len(b)))
    mean = float(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return Difference(mean, (mean, mean), min(len(a), len(b)))
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = t_quantile(dof) * se
    return Difference(mean, (mean - half, mean + half), min(len(a), len(b)))


def verdict(kind, reference, paired, higher_is_better):
    """Words that follow the numbers: which kind is better, in how many seeds, how sure.

    Example: "refined worse than softmax in every seed (3 of 3); the paired 95 % interval
    excludes 0".
    """
    if paired.count < 2:
        return "too few seeds to compare"
    above, below = paired.signs
    better, worse = (above, below) if higher_is_better else (below, above)
    if better == worse == 0:
        return f"{kind} equal to {reference} in every seed"
    direction, seeds = ("better", better) if better >= worse else ("worse", worse)
    where = "in every seed" if seeds == paired.count else f"in {seeds} of {paired.count} seeds"
    if paired.excludes_zero:
        return (f"{kind} {direction} than {reference} {where}; "
                "the paired 95 % interval excludes 0")
    return (f"no difference resolved ({kind} {direction} than {reference} {where}; "
            "the paired 95 % interval includes 0)")
