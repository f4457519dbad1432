"""Presets: a zoo model written as a directory loads back with the same weights, on every backend;
bad input is refused with the file, the names or the choices."""

import json
import os

import h5py
import numpy as np
import pytest

import zoo
from tests.zoo.helpers import predict
from tests.zoo.helpers import sample_inputs
from zoo import presets

ARGUMENTS = {"resolution": 32, "channels": 1, "ch": 8}
METADATA = {"dataset": "synthetic", "steps": 0, "engine": "none"}


def _saved(tmp_path, name, weights_dtype="float32"):
    model = zoo.create(name, **ARGUMENTS)
    directory = str(tmp_path / name)
    zoo.save_preset(model, name, ARGUMENTS, directory, METADATA, weights_dtype)
    return model, directory


@pytest.mark.parametrize("name", ["sagan_refined", "autoencoder_refined"])
def test_preset_round_trip_gives_the_same_outputs(tmp_path, name):
    model, directory = _saved(tmp_path, name)
    loaded = zoo.from_preset(directory, model=name)
    assert type(loaded) is type(model)
    for role, network in model.networks().items():
        inputs = sample_inputs(network)
        np.testing.assert_array_equal(predict(loaded.networks()[role], inputs), predict(network, inputs))
    assert presets.load_preset_metadata(directory) == {**METADATA, "weights_dtype": "float32"}


def test_float16_preset_holds_half_size_weights_close_to_float32(tmp_path):
    model, directory = _saved(tmp_path, "autoencoder_refined", "float16")
    _, full = _saved(tmp_path / "full", "autoencoder_refined")
    file = "autoencoder.weights.h5"
    assert _array_bytes(os.path.join(directory, file)) * 2 == _array_bytes(os.path.join(full, file))
    loaded = zoo.from_preset(directory)
    images = sample_inputs(model)
    # float16 keeps ~3 decimal digits of every weight.
    np.testing.assert_allclose(predict(loaded, images), predict(model, images), atol=2e-2)
    assert not np.array_equal(predict(loaded, images), predict(model, images))
    assert loaded.weights[0].dtype == "float32"


def _array_bytes(path):
    sizes = []
    with h5py.File(path, "r") as file:
        file.visititems(
            lambda _, item: sizes.append(item.nbytes) if isinstance(item, h5py.Dataset) else None
        )
    return sum(sizes)


def test_unknown_preset_lists_the_shipped_ones(monkeypatch, tmp_path):
    shipped = tmp_path / "shipped"
    (shipped / "sagan_refined_demo").mkdir(parents=True)
    (shipped / "sagan_refined_demo" / "config.json").write_text("{}")
    monkeypatch.setattr(presets, "SHIPPED_DIRECTORY", str(shipped))
    with pytest.raises(zoo.PresetError, match="Unknown preset 'nope'.*sagan_refined_demo"):
        zoo.from_preset("nope")


def test_missing_weights_file_is_named(tmp_path):
    _, directory = _saved(tmp_path, "autoencoder_none")
    os.remove(os.path.join(directory, "autoencoder.weights.h5"))
    with pytest.raises(zoo.PresetError, match="autoencoder.weights.h5 is missing"):
        zoo.from_preset(directory)


def test_missing_config_is_named(tmp_path):
    _, directory = _saved(tmp_path, "autoencoder_none")
    os.remove(os.path.join(directory, "config.json"))
    with pytest.raises(zoo.PresetError, match="config.json is missing"):
        zoo.from_preset(directory)


def test_preset_of_another_model_is_refused_with_both_names(tmp_path):
    _, directory = _saved(tmp_path, "autoencoder_none")
    with pytest.raises(zoo.PresetError, match="'autoencoder_none' model, not the 'sagan_refined'"):
        zoo.from_preset(directory, model="sagan_refined")


def test_bad_weights_dtype_is_refused(tmp_path):
    with pytest.raises(ValueError, match="weights_dtype='bfloat16'"):
        zoo.save_preset(zoo.create("autoencoder_none", **ARGUMENTS), "autoencoder_none",
                        ARGUMENTS, str(tmp_path), METADATA, "bfloat16")


def test_config_records_the_zoo_call(tmp_path):
    _, directory = _saved(tmp_path, "autoencoder_none")
    with open(os.path.join(directory, "config.json")) as file:
        assert json.load(file) == {"name": "autoencoder_none", "arguments": ARGUMENTS}
