"""Interleaved timing: the compared steps alternate, A B, B A, ..., and ratios are per round.

On a shared machine the load changes from one minute to the next: two cases timed minutes apart
can differ by 2× for nothing but that. Timed in the same rounds, the compared steps meet the same
load, and the ratio of their times within a round cancels it. A ratio is reported as the median
of the per-round ratios with its 25th and 75th percentiles. Each round starts from a different
step, so that none always runs first (on a warm cache) or last. `compare_pairs` times each ratio's
two steps on their own: with a third, slow step in the rounds, one of the two would follow it
more often than the other, and the rounds would be as few as the slow step allows.
"""

import dataclasses
import statistics
import time


@dataclasses.dataclass(frozen=True)
class RatioStats:
    """The per-round ratios of two steps' times: median and interquartile range.

    Attributes:
        median: the median of the per-round ratios.
        q1, q3: their 25th and 75th percentiles (both the one ratio when there is one).
        pairs: how many rounds gave a ratio.
    """

    median: float
    q1: float
    q3: float
    pairs: int

    def as_dict(self):
        return dataclasses.asdict(self)


def ratio_stats(numerator_s, denominator_s):
    """`RatioStats` of `numerator_s[i] / denominator_s[i]` over the rounds `i`.

    Example:

    >>> ratio_stats([2.0, 4.0, 3.0], [1.0, 2.0, 1.0]).median
    2.0
    """
    if len(numerator_s) != len(denominator_s) or not numerator_s:
        raise ValueError(
            "Ratios need the same positive number of rounds on both sides. Received: "
            f"{len(numerator_s)} and {len(denominator_s)} rounds"
        )
    ratios = [top / bottom for top, bottom in zip(numerator_s, denominator_s)]
    if len(ratios) == 1:
        return RatioStats(ratios[0], ratios[0], ratios[0], 1)
    q1, median, q3 = statistics.quantiles(ratios, n=4, method="inclusive")
    return RatioStats(median, q1, q3, len(ratios))


def time_interleaved(
    steps, *, rounds=10, warmup=1, max_seconds=None, min_rounds=3, clock=time.perf_counter
):
    """Times every step once per round, in rotating order, until `rounds` or a time budget.

    Args:
        steps: `{name: step}`, each step a callable without arguments that returns once its work
            is done (synchronised with any accelerator).
        rounds: the most rounds.
        warmup: untimed calls of every step first (compilation, caches), >= 0.
        max_seconds: the budget of the timed rounds: no round starts that would take the total
            past it (judged by the last round); None for no budget. At least `min_rounds` run.
        min_rounds: rounds run whatever the budget, >= 1.
        clock: the time source, in seconds.

    Returns:
        `{name: [seconds of each round]}`, every list as long as the rounds run.

    Example:

    >>> times = time_interleaved({"a": lambda: None, "b": lambda: None}, rounds=4)
    >>> [len(times[name]) for name in ("a", "b")]
    [4, 4]
    """
    for name, value, least in (("rounds", rounds, 1), ("warmup", warmup, 0),
                               ("min_rounds", min_rounds, 1)):  # fmt: skip
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ValueError(f"`{name}` must be an integer >= {least}. Received: {name}={value!r}")
    if not steps:
        raise ValueError("`steps` must name at least one step. Received: steps={}")
    names = list(steps)
    for _ in range(warmup):
        for name in names:
            steps[name]()
    times = {name: [] for name in names}
    spent = last = 0.0
    for index in range(rounds):
        if max_seconds is not None and index >= min_rounds and spent + last > max_seconds:
            break
        shift = index % len(names)
        last = 0.0
        for name in names[shift:] + names[:shift]:
            start = clock()
            steps[name]()
            elapsed = clock() - start
            times[name].append(elapsed)
            last += elapsed
        spent += last
    return times


def compare_pairs(
    steps, pairs, *, rounds=10, warmup=1, max_seconds=None, min_rounds=3, clock=time.perf_counter
):
    """Times the two steps of each pair on their own, interleaved, one pair after the other.

    Args:
        steps: `{name: step}` (see `time_interleaved`).
        pairs: `(numerator, denominator)` names; pairs naming a missing step are left out.
        rounds, warmup, max_seconds, min_rounds, clock: of each pair (see `time_interleaved`).

    Returns:
        `{"numerator/denominator": {**RatioStats.as_dict(), "median_s": {name: s},
        "times_s": {name: [...]}}}`.

    Example:

    >>> result = compare_pairs({"a": lambda: None, "b": lambda: None}, [("a", "b"), ("a", "c")],
    ...                        rounds=4)
    >>> list(result), result["a/b"]["pairs"]
    (['a/b'], 4)
    """
    results = {}
    for top, bottom in pairs:
        if top not in steps or bottom not in steps:
            continue
        times = time_interleaved(
            {top: steps[top], bottom: steps[bottom]}, rounds=rounds, warmup=warmup,
            max_seconds=max_seconds, min_rounds=min_rounds, clock=clock,
        )  # fmt: skip
        results[f"{top}/{bottom}"] = {
            **ratio_stats(times[top], times[bottom]).as_dict(),
            "median_s": {name: statistics.median(values) for name, values in times.items()},
            "times_s": times,
        }
    return results
