"""Training images as NumPy batches, without TensorFlow: the JAX engine's input.

The built-in datasets of `training.data` that need no TensorFlow to read:

- `"fashion_mnist"`: Debian's IDX files (70,000 images) when installed, else the 10,000 bundled
  images. The tf.data pipeline's second choice, a copy prepared by tensorflow-datasets, needs
  TensorFlow to read, so here it is passed over (`array_dataset_info(...).source` says which copy
  is read).
- `"fashion_mnist_embedded"`: always the bundled 10,000 images.
- `"photos"`: random crops of scikit-image's bundled photos.
- `"global_colour"`, `"mirror"`: the synthetic attention tasks (`training.data.attention_tasks`).
- a path to a folder of images (one subfolder per class gives labels), decoded by Pillow;
  checked before training and bad files skipped as for the tf.data pipeline
  (`training.data.image_files`). PNG decodes to the same pixels as TensorFlow's; JPEG decoders
  may differ by a few levels.

tensorflow-datasets names need TensorFlow: they raise a `DatasetError` that says so and how to
train on them.

`BatchIterator` yields the same kind of batches as `training.data.make_dataset`:
`(images float32 (b, R, R, C) in [-1, 1], labels int32 (b,))`, preprocessed the same way
(`training.data.model_images`, which agrees with TensorFlow's to float32 rounding). The order is
its own: the same `seed` gives the same batches on every run of this iterator, but not the
tf.data pipeline's (NumPy's permutations and random numbers, not TensorFlow's).
"""

import concurrent.futures
import dataclasses
import functools
import os
import queue
import threading
from typing import Callable

import numpy as np

from training.data import attention_tasks
from training.data import fashion_mnist_files
from training.data import image_files
from training.data import photo_crops
from training.data.info import DatasetError
from training.data.info import DatasetInfo
from training.data.info import check_arguments
from training.data.info import check_split
from training.data.info import heldout_split
from training.data.info import is_int
from training.data.model_images import to_model_images

BUILT_IN = ("fashion_mnist", "fashion_mnist_embedded", "photos", *attention_tasks.NAMES)
# Largest element number a repeating stream reaches (as `tf.int64.max` for tf.data).
_END = np.iinfo(np.int64).max


@dataclasses.dataclass(frozen=True)
class _Source:
    """A dataset readable without TensorFlow.

    `open(parts, resolution, seed, shuffle)` returns `(count, load)`: the number of elements in
    one epoch, and `load(elements)`, which maps an int64 array of element numbers (0, 1, 2, ...
    over all epochs) to `(uint8 images, int32 labels)`; images are one array `(b, h, w, c)` or a
    list of `(h, w, c)` arrays of different sizes.
    """

    info: DatasetInfo
    open: Callable


def available_array_datasets():
    """The dataset names `BatchIterator` reads without TensorFlow (besides folders)."""
    return list(BUILT_IN)


def array_dataset_info(name="fashion_mnist", data_dir=None):
    """Describe a dataset without reading its images or importing TensorFlow.

    Args:
        name: one of `available_array_datasets()`, or a folder of images.
        data_dir: accepted for the same call as `training.data.dataset_info`; the datasets read
            here do not use it.

    Returns:
        A `DatasetInfo`; its `source` says which copy on this machine would be read.

    Raises:
        DatasetError: a tensorflow-datasets name (they need TensorFlow), a missing folder, or
            a folder without readable images.

    Example:

    >>> array_dataset_info("fashion_mnist_embedded").splits
    {'train': 10000, 'test': 10000}
    """
    return _find_source(name, data_dir).info


def _find_source(name, data_dir=None):
    del data_dir  # No source read here lives under tensorflow-datasets' folder.
    if name == "fashion_mnist" and fashion_mnist_files.has_debian_files():
        directory = fashion_mnist_files.DEBIAN_DIR
        load = functools.partial(fashion_mnist_files.load_debian, directory)
        return _Source(fashion_mnist_files.debian_info(directory), _indexed(load))
    if name in ("fashion_mnist", "fashion_mnist_embedded"):
        return _Source(fashion_mnist_files.embedded_info(name), _indexed(_load_embedded))
    if name == "photos":
        return _Source(photo_crops.info(), _open_photos)
    if name in attention_tasks.NAMES:
        return _Source(attention_tasks.info(name), functools.partial(_open_generated, name))
    if isinstance(name, (str, os.PathLike)) and os.path.isdir(os.path.expanduser(name)):
        paths, labels, info = image_files.folder_contents(
            name, image_files.pillow_decode_problems
        )
        return _Source(info, _indexed_files(paths, np.asarray(labels, np.int32)))
    raise DatasetError(_needs_tensorflow_message(name))


def _load_embedded(parts):
    del parts  # Every split name reads the bundle.
    return fashion_mnist_files.load_embedded()


def _needs_tensorflow_message(name):
    if not isinstance(name, (str, os.PathLike)) or not os.fspath(name):
        return f"`name` must be a dataset name or a folder path. Received: name={name!r}"
    name = os.fspath(name)
    path = os.path.expanduser(name)
    if os.path.exists(path):
        return f"{name!r} is a file; pass a folder of images instead."
    if name.startswith(("/", ".", "~")) or os.sep in name:
        return f"No folder {path!r} exists. Received: name={name!r}"
    return (
        f"Dataset {name!r} needs TensorFlow (tensorflow-datasets): names other than "
        f"{', '.join(BUILT_IN)} are tensorflow-datasets datasets, which only the tf.data "
        f"pipeline reads. Without TensorFlow (the JAX engine) use a built-in dataset or a "
        f"folder of images. To train on {name!r}, install the TensorFlow engine "
        f"(pip install 'keras-refined-sa[train]') and run with KERAS_BACKEND=tensorflow."
    )


def _indexed(load_arrays):
    """`_Source.open` for images held in memory: each epoch visits every one, in a new order."""

    def open_source(parts, resolution, seed, shuffle):
        del resolution  # Stored images are resized later, in the batch.
        images, labels = load_arrays(parts)

        def load(elements):
            positions = epoch_positions(elements, len(labels), seed, shuffle)
            return images[positions][..., None], labels[positions].astype(np.int32)

        return len(labels), load

    return open_source


def _indexed_files(paths, labels):
    """`_Source.open` for image files: read and decoded when their batch is made."""

    def open_source(parts, resolution, seed, shuffle):
        del parts, resolution  # One split; images are resized later, in the batch.

        def load(elements):
            positions = epoch_positions(elements, len(paths), seed, shuffle)
            return [image_files.decode_rgb(paths[p]) for p in positions], labels[positions]

        return len(paths), load

    return open_source


def _open_generated(name, parts, resolution, seed, shuffle):
    count = attention_tasks.count(parts)

    def load(elements):
        positions = epoch_positions(elements, count, seed, shuffle)
        drawn = attention_tasks.images(name, parts, positions, resolution)
        return drawn, np.zeros(len(positions), np.int32)

    return count, load


def _open_photos(parts, resolution, seed, shuffle):
    del parts, shuffle  # One split; every crop is drawn at random already.
    photos = photo_crops.load_photos()
    heights, widths = photo_crops.photo_sizes()

    def load(elements):
        crops = []
        for element in elements:
            draws = _rng(seed, element).random(photo_crops.DRAWS_PER_CROP, dtype=np.float32)
            photo, top, left, side, flip = photo_crops.crop_window(
                draws, heights, widths, resolution
            )
            crop = photos[photo][top : top + side, left : left + side]
            crops.append(crop[:, ::-1] if flip else crop)
        return crops, np.zeros(len(crops), np.int32)

    return photo_crops.NOMINAL_EPOCH, load


def epoch_positions(elements, count, seed, shuffle):
    """The stored position each element number reads: epoch `e` is a permutation drawn from
    `(seed, e)`, or the stored order when not shuffling.

    Example:

    >>> epoch_positions(np.arange(6), 3, seed=0, shuffle=False)
    array([0, 1, 2, 0, 1, 2])
    """
    elements = np.asarray(elements, np.int64)
    offsets = elements % count
    if not shuffle:
        return offsets
    epochs = elements // count
    positions = np.empty_like(offsets)
    for epoch in np.unique(epochs):
        chosen = epochs == epoch
        positions[chosen] = _permutation(seed, int(epoch), count)[offsets[chosen]]
    return positions


@functools.lru_cache(maxsize=4)
def _permutation(seed, epoch, count):
    return _rng(seed, epoch).permutation(count)


def _rng(*numbers):
    # SeedSequence takes non-negative integers; negative seeds map to distinct large ones.
    return np.random.default_rng([int(number) % 2**64 for number in numbers])


class BatchIterator:
    """Model-ready batches of a dataset from NumPy arrays, prepared ahead in a background thread.

    A plain prefetching iterator, not grain: grain is not installed on the GPU machines this
    engine is for and brings heavy dependencies of its own, and the data here sits in memory
    (Fashion-MNIST's arrays, the photo bank), so one thread preparing the next batches while the
    accelerator works is enough.

    Element numbers 0, 1, 2, ... run over all epochs; element `i` of a repeating stream belongs
    to epoch `i // n`, each epoch a fresh permutation drawn from `(seed, epoch)`. Shard `k` of
    `P` takes elements `k, k + P, k + 2P, ...`, `batch_size // P` per batch, so batch `j` of all
    shards together holds exactly the elements of batch `j` of one unsharded iterator. Batch `j`
    is a pure function of `(seed, j)`: `BatchIterator(..., position=j)` starts there at once, and
    `position` (batches handed out so far) is all a checkpoint needs to resume.

    Args:
        name: one of `available_array_datasets()`, or a folder of images.
        resolution: side of the square output images, 16 to 512.
        batch_size: global batch size; each shard yields `batch_size // shard_count`.
        split: split to read, e.g. `"train"`, `"test"` or `"train+test"`.
        channels: 1 or 3; None keeps the dataset's own.
        data_dir: as for `training.data.make_dataset` (unused by these datasets).
        seed: integer fixing the order and any random crops.
        shuffle: whether to shuffle (a new order every epoch).
        repeat: whether to repeat for ever; repeating drops nothing but never ends, and every
            batch is full (`drop_remainder`); a single pass keeps the last partial batch.
        shard_index, shard_count: this shard (host or replica) and how many there are.
        position: batches already consumed: start at batch `position`.
        prefetch: batches prepared ahead.
        workers: threads reading and preparing the images of one batch, each a share of it
            (Pillow's decoders and NumPy's arithmetic release the GIL, so they run in parallel).

    Raises:
        DatasetError: unknown dataset, one that needs TensorFlow, unknown split, or a bad
            argument.

    Example:

    >>> with BatchIterator("fashion_mnist_embedded", resolution=32, batch_size=8) as batches:
    ...     images, labels = next(batches)
    >>> images.shape, images.dtype, labels.shape, labels.dtype, batches.position
    ((8, 32, 32, 1), dtype('float32'), (8,), dtype('int32'), 1)
    """

    def __init__(
        self,
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
        shard_index=0,
        shard_count=1,
        position=0,
        prefetch=2,
        workers=min(8, os.cpu_count() or 1),
    ):
        check_arguments(
            resolution=resolution,
            batch_size=batch_size,
            channels=channels,
            seed=seed,
            shard_index=shard_index,
            position=position,
            prefetch=prefetch,
            workers=workers,
        )
        if not is_int(shard_count) or not 0 <= shard_index < shard_count:
            raise DatasetError(
                "`shard_index` must be in [0, shard_count). Received: "
                f"shard_index={shard_index!r}, shard_count={shard_count!r}"
            )
        if batch_size % shard_count:
            raise DatasetError(
                f"`batch_size` must be a multiple of `shard_count` (each shard reads an equal "
                f"share). Received: batch_size={batch_size}, shard_count={shard_count}"
            )
        source = _find_source(name, data_dir)
        self.info = source.info
        self.resolution = resolution
        self.channels = source.info.channels if channels is None else channels
        self.shard_index, self.shard_count = shard_index, shard_count
        self.shard_batch_size = batch_size // shard_count
        self.repeat = bool(repeat)
        self._count, self._load = source.open(
            check_split(source.info, split), resolution, int(seed), bool(shuffle)
        )
        self._position = position
        self._queue = queue.Queue(maxsize=max(1, prefetch))
        self._stop = threading.Event()
        self._thread = None
        self._closed = False
        self._workers = max(1, workers)
        self._pool = concurrent.futures.ThreadPoolExecutor(self._workers, "BatchIterator")

    @property
    def position(self):
        """Batches handed out so far (including those the iterator started after)."""
        return self._position

    def batch(self, index):
        """Batch number `index` of this shard, computed now; None past the end of a single pass."""
        first = index * self.shard_batch_size
        local = np.arange(first, first + self.shard_batch_size, dtype=np.int64)
        elements = self.shard_index + self.shard_count * local
        if not self.repeat:
            elements = elements[elements < self._count]
            if not len(elements):
                return None
        # The workers each read and prepare a contiguous share, in order.
        shares = [share for share in np.array_split(elements, self._workers) if len(share)]
        prepared = list(self._pool.map(self._prepare, shares))
        return tuple(np.concatenate(parts) for parts in zip(*prepared))

    def _prepare(self, elements):
        images, labels = self._load(elements)
        if isinstance(images, list):
            images = np.concatenate([self._model_images(image[None]) for image in images])
        else:
            images = self._model_images(images)
        return images, labels

    def _model_images(self, images):
        return to_model_images(images, resolution=self.resolution, channels=self.channels)

    def __iter__(self):
        return self

    def __next__(self):
        if self._closed:
            raise StopIteration
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._produce, args=(self._position,), name="BatchIterator", daemon=True
            )
            self._thread.start()
        item = self._queue.get()
        if isinstance(item, BaseException):
            self.close()
            raise item
        if item is None:
            raise StopIteration
        self._position += 1
        return item

    def _produce(self, index):
        try:
            while not self._stop.is_set():
                batch = self.batch(index)
                self._put(batch)
                if batch is None:
                    return
                index += 1
        except Exception as error:  # Raised in the consumer, by `__next__`.
            self._put(error)

    def _put(self, item):
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def close(self):
        """Stops the background thread; the iterator yields nothing more."""
        self._closed = True
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._pool.shutdown()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def heldout_batches(name="fashion_mnist", *, seed=0, **options):
    """The held-out images as the training engines read them, as a `BatchIterator`.

    The test (or validation) split in stored order, one pass; a dataset without one gives
    another seed's reshuffled, repeating stream of its training images
    (`training.data.info.heldout_split`). `seed` is the run's: the stream uses `seed + 1`.

    Example:

    >>> batches = heldout_batches("photos", resolution=32, batch_size=4, seed=0)
    >>> next(batches)[0].shape
    (4, 32, 32, 3)
    >>> batches.close()
    """
    split, shuffle = heldout_split(array_dataset_info(name, options.get("data_dir")))
    return BatchIterator(
        name, split=split, seed=seed + 1, shuffle=shuffle, repeat=shuffle, **options
    )
