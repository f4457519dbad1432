"""The corruptions a reconstruction model learns to undo: noise, masked patches, one large hole."""

import tensorflow as tf

from training.choices import CORRUPTIONS

# Side of the square patches the mask hides.
MASK_PATCH = 4


def hiding_options(config):
    """The keyword arguments of `hidden_pixels` that a run's `TrainConfig` sets."""
    return {"mask_fraction": config.mask_fraction, "hole_sides": (config.hole_min, config.hole_max)}


def corruption_options(config):
    """The keyword arguments of `corrupt` that a run's `TrainConfig` sets."""
    return {"noise_std": config.noise_std, **hiding_options(config)}


def corrupt(images, kind, seed, noise_std=0.2, mask_fraction=0.25, hole_sides=(1 / 3, 1 / 2)):
    """Returns `images` (in [-1, 1]) corrupted by `kind`, from a stateless seed.

    Args:
        images: float tensor `(batch, height, width, channels)` in [-1, 1].
        kind: `"none"` (unchanged), `"noise"` (add N(0, noise_std²), clip to [-1, 1]),
            `"mask"` (set each 4×4 patch to 0, mid-grey, with probability `mask_fraction`) or
            `"hole"` (set one rectangle per image to 0, its sides a fraction of the image's
            drawn uniformly from `hole_sides`, at a uniformly random position: filling it
            needs pixels far away, which is where attention should help).
        seed: int tensor of shape `(2,)` for `tf.random.stateless_*`.
        noise_std: standard deviation of the noise.
        mask_fraction: probability that a patch is masked.
        hole_sides: `(smallest, largest)` side of the hole as fractions of the image side.

    Example:

    >>> noisy = corrupt(tf.zeros((2, 8, 8, 1)), "noise", seed=[0, 1], noise_std=0.1)
    >>> noisy.shape
    TensorShape([2, 8, 8, 1])
    >>> holed = corrupt(tf.ones((1, 12, 12, 1)), "hole", seed=[0, 1], hole_sides=(0.5, 0.5))
    >>> int(tf.reduce_sum(1 - holed))
    36
    """
    _check_kind(kind)
    if kind == "none":
        return images
    if kind == "noise":
        noise = tf.random.stateless_normal(tf.shape(images), seed=seed, dtype=images.dtype)
        return tf.clip_by_value(images + noise_std * noise, -1.0, 1.0)
    hidden = hidden_pixels(images, kind, seed, mask_fraction, hole_sides)
    return images * tf.cast(1.0 - hidden, images.dtype)


def hidden_pixels(images, kind, seed, mask_fraction=0.25, hole_sides=(1 / 3, 1 / 2)):
    """1.0 where `corrupt(images, kind, seed, ...)` hides a pixel, else 0.0.

    Shape `(batch, height, width, 1)`, float32. Only `"mask"` and `"hole"` hide pixels; the same
    `seed` and options give the same pixels as `corrupt`.

    Example:

    >>> hidden = hidden_pixels(tf.zeros((2, 16, 16, 3)), "hole", seed=[4, 2])
    >>> hidden.shape
    TensorShape([2, 16, 16, 1])
    """
    _check_kind(kind)
    if kind not in ("mask", "hole"):
        raise ValueError(
            f"only the mask and hole corruptions hide pixels. Received: kind={kind!r}"
        )
    shape = tf.shape(images)
    if kind == "mask":
        return _masked_patches(shape, seed, mask_fraction)
    return _one_hole(shape, seed, hole_sides)


def _check_kind(kind):
    if kind not in CORRUPTIONS:
        raise ValueError(f"`kind` must be one of {CORRUPTIONS}. Received: kind={kind!r}")


def _masked_patches(shape, seed, mask_fraction):
    patches = (
        shape[0],
        (shape[1] + MASK_PATCH - 1) // MASK_PATCH,
        (shape[2] + MASK_PATCH - 1) // MASK_PATCH,
        1,
    )
    hidden = tf.random.stateless_uniform(patches, seed=seed) < mask_fraction
    hidden = tf.repeat(tf.repeat(hidden, MASK_PATCH, axis=1), MASK_PATCH, axis=2)
    return tf.cast(hidden[:, : shape[1], : shape[2]], tf.float32)


def _one_hole(shape, seed, hole_sides):
    smallest, largest = hole_sides
    if not 0 < smallest <= largest <= 1:
        raise ValueError(
            "the hole's sides must satisfy 0 < smallest <= largest <= 1 (fractions of the image "
            f"side). Received: hole_sides={tuple(hole_sides)!r}"
        )
    batch = shape[0]
    # Four uniform draws per image: side and position, along the height and the width.
    draws = tf.random.stateless_uniform((4, batch), seed=seed)
    hole_size = tf.cast(shape[1:3], tf.float32)[:, None] * (
        smallest + (largest - smallest) * draws[:2]
    )
    hole_size = tf.maximum(tf.round(hole_size), 1.0)
    start = tf.floor(draws[2:] * (tf.cast(shape[1:3], tf.float32)[:, None] - hole_size + 1.0))

    def inside(axis):
        positions = tf.cast(tf.range(shape[1 + axis]), tf.float32)[None, :]
        first = start[axis][:, None]
        return (positions >= first) & (positions < first + hole_size[axis][:, None])

    hidden = inside(0)[:, :, None] & inside(1)[:, None, :]
    return tf.cast(hidden[..., None], tf.float32)
