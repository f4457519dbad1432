"""The layer benchmark's targets, judged from a run's records and interleaved comparisons.

On a CPU, forward+backward with C = 64 and n ≥ 4,096: the refined block at most 1.15× its own
projections' time; its speed-up over softmax at least the ratio of their FLOPs; its memory
growing at most linearly in n (log-log slope ≤ 1.1). On a GPU, for n ≥ 4,096: refined faster
than the fused (flash) softmax with a lower device memory peak, and at most 1.2× its
projections. Time ratios come from the interleaved comparisons (median of the per-round
ratios), memory from each form's own process. A run on the other kind of device, or one that
lacks the cases, leaves a target undecided (`met` is None).
"""

from benchmarks.layers.sweep import group_key, ratio
from benchmarks.reporting.formatting import format_ratio_spread
from benchmarks.reporting.targets import Target, log_log_slope, undecided

LARGE_POSITIONS = 4096
CHANNELS = 64
CPU_FLOOR_RATIO = 1.15
GPU_FLOOR_RATIO = 1.2
# A log-log slope of memory against n: 1 for linear growth, 2 for quadratic.
MAX_LINEAR_SLOPE = 1.1
_NOT_RUN = ("OOM", "timeout")


def _where(key):
    resolution, batch_size, _, pass_name = key
    return f"{resolution}² b{batch_size}" + ("" if pass_name == "fwd_bwd" else f" {pass_name}")


def _large(records, form, passes=("fwd_bwd",)):
    """Records of `form` with C = 64 and n ≥ 4,096 in `passes`, by group key."""
    return {
        group_key(record): record
        for record in records
        if record["form"] == form
        and record["channels"] == CHANNELS
        and record["pass_name"] in passes
        and record["positions"] >= LARGE_POSITIONS
    }


def floor_target(records, comparisons, limit, gpu=False):
    """Refined's time over its projections' (interleaved), at most `limit` at every size
    (fwd+bwd on a CPU, both passes on a GPU)."""
    passes = ("fwd", "fwd_bwd") if gpu else ("fwd_bwd",)
    name = ("GPU: " if gpu else "") + f"refined ≤ {limit:g}× its projections"
    requirement = (
        f"{'GPU, both passes' if gpu else 'fwd+bwd'}, C = {CHANNELS}, "
        f"n ≥ {LARGE_POSITIONS:,}: median per-round ratio refined / projections ≤ {limit:g}"
    )
    found = []
    for key in sorted(_large(records, "refined", passes)):
        stats = ratio(comparisons, key, "refined/projections")
        if stats is not None:
            found.append((key, stats))
    if not found:
        return Target(name, requirement, "not measured (comparison missing or failed)", None)
    measured = ", ".join(f"{_where(key)}: {format_ratio_spread(stats)}" for key, stats in found)
    return Target(name, requirement, measured, all(s["median"] <= limit for _, s in found))


def speedup_target(records, comparisons):
    """Refined's speed-up over softmax (interleaved) at least their FLOP ratio."""
    name = "refined vs softmax ≥ FLOP ratio"
    requirement = (
        f"fwd+bwd, C = {CHANNELS}, n ≥ {LARGE_POSITIONS:,}: median per-round ratio softmax / "
        f"refined ≥ softmax's FLOPs / refined's FLOPs"
    )
    refined, softmax = _large(records, "refined"), _large(records, "softmax")
    verdicts, ratios = [], 0
    for key in sorted(refined.keys() & softmax.keys()):
        flop_ratio = softmax[key]["gflop"] / refined[key]["gflop"]
        if softmax[key]["status"] in _NOT_RUN and refined[key]["status"] == "OK":
            verdicts.append((f"{_where(key)}: softmax {softmax[key]['status']}", True))
            continue
        stats = ratio(comparisons, key, "softmax/refined")
        if stats is not None:
            text = f"{_where(key)}: {format_ratio_spread(stats)} (FLOP ratio {flop_ratio:.3g}×)"
            verdicts.append((text, stats["median"] >= flop_ratio))
            ratios += 1
    if not ratios:
        # A softmax that could not run says nothing of the speed-up where it can.
        shown = "".join(f"{text}; " for text, _ in verdicts)
        return Target(
            name, requirement, f"{shown}not measured (no interleaved softmax/refined ratio)", None
        )
    return Target(
        name, requirement, ", ".join(t for t, _ in verdicts), all(met for _, met in verdicts)
    )


def linear_memory_target(records):
    """Refined's memory above baseline grows at most linearly in n (log-log slope)."""
    name = "refined memory linear in n"
    requirement = (
        f"fwd+bwd, C = {CHANNELS}, n ≥ {LARGE_POSITIONS:,}: log-log slope of the memory above "
        f"baseline against n ≤ {MAX_LINEAR_SLOPE} (linear: 1, quadratic: 2)"
    )
    by_batch = {}
    for record in _large(records, "refined").values():
        if record["status"] == "OK" and record["memory_above_baseline_bytes"]:
            by_batch.setdefault(record["batch_size"], []).append(
                (record["positions"], record["memory_above_baseline_bytes"])
            )
    slopes = {batch: log_log_slope(pts) for batch, pts in by_batch.items() if len(pts) > 1}
    if not slopes:
        return Target(name, requirement, "not measured (needs two sizes with n ≥ 4,096)", None)
    measured = "; ".join(
        f"batch {batch}: slope {slope:.2f} over n = "
        + ", ".join(f"{n:,}" for n, _ in sorted(by_batch[batch]))
        for batch, slope in sorted(slopes.items())
    )
    return Target(name, requirement, measured, max(slopes.values()) <= MAX_LINEAR_SLOPE)


def _versus_fused(records, name, requirement, judge):
    """A GPU target over every size with n ≥ 4,096, both passes, where refined and fused softmax
    both have a case: a fused softmax that could not run counts as met; otherwise
    `judge(key, refined_record, fused_record)` returns `(text, met)`, or None to skip."""
    passes = ("fwd", "fwd_bwd")
    refined, fused = _large(records, "refined", passes), _large(records, "fused_softmax", passes)
    verdicts = []
    for key in sorted(refined.keys() & fused.keys()):
        if refined[key]["status"] != "OK":
            continue
        if fused[key]["status"] in _NOT_RUN:
            verdicts.append((f"{_where(key)}: fused {fused[key]['status']}", True))
        elif fused[key]["status"] == "OK":
            verdict = judge(key, refined[key], fused[key])
            if verdict is not None:
                verdicts.append(verdict)
    if not verdicts:
        return Target(name, requirement, "not measured (needs a GPU run)", None)
    measured = "fused / refined: " + ", ".join(text for text, _ in verdicts)
    return Target(name, requirement, measured, all(met for _, met in verdicts))


def versus_fused_time_target(records, comparisons):
    """GPU: refined faster than fused softmax (interleaved), or fused softmax did not run."""

    def judge(key, refined, fused):
        stats = ratio(comparisons, key, "fused_softmax/refined")
        if stats is None:
            return None
        return f"{_where(key)}: {format_ratio_spread(stats)}", stats["median"] > 1

    requirement = f"GPU, n ≥ {LARGE_POSITIONS:,}, both passes: fused softmax / refined > 1"
    return _versus_fused(records, "refined faster than flash softmax", requirement, judge)


def versus_fused_memory_target(records):
    """GPU: refined's device memory peak lower than fused softmax's (own processes)."""

    def judge(key, refined, fused):
        share = fused["peak_memory_bytes"] / refined["peak_memory_bytes"]
        return f"{_where(key)}: {share:.3g}×", share > 1

    requirement = f"GPU, n ≥ {LARGE_POSITIONS:,}, both passes: refined peak < fused softmax peak"
    return _versus_fused(
        records, "refined lower peak memory than flash softmax", requirement, judge
    )


def evaluate_targets(records, comparisons, device_kind):
    """The targets for a run on `device_kind` (`"cpu"` or `"gpu"`); the other device's targets
    are listed as not measured."""
    cpu_targets = [
        floor_target(records, comparisons, CPU_FLOOR_RATIO),
        speedup_target(records, comparisons),
        linear_memory_target(records),
    ]
    gpu_targets = [
        versus_fused_time_target(records, comparisons),
        versus_fused_memory_target(records),
        floor_target(records, comparisons, GPU_FLOOR_RATIO, gpu=True),
    ]
    if device_kind != "cpu":
        cpu_targets = [undecided(target, "needs a CPU run") for target in cpu_targets]
    if device_kind != "gpu":
        gpu_targets = [undecided(target, "no GPU run") for target in gpu_targets]
    return cpu_targets + gpu_targets
