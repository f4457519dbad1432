"""Memory of the current process: resident memory, and the accelerator's device statistics.

Device statistics come from the active Keras backend's own allocator: JAX's
`Device.memory_stats()`, TensorFlow's `tf.config.experimental.get_memory_info` and PyTorch's
`torch.cuda.max_memory_allocated`. On a CPU there are none, and the resident memory of the
process (a fresh one per benchmark case) stands in for them.
"""

import resource
import sys

import keras
import psutil

from benchmarks.harness.devices import jax_accelerator, tensorflow_gpu, torch_cuda


def current_rss_bytes():
    """Resident memory of this process now."""
    return psutil.Process().memory_info().rss


def peak_rss_bytes():
    """The largest resident memory this process has had since it started."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux counts in KiB, macOS in bytes.
    return peak if sys.platform == "darwin" else peak * 1024


def device_memory_bytes():
    """`{"in_use": bytes, "peak": bytes}` on the backend's first accelerator; None on a CPU."""
    backend = keras.backend.backend()
    if backend == "jax":
        device = jax_accelerator()
        if device is None:
            return None
        stats = device.memory_stats()
        return {"in_use": stats["bytes_in_use"], "peak": stats["peak_bytes_in_use"]}
    if backend == "tensorflow":
        gpu = tensorflow_gpu()
        if gpu is None:
            return None
        import tensorflow as tf

        info = tf.config.experimental.get_memory_info(gpu)
        return {"in_use": info["current"], "peak": info["peak"]}
    if backend == "torch" and torch_cuda():
        import torch

        return {"in_use": torch.cuda.memory_allocated(), "peak": torch.cuda.max_memory_allocated()}
    return None


def reset_device_peak():
    """Starts the device's peak statistic afresh where the backend allows it (not JAX, whose
    peak covers the whole process: one case per process makes that the same)."""
    backend = keras.backend.backend()
    if backend == "tensorflow" and tensorflow_gpu() is not None:
        import tensorflow as tf

        tf.config.experimental.reset_memory_stats(tensorflow_gpu())
    elif backend == "torch" and torch_cuda():
        import torch

        torch.cuda.reset_peak_memory_stats()
