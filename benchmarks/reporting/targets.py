"""A benchmark target, its verdict from a run's results, and the table of verdicts."""

import dataclasses
import math

from benchmarks.reporting.formatting import markdown_table

VERDICTS = {True: "**met**", False: "**not met**", None: "not measured"}


@dataclasses.dataclass(frozen=True)
class Target:
    """One target: what is required, what the run measured, and whether it met it.

    Attributes:
        name: a short label.
        requirement: the requirement in words.
        measured: the measured numbers in words.
        met: True or False; None when this run cannot tell.
    """

    name: str
    requirement: str
    measured: str
    met: bool | None


def undecided(target, why):
    """`target` marked not measured, `why` in its measured column."""
    return dataclasses.replace(target, measured=f"not measured ({why})", met=None)


def log_log_slope(points):
    """Least-squares slope of log(y) against log(x) over `(x, y)` points.

    Example:

    >>> round(log_log_slope([(1, 3), (2, 6), (4, 12)]), 6)
    1.0
    """
    xs = [math.log(x) for x, _ in points]
    ys = [math.log(y) for _, y in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread


def targets_table(targets):
    """A markdown table of `targets`."""
    columns = (
        ("target", lambda target: target.name),
        ("requirement", lambda target: target.requirement),
        ("measured", lambda target: target.measured),
        ("verdict", lambda target: VERDICTS[target.met]),
    )
    return markdown_table(targets, columns)
