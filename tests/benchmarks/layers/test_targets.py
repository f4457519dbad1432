import pytest

from benchmarks.layers.targets import evaluate_targets
from benchmarks.reporting.targets import targets_table

_CONFIGS = [(64, 8), (64, 2), (128, 2), (256, 2)]
_GFLOP = {"softmax": 10.0, "fused_softmax": 10.0, "refined": 0.4, "projections": 0.3}


def _record(form, resolution, batch_size, memory, status="OK", pass_name="fwd_bwd"):
    return {
        "form": form,
        "pass_name": pass_name,
        "resolution": resolution,
        "positions": resolution**2,
        "batch_size": batch_size,
        "channels": 64,
        "status": status,
        "gflop": _GFLOP[form],
        "peak_memory_bytes": memory,
        "memory_above_baseline_bytes": memory,
    }


def _comparison(resolution, batch_size, ratios, pass_name="fwd_bwd", status="OK"):
    """A comparison whose per-round ratios have the given medians (quartiles ±5%)."""
    return {
        "resolution": resolution,
        "batch_size": batch_size,
        "channels": 64,
        "pass_name": pass_name,
        "positions": resolution**2,
        "status": status,
        "ratios": {
            name: {"median": value, "q1": 0.95 * value, "q3": 1.05 * value, "pairs": 9}
            for name, value in ratios.items()
        },
    }


def _cpu_run(speedup, floor_ratio, refined_memory, softmax_status=lambda config: "OK"):
    records, comparisons = [], []
    for resolution, batch in _CONFIGS:
        records.append(_record("refined", resolution, batch, refined_memory(resolution**2)))
        records.append(_record("projections", resolution, batch, 10**6))
        status = softmax_status((resolution, batch))
        records.append(_record("softmax", resolution, batch, 10**9, status=status))
        ratios = {"refined/projections": floor_ratio}
        if status == "OK":
            ratios["softmax/refined"] = speedup
        comparisons.append(_comparison(resolution, batch, ratios))
    return {target.name: target for target in evaluate_targets(records, comparisons, "cpu")}


def test_a_run_meeting_every_cpu_target():
    targets = _cpu_run(
        speedup=30.0,
        floor_ratio=1.1,
        refined_memory=lambda n: 1000 * n,
        softmax_status=lambda config: "OOM" if config == (256, 2) else "OK",
    )
    speedup = targets["refined vs softmax ≥ FLOP ratio"]
    assert speedup.met is True
    assert "64² b8: 30× (28.5–31.5) (FLOP ratio 25×)" in speedup.measured
    assert "256² b2: softmax OOM" in speedup.measured
    assert targets["refined ≤ 1.15× its projections"].met is True
    assert "128² b2: 1.1× (1.04–1.16)" in targets["refined ≤ 1.15× its projections"].measured
    assert targets["refined memory linear in n"].met is True
    assert "slope 1.00" in targets["refined memory linear in n"].measured
    assert targets["refined faster than flash softmax"].met is None
    assert "no GPU run" in targets["refined faster than flash softmax"].measured


def test_a_run_missing_cpu_targets():
    targets = _cpu_run(speedup=20.0, floor_ratio=1.2, refined_memory=lambda n: n * n)
    assert targets["refined vs softmax ≥ FLOP ratio"].met is False
    assert targets["refined ≤ 1.15× its projections"].met is False
    assert targets["refined memory linear in n"].met is False
    assert "slope 2.00" in targets["refined memory linear in n"].measured


def test_small_sizes_do_not_count():
    records = [_record("refined", 32, 2, 10**6), _record("projections", 32, 2, 10**6)]
    comparisons = [_comparison(32, 2, {"refined/projections": 3.0})]
    targets = evaluate_targets(records, comparisons, "cpu")
    assert targets[0].met is None


def test_targets_without_their_cases_are_not_measured():
    targets = evaluate_targets([], [], "cpu")
    assert [target.met for target in targets] == [None] * len(targets)
    assert "not measured" in targets_table(targets)


@pytest.mark.parametrize(
    "fused_status, fused_over_refined, met",
    [("OK", 5.0, True), ("OK", 0.5, False), ("OOM", None, True)],
)
def test_gpu_targets_compare_refined_with_fused_softmax(fused_status, fused_over_refined, met):
    records = [
        _record("refined", 64, 2, 10**6),
        _record("projections", 64, 2, 10**6),
        _record("fused_softmax", 64, 2, 10**9, status=fused_status),
    ]
    ratios = {"refined/projections": 1.1}
    if fused_over_refined is not None:
        ratios["fused_softmax/refined"] = fused_over_refined
    comparisons = [_comparison(64, 2, ratios)]
    targets = {t.name: t for t in evaluate_targets(records, comparisons, "gpu")}
    assert targets["refined faster than flash softmax"].met is met
    assert targets["refined lower peak memory than flash softmax"].met is True
    assert targets["GPU: refined ≤ 1.2× its projections"].met is True
    assert targets["refined vs softmax ≥ FLOP ratio"].met is None


def test_a_softmax_that_only_ran_out_of_memory_measures_no_speed_up():
    targets = _cpu_run(
        speedup=30.0,
        floor_ratio=1.1,
        refined_memory=lambda n: 1000 * n,
        softmax_status=lambda config: "OOM" if config == (256, 2) else "OK",
    )
    assert targets["refined vs softmax ≥ FLOP ratio"].met is True
    # The same run with softmax left out of the interleaved comparisons.
    records, comparisons = [], []
    for resolution, batch in _CONFIGS:
        records.append(_record("refined", resolution, batch, 1000 * resolution**2))
        status = "OOM" if (resolution, batch) == (256, 2) else "OK"
        records.append(_record("softmax", resolution, batch, 10**9, status=status))
        comparisons.append(_comparison(resolution, batch, {"refined/projections": 1.1}))
    (speedup,) = [
        target for target in evaluate_targets(records, comparisons, "cpu")
        if target.name == "refined vs softmax ≥ FLOP ratio"
    ]
    assert speedup.met is None
    assert speedup.measured == (
        "256² b2: softmax OOM; not measured (no interleaved softmax/refined ratio)"
    )
