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
