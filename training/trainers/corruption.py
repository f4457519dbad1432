"""The corruptions a reconstruction model learns to undo: none, Gaussian noise, masked patches."""

import tensorflow as tf

CORRUPTIONS = ("none", "noise", "mask")
# Side of the square patches the mask hides.
MASK_PATCH = 4


def corrupt(images, kind, seed, noise_std=0.2, mask_fraction=0.25):
    """Returns `images` (in [-1, 1]) corrupted by `kind`, from a stateless seed.

    Args:
        images: float tensor `(batch, height, width, channels)` in [-1, 1].
        kind: `"none"` (unchanged), `"noise"` (add N(0, noise_std²), clip to [-1, 1]) or
            `"mask"` (set each 4×4 patch to 0, mid-grey, with probability `mask_fraction`).
        seed: int tensor of shape `(2,)` for `tf.random.stateless_*`.
        noise_std: standard deviation of the noise.
        mask_fraction: probability that a patch is masked.

    Example:

    >>> noisy = corrupt(tf.zeros((2, 8, 8, 1)), "noise", seed=[0, 1], noise_std=0.1)
    >>> noisy.shape
    TensorShape([2, 8, 8, 1])
    """
    if kind not in CORRUPTIONS:
        raise ValueError(f"`kind` must be one of {CORRUPTIONS}. Received: kind={kind!r}")
    if kind == "none":
        return images
    if kind == "noise":
        noise = tf.random.stateless_normal(tf.shape(images), seed=seed, dtype=images.dtype)
        return tf.clip_by_value(images + noise_std * noise, -1.0, 1.0)
    shape = tf.shape(images)
    patches = (
        shape[0],
        (shape[1] + MASK_PATCH - 1) // MASK_PATCH,
        (shape[2] + MASK_PATCH - 1) // MASK_PATCH,
        1,
    )
    keep = tf.random.stateless_uniform(patches, seed=seed) >= mask_fraction
    keep = tf.repeat(tf.repeat(keep, MASK_PATCH, axis=1), MASK_PATCH, axis=2)
    keep = keep[:, : shape[1], : shape[2]]
    return images * tf.cast(keep, images.dtype)
