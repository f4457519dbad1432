"""Times a step: warm-up calls, then repeats until a count or a time budget is reached."""

import dataclasses
import statistics
import time


@dataclasses.dataclass(frozen=True)
class TimingStats:
    """Durations of the timed calls of a step, in seconds, and their summary.

    Attributes:
        times_s: the timed calls, in order.
        warmup_s: the warm-up calls (tracing and compiling happen in the first).
    """

    times_s: tuple
    warmup_s: tuple

    @property
    def median_s(self):
        return statistics.median(self.times_s)

    @property
    def quartiles_s(self):
        """The first and third quartiles (both the one time when there is one)."""
        if len(self.times_s) == 1:
            return self.times_s[0], self.times_s[0]
        first, _, third = statistics.quantiles(self.times_s, n=4, method="inclusive")
        return first, third

    def as_dict(self):
        """The metrics a benchmark record holds."""
        first, third = self.quartiles_s
        return {
            "time_median_s": self.median_s,
            "time_min_s": min(self.times_s),
            "time_max_s": max(self.times_s),
            "time_q1_s": first,
            "time_q3_s": third,
            "repeats": len(self.times_s),
            "times_s": list(self.times_s),
            "warmup_s": list(self.warmup_s),
        }


def time_repeated(step, *, repeats=5, warmup=1, max_seconds=60.0, clock=time.perf_counter):
    """Calls `step` `warmup` times untimed, then times up to `repeats` calls.

    Slow steps get fewer repeats: timing stops before a call that would take the timed total
    past `max_seconds` (judged by the last call), but at least one call is always timed.

    Args:
        step: a callable without arguments that returns once its work is done (synchronised
            with any accelerator).
        repeats: the most calls to time, >= 1.
        warmup: untimed calls first (compilation, caches), >= 0.
        max_seconds: the budget of the timed calls.
        clock: the time source, in seconds.

    Returns:
        A `TimingStats`.

    Example:

    >>> stats = time_repeated(lambda: sum(range(1000)), repeats=3)
    >>> stats.as_dict()["repeats"]
    3
    """
    for name, value, least in (("repeats", repeats, 1), ("warmup", warmup, 0)):
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ValueError(f"`{name}` must be an integer >= {least}. Received: {name}={value!r}")
    if not max_seconds > 0:
        raise ValueError(f"`max_seconds` must be positive. Received: max_seconds={max_seconds!r}")

    def timed_call():
        start = clock()
        step()
        return clock() - start

    warmup_s = tuple(timed_call() for _ in range(warmup))
    times_s = []
    while len(times_s) < repeats:
        if times_s and sum(times_s) + times_s[-1] > max_seconds:
            break
        times_s.append(timed_call())
    return TimingStats(tuple(times_s), warmup_s)
