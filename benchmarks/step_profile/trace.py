"""Profiles calls of a TensorFlow function and reads back the time of every op they ran."""

import collections
import pathlib
import tempfile

import tensorflow as tf
from tensorflow.tsl.profiler.protobuf import xplane_pb2

# The executor threads of TensorFlow's CPU runtime: one event per op run, named "name:type".
_OP_LINE_PREFIX = "tf_Compute"


def read_op_seconds(xspace_path):
    """Seconds spent in each op of a profiler trace, summed over its runs and threads.

    Args:
        xspace_path: a `*.xplane.pb` file written by `tf.profiler.experimental`.

    Returns:
        `{(op_name, op_type): seconds}`, e.g. `{("model/dense/MatMul", "_MklMatMul"): 0.012}`.
    """
    space = xplane_pb2.XSpace()
    space.ParseFromString(pathlib.Path(xspace_path).read_bytes())
    seconds = collections.Counter()
    for plane in space.planes:
        for line in plane.lines:
            if not line.name.startswith(_OP_LINE_PREFIX):
                continue
            for event in line.events:
                name = plane.event_metadata[event.metadata_id].name
                # The executor's own events ("ExecutorState::Process") are not ops.
                if ":" not in name or "::" in name:
                    continue
                op_name, op_type = name.rsplit(":", 1)
                seconds[(op_name, op_type)] += event.duration_ps * 1e-12
    return dict(seconds)


def profile_op_seconds(function, calls):
    """Calls `function()` `calls` times under TensorFlow's profiler; the op seconds per call.

    Call `function` a few times first: the first call traces and compiles, and its ops would
    count here otherwise.

    Args:
        function: a callable without arguments that runs TensorFlow ops (a `tf.function`'s
            ops are recorded one by one).
        calls: how many calls to profile.

    Returns:
        `{(op_name, op_type): seconds per call}` (see `read_op_seconds`).

    Raises:
        RuntimeError: the profiler recorded no op (e.g. `function` runs no TensorFlow op, or
            another profiler was running).

    Example:

    >>> x = tf.Variable(tf.ones((64, 64)))
    >>> step = tf.function(lambda: tf.linalg.matmul(x, x))
    >>> _ = step()
    >>> seconds = profile_op_seconds(step, calls=2)
    >>> any(op_type.endswith("MatMul") for _, op_type in seconds)
    True
    """
    with tempfile.TemporaryDirectory(prefix="step_profile_") as logdir:
        tf.profiler.experimental.start(logdir)
        try:
            for _ in range(calls):
                function()
        finally:
            tf.profiler.experimental.stop()
        traces = sorted(pathlib.Path(logdir).rglob("*.xplane.pb"))
        seconds = collections.Counter()
        for path in traces:
            seconds.update(read_op_seconds(path))
    if not seconds:
        raise RuntimeError(
            f"The profiler recorded no TensorFlow op in {calls} call(s) of {function!r}: it "
            "must run TensorFlow ops on the CPU, with no other profiler running."
        )
    return {key: value / calls for key, value in seconds.items()}
