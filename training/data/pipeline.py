"""A dataset by name, as model inputs: float32 images in [-1, 1] at one size, batched.

Every dataset yields `(images, labels)`: float32 images `(batch, R, R, C)` scaled to [-1, 1] and
int32 labels `(batch,)` (all 0 for unlabeled data). Sources, by name:

- `"fashion_mnist"` (the default): Fashion-MNIST, from Debian's `dataset-fashion-mnist` IDX files
  (70,000 images) when installed, else a copy prepared by tensorflow-datasets under `data_dir`,
  else the 10,000 images bundled in this package. Works offline with no options.
- `"fashion_mnist_embedded"`: always the bundled 10,000 images.
- `"photos"`: random crops of the RGB photos bundled with scikit-image, for 64..256 px runs.
- `"global_colour"`, `"mirror"`: synthetic tasks whose holes need far-away pixels
  (`training.data.attention_tasks`, docs/attention_tasks.md).
- a path to a folder of images (one subfolder per class gives labels).
- any tensorflow-datasets name (`"cifar10"`, `"celeb_a"`, `"lsun/church_outdoor"`, ...) prepared
  under `data_dir`; nothing is ever downloaded.

See docs/data.md for how to provide each one.
"""

import difflib
import functools
import logging
import os

import tensorflow as tf

from training.data import attention_task_source
from training.data import attention_tasks
from training.data import fashion_mnist
from training.data import image_folder
from training.data import photos
from training.data import tfds_source
from training.data.info import LUMA_WEIGHTS
from training.data.info import check_arguments
from training.data.source import DatasetError
from training.data.source import ReadRequest

logger = logging.getLogger(__name__)

_BUILT_IN = {
    "fashion_mnist": fashion_mnist.find_source,
    "fashion_mnist_embedded": lambda data_dir: fashion_mnist.embedded_source(),
    "photos": lambda data_dir: photos.source(),
    **{
        name: functools.partial(lambda name, data_dir: attention_task_source.source(name), name)
        for name in attention_tasks.NAMES
    },
}


def available_datasets():
    """The names of the built-in datasets, which need no download and no option."""
    return sorted(_BUILT_IN)


def dataset_info(name, data_dir=None):
    """Describe a dataset without reading its images.

    Args:
        name: a built-in name (see `available_datasets()`), a folder of images, or a
            tensorflow-datasets name.
        data_dir: where tensorflow-datasets keeps prepared datasets; None for its default.

    Returns:
        A `DatasetInfo`; its `source` says which copy on this machine would be read.

    Raises:
        DatasetError: the dataset is unknown or not available on this machine.

    Example:

    >>> dataset_info("fashion_mnist").num_classes
    10
    """
    return find_source(name, data_dir).info


def find_source(name, data_dir=None):
    """The `training.data.source.Source` that `name` refers to on this machine."""
    if isinstance(name, str) and name in _BUILT_IN:
        return _BUILT_IN[name](data_dir)
    if not isinstance(name, (str, os.PathLike)) or not os.fspath(name):
        raise DatasetError(
            f"`name` must be a dataset name or a folder path. Received: name={name!r}"
        )
    path = os.path.expanduser(os.fspath(name))
    if os.path.isdir(path):
        return image_folder.source(path)
    if os.path.exists(path):
        raise DatasetError(f"{name!r} is a file; pass a folder of images instead.")
    if isinstance(name, os.PathLike) or name.startswith(("/", ".", "~")) or name.endswith("/"):
        raise DatasetError(f"No folder {path!r} exists. Received: name={name!r}")
    found = tfds_source.find_source(name, data_dir)
    if found is None:
        raise DatasetError(_unknown_name_message(name))
    return found


def make_dataset(
    name="fashion_mnist",
    *,
    resolution,
    batch_size,
    split="train",
    channels=None,
    data_dir=None,
    seed=0,
    shuffle=True,
    repeat=True,
    input_context=None,
    initial_step=0,
):
    """A batched, prefetched `tf.data.Dataset` of training images for a model.

    Images are converted to `channels` (gray to RGB by copying, RGB to gray by BT.601 luma),
    centre-cropped to a square when they are not, resized to `resolution` (bilinear, antialiased
    when shrinking) and scaled to [-1, 1]. Everything is a function of `seed`: two datasets
    built alike give identical batches, and each epoch has its own order.

    Args:
        name: a built-in dataset (see `available_datasets()`), a folder of images, or a prepared
            tensorflow-datasets name.
        resolution: side of the square output images, 16 to 512.
        batch_size: global batch size; with `input_context`, each replica gets its share.
        split: split to read, e.g. `"train"`, `"test"` or `"train+test"`.
        channels: 1 or 3; None keeps the dataset's own (`dataset_info(name).channels`).
        data_dir: where tensorflow-datasets keeps prepared datasets; None for its default.
        seed: integer fixing the order and any random crops.
        shuffle: whether to shuffle (a new order every epoch).
        repeat: whether to repeat for ever. Repeating datasets drop the last partial batch so
            that every batch has a static shape; a single pass keeps it.
        input_context: the `tf.distribute.InputContext` given by
            `strategy.distribute_datasets_from_function`; the dataset then reads only this
            pipeline's share and batches `input_context.get_per_replica_batch_size(batch_size)`.
        initial_step: training steps already done: start where step `initial_step` of the same
            dataset would be, without computing the batches before it. Resumes a run under a
            distribution strategy, whose distributed iterators `tf.train.Checkpoint` cannot
            save; a single-device run can checkpoint its iterator instead.

    Returns:
        A dataset of `(images float32 (b, R, R, C), labels int32 (b,))`.

    Raises:
        DatasetError: unknown or unavailable dataset, unknown split, or an invalid argument.

    Example:

    >>> dataset = make_dataset("fashion_mnist", resolution=32, batch_size=8, channels=3)
    >>> images, labels = next(iter(dataset))
    >>> images.shape, labels.shape
    (TensorShape([8, 32, 32, 3]), TensorShape([8]))
    """
    check_arguments(
        resolution=resolution,
        batch_size=batch_size,
        channels=channels,
        seed=seed,
        initial_step=initial_step,
    )
    source = find_source(name, data_dir)
    channels = source.info.channels if channels is None else channels
    # Every step takes one batch per replica: `batch_size` images from all pipelines together.
    pipelines = 1 if input_context is None else input_context.num_input_pipelines
    request = ReadRequest(
        split=split,
        resolution=resolution,
        seed=int(seed),
        shuffle=bool(shuffle),
        repeat=bool(repeat),
        input_context=input_context,
        skip=int(initial_step) * batch_size // pipelines,
    )
    logger.info("Dataset %s, split %r, from %s", source.info.name, split, source.info.source)
    dataset = source.read(request)
    preprocess = functools.partial(to_model_images, resolution=resolution, channels=channels)
    dataset = dataset.map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)
    if input_context is not None:
        batch_size = input_context.get_per_replica_batch_size(batch_size)
    dataset = dataset.batch(batch_size, drop_remainder=repeat)
    return dataset.prefetch(tf.data.AUTOTUNE)


def to_model_images(image, label, *, resolution, channels):
    """One stored image (uint8, any size) as a model input: float32 `(R, R, C)` in [-1, 1].

    Args:
        image: uint8 tensor `(height, width, 1 or 3)`.
        label: passed through.
        resolution: output side `R`.
        channels: output channels `C`, 1 or 3.
    """
    image = tf.cast(image, tf.float32)
    if image.shape[-1] == 1 and channels == 3:
        image = tf.image.grayscale_to_rgb(image)
    elif image.shape[-1] == 3 and channels == 1:
        image = tf.tensordot(image, LUMA_WEIGHTS, axes=1)[..., None]
    image = _center_square(image)
    if tuple(image.shape[:2]) != (resolution, resolution):
        image = tf.image.resize(image, (resolution, resolution), antialias=True)
    # Antialiased resizing may overshoot the input range by a hair.
    return tf.clip_by_value(image / 127.5 - 1.0, -1.0, 1.0), label


def _center_square(image):
    height, width = image.shape[0], image.shape[1]
    if height is not None and height == width:
        return image
    shape = tf.shape(image)
    side = tf.minimum(shape[0], shape[1])
    top, left = (shape[0] - side) // 2, (shape[1] - side) // 2
    return image[top : top + side, left : left + side]


def _unknown_name_message(name):
    candidates = sorted(set(available_datasets()) | set(tfds_source.registered_names()))
    close = difflib.get_close_matches(name, candidates, n=3)
    hint = f" Did you mean {' or '.join(repr(match) for match in close)}?" if close else ""
    folder = f" No folder {name!r} exists either." if os.sep in name else ""
    return (
        f"Unknown dataset {name!r}.{hint}{folder} Use a built-in dataset "
        f"({', '.join(available_datasets())}), a folder of images (a path), or a "
        f"tensorflow-datasets name prepared under --data-dir (cifar10, celeb_a, "
        f"lsun/church_outdoor, ...; see docs/data.md)."
    )
