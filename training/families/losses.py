"""Per-example losses in `keras.ops`; the engine averages them over the global batch.

Every function returns one float32 value per example (shape `(batch,)`): under data
parallelism the gradients of the replicas are summed, so the engine divides the sum by the
*global* batch size (a per-replica mean would make the update `replicas` times too large).
"""

from keras import ops


def _per_example(tensor):
    tensor = ops.cast(tensor, "float32")
    return ops.reshape(tensor, (ops.shape(tensor)[0], -1))


def hinge_discriminator_loss(real_logits, fake_logits):
    """The discriminator's hinge loss `relu(1 - D(x)) + relu(1 + D(G(z)))` per example.

    Args:
        real_logits: `(batch, 1)` logits of real images.
        fake_logits: `(batch, 1)` logits of generated images, the same batch size.

    Example:

    >>> ops.convert_to_numpy(hinge_discriminator_loss(np.array([[2.0]]), np.array([[0.5]])))
    array([1.5], dtype=float32)

    Reference:
    - [Lim and Ye, Geometric GAN](https://arxiv.org/abs/1705.02894), as used by SAGAN.
    """
    real = ops.relu(1.0 - _per_example(real_logits))
    fake = ops.relu(1.0 + _per_example(fake_logits))
    return ops.mean(real, axis=1) + ops.mean(fake, axis=1)


def hinge_generator_loss(fake_logits):
    """The generator's hinge loss `-D(G(z))` per example.

    Example:

    >>> ops.convert_to_numpy(hinge_generator_loss(np.array([[0.5], [-1.0]])))
    array([-0.5,  1. ], dtype=float32)
    """
    return -ops.mean(_per_example(fake_logits), axis=1)


RECONSTRUCTION_LOSSES = ("l1", "l2")


def reconstruction_loss(targets, predictions, kind="l1"):
    """Mean absolute (`"l1"`) or squared (`"l2"`) error over the pixels of each example.

    Example:

    >>> targets, predictions = np.zeros((1, 2, 2, 1)), np.full((1, 2, 2, 1), 0.5)
    >>> ops.convert_to_numpy(reconstruction_loss(targets, predictions, "l2"))
    array([0.25], dtype=float32)
    """
    if kind not in RECONSTRUCTION_LOSSES:
        raise ValueError(f"`kind` must be 'l1' or 'l2'. Received: kind={kind!r}")
    error = _per_example(predictions) - _per_example(targets)
    error = ops.abs(error) if kind == "l1" else ops.square(error)
    return ops.mean(error, axis=1)
