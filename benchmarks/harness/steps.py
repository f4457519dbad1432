"""Compiled forward and forward+backward steps of a Keras layer or model, on any backend.

Each step runs the way a user would run it on that backend: `tf.function` on TensorFlow (XLA
with `jit_compile=True`), `jax.jit` on JAX, eager PyTorch. The backward pass takes the gradient
of `sum(outputs * upstream)` (a fixed upstream gradient, as a loss further down would send) with
respect to the trainable variables and to the inputs, as inside a network. A step returns only
once the device has finished, so wall-clock time measures the work.

Example:

>>> layer = RefinedSelfAttention()
>>> inputs = keras.random.normal((2, 16, 16, 64))
>>> layer.build(inputs.shape)
>>> step = forward_backward_step(layer, inputs)
>>> step()  # doctest: +SKIP
"""

import keras

PASSES = ("fwd", "fwd_bwd")


def _tensorflow_steps(layer, inputs, upstream, jit_compile):
    import tensorflow as tf

    @tf.function(jit_compile=jit_compile)
    def forward(x):
        return layer(x, training=False)

    @tf.function(jit_compile=jit_compile)
    def forward_backward(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x, training=True) * upstream)
        return tape.gradient(loss, [x, *layer.trainable_variables])

    def synchronised(function):
        def step():
            outputs = function(inputs)
            # GPU kernels run asynchronously; on a CPU this returns at once.
            tf.test.experimental.sync_devices()
            return outputs

        return step

    return synchronised(forward), synchronised(forward_backward)


def _jax_steps(layer, inputs, upstream, jit_compile):
    del jit_compile  # JAX always runs compiled: that is how JAX code is run.
    import jax
    import jax.numpy as jnp

    trainable = [variable.value for variable in layer.trainable_variables]
    non_trainable = [variable.value for variable in layer.non_trainable_variables]

    @jax.jit
    def forward(trainable, non_trainable, x):
        return layer.stateless_call(trainable, non_trainable, x, training=False)[0]

    def loss(trainable, x, non_trainable):
        outputs, _ = layer.stateless_call(trainable, non_trainable, x, training=True)
        return jnp.sum(outputs * upstream)

    @jax.jit
    def forward_backward(trainable, non_trainable, x):
        trainable_gradients, input_gradient = jax.grad(loss, argnums=(0, 1))(
            trainable, x, non_trainable
        )
        return [input_gradient, *trainable_gradients]

    def forward_step():
        return jax.block_until_ready(forward(trainable, non_trainable, inputs))

    def forward_backward_step():
        return jax.block_until_ready(forward_backward(trainable, non_trainable, inputs))

    return forward_step, forward_backward_step


def _torch_steps(layer, inputs, upstream, jit_compile):
    del jit_compile  # Eager PyTorch: torch.compile is a separate choice, not benchmarked here.
    import torch

    def synchronise():
        if torch.cuda.is_available():
            torch.cuda.synchronize()

    def forward_step():
        with torch.no_grad():
            outputs = layer(inputs, training=False)
        synchronise()
        return outputs

    def forward_backward_step():
        x = inputs.detach().requires_grad_(True)
        loss = torch.sum(layer(x, training=True) * upstream)
        parameters = [variable.value for variable in layer.trainable_variables]
        gradients = torch.autograd.grad(loss, [x, *parameters])
        synchronise()
        return gradients

    return forward_step, forward_backward_step


_BACKENDS = {"tensorflow": _tensorflow_steps, "jax": _jax_steps, "torch": _torch_steps}


def make_step(layer, inputs, pass_name, *, jit_compile=False, seed=0):
    """Returns a step without arguments that runs one pass of `layer` on `inputs`.

    Args:
        layer: a built `keras.layers.Layer` or `keras.Model` that takes `inputs`; the
            upstream gradient is drawn for the shape and dtype of its output.
        inputs: a backend tensor.
        pass_name: `"fwd"` (inference call; the step returns the outputs) or `"fwd_bwd"`
            (training call; the step returns the gradients with respect to the inputs, then to
            each trainable variable).
        jit_compile: on TensorFlow, compile with XLA. JAX always compiles; PyTorch runs eagerly.
        seed: seed of the upstream gradient.
    """
    if pass_name not in PASSES:
        raise ValueError(f"`pass_name` must be one of {PASSES}. Received: pass_name={pass_name!r}")
    backend = keras.backend.backend()
    if backend not in _BACKENDS:
        raise ValueError(
            f"No benchmark steps for the Keras backend {backend!r}; available: {sorted(_BACKENDS)}"
        )
    output_spec = layer.compute_output_spec(keras.KerasTensor(inputs.shape, inputs.dtype))
    upstream = keras.random.normal(output_spec.shape, dtype=output_spec.dtype, seed=seed)
    forward, forward_backward = _BACKENDS[backend](layer, inputs, upstream, jit_compile)
    return forward if pass_name == "fwd" else forward_backward
