"""The `tf.distribute` strategy of a run (`--strategy`) and which process is its chief."""

import functools
import re

import tensorflow as tf

from training.choices import STRATEGIES


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


def jit_compile_problem(strategy):
    """None when XLA can compile the training step under `strategy`, else why not.

    A step replicated over CPU devices does not compile: its synchronisation points (the
    gradients' all-reduce, synchronised batch norm) go through `merge_call`, which TensorFlow
    cannot run inside an XLA function and skips only when every replica is on a GPU (measured
    with MirroredStrategy on two logical CPUs: "`merge_call` called while defining a new graph").
    One device compiles.

    Example:

    >>> jit_compile_problem(create_strategy("default")) is None
    True
    """
    if strategy.num_replicas_in_sync == 1:
        return None
    devices = strategy.extended.worker_devices
    cpus = [name for name in devices if tf.DeviceSpec.from_string(name).device_type == "CPU"]
    if not cpus:
        return None
    return (
        f"XLA cannot compile a training step replicated over CPU devices "
        f"({strategy.num_replicas_in_sync} replicas, here on {', '.join(cpus)})"
    )


def is_multi_worker(strategy):
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def smallest_over_workers(strategy, value):
    """The smallest of the integer `value` of every worker (a collective: all workers call it).

    With one process (every strategy but multi-worker) it is `value` itself.
    """
    if not is_multi_worker(strategy):
        return value
    values = strategy.experimental_distribute_values_from_function(
        lambda context: tf.constant([value], tf.int64)
    )
    return int(tf.reduce_min(strategy.gather(values, axis=0)))


# What a collective raises on the survivors once a peer is gone: UNAVAILABLE from the
# coordination service's heartbeat (a killed or frozen peer, about 10 s) or from a reset
# connection; the others when an op was aborted or cancelled on the way.
PEER_LOST_ERRORS = (
    tf.errors.UnavailableError,
    tf.errors.AbortedError,
    tf.errors.CancelledError,
    tf.errors.DeadlineExceededError,
)


def lost_peers(strategy, error):
    """`(this task, [peer tasks named in error])`, as "worker 1"-style names."""
    resolver = strategy.cluster_resolver
    me = f"{resolver.task_type} {resolver.task_id or 0}"
    named = []
    for job, task in re.findall(r"/job:(\w+)(?:/replica:\d+)?/task:(\d+)", str(error)):
        name = f"{job} {task}"
        if name != me and name not in named:
            named.append(name)
    return me, named
