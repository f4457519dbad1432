import pytest

from keras_refined_sa.benchmark.layer_sweep import add_ratios
from keras_refined_sa.benchmark.targets import evaluate_targets, targets_table


def _record(form, resolution, batch_size, time, memory, status="OK", pass_name="fwd_bwd"):
    return {
        "form": form,
        "pass_name": pass_name,
        "resolution": resolution,
        "positions": resolution**2,
        "batch_size": batch_size,
        "channels": 64,
        "status": status,
        "time_median_s": time if status == "OK" else None,
        "gflop": {"softmax": 10.0, "refined": 0.4}.get(form, 0.3),
        "peak_memory_bytes": memory,
        "memory_above_baseline_bytes": memory,
    }


def _run(softmax_times, refined_times, floor_times, refined_memory):
    """Records of a CPU run: (resolution, batch) -> time for each form."""
    records = []
    for (resolution, batch), time in softmax_times.items():
        records.append(_record("softmax", resolution, batch, time, 10**9))
    for (resolution, batch), time in refined_times.items():
        memory = refined_memory(resolution**2)
        records.append(_record("refined", resolution, batch, time, memory))
    for (resolution, batch), time in floor_times.items():
        records.append(_record("projections", resolution, batch, time, 10**6))
    add_ratios(records)
    return {target.name: target for target in evaluate_targets(records, "cpu")}


_CONFIGS = [(64, 8), (64, 2), (128, 2), (256, 2)]


def test_a_run_meeting_every_cpu_target():
    targets = _run(
        softmax_times={(64, 8): 5.0, (128, 2): 40.0},
        refined_times={config: 0.1 for config in _CONFIGS},
        floor_times={config: 0.08 for config in _CONFIGS},
        refined_memory=lambda n: 1000 * n,
    )
    assert targets["refined vs softmax, 64×64, batch 8"].met is True
    assert targets["refined vs softmax, 64×64, batch 8"].measured == "50× (FLOP ratio 25×)"
    assert targets["refined vs softmax, 128×128, batch 2"].met is True
    assert targets["refined memory linear in n"].met is True
    assert "slope 1.00" in targets["refined memory linear in n"].measured
    assert targets["refined close to its projections"].met is True
    assert targets["refined faster than flash softmax"].met is None


def test_a_run_missing_cpu_targets():
    targets = _run(
        softmax_times={(64, 8): 3.0, (128, 2): 20.0},
        refined_times={config: 0.1 for config in _CONFIGS},
        floor_times={config: 0.05 for config in _CONFIGS},
        refined_memory=lambda n: n * n,
    )
    assert targets["refined vs softmax, 64×64, batch 8"].met is False
    assert targets["refined vs softmax, 128×128, batch 2"].met is False
    assert targets["refined memory linear in n"].met is False
    assert "slope 2.00" in targets["refined memory linear in n"].measured
    assert targets["refined close to its projections"].met is False


def test_targets_without_their_cases_are_not_measured():
    targets = evaluate_targets([], "cpu")
    assert [target.met for target in targets] == [None] * len(targets)
    assert "not measured" in targets_table(targets)


@pytest.mark.parametrize(
    "fused_status, fused_time, met", [("OK", 0.5, True), ("OK", 0.05, False), ("OOM", None, True)]
)
def test_gpu_targets_compare_refined_with_fused_softmax(fused_status, fused_time, met):
    records = [
        _record("refined", 64, 2, 0.1, 10**6),
        _record("fused_softmax", 64, 2, fused_time, 10**9, status=fused_status),
    ]
    add_ratios(records)
    targets = {target.name: target for target in evaluate_targets(records, "gpu")}
    assert targets["refined faster than flash softmax"].met is met
    assert targets["refined vs softmax, 64×64, batch 8"].met is None
