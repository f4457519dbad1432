"""What every data source shares: the error, the description, and deterministic index streams."""

import dataclasses
from typing import Callable

import tensorflow as tf


class DatasetError(ValueError):
    """A dataset that cannot be used: unknown, not on this machine, or asked for the wrong way."""


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What a dataset holds, known without reading its images.

    Attributes:
        name: the name or folder the dataset was asked for by.
        channels: channels of the stored images (1 or 3); `make_dataset(channels=None)` keeps them.
        num_classes: number of classes, 0 when the images have no labels.
        num_examples: images in the `"train"` split (all splits if it has none): one epoch.
        native_resolution: side of the stored images when they are all square and of one size,
            else None.
        splits: split name -> number of images.
        description: one line on what the images are.
        source: where the images come from on this machine (a path, a package, a tfds version).
        class_names: the label names, in label order; empty when unlabeled or unknown.
    """

    name: str
    channels: int
    num_classes: int
    num_examples: int
    native_resolution: int | None
    splits: dict
    description: str
    source: str
    class_names: tuple = ()


@dataclasses.dataclass(frozen=True)
class ReadRequest:
    """What `training.data.make_dataset` asks of a source.

    Attributes:
        split: split name, or names joined by `+`.
        resolution: the model's resolution; only sources that crop (`photos`) use it.
        seed: integer fixing the order and any randomness.
        shuffle: whether to shuffle, with a new order every epoch.
        repeat: whether to repeat for ever.
        input_context: a `tf.distribute.InputContext`, or None for a single pipeline.
        skip: elements of this pipeline to pass over before the first one, without
            computing them (resuming a run at a given step).
    """

    split: str
    resolution: int
    seed: int = 0
    shuffle: bool = True
    repeat: bool = True
    input_context: object = None
    skip: int = 0


@dataclasses.dataclass(frozen=True)
class Source:
    """A dataset found on this machine: its description and how to read it.

    `read(request)` takes a `ReadRequest` and returns an unbatched `tf.data.Dataset` of
    `(image uint8 (height, width, channels), label int32 ())`, already sharded, shuffled,
    repeated and skipped as asked. Images keep their stored size; `training.data` resizes them.
    """

    info: DatasetInfo
    read: Callable[[ReadRequest], tf.data.Dataset]


def element_indices(num_examples, request):
    """The global element numbers this input pipeline reads: 0, 1, 2, ... split among pipelines.

    Pipeline `k` of `P` reads `k, k + P, k + 2P, ...` (after its first `request.skip`), so the
    pipelines see disjoint elements and together see every one. With `request.repeat` the
    numbers never stop: element `i` belongs to epoch `i // num_examples`.
    """
    start, step = 0, 1
    if request.input_context is not None:
        context = request.input_context
        start, step = context.input_pipeline_id, context.num_input_pipelines
    stop = tf.int64.max if request.repeat else num_examples
    return tf.data.Dataset.range(start + request.skip * step, stop, step)


def indexed_dataset(num_examples, load_example, request):
    """A dataset of `load_example(position)` for data that can be read at any position.

    Each epoch visits every position once, in a fresh order drawn from `(seed, epoch)` with a
    stateless permutation: no shuffle buffer, the same order whatever TensorFlow's global seed,
    and an iterator whose checkpoint is a few hundred bytes (its element counter), because every
    step after the counter is a pure function of it.

    Args:
        num_examples: number of positions, `0 .. num_examples - 1`.
        load_example: maps a scalar int64 position tensor to one element.
        request: the `ReadRequest` (seed, shuffle, repeat, sharding, skip).
    """
    seed = tf.constant(request.seed, tf.int64)

    def position(index):
        offset = index % num_examples
        if not request.shuffle:
            return offset
        epoch_seed = tf.stack([seed, index // num_examples])
        return tf.random.experimental.index_shuffle(
            offset, seed=epoch_seed, max_index=num_examples - 1
        )

    indices = element_indices(num_examples, request)
    dataset = indices.map(position).map(load_example, num_parallel_calls=tf.data.AUTOTUNE)
    return with_symbolic_checkpoint(dataset)


def with_symbolic_checkpoint(dataset):
    """Checkpoint the iterator as element counters rather than buffered elements.

    Valid only for pipelines in which every element is a pure function of its index (no shuffle
    buffer): restoring replays the counters and recomputes the rest.
    """
    options = tf.data.Options()
    options.experimental_symbolic_checkpoint = True
    return dataset.with_options(options)


def check_split(info, split, *, slicing=False):
    """Return the parts of a split such as `"train"` or `"train+test"`, after checking each one.

    Args:
        info: the dataset's `DatasetInfo`.
        split: split names joined by `+`.
        slicing: whether parts may carry a tensorflow-datasets slice such as `"train[:10%]"`.

    Raises:
        DatasetError: a part names no split of the dataset.
    """
    parts = split.split("+") if isinstance(split, str) else [split]
    for part in parts:
        name = part.split("[")[0] if slicing and isinstance(part, str) else part
        if name not in info.splits:
            allowed = ", ".join(sorted(info.splits))
            raise DatasetError(
                f"Dataset {info.name!r} has no split {part!r}. Received: split={split!r}; "
                f"available: {allowed} (join several with '+', e.g. 'train+test')."
            )
    return parts
