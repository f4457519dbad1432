"""The largest batch that fits: doubling until a batch does not fit, then bisection.

The search only needs a probe, `probe(batch_size) -> status`: `"fits"`, `"OOM"` (does not fit),
or anything else (a timeout, an error), which ends the search without a verdict on that size.
Memory grows with the batch, so one failure bounds the answer from above. The model benchmark's
probe runs one training step in a fresh process under a memory cap.
"""

import dataclasses
import time

FITS = "fits"
DOES_NOT_FIT = "OOM"


@dataclasses.dataclass(frozen=True)
class SearchResult:
    """What a search found.

    Attributes:
        largest_fitting: the largest batch size that fitted; None when none did (batch 1 did
            not fit, or the search stopped first).
        smallest_failing: the smallest batch size that did not fit; None when none failed.
            The true largest fitting batch lies in `[largest_fitting, smallest_failing)`; the
            search is exact when `smallest_failing == largest_fitting + 1`.
        stopped_by: why the search ended before it was exact, or None: `"max_batch"` (the
            largest allowed batch fitted), `"bisection_steps"`, `"time_budget"`, or
            `"<status> at batch <b>"` for a probe that neither fitted nor ran out of memory.
        probes: `(batch_size, status)` of every probe, in order.
        elapsed_s: seconds the search took.
    """

    largest_fitting: int | None
    smallest_failing: int | None
    stopped_by: str | None
    probes: tuple
    elapsed_s: float

    @property
    def exact(self):
        """Whether `largest_fitting` is the largest batch that fits (not only a lower bound)."""
        if self.smallest_failing is None:
            return False
        return self.smallest_failing == (self.largest_fitting or 0) + 1


def _check_positive(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")


def search_largest_batch(
    probe,
    *,
    start=8,
    max_batch=512,
    bisection_steps=3,
    budget_s=None,
    clock=time.monotonic,
):
    """Finds the largest batch size for which `probe` says `"fits"`.

    Doubles from `start` (halves, when `start` does not fit) until a size fits and its double
    does not, or until `max_batch` fits; then bisects that bracket with at most
    `bisection_steps` more probes. Each bisection step halves the bracket, so with `k` steps
    the answer is exact when the bracket was at most `2**k` wide, and otherwise a lower bound
    within `bracket / 2**k` of it.

    Args:
        probe: `probe(batch_size)` returning `"fits"`, `"OOM"` or another status.
        start: the first batch size probed.
        max_batch: the largest batch size probed.
        bisection_steps: the most probes after the bracket is found.
        budget_s: no probe starts after this many seconds; None for no budget.
        clock: the time source, in seconds.

    Returns:
        A `SearchResult`.

    Example:

    >>> result = search_largest_batch(lambda b: "fits" if b <= 37 else "OOM",
    ...                               bisection_steps=5)
    >>> result.largest_fitting, result.exact
    (37, True)
    """
    for name, value in (("start", start), ("max_batch", max_batch)):
        _check_positive(name, value)
    if not isinstance(bisection_steps, int) or bisection_steps < 0:
        raise ValueError(
            "`bisection_steps` must be an integer >= 0. "
            f"Received: bisection_steps={bisection_steps!r}"
        )
    began = clock()
    probes = []
    fitting, failing = None, None

    def result(stopped_by):
        return SearchResult(fitting, failing, stopped_by, tuple(probes), clock() - began)

    def run(batch_size):
        """Probes once; returns a reason to stop, or None."""
        nonlocal fitting, failing
        if budget_s is not None and clock() - began > budget_s:
            return "time_budget"
        status = probe(batch_size)
        probes.append((batch_size, status))
        if status == FITS:
            fitting = batch_size
        elif status == DOES_NOT_FIT:
            failing = batch_size
        else:
            return f"{status} at batch {batch_size}"
        return None

    batch_size = min(start, max_batch)
    while True:  # Bracket the answer.
        stop = run(batch_size)
        if stop:
            return result(stop)
        if fitting == max_batch:
            return result("max_batch")
        if failing is not None and fitting is not None:
            break
        if failing == 1:  # Not even one image fits.
            return result(None)
        batch_size = min(batch_size * 2, max_batch) if failing is None else batch_size // 2
    for _ in range(bisection_steps):
        if failing - fitting <= 1:
            break
        stop = run((fitting + failing) // 2)
        if stop:
            return result(stop)
    return result(None if failing - fitting <= 1 else "bisection_steps")
