"""Tests of training.data: every source, the preprocessing, determinism, sharding, checkpoints."""

import gzip
import importlib.resources
import os
import time

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from training import data
from training.data import fashion_mnist_files
from training.data import photo_crops
from training.data import photos
from training.data.source import ReadRequest


def first_batches(dataset, count):
    iterator = iter(dataset)
    return [tuple(t.numpy() for t in next(iterator)) for _ in range(count)]


def write_idx(path, array):
    """Write `array` as a gzip-compressed IDX file (big-endian, as the format requires)."""
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int32): 0x0C}
    header = bytes([0, 0, codes[array.dtype], array.ndim])
    header += np.array(array.shape, ">u4").tobytes()
    with gzip.open(path, "wb") as file:
        file.write(header + array.astype(array.dtype.newbyteorder(">")).tobytes())


@pytest.fixture
def tiny_idx_dir(tmp_path, monkeypatch):
    """Fashion-MNIST-style IDX files of 16 train and 4 test images; image i is filled with i."""
    for split, first, count in (("train", 0, 16), ("test", 16, 4)):
        values = np.arange(first, first + count, dtype=np.uint8)
        images = np.broadcast_to(values[:, None, None], (count, 28, 28)).copy()
        images_file, labels_file = fashion_mnist_files.IDX_FILES[split]
        write_idx(tmp_path / images_file, images)
        write_idx(tmp_path / labels_file, values % 10)
    monkeypatch.setattr(fashion_mnist_files, "DEBIAN_DIR", str(tmp_path))
    return tmp_path


def image_ids(images):
    """The fill value of each tiny IDX image, read back from the [-1, 1] pixels."""
    return np.rint((images[:, 0, 0, 0] + 1.0) * 127.5).astype(int).tolist()


# Sources.


def test_available_datasets_lists_the_built_ins():
    assert data.available_datasets() == [
        "fashion_mnist", "fashion_mnist_embedded", "global_colour", "mirror", "photos"
    ]


def test_installed_package_bundles_fashion_mnist_with_its_license():
    package = importlib.resources.files("training.data")
    bundle = package / "fashion_mnist_test.npz"
    with bundle.open("rb") as file, np.load(file) as arrays:
        images, labels = arrays["images"], arrays["labels"]
    assert images.shape == (10_000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10_000,) and labels.dtype == np.uint8
    # Fashion-MNIST's test split holds exactly 1000 images of each of its 10 classes.
    assert np.bincount(labels).tolist() == [1000] * 10
    assert os.path.getsize(str(bundle)) < 5_000_000
    license_text = (package / "FASHION_MNIST_LICENSE.txt").read_text()
    assert "Zalando SE" in license_text and "MIT License" in license_text


def test_embedded_dataset_yields_model_images():
    dataset = data.make_dataset("fashion_mnist_embedded", resolution=32, batch_size=16, channels=3)
    images, labels = next(iter(dataset))
    assert images.shape == (16, 32, 32, 3) and images.dtype == tf.float32
    assert labels.shape == (16,) and labels.dtype == tf.int32
    images, labels = images.numpy(), labels.numpy()
    assert images.min() == -1.0 and -1.0 <= images.max() <= 1.0 and images.max() > 0.5
    assert set(labels) <= set(range(10))
    # Gray turned RGB by copying the channel.
    np.testing.assert_array_equal(images[..., 0], images[..., 2])


def test_native_resolution_keeps_the_stored_pixels_in_order():
    images, labels = fashion_mnist_files.load_embedded()
    dataset = data.make_dataset(
        "fashion_mnist_embedded", resolution=28, batch_size=5, shuffle=False, repeat=False
    )
    batch, batch_labels = next(iter(dataset))
    expected = images[:5].astype(np.float32) / np.float32(127.5) - np.float32(1)
    np.testing.assert_array_equal(batch.numpy()[..., 0], expected)
    np.testing.assert_array_equal(batch_labels.numpy(), labels[:5])


def test_fashion_mnist_reads_idx_files_in_order(tiny_idx_dir):
    info = data.dataset_info("fashion_mnist")
    assert str(tiny_idx_dir) in info.source and info.num_classes == 10
    dataset = data.make_dataset(
        "fashion_mnist",
        resolution=28,
        batch_size=8,
        split="train+test",
        shuffle=False,
        repeat=False,
    )
    batches = list(dataset.as_numpy_iterator())
    assert [len(labels) for _, labels in batches] == [8, 8, 4]
    ids = sum((image_ids(images) for images, _ in batches), [])
    assert ids == list(range(20))
    assert np.concatenate([labels for _, labels in batches]).tolist() == [i % 10 for i in ids]


@pytest.mark.skipif(
    not os.path.isdir(fashion_mnist_files.DEBIAN_DIR), reason="Debian's dataset-fashion-mnist is absent"
)
def test_real_debian_files_give_the_full_dataset():
    info = data.dataset_info("fashion_mnist")
    assert info.splits == {"train": 60_000, "test": 10_000}
    images = fashion_mnist_files.read_idx(
        os.path.join(fashion_mnist_files.DEBIAN_DIR, fashion_mnist_files.IDX_FILES["test"][0])
    )
    np.testing.assert_array_equal(images, fashion_mnist_files.load_embedded()[0])


def test_fashion_mnist_falls_back_to_the_bundled_images(tmp_path, monkeypatch):
    monkeypatch.setattr(fashion_mnist_files, "DEBIAN_DIR", str(tmp_path))
    info = data.dataset_info("fashion_mnist", data_dir=tmp_path)
    assert "bundled" in info.source and info.num_examples == 10_000


def test_read_idx_reads_big_endian_integers(tmp_path):
    array = np.array([[1, -2, 70_000], [3, 4, -5]], np.int32)
    write_idx(tmp_path / "values.gz", array)
    np.testing.assert_array_equal(fashion_mnist_files.read_idx(tmp_path / "values.gz"), array)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x01\x00\x08\x01\x00\x00\x00\x02ab", "not an IDX file"),
        (b"\0\0\x08\x01\0\0\0\x05ab", "declares"),  # 5 bytes declared, 2 present.
    ],
)
def test_read_idx_rejects_malformed_files(tmp_path, content, message):
    (tmp_path / "bad").write_bytes(content)
    with pytest.raises(data.DatasetError, match=message):
        fashion_mnist_files.read_idx(tmp_path / "bad")


def test_photos_are_random_crops_at_the_resolution():
    dataset = data.make_dataset("photos", resolution=64, batch_size=8)
    images, labels = next(iter(dataset))
    assert images.shape == (8, 64, 64, 3) and images.dtype == tf.float32
    assert labels.numpy().tolist() == [0] * 8
    images = images.numpy()
    assert -1.0 <= images.min() and images.max() <= 1.0
    # Real photos, each crop different: no constant images, no repeated crop.
    assert images.std(axis=(1, 2, 3)).min() > 0.01
    assert len({image.tobytes() for image in images}) == 8


def test_photo_crops_are_square_and_never_upsampled():
    shapes = {photo.shape[:2] for photo in photo_crops.load_photos()}
    request = ReadRequest(split="train", resolution=256, seed=3, repeat=False)
    crops = photos.source().read(request)
    for image, _ in crops.take(40):
        height, width, channels = image.shape
        assert height == width and channels == 3
        # At least the resolution (or the whole short side of a smaller photo), at most a photo.
        assert any(min(256, min(shape)) <= height <= min(shape) for shape in shapes)


def test_photos_in_grayscale_are_the_luma_of_the_colour_crops():
    rgb = data.make_dataset("photos", resolution=32, batch_size=4, seed=5)
    gray = data.make_dataset("photos", resolution=32, batch_size=4, seed=5, channels=1)
    rgb, gray = next(iter(rgb))[0], next(iter(gray))[0]
    assert gray.shape == (4, 32, 32, 1)
    # Resizing and luma are both linear, so their order does not matter.
    luma = rgb.numpy() @ np.array([0.299, 0.587, 0.114], np.float32)
    np.testing.assert_allclose(gray.numpy()[..., 0], luma, atol=1e-5)


def write_png(path, pixels):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tf.io.encode_png(np.asarray(pixels, np.uint8)).numpy())


def test_folder_with_class_subfolders_gives_labels(tmp_path):
    for index in range(3):
        write_png(tmp_path / "cat" / f"{index}.png", np.zeros((20, 24, 3)))
        write_png(tmp_path / "dog" / f"{index}.PNG", np.full((30, 30, 1), 255))
    info = data.dataset_info(str(tmp_path))
    assert info.num_classes == 2 and info.class_names == ("cat", "dog")
    assert info.num_examples == 6
    dataset = data.make_dataset(str(tmp_path), resolution=16, batch_size=6, repeat=False)
    images, labels = next(iter(dataset))
    assert images.shape == (6, 16, 16, 3)
    assert sorted(labels.numpy().tolist()) == [0, 0, 0, 1, 1, 1]
    # Black cats, white dogs: each label matches its image.
    np.testing.assert_array_equal(images.numpy().mean(axis=(1, 2, 3)), 2.0 * labels.numpy() - 1)


def test_unlabeled_folder_center_crops_to_a_square(tmp_path):
    # A 30x60 image, white in its central 30x30 square and black on both sides.
    pixels = np.zeros((30, 60, 4))
    pixels[:, 15:45] = 255
    write_png(tmp_path / "wide.png", pixels)
    write_png(tmp_path / "nested" / "gray.png", np.full((40, 40, 1), 255))
    info = data.dataset_info(tmp_path)
    assert info.num_classes == 0 and info.num_examples == 2
    dataset = data.make_dataset(tmp_path, resolution=16, batch_size=2, channels=1)
    images, labels = next(iter(dataset))
    assert images.shape == (2, 16, 16, 1)
    np.testing.assert_allclose(images, 1.0, atol=1e-6)
    assert labels.numpy().tolist() == [0, 0]


class KerasRefinedSaTinyImages(tfds.core.GeneratorBasedBuilder):
    """A real tensorflow-datasets dataset, prepared offline: image i (20x24) is filled with i."""

    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        features = tfds.features.FeaturesDict(
            {
                "image": tfds.features.Image(shape=(20, 24, 3)),
                "label": tfds.features.ClassLabel(num_classes=3),
            }
        )
        return tfds.core.DatasetInfo(
            builder=self, features=features, supervised_keys=("image", "label")
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # Nothing to download.
        return {"train": self._generate_examples(0, 16), "test": self._generate_examples(16, 4)}

    def _generate_examples(self, first, count):
        for i in range(first, first + count):
            yield i, {"image": np.full((20, 24, 3), i, np.uint8), "label": i % 3}


TINY_TFDS = "keras_refined_sa_tiny_images"


@pytest.fixture(scope="module")
def tiny_tfds_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("tfds")
    KerasRefinedSaTinyImages(data_dir=data_dir).download_and_prepare()
    return data_dir


def test_prepared_tensorflow_dataset_reads_its_records(tiny_tfds_dir):
    info = data.dataset_info(TINY_TFDS, data_dir=tiny_tfds_dir)
    assert (info.num_classes, info.channels, info.native_resolution) == (3, 3, None)
    assert info.splits == {"train": 16, "test": 4} and info.num_examples == 16
    dataset = data.make_dataset(TINY_TFDS, resolution=16, batch_size=4, data_dir=tiny_tfds_dir)
    batches = first_batches(dataset, 8)
    assert batches[0][0].shape == (4, 16, 16, 3) and batches[0][1].dtype == np.int32
    ids = sum((image_ids(images) for images, _ in batches), [])
    labels = np.concatenate([labels for _, labels in batches]).tolist()
    assert sorted(ids[:16]) == sorted(ids[16:]) == list(range(16)) and ids[:16] != ids[16:]
    assert labels == [i % 3 for i in ids]


def test_prepared_tensorflow_dataset_shards_by_input_context(tiny_tfds_dir):
    halves = []
    for pipeline in range(2):
        context = tf.distribute.InputContext(2, pipeline, 2)
        dataset = data.make_dataset(
            TINY_TFDS, resolution=16, batch_size=8, data_dir=tiny_tfds_dir, input_context=context
        )
        halves.append(sum((image_ids(images) for images, _ in first_batches(dataset, 2)), []))
    assert sorted(halves[0] + halves[1]) == list(range(16))


@pytest.fixture
def prepared_cifar10_metadata(tmp_path):
    """A data_dir holding cifar10's real metadata (not its images), as `tfds build` leaves it."""
    builder = tfds.builder("cifar10", data_dir=tmp_path)
    splits = [
        tfds.core.SplitInfo(name=name, shard_lengths=[count], num_bytes=0)
        for name, count in [("train", 8), ("test", 4)]
    ]
    builder.info.set_splits(tfds.core.SplitDict(splits))
    builder.data_path.mkdir(parents=True)
    builder.info.write_to_directory(builder.data_path)
    return tmp_path


def test_tensorflow_datasets_name_flows_through(prepared_cifar10_metadata):
    data_dir = prepared_cifar10_metadata
    with tfds.testing.mock_data(num_examples=8, data_dir=str(data_dir)):
        info = data.dataset_info("cifar10", data_dir=data_dir)
        dataset = data.make_dataset("cifar10", resolution=16, batch_size=4, data_dir=data_dir)
        images, labels = next(iter(dataset))
    assert (info.num_classes, info.native_resolution, info.channels) == (10, 32, 3)
    assert info.splits == {"train": 8, "test": 4} and "cifar10" in info.source
    assert images.shape == (4, 16, 16, 3) and images.dtype == tf.float32
    assert -1.0 <= images.numpy().min() and images.numpy().max() <= 1.0
    assert labels.dtype == tf.int32 and set(labels.numpy()) <= set(range(10))


def test_unprepared_tensorflow_dataset_fails_at_once(tmp_path):
    start = time.perf_counter()
    with pytest.raises(data.DatasetError) as error:
        data.make_dataset("cifar10", resolution=32, batch_size=4, data_dir=tmp_path)
    assert time.perf_counter() - start < 10
    message = str(error.value)
    assert "cifar10" in message and str(tmp_path) in message and "tfds build cifar10" in message


# Errors.


def test_unknown_name_suggests_a_close_match():
    with pytest.raises(ValueError) as error:
        data.dataset_info("fashion_mnsit")
    assert isinstance(error.value, data.DatasetError)
    message = str(error.value)
    assert "Did you mean 'fashion_mnist'" in message and "photos" in message
    assert "folder" in message and "tensorflow-datasets" in message


@pytest.mark.parametrize(
    "name, message",
    [("./no/such/folder", "No folder"), (__file__, "is a file")],
)
def test_bad_folder_paths_are_rejected(name, message):
    with pytest.raises(data.DatasetError, match=message):
        data.dataset_info(name)


def test_folder_without_images_is_rejected(tmp_path):
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(data.DatasetError, match="holds no images"):
        data.dataset_info(tmp_path)


@pytest.mark.parametrize(
    "arguments, argument",
    [
        ({"resolution": 8}, "resolution"),
        ({"resolution": 1024}, "resolution"),
        ({"resolution": 32.0}, "resolution"),
        ({"batch_size": 0}, "batch_size"),
        ({"channels": 2}, "channels"),
        ({"seed": "1"}, "seed"),
        ({"initial_step": -1}, "initial_step"),
        ({"split": "validation"}, "split"),
    ],
)
def test_invalid_arguments_are_rejected(arguments, argument):
    arguments = {"resolution": 32, "batch_size": 4, **arguments}
    with pytest.raises(data.DatasetError, match=f"{argument}=") as error:
        data.make_dataset("fashion_mnist_embedded", **arguments)
    assert repr(arguments[argument]) in str(error.value)


def test_dataset_info_reads_no_images(monkeypatch, tiny_idx_dir):
    def fail(*args):
        raise AssertionError("dataset_info read images")

    for module, function in [
        (fashion_mnist_files, "load_idx_split"),
        (fashion_mnist_files, "load_embedded"),
        (photo_crops, "load_photos"),
    ]:
        monkeypatch.setattr(module, function, fail)
    for name in data.available_datasets():
        assert data.dataset_info(name).num_examples > 0


# Determinism, epochs, sharding, checkpoints.


@pytest.mark.parametrize("name", ["fashion_mnist_embedded", "photos"])
def test_same_seed_same_batches_other_seed_other_batches(name):
    def batches(seed):
        return first_batches(data.make_dataset(name, resolution=16, batch_size=8, seed=seed), 2)

    first, again, other = batches(7), batches(7), batches(8)
    for (images, labels), (images_again, labels_again) in zip(first, again):
        np.testing.assert_array_equal(images, images_again)
        np.testing.assert_array_equal(labels, labels_again)
    assert not np.array_equal(first[0][0], other[0][0])


def test_every_epoch_visits_every_image_in_a_new_order(tiny_idx_dir):
    dataset = data.make_dataset("fashion_mnist", resolution=28, batch_size=4, seed=1)
    ids = sum((image_ids(images) for images, _ in first_batches(dataset, 12)), [])
    epochs = [ids[start : start + 16] for start in (0, 16, 32)]
    assert all(sorted(epoch) == list(range(16)) for epoch in epochs)
    assert len({tuple(epoch) for epoch in epochs}) == 3


def test_input_context_shards_disjoint_halves_with_per_replica_batches(tiny_idx_dir):
    halves = []
    for pipeline in range(2):
        context = tf.distribute.InputContext(
            num_input_pipelines=2, input_pipeline_id=pipeline, num_replicas_in_sync=2
        )
        dataset = data.make_dataset(
            "fashion_mnist", resolution=28, batch_size=8, seed=4, input_context=context
        )
        batches = first_batches(dataset, 2)
        assert [len(labels) for _, labels in batches] == [4, 4]
        halves.append(sum((image_ids(images) for images, _ in batches), []))
    assert not set(halves[0]) & set(halves[1])
    assert sorted(halves[0] + halves[1]) == list(range(16))


@pytest.mark.parametrize("name", ["fashion_mnist_embedded", "photos"])
def test_iterator_checkpoint_restores_mid_stream(tmp_path, name):
    def make():
        return data.make_dataset(name, resolution=16, batch_size=4, seed=2)

    iterator = iter(make())
    for _ in range(3):
        next(iterator)
    path = tf.train.Checkpoint(iterator=iterator).save(str(tmp_path / "ckpt"))
    expected = [next(iterator) for _ in range(2)]
    restored = iter(make())
    tf.train.Checkpoint(iterator=restored).restore(path).assert_consumed()
    for images, labels in expected:
        next_images, next_labels = next(restored)
        np.testing.assert_array_equal(next_images, images)
        np.testing.assert_array_equal(next_labels, labels)
    # Counters, not buffered images: the checkpoint stays small.
    assert sum(f.stat().st_size for f in tmp_path.iterdir()) < 100_000


@pytest.mark.parametrize("name", ["fashion_mnist_embedded", "photos", TINY_TFDS])
def test_initial_step_starts_where_that_step_would_be(name, tiny_tfds_dir):
    def batches(initial_step, count):
        dataset = data.make_dataset(
            name,
            resolution=16,
            batch_size=4,
            seed=6,
            data_dir=tiny_tfds_dir,
            initial_step=initial_step,
        )
        return first_batches(dataset, count)

    for expected, resumed in zip(batches(0, 7)[5:], batches(5, 2)):
        np.testing.assert_array_equal(resumed[0], expected[0])
        np.testing.assert_array_equal(resumed[1], expected[1])


def test_initial_step_under_sharding_skips_each_pipeline_share(tiny_idx_dir):
    def ids(pipeline, initial_step):
        context = tf.distribute.InputContext(2, pipeline, 2)
        dataset = data.make_dataset(
            "fashion_mnist",
            resolution=28,
            batch_size=8,
            input_context=context,
            initial_step=initial_step,
        )
        return [image_ids(images) for images, _ in first_batches(dataset, 3)]

    for pipeline in range(2):
        assert ids(pipeline, 2)[0] == ids(pipeline, 0)[2]
