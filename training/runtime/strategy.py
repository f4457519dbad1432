"""The `tf.distribute` strategy of a run (`--strategy`) and which process is its chief."""

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
