"""The model benchmark's target, judged from a run's interleaved comparisons.

On a CPU: a refined training step at most 1.05× the step of the same network without attention,
at every placement run (the median of the per-round ratios of steps timed interleaved in one
process).
"""

from benchmarks.reporting.formatting import format_ratio_spread
from benchmarks.reporting.targets import Target, undecided

MAX_REFINED_OVER_NONE = 1.05


def refined_overhead_target(rows):
    """Refined step / no-attention step ≤ 1.05 at every (family, resolution, placement)."""
    name = f"refined step ≤ {MAX_REFINED_OVER_NONE:g}× no attention"
    requirement = (
        "every model family, resolution and placement run: median per-round ratio of the refined "
        f"training step to the same network's without attention ≤ {MAX_REFINED_OVER_NONE:g}"
    )
    found = [
        (row, row["ratios"]["refined/none"]) for row in rows if "refined/none" in row["ratios"]
    ]
    if not found:
        return Target(name, requirement, "not measured (comparison missing or failed)", None)
    measured = ", ".join(
        f"{row['family']} {row['resolution']} px {row['config']}: {format_ratio_spread(stats)}"
        for row, stats in found
    )
    met = all(stats["median"] <= MAX_REFINED_OVER_NONE for _, stats in found)
    return Target(name, requirement, measured, met)


def evaluate_targets(rows, device_kind):
    """The model-level targets of a run on `device_kind` (the target is a CPU target)."""
    target = refined_overhead_target(rows)
    return [target if device_kind == "cpu" else undecided(target, "needs a CPU run")]
