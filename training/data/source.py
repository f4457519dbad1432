"""What every tf.data source shares: the read request, the `Source` and deterministic index streams.

`DatasetError`, `DatasetInfo` and `check_split` live in `training.data.info` (no TensorFlow there,
for the JAX engine's NumPy input); they are imported here for the sources, which take them from
this module.
"""

import dataclasses
from typing import Callable

import tensorflow as tf

from training.data.info import DatasetError  # noqa: F401 (the sources import it from here)
from training.data.info import DatasetInfo
from training.data.info import check_split  # noqa: F401 (the sources import it from here)


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
