"""The synthetic attention tasks: deterministic images, the stated structure, one source read by
both input pipelines, and the oracle that fills a hole from where the task hides the answer."""

import numpy as np
import pytest

from training.data import arrays
from training.data import attention_task_oracle
from training.data import attention_tasks
from training.data.info import DatasetError
from training.families.corruption import hidden_pixels

RESOLUTION = 16


def signal_only(monkeypatch):
    monkeypatch.setattr(attention_tasks, "NOISE_STD", 0.0)


@pytest.mark.parametrize("name", attention_tasks.NAMES)
def test_images_are_a_function_of_split_and_position(name):
    first = attention_tasks.images(name, ["train"], np.arange(4), RESOLUTION)
    np.testing.assert_array_equal(first, attention_tasks.images(name, ["train"], np.arange(4),
                                                                RESOLUTION))
    assert first.dtype == np.uint8 and first.shape[1:3] == (RESOLUTION, RESOLUTION)
    assert len({image.tobytes() for image in first}) == 4
    test = attention_tasks.images(name, ["test"], np.arange(4), RESOLUTION)
    assert not np.array_equal(first, test)
    # "train+test": the test images follow the training images.
    joined = attention_tasks.images(name, ["train", "test"], np.array([10_000, 10_001]),
                                    RESOLUTION)
    np.testing.assert_array_equal(joined, test[:2])


def test_global_colour_is_one_colour_per_image_up_to_the_noise(monkeypatch):
    noisy = attention_tasks.images("global_colour", ["test"], np.arange(8), RESOLUTION) / 127.5
    residual = noisy - noisy.mean(axis=(1, 2), keepdims=True)
    assert abs(residual.std() - attention_tasks.NOISE_STD) < 0.01
    signal_only(monkeypatch)
    clean = attention_tasks.images("global_colour", ["test"], np.arange(8), RESOLUTION)
    assert (clean == clean[:, :1, :1]).all()
    assert len({tuple(image[0, 0]) for image in clean}) == 8


def test_mirror_images_are_left_right_symmetric_up_to_the_noise(monkeypatch):
    noisy = attention_tasks.images("mirror", ["test"], np.arange(8), RESOLUTION) / 127.5
    difference = noisy - noisy[:, :, ::-1]
    # Two independent noises: σ√2.
    assert abs(difference.std() - np.sqrt(2) * attention_tasks.NOISE_STD) < 0.01
    signal_only(monkeypatch)
    clean = attention_tasks.images("mirror", ["test"], np.arange(8), RESOLUTION)
    np.testing.assert_array_equal(clean, clean[:, :, ::-1])
    # The left half is texture, not a constant.
    assert clean[:, :, : RESOLUTION // 2].std() > 40
    with pytest.raises(DatasetError, match="even resolution.*resolution=15"):
        attention_tasks.images("mirror", ["test"], [0], 15)


@pytest.mark.parametrize("name", attention_tasks.NAMES)
def test_both_pipelines_read_the_same_images(name):
    from training.data.pipeline import make_dataset

    options = dict(resolution=RESOLUTION, batch_size=4, split="test", shuffle=False,
                   repeat=False)
    with arrays.BatchIterator(name, **options) as batches:
        numpy_images, labels = next(batches)
    tf_images, _ = next(iter(make_dataset(name, **options)))
    np.testing.assert_array_equal(numpy_images, tf_images.numpy())
    assert numpy_images.shape[-1] == arrays.array_dataset_info(name).channels
    assert not labels.any()


def test_oracle_fills_a_mirror_hole_with_its_mirror_image(monkeypatch):
    signal_only(monkeypatch)
    images = attention_tasks.images("mirror", ["test"], np.arange(4), RESOLUTION) / 127.5 - 1
    # Holes of a quarter side at the left edge: their mirror images are all visible.
    draws = np.array([[0.0, 0.0, 0.5, 0.0]] * 4, np.float32)
    hidden = np.asarray(hidden_pixels(images, "hole", draws, hole_sides=(0.25, 0.25)))
    assert hidden[:, :, : RESOLUTION // 4].sum() == 4 * 4 * 4
    corrupted = images * (1 - hidden)
    filled = attention_tasks.oracle_fill("mirror", corrupted, hidden)
    np.testing.assert_allclose(filled, images, atol=1e-6)
    assert np.abs(corrupted - images).max() > 0.5


@pytest.mark.parametrize("name, hole", [("mirror", 0.25), ("global_colour", 0.75)])
def test_oracle_clears_the_blind_fill_by_a_wide_margin(name, hole):
    scores = attention_task_oracle.reference_scores(name, RESOLUTION, (hole, hole), count=64)
    assert scores["oracle"] > scores["blind"] + 5
