"""Per-replica helpers of the distributed training step: which replicas run here, their seeds and
their noise."""

import tensorflow as tf


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


def draw_noise(spec, batch_size, seed):
    """Draws a `training.families.Noise` for `batch_size` examples from a stateless `seed`.

    Example:

    >>> from training.families import Noise
    >>> draw_noise(Noise("integers", maxval=10), 4, seed=[0, 1]).dtype
    tf.int32
    """
    if spec.kind == "integers":
        return tf.random.stateless_uniform(
            (batch_size,), seed=seed, minval=0, maxval=spec.maxval, dtype=tf.int32
        )
    shape = tf.concat([[batch_size], tf.constant(spec.shape, tf.int32)], axis=0)
    if spec.kind == "normal":
        return tf.random.stateless_normal(shape, seed=seed)
    return tf.random.stateless_uniform(shape, seed=seed)
