from benchmarks.models.targets import evaluate_targets


def _row(config, ratios):
    return {"family": "sagan", "resolution": 128, "config": config, "ratios": ratios}


def _stats(median):
    return {"median": median, "q1": median - 0.01, "q3": median + 0.01, "pairs": 10}


def test_refined_within_five_percent_of_no_attention_everywhere():
    rows = [_row("default", {"refined/none": _stats(1.02)}),
            _row("highest", {"refined/none": _stats(1.04)})]  # fmt: skip
    (target,) = evaluate_targets(rows, "cpu")
    assert target.met is True
    assert "sagan 128 px highest: 1.04× (1.03–1.05)" in target.measured


def test_one_placement_over_five_percent_misses_the_target():
    rows = [_row("default", {"refined/none": _stats(1.02)}),
            _row("highest_unpooled", {"refined/none": _stats(1.2)})]  # fmt: skip
    assert evaluate_targets(rows, "cpu")[0].met is False


def test_without_comparisons_or_on_a_gpu_the_target_is_not_measured():
    assert evaluate_targets([_row("default", {})], "cpu")[0].met is None
    assert evaluate_targets([_row("default", {"refined/none": _stats(1.0)})], "gpu")[0].met is None
