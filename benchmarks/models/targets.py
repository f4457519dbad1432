"""The model benchmark's targets, judged from a run's interleaved comparisons.

On a CPU:

- a refined training step at most 1.05× the step of the same network without attention, at
  every placement and under every option (precision, XLA) run (the median of the per-round
  ratios of steps timed interleaved in one process);
- the best option (precision, XLA) trains the quickstart (`sagan_refined`, 32 px, ch = 16,
  batch 32) at least 1.5× faster than the default (float32 without XLA), interleaved.
"""

from benchmarks.models.sweep import option_label, option_of
from benchmarks.reporting.formatting import format_ratio_spread
from benchmarks.reporting.targets import Target, undecided

MAX_REFINED_OVER_NONE = 1.05
MIN_QUICKSTART_SPEEDUP = 1.5
QUICKSTART = {"model": "sagan_refined", "resolution": 32, "ch": 16, "batch_size": 32}


def _where(row):
    option = option_of(row)
    suffix = "" if option == ("float32", False) else f" {option_label(*option)}"
    return f"{row['family']} {row['resolution']} px {row['config']}{suffix}"


def refined_overhead_target(rows):
    """Refined step / no-attention step ≤ 1.05 at every (family, resolution, placement,
    option)."""
    name = f"refined step ≤ {MAX_REFINED_OVER_NONE:g}× no attention"
    requirement = (
        "every model family, resolution, placement and option run: median per-round ratio of "
        "the refined training step to the same network's without attention ≤ "
        f"{MAX_REFINED_OVER_NONE:g}"
    )
    found = [
        (row, row["ratios"]["refined/none"]) for row in rows if "refined/none" in row["ratios"]
    ]
    if not found:
        return Target(name, requirement, "not measured (comparison missing or failed)", None)
    measured = ", ".join(f"{_where(row)}: {format_ratio_spread(stats)}" for row, stats in found)
    met = all(stats["median"] <= MAX_REFINED_OVER_NONE for _, stats in found)
    return Target(name, requirement, measured, met)


def quickstart_speedup_target(option_comparisons):
    """The best option's interleaved speed-up over the default for the quickstart's model."""
    name = f"best option ≥ {MIN_QUICKSTART_SPEEDUP:g}× the default (quickstart)"
    requirement = (
        "sagan_refined at 32 px, ch = 16, batch 32, the zoo's placement: the fastest precision "
        "and XLA option's step at least "
        f"{MIN_QUICKSTART_SPEEDUP:g}× faster than float32 without XLA (median per-round ratio)"
    )
    found, source = {}, None
    # The quickstart itself (real data) when it ran, else its model on a constant batch.
    ordered = sorted(option_comparisons, key=lambda comparison: bool(comparison.get("quickstart")))
    for comparison in ordered:
        quickstart = all(comparison.get(key) == value for key, value in QUICKSTART.items())
        if quickstart and comparison["config"] == "default" and comparison["status"] == "OK":
            found = dict(comparison["ratios"])
            source = "the quickstart on its data" if comparison.get("quickstart") else (
                "its model on a constant batch")  # fmt: skip
    if not found:
        return Target(name, requirement, "not measured (no options comparison of the "
                      "quickstart's model and settings)", None)  # fmt: skip
    best = max(found, key=lambda pair: found[pair]["median"])
    measured = ", ".join(
        f"{pair.split('/')[1]}: {format_ratio_spread(stats)}" for pair, stats in found.items()
    )
    met = found[best]["median"] >= MIN_QUICKSTART_SPEEDUP
    return Target(name, requirement, f"{source}: {measured}; best {best.split('/')[1]}", met)


def evaluate_targets(rows, device_kind, option_comparisons=()):
    """The model-level targets of a run on `device_kind` (CPU targets)."""
    targets = [refined_overhead_target(rows), quickstart_speedup_target(option_comparisons)]
    if device_kind == "cpu":
        return targets
    return [undecided(target, "needs a CPU run") for target in targets]
