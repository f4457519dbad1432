from benchmarks.models import sweep


def _placements(model, resolution):
    entries = sweep.sweep_entries(
        [model], [resolution], sweep.CONFIGS, batch_size=8, ch=16
    )
    return {config: case.params["model_args"] for config, case in entries}


def test_sweep_places_the_attention_explicitly_and_runs_each_placement_once():
    assert _placements("sagan_softmax", 128) == {
        "default": {"attention_resolution": 32, "pool_key_value": True},
        "highest": {"attention_resolution": 64, "pool_key_value": True},
        "highest_unpooled": {"attention_resolution": 64, "pool_key_value": False},
    }
    # At 64 px both SAGAN networks reach no side above 32: "highest" is the default.
    assert _placements("sagan_refined", 64) == {
        "default": {"attention_resolution": 32, "pool_key_value": True},
        "highest_unpooled": {"attention_resolution": 32, "pool_key_value": False},
    }
    assert _placements("autoencoder_refined", 128)["highest"] == {
        "attention_resolutions": [128],
        "pool_key_value": True,
    }
    assert _placements("sagan_none", 128) == {"none": {}}


def test_every_case_runs_under_each_option_and_options_are_compared_with_the_default():
    options = [("float32", False), ("float32", True), ("mixed_bfloat16", False)]
    entries = sweep.sweep_entries(
        ["sagan_refined", "sagan_none"], [32], ["default"], batch_size=4, ch=8, options=options
    )
    seen = [(case.params["model"], sweep.option_of(case.params)) for _, case in entries]
    assert sorted(seen) == sorted(
        (model, option) for model in ("sagan_refined", "sagan_none") for option in options
    )
    assert any(case.name.endswith("float32 + XLA") for _, case in entries)
    records = [
        {**sweep.case_fields(config, case), "status": "OK", "batch_size": 4}
        for config, case in entries
    ]
    cases = sweep.options_cases(records, rounds=3, warmup=1, max_timing_s=5)
    assert sorted(case.params["model"] for case in cases) == ["sagan_none", "sagan_refined"]
    for case in cases:
        assert case.params["options"] == [list(option) for option in options]
    # The refined/none comparisons stay within one option.
    comparisons = sweep.comparison_cases(records, rounds=3, warmup=1, max_timing_s=5)
    assert sorted(sweep.option_of(case.params) for case in comparisons) == sorted(options)
    assert all(set(case.params["models"]) == {"refined", "none"} for case in comparisons)


def test_the_three_kinds_of_a_placement_are_compared_in_one_case():
    models = ["autoencoder_softmax", "autoencoder_refined", "autoencoder_none"]
    entries = sweep.sweep_entries(models, [32], ["default"], batch_size=4, ch=8)
    records = [
        {**sweep.case_fields(config, case), "status": "OK", "batch_size": 4}
        for config, case in entries
    ]
    (comparison,) = sweep.comparison_cases(records, rounds=3, warmup=1, max_timing_s=5)
    chosen = comparison.params["models"]
    assert {kind: model for kind, (model, _) in chosen.items()} == {
        "softmax": "autoencoder_softmax",
        "refined": "autoencoder_refined",
        "none": "autoencoder_none",
    }
    # Softmax and refined at the same placement; the network without attention has none.
    assert chosen["softmax"][1] == chosen["refined"][1] != chosen["none"][1] == {}
    # Without refined there is nothing to compare with.
    without_refined = [r for r in records if r["model"] != "autoencoder_refined"]
    assert sweep.comparison_cases(without_refined, rounds=3, warmup=1, max_timing_s=5) == []
