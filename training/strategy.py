"""The `tf.distribute` strategy of a run and the per-replica helpers the training steps need."""

import functools

import tensorflow as tf

STRATEGIES = ("auto", "default", "mirrored", "multiworker")


def create_strategy(name="auto"):
    """Returns the `tf.distribute.Strategy` named by `--strategy`.

    Args:
        name: `"auto"` (MirroredStrategy over the local GPUs when there are two or more, else the
            default strategy), `"default"` (one device), `"mirrored"` (MirroredStrategy over the
            local GPUs, or over the logical CPU devices when there is no GPU) or `"multiworker"`
            (MultiWorkerMirroredStrategy configured by the `TF_CONFIG` environment variable).

    Example:

    >>> create_strategy("default").num_replicas_in_sync
    1
    """
    if name not in STRATEGIES:
        raise ValueError(f"`strategy` must be one of {STRATEGIES}. Received: strategy={name!r}")
    if name == "auto":
        name = "mirrored" if len(tf.config.list_logical_devices("GPU")) > 1 else "default"
    return _create(name)


# One instance per kind and process: the collective ops of a second MirroredStrategy reuse the
# first one's instance keys and abort with shape mismatches (measured with synchronised batch
# norm), and MultiWorkerMirroredStrategy may only be created once.
@functools.cache
def _create(name):
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([device.name for device in devices])
    return tf.distribute.MultiWorkerMirroredStrategy()


def worker_index(strategy):
    """None when this process writes the run's logs and checkpoints, else its worker number.

    Single-machine strategies have one process, the chief. A multi-worker run's chief is the
    task of type "chief", or worker 0 when the cluster has no chief task.
    """
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return None
    resolver = strategy.cluster_resolver
    task_type, task_id = resolver.task_type, resolver.task_id or 0
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    if task_type in (None, "chief") or (task_type == "worker" and task_id == 0 and not has_chief):
        return None
    return task_id


def local_replica_ids(strategy):
    """The global ids of the replicas that run in this process.

    MultiWorkerMirroredStrategy numbers replicas worker by worker, so worker `t` with `r` local
    devices holds the ids `t·r .. t·r + r - 1`.
    """
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return list(range(strategy.num_replicas_in_sync))
    local = len(strategy.extended.worker_devices)
    task_id = strategy.cluster_resolver.task_id or 0
    return list(range(task_id * local, (task_id + 1) * local))

def replica_seed(seed, step, stream):
    """A stateless-RNG seed unique to this replica, step and noise stream.

    The noise of a step is a function of `(seed, step, stream, replica)` only, so a resumed run
    draws exactly the noise the uninterrupted run drew. Folding the replica id in (rather than
    adding it to the seed) keeps the streams of different replicas from overlapping.

    Args:
        seed: the run's integer seed (Python int).
        step: the step counter, an integer tensor.
        stream: which draw of the step (Python int): several noise tensors per step use
            different streams.

    Returns:
        An int64 tensor of shape `(2,)` for `tf.random.stateless_*`; call it in replica context.
    """
    replica = tf.distribute.get_replica_context().replica_id_in_sync_group
    fold_in = tf.random.experimental.stateless_fold_in
    key = tf.constant([seed, stream], dtype=tf.int64)
    key = fold_in(key, tf.cast(step, tf.int64))
    return fold_in(key, tf.cast(replica, tf.int64))
