"""Test helpers that need the active Keras backend's own machinery (gradients, compilation)."""

import keras
import numpy as np


def input_gradients(fn, *inputs):
    """Gradients of `sum(fn(*inputs))` with respect to every input, as numpy arrays."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        tensors = [tf.convert_to_tensor(x) for x in inputs]
        with tf.GradientTape() as tape:
            tape.watch(tensors)
            total = tf.reduce_sum(fn(*tensors))
        return [g.numpy() for g in tape.gradient(total, tensors)]
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        def total(*args):
            return jnp.sum(fn(*args))

        grads = jax.grad(total, argnums=tuple(range(len(inputs))))(*inputs)
        return [np.asarray(g) for g in grads]
    if backend == "torch":
        import torch

        tensors = [torch.tensor(np.asarray(x), requires_grad=True) for x in inputs]
        torch.sum(fn(*tensors)).backward()
        return [t.grad.numpy() for t in tensors]
    raise NotImplementedError(f"No gradient helper for backend {backend!r}")


def compiled(fn, jit_compile=True):
    """`fn` compiled by the backend: `tf.function` (with XLA if `jit_compile`), `jax.jit`, ...

    JAX and PyTorch have one compiled mode, used whatever `jit_compile` says.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(fn, jit_compile=jit_compile)
    if backend == "jax":
        import jax

        return jax.jit(fn)
    if backend == "torch":
        import torch

        return torch.compile(fn)
    raise NotImplementedError(f"No compiler helper for backend {backend!r}")


def assert_relative_close(actual, expected, tolerance):
    """max|actual - expected| <= tolerance · max|expected| (robust to entries near zero)."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    error = np.max(np.abs(actual - expected))
    scale = np.max(np.abs(expected))
    assert error <= tolerance * scale, f"relative error {error / scale:.3g} > {tolerance:g}"
