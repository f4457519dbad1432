"""Per-example losses of the trainers; the trainer averages them over the global batch.

Every function returns one value per example (shape `(batch,)`) so that the trainer can divide by
the *global* batch size with `tf.nn.compute_average_loss`: under a distribution strategy the
gradients of the replicas are summed, so a per-replica mean would make the update
`num_replicas` times too large.
"""

import tensorflow as tf


def _per_example(tensor):
    return tf.reshape(tensor, (tf.shape(tensor)[0], -1))


def hinge_discriminator_loss(real_logits, fake_logits):
    """The discriminator's hinge loss `relu(1 - D(x)) + relu(1 + D(G(z)))` per example.

    Args:
        real_logits: `(batch, 1)` logits of real images.
        fake_logits: `(batch, 1)` logits of generated images, the same batch size.

    Example:

    >>> hinge_discriminator_loss(tf.constant([[2.0]]), tf.constant([[0.5]])).numpy()
    array([1.5], dtype=float32)

    Reference:
    - [Lim and Ye, Geometric GAN](https://arxiv.org/abs/1705.02894), as used by SAGAN.
    """
    real = tf.nn.relu(1.0 - _per_example(tf.cast(real_logits, tf.float32)))
    fake = tf.nn.relu(1.0 + _per_example(tf.cast(fake_logits, tf.float32)))
    return tf.reduce_mean(real, axis=1) + tf.reduce_mean(fake, axis=1)


def hinge_generator_loss(fake_logits):
    """The generator's hinge loss `-D(G(z))` per example.

    Example:

    >>> hinge_generator_loss(tf.constant([[0.5], [-1.0]])).numpy()
    array([-0.5,  1. ], dtype=float32)
    """
    return -tf.reduce_mean(_per_example(tf.cast(fake_logits, tf.float32)), axis=1)


def reconstruction_loss(targets, predictions, kind="l1"):
    """Mean absolute (`"l1"`) or squared (`"l2"`) error over the pixels of each example.

    Example:

    >>> reconstruction_loss(tf.zeros((1, 2, 2, 1)), tf.fill((1, 2, 2, 1), 0.5), "l2").numpy()
    array([0.25], dtype=float32)
    """
    if kind not in ("l1", "l2"):
        raise ValueError(f"`kind` must be 'l1' or 'l2'. Received: kind={kind!r}")
    error = _per_example(tf.cast(predictions, tf.float32) - tf.cast(targets, tf.float32))
    error = tf.abs(error) if kind == "l1" else tf.square(error)
    return tf.reduce_mean(error, axis=1)
