"""The pieces of `training.evaluate` that need no trained run."""

import numpy as np
import pytest

from training import config as config_lib
from training import data
from training.evaluation import EvaluationError
from training.evaluation import generator_metrics


def test_to_uint8_maps_the_generator_range_like_a_png_writer():
    values = np.array([-1.0, -0.5, 0.0, 1.0, 1.2], np.float32)
    np.testing.assert_array_equal(generator_metrics.to_uint8(values), [0, 64, 128, 255, 255])


def test_reference_split_prefers_test_and_names_the_available_splits():
    info = data.dataset_info("fashion_mnist_embedded")
    assert generator_metrics.reference_split(info) == "test"
    assert generator_metrics.reference_split(info, "train") == "train"
    photos = data.dataset_info("photos")
    assert generator_metrics.reference_split(photos) == "train"
    with pytest.raises(EvaluationError, match="no 'test' split.*--reference train"):
        generator_metrics.reference_split(photos, "test")


def test_cache_names_hold_every_setting_and_keep_folders_apart(tmp_path):
    config = config_lib.TrainConfig(model="sagan_refined", dataset="fashion_mnist", resolution=32)
    path = generator_metrics.cache_path("cache", config, "test", 1000, "clean")
    assert path == "cache/fashion_mnist-test-32px-nativech-1000-clean.npz"
    first = config_lib.TrainConfig(model="sagan_refined", dataset=str(tmp_path / "a" / "faces"))
    second = config_lib.TrainConfig(model="sagan_refined", dataset=str(tmp_path / "b" / "faces"))
    paths = [generator_metrics.cache_path("c", c, "train", 10, "clean") for c in (first, second)]
    assert paths[0] != paths[1]


def test_real_images_are_uint8_at_the_run_resolution_and_too_few_is_an_error():
    config = config_lib.TrainConfig(
        model="sagan_refined", dataset="fashion_mnist_embedded", resolution=32
    )
    images = list(generator_metrics.real_images(config, "test", 3, batch_size=2))
    assert len(images) == 3 and images[0].shape == (32, 32, 1) and images[0].dtype == np.uint8
    with pytest.raises(EvaluationError, match="fewer than"):
        list(generator_metrics.real_images(config, "test", 10_001, batch_size=5000))
