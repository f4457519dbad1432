"""Tests of training.data.arrays: NumPy batches without TensorFlow, as the tf.data pipeline's."""

import itertools

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tests.training.data.test_bad_images import make_folder
from tests.training.data.test_data import image_ids
from tests.training.data.test_data import tiny_idx_dir  # noqa: F401 (a fixture)
from training import data
from training.data import arrays
from training.data import model_images
from training.data import photo_crops
from training.data import photos
from training.data.pipeline import to_model_images as tf_model_images
from training.data.source import ReadRequest

# Largest |difference| allowed between the NumPy and tf.data preprocessing of the same stored
# image, on [-1, 1]. The resize is TensorFlow's algorithm; what differs is float32 rounding
# (the largest seen over the shapes below: 5.1e-6, at 28 -> 32 px).
TF_TOLERANCE = 1e-5


def batches(count, name="fashion_mnist", **options):
    options = {"resolution": 28, "batch_size": 4, **options}
    with arrays.BatchIterator(name, **options) as iterator:
        return list(itertools.islice(iterator, count))


def ids(batch_list):
    return [image_ids(images) for images, _ in batch_list]


def test_shapes_types_and_value_range():
    for name, channels in [("fashion_mnist_embedded", 3), ("photos", 1), ("photos", None)]:
        (images, labels), = batches(1, name, resolution=32, batch_size=6, channels=channels)
        expected_channels = channels or arrays.array_dataset_info(name).channels
        assert images.shape == (6, 32, 32, expected_channels) and images.dtype == np.float32
        assert labels.shape == (6,) and labels.dtype == np.int32
        assert -1.0 <= images.min() < 0.0 < images.max() <= 1.0
    (images, labels), = batches(1, "fashion_mnist_embedded", resolution=32, channels=3)
    np.testing.assert_array_equal(images[..., 0], images[..., 2])  # Gray copied to RGB.
    assert set(labels) <= set(range(10))


@pytest.mark.parametrize("name", ["fashion_mnist_embedded", "photos"])
def test_same_seed_same_batches_other_seed_other_batches(name):
    first, again = batches(3, name, seed=5), batches(3, name, seed=5)
    for (images, labels), (images_again, labels_again) in zip(first, again):
        np.testing.assert_array_equal(images, images_again)
        np.testing.assert_array_equal(labels, labels_again)
    assert not np.array_equal(first[0][0], batches(1, name, seed=6)[0][0])


@pytest.mark.parametrize("name", ["fashion_mnist_embedded", "photos"])
def test_the_number_of_workers_changes_no_batch(name):
    one = batches(2, name, batch_size=7, workers=1)
    three = batches(2, name, batch_size=7, workers=3)
    for (images, labels), (images_again, labels_again) in zip(one, three):
        np.testing.assert_array_equal(images, images_again)
        np.testing.assert_array_equal(labels, labels_again)


def test_every_epoch_visits_every_image_in_a_new_order(tiny_idx_dir):  # noqa: F811
    stream = sum(ids(batches(12, seed=1)), [])
    epochs = [stream[start : start + 16] for start in (0, 16, 32)]
    assert all(sorted(epoch) == list(range(16)) for epoch in epochs)
    assert len({tuple(epoch) for epoch in epochs}) == 3


@pytest.mark.parametrize("name", ["fashion_mnist", "photos"])
def test_resuming_at_a_position_continues_the_stream(tiny_idx_dir, name):  # noqa: F811
    with arrays.BatchIterator(name, resolution=28, batch_size=4, seed=2) as iterator:
        for _ in range(3):
            next(iterator)
        assert iterator.position == 3
        # Batches 3..6 cross from the first epoch of 16 images into the second.
        continued = list(itertools.islice(iterator, 4))
        assert iterator.position == 7
    with arrays.BatchIterator(name, resolution=28, batch_size=4, seed=2, position=3) as resumed:
        restarted = list(itertools.islice(resumed, 4))
        assert resumed.position == 7
    for (images, labels), (images_again, labels_again) in zip(continued, restarted):
        np.testing.assert_array_equal(images, images_again)
        np.testing.assert_array_equal(labels, labels_again)


def test_shards_partition_each_batch(tiny_idx_dir):  # noqa: F811
    whole = ids(batches(3, batch_size=8, seed=4))
    shards = [ids(batches(3, batch_size=8, seed=4, shard_index=k, shard_count=2)) for k in (0, 1)]
    for step in range(3):
        first, second = shards[0][step], shards[1][step]
        assert len(first) == len(second) == 4
        assert not set(first) & set(second)
        assert sorted(first + second) == sorted(whole[step])


def test_single_pass_keeps_the_last_partial_batch_repeating_drops_it(tiny_idx_dir):  # noqa: F811
    single = batches(10, batch_size=6, shuffle=False, repeat=False)
    assert [len(labels) for _, labels in single] == [6, 6, 4]
    assert sum(ids(single), []) == list(range(16))
    assert [len(labels) for _, labels in batches(5, batch_size=6)] == [6] * 5
    test_split = batches(10, split="test", batch_size=3, shuffle=False, repeat=False)
    assert sum(ids(test_split), []) == [16, 17, 18, 19]


def test_heldout_batches_are_the_test_split_or_another_seeds_stream(tiny_idx_dir):  # noqa: F811
    with arrays.heldout_batches("fashion_mnist", resolution=28, batch_size=4) as heldout:
        assert image_ids(next(heldout)[0]) == [16, 17, 18, 19]
        with pytest.raises(StopIteration):
            next(heldout)
    with arrays.heldout_batches("photos", resolution=32, batch_size=4, seed=3) as heldout:
        photo_batch = next(heldout)[0]
    np.testing.assert_array_equal(photo_batch, batches(1, "photos", resolution=32, seed=4)[0][0])


@pytest.mark.parametrize(
    "shape, resolution, channels",
    [
        ((28, 28, 1), 32, 1),
        ((28, 28, 1), 16, 3),
        ((37, 37, 3), 17, 3),
        ((300, 400, 3), 64, 3),
        ((512, 512, 3), 64, 1),
        ((100, 100, 3), 256, 3),
    ],
)
def test_images_match_the_tf_data_pipeline(shape, resolution, channels):
    stored = np.random.default_rng(0).integers(0, 256, (3, *shape), dtype=np.uint8)
    ours = model_images.to_model_images(stored, resolution=resolution, channels=channels)
    theirs = np.stack(
        [
            tf_model_images(tf.constant(image), 0, resolution=resolution, channels=channels)[0]
            for image in stored
        ]
    )
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() <= TF_TOLERANCE


def test_fashion_mnist_batches_match_the_tf_data_pipeline():
    options = dict(resolution=32, batch_size=16, channels=3, shuffle=False, repeat=False)
    expected, expected_labels = next(iter(data.make_dataset("fashion_mnist_embedded", **options)))
    (images, labels), = batches(1, "fashion_mnist_embedded", **options)
    np.testing.assert_array_equal(labels, expected_labels.numpy())
    assert np.abs(images - expected.numpy()).max() <= TF_TOLERANCE


def test_photo_crops_fall_where_the_tf_data_pipelines_do_for_the_same_draws():
    heights, widths = photo_crops.photo_sizes()
    request = ReadRequest(split="train", resolution=64, seed=7, repeat=False)
    for index, (crop, _) in enumerate(photos.source().read(request).take(12)):
        draws = tf.random.stateless_uniform([photo_crops.DRAWS_PER_CROP], seed=[7, index])
        photo, top, left, side, flip = photo_crops.crop_window(
            draws.numpy(), heights, widths, 64
        )
        expected = photo_crops.load_photos()[photo][top : top + side, left : left + side]
        np.testing.assert_array_equal(crop.numpy(), expected[:, ::-1] if flip else expected)


def test_datasets_that_need_tensorflow_are_refused_with_the_fix(tmp_path):
    with pytest.raises(arrays.DatasetError) as error:
        arrays.BatchIterator("cifar10", resolution=32, batch_size=4)
    message = str(error.value)
    assert "'cifar10' needs TensorFlow (tensorflow-datasets)" in message
    assert "keras-refined-sa[train]" in message and "KERAS_BACKEND=tensorflow" in message
    with pytest.raises(arrays.DatasetError, match="No folder"):
        arrays.array_dataset_info(str(tmp_path / "missing"))
    with pytest.raises(arrays.DatasetError, match="holds no images"):
        arrays.array_dataset_info(str(tmp_path))


def test_folder_of_pngs_gives_the_tf_data_pipelines_images_and_labels(tmp_path):
    rng = np.random.default_rng(0)
    for index, (label, shape) in enumerate([("cat", (20, 24, 3)), ("dog", (30, 30, 1))] * 3):
        (tmp_path / label).mkdir(exist_ok=True)
        pixels = rng.integers(0, 256, shape, np.uint8)
        Image.fromarray(pixels[..., 0] if shape[-1] == 1 else pixels).save(
            tmp_path / label / f"{index}.png"
        )
    info = arrays.array_dataset_info(str(tmp_path))
    assert info == data.dataset_info(str(tmp_path))
    assert info.class_names == ("cat", "dog") and info.num_examples == 6
    options = dict(resolution=16, batch_size=6, shuffle=False, repeat=False)
    expected, expected_labels = next(iter(data.make_dataset(str(tmp_path), **options)))
    (images, labels), = batches(1, str(tmp_path), **options)
    np.testing.assert_array_equal(labels, expected_labels.numpy())
    assert np.abs(images - expected.numpy()).max() <= TF_TOLERANCE


def test_folder_files_that_cannot_be_decoded_are_skipped_with_a_warning(tmp_path, capsys):
    folder = make_folder(tmp_path / "mixed")
    assert arrays.array_dataset_info(str(folder)).num_examples == 5
    message = capsys.readouterr().err
    assert "skipping 2 of 7 image files" in message
    assert f"{folder}/corrupt.png (" in message and f"{folder}/empty.jpg (empty file)" in message
    for images, _ in batches(3, str(folder), resolution=16, batch_size=4):
        assert images.shape == (4, 16, 16, 3)


@pytest.mark.parametrize(
    "options, named",
    [
        (dict(shard_index=2, shard_count=2), "shard_index=2"),
        (dict(batch_size=5, shard_count=2), "batch_size=5"),
        (dict(position=-1), "position=-1"),
        (dict(resolution=8), "resolution=8"),
        (dict(split="validation"), "split='validation'"),
    ],
)
def test_bad_arguments_are_named(options, named):
    options = {"resolution": 32, "batch_size": 4, **options}
    with pytest.raises(arrays.DatasetError) as error:
        arrays.BatchIterator("fashion_mnist_embedded", **options)
    assert named in str(error.value)


def test_errors_in_the_background_thread_reach_the_caller(monkeypatch):
    iterator = arrays.BatchIterator("fashion_mnist_embedded", resolution=32, batch_size=4)

    def broken(index):
        raise OSError(f"disk gone at batch {index}")

    monkeypatch.setattr(iterator, "batch", broken)
    with pytest.raises(OSError, match="disk gone at batch 0"):
        next(iterator)
    with pytest.raises(StopIteration):
        next(iterator)


def test_close_stops_the_thread():
    iterator = arrays.BatchIterator("photos", resolution=32, batch_size=4, prefetch=1)
    next(iterator)
    iterator.close()
    assert not iterator._thread.is_alive()
    with pytest.raises(StopIteration):
        next(iterator)
