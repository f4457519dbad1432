"""The layer benchmark's targets (issue 5), judged from a run's records.

On a CPU, forward+backward with C = 64: the refined block at least 40× faster than softmax at
64×64 (batch 8) and 300× at 128×128 (batch 2); its memory growing linearly in n; its time at
most 1.5× its own projections' for n ≥ 4,096. On a GPU: the refined block faster than the fused
(flash) softmax block for n ≥ 4,096, with a lower device memory peak. A run on the other kind
of device, or one that lacks the cases, leaves a target undecided (`met` is None).
"""

import dataclasses
import math

from keras_refined_sa.benchmark import report

LARGE_POSITIONS = 4096
# A log-log slope of memory against n: 1 for linear growth, 2 for quadratic.
MAX_LINEAR_SLOPE = 1.2
_CHANNELS = 64


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


def _select(records, **fields):
    return [
        record
        for record in records
        if all(record.get(key) == value for key, value in fields.items())
    ]


def _speedup_target(records, resolution, batch_size, least):
    name = f"refined vs softmax, {resolution}×{resolution}, batch {batch_size}"
    requirement = f"fwd+bwd, C = {_CHANNELS}: refined ≥ {least}× faster than softmax"
    where = {
        "pass_name": "fwd_bwd",
        "resolution": resolution,
        "batch_size": batch_size,
        "channels": _CHANNELS,
    }
    refined = _select(records, form="refined", **where)
    softmax = _select(records, form="softmax", **where)
    if not refined or refined[0]["speedup_vs_softmax"] is None:
        return Target(name, requirement, "not measured (case missing or failed)", None)
    speedup = refined[0]["speedup_vs_softmax"]
    # The FLOP ratio is what the speed-up tends to when both forms run equally efficiently.
    flop_ratio = softmax[0]["gflop"] / refined[0]["gflop"]
    measured = f"{speedup:.0f}× (FLOP ratio {flop_ratio:.0f}×)"
    return Target(name, requirement, measured, speedup >= least)


def _log_log_slope(points):
    """Least-squares slope of log(y) against log(x)."""
    xs = [math.log(x) for x, _ in points]
    ys = [math.log(y) for _, y in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread


def _large_refined(records):
    return [
        record
        for record in _select(records, form="refined", pass_name="fwd_bwd", channels=_CHANNELS)
        if record["positions"] >= LARGE_POSITIONS and record["status"] == "OK"
    ]


def _linear_memory_target(records):
    name = "refined memory linear in n"
    requirement = (
        f"fwd+bwd, C = {_CHANNELS}, n ≥ {LARGE_POSITIONS:,}: log-log slope of the memory above "
        f"baseline against n ≤ {MAX_LINEAR_SLOPE} (linear: 1, quadratic: 2)"
    )
    by_batch = {}
    for record in _large_refined(records):
        if record["memory_above_baseline_bytes"]:
            by_batch.setdefault(record["batch_size"], []).append(
                (record["positions"], record["memory_above_baseline_bytes"])
            )
    slopes = {
        batch: _log_log_slope(points) for batch, points in by_batch.items() if len(points) > 1
    }
    if not slopes:
        return Target(name, requirement, "not measured (needs two sizes with n ≥ 4,096)", None)
    measured = "; ".join(
        f"batch {batch}: slope {slope:.2f} over n = "
        + ", ".join(f"{n:,}" for n, _ in sorted(by_batch[batch]))
        for batch, slope in sorted(slopes.items())
    )
    return Target(name, requirement, measured, max(slopes.values()) <= MAX_LINEAR_SLOPE)


def _floor_target(records):
    name = "refined close to its projections"
    requirement = (
        f"fwd+bwd, C = {_CHANNELS}, n ≥ {LARGE_POSITIONS:,}: refined time ≤ 1.5× the "
        f"projections' time"
    )
    ratios = [
        (record["resolution"], record["batch_size"], record["ratio_to_floor"])
        for record in _large_refined(records)
        if record["ratio_to_floor"] is not None
    ]
    if not ratios:
        return Target(name, requirement, "not measured (case missing or failed)", None)
    measured = ", ".join(f"{r}², batch {b}: {ratio:.2f}×" for r, b, ratio in sorted(ratios))
    return Target(name, requirement, measured, max(ratio for _, _, ratio in ratios) <= 1.5)


def _versus_fused_target(records, metric, label):
    name = f"refined {label} than flash softmax"
    requirement = f"GPU, n ≥ {LARGE_POSITIONS:,}, both passes: refined {label} than fused softmax"
    verdicts = []
    for refined in _select(records, form="refined", status="OK"):
        if refined["positions"] < LARGE_POSITIONS:
            continue
        fused = _select(
            records,
            form="fused_softmax",
            pass_name=refined["pass_name"],
            resolution=refined["resolution"],
            batch_size=refined["batch_size"],
            channels=refined["channels"],
        )
        if not fused:
            continue
        where = f"{refined['resolution']}² b{refined['batch_size']} {refined['pass_name']}"
        if fused[0]["status"] in ("OOM", "timeout"):
            verdicts.append((f"{where}: fused {fused[0]['status']}", True))
        elif fused[0]["status"] == "OK":
            ratio = fused[0][metric] / refined[metric]
            verdicts.append((f"{where}: {ratio:.3g}×", ratio > 1))
    if not verdicts:
        return Target(name, requirement, "not measured (needs a GPU run)", None)
    measured = "fused / refined: " + ", ".join(text for text, _ in verdicts)
    return Target(name, requirement, measured, all(met for _, met in verdicts))


def evaluate_targets(records, device_kind):
    """The targets for a run on `device_kind` (`"cpu"` or `"gpu"`); the other device's
    targets are listed as not measured."""
    cpu_targets = [
        _speedup_target(records, 64, 8, 40),
        _speedup_target(records, 128, 2, 300),
        _linear_memory_target(records),
        _floor_target(records),
    ]
    gpu_targets = [
        _versus_fused_target(records, "time_median_s", "faster"),
        _versus_fused_target(records, "peak_memory_bytes", "lower peak memory"),
    ]
    if device_kind != "cpu":
        cpu_targets = [_undecided(target, "a CPU run") for target in cpu_targets]
    if device_kind != "gpu":
        gpu_targets = [_undecided(target, "a GPU run") for target in gpu_targets]
    return cpu_targets + gpu_targets


def _undecided(target, needs):
    return dataclasses.replace(target, measured=f"not measured (needs {needs})", met=None)


def targets_table(targets):
    """A markdown table of `targets`."""
    verdicts = {True: "**met**", False: "**not met**", None: "not measured"}
    columns = (
        ("target", lambda target: target.name),
        ("requirement", lambda target: target.requirement),
        ("measured", lambda target: target.measured),
        ("verdict", lambda target: verdicts[target.met]),
    )
    return report.markdown_table(targets, columns)
