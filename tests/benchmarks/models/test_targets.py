from benchmarks.models.targets import evaluate_targets, quickstart_speedup_target


def _row(config, ratios):
    return {"family": "sagan", "resolution": 128, "config": config, "ratios": ratios}


def _stats(median):
    return {"median": median, "q1": median - 0.01, "q3": median + 0.01, "pairs": 10}


def test_refined_within_five_percent_of_no_attention_everywhere():
    rows = [_row("default", {"refined/none": _stats(1.02)}),
            _row("highest", {"refined/none": _stats(1.04)})]  # fmt: skip
    target, _ = evaluate_targets(rows, "cpu")
    assert target.met is True
    assert "sagan 128 px highest: 1.04× (1.03–1.05)" in target.measured


def test_one_placement_over_five_percent_misses_the_target():
    rows = [_row("default", {"refined/none": _stats(1.02)}),
            _row("highest_unpooled", {"refined/none": _stats(1.2)})]  # fmt: skip
    assert evaluate_targets(rows, "cpu")[0].met is False


def test_without_comparisons_or_on_a_gpu_the_target_is_not_measured():
    assert evaluate_targets([_row("default", {})], "cpu")[0].met is None
    assert evaluate_targets([_row("default", {"refined/none": _stats(1.0)})], "gpu")[0].met is None


def test_every_option_counts_for_the_refined_target():
    rows = [_row("default", {"refined/none": _stats(1.02)}),
            {**_row("default", {"refined/none": _stats(1.08)}), "precision": "mixed_bfloat16",
             "jit_compile": True}]  # fmt: skip
    target = evaluate_targets(rows, "cpu")[0]
    assert target.met is False
    assert "sagan 128 px default mixed_bfloat16 + XLA: 1.08×" in target.measured


def _options(ratios, **overrides):
    return {"model": "sagan_refined", "resolution": 32, "ch": 16, "batch_size": 32,
            "config": "default", "status": "OK", "ratios": ratios, **overrides}  # fmt: skip


def test_the_quickstart_target_takes_the_best_option():
    comparison = _options(
        {"float32/float32+xla": _stats(1.3), "float32/mixed_bfloat16+xla": _stats(1.6)}
    )
    target = quickstart_speedup_target([comparison])
    assert target.met is True and "best mixed_bfloat16+xla" in target.measured
    slow = _options({"float32/float32+xla": _stats(1.3)})
    assert quickstart_speedup_target([slow]).met is False
    # Other settings than the quickstart's do not judge it.
    assert quickstart_speedup_target([_options({}, batch_size=8)]).met is None
    assert evaluate_targets([], "gpu", [comparison])[1].met is None
