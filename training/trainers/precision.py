"""Mixed precision of a run (`--precision`): the models' dtype policy and the loss scaling.

Under `mixed_float16` or `mixed_bfloat16` the layers compute in 16 bits and keep float32
weights (Keras's dtype policies). What must not lose precision stays float32: the zoo's last
layers (images and logits leave the models in float32), the losses and the hinge terms
(`losses` casts to float32), the moving average of the generator (its twin holds float32
weights) and the image metrics. float16's narrow range (largest value 65,504, smallest normal
6e-5) needs dynamic loss scaling, which `make_optimizer` adds; bfloat16 has float32's range and
needs none.
"""

import contextlib

import keras

from training.choices import PRECISIONS


def _check(precision):
    if precision not in PRECISIONS:
        raise ValueError(
            f"`precision` must be one of {PRECISIONS}. Received: precision={precision!r}"
        )


@contextlib.contextmanager
def dtype_policy(precision):
    """Layers created inside the block take the dtype policy `precision`.

    The previous global policy comes back on leaving the block, so the runs, samplings and
    tests that share a process do not inherit each other's precision; the layers built inside
    keep theirs.

    Example:

    >>> with dtype_policy("mixed_float16"):
    ...     layer = keras.layers.Dense(4)
    >>> layer.compute_dtype, layer.variable_dtype, keras.config.dtype_policy().name
    ('float16', 'float32', 'float32')
    """
    _check(precision)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def scales_loss(precision):
    """Whether a run of `precision` scales its losses (only float16 can underflow gradients)."""
    _check(precision)
    return precision == "mixed_float16"


def make_optimizer(precision, learning_rate, beta_1, beta_2, name):
    """Adam, wrapped in a `keras.optimizers.LossScaleOptimizer` under `mixed_float16`.

    The loss scale is a variable of the wrapper (`dynamic_scale`, with the count of finite steps
    since it last changed), so a checkpoint of the optimizer holds it and a resumed run
    continues with the scale the interrupted one had reached. Its `learning_rate` and
    `iterations` are the inner Adam's.

    Example:

    >>> make_optimizer("mixed_float16", 1e-4, 0.0, 0.9, "g_optimizer").initial_scale
    32768.0
    """
    optimizer = keras.optimizers.Adam(
        learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, name=name
    )
    if scales_loss(precision):
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer, name=f"{name}_loss_scale")
    return optimizer
