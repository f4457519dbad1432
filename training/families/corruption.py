"""The corruptions a reconstruction model learns to undo: noise, masked patches, one large hole.

Written in `keras.ops`, with the randomness passed in (`draws`, drawn by the engine as
`corruption_noise` says), so that every backend corrupts the same way and a step's corruption is
a pure function of its draws.
"""

import math

from keras import ops

from training.choices import CORRUPTIONS
from training.families.base import Noise

# Side of the square patches the mask hides.
MASK_PATCH = 4


def hiding_options(config):
    """The keyword arguments of `hidden_pixels` that a run's `TrainConfig` sets."""
    return {"mask_fraction": config.mask_fraction, "hole_sides": (config.hole_min, config.hole_max)}


def corruption_options(config):
    """The keyword arguments of `corrupt` that a run's `TrainConfig` sets."""
    return {"noise_std": config.noise_std, **hiding_options(config)}


def corruption_noise(kind, height, width, channels):
    """The `Noise` that `corrupt(images, kind, draws)` takes its `draws` from (None: none).

    `"noise"` draws one normal value per pixel and channel; `"mask"` one uniform value per
    4×4 patch; `"hole"` four uniform values per image (the hole's height and width, then its
    top and left position).

    Example:

    >>> corruption_noise("mask", 10, 8, 3)
    Noise(kind='uniform', shape=(3, 2, 1), maxval=0)
    """
    _check_kind(kind)
    if kind == "noise":
        return Noise("normal", (height, width, channels))
    if kind == "mask":
        return Noise("uniform", (math.ceil(height / MASK_PATCH), math.ceil(width / MASK_PATCH), 1))
    if kind == "hole":
        return Noise("uniform", (4,))
    return None


def corrupt(images, kind, draws, noise_std=0.2, mask_fraction=0.25, hole_sides=(1 / 3, 1 / 2)):
    """Returns `images` (in [-1, 1]) corrupted by `kind`, from the random `draws`.

    Args:
        images: float tensor `(batch, height, width, channels)` in [-1, 1].
        kind: `"none"` (unchanged), `"noise"` (add N(0, noise_std²), clip to [-1, 1]),
            `"mask"` (set each 4×4 patch to 0, mid-grey, with probability `mask_fraction`) or
            `"hole"` (set one rectangle per image to 0, its sides a fraction of the image's
            drawn uniformly from `hole_sides`, at a uniformly random position: filling it
            needs pixels far away).
        draws: the values drawn as `corruption_noise(kind, ...)` says (None for `"none"`).
        noise_std: standard deviation of the noise.
        mask_fraction: probability that a patch is masked.
        hole_sides: `(smallest, largest)` side of the hole as fractions of the image side.

    Example:

    >>> draws = np.random.default_rng(0).uniform(size=(1, 4)).astype("float32")
    >>> holed = corrupt(np.ones((1, 12, 12, 1), "float32"), "hole", draws, hole_sides=(0.5, 0.5))
    >>> int(ops.convert_to_numpy(ops.sum(1 - holed)))
    36
    """
    _check_kind(kind)
    if kind == "none":
        return images
    if kind == "noise":
        noisy = images + noise_std * ops.cast(draws, images.dtype)
        return ops.clip(noisy, -1.0, 1.0)
    hidden = hidden_pixels(images, kind, draws, mask_fraction, hole_sides)
    return images * ops.cast(1.0 - hidden, images.dtype)


def hidden_pixels(images, kind, draws, mask_fraction=0.25, hole_sides=(1 / 3, 1 / 2)):
    """1.0 where `corrupt(images, kind, draws, ...)` hides a pixel, else 0.0.

    Shape `(batch, height, width, 1)`, float32. Only `"mask"` and `"hole"` hide pixels; the same
    `draws` and options give the same pixels as `corrupt`.

    Example:

    >>> draws = np.random.default_rng(0).uniform(size=(2, 4)).astype("float32")
    >>> tuple(hidden_pixels(np.zeros((2, 16, 16, 3)), "hole", draws).shape)
    (2, 16, 16, 1)
    """
    _check_kind(kind)
    if kind not in ("mask", "hole"):
        raise ValueError(
            f"only the mask and hole corruptions hide pixels. Received: kind={kind!r}"
        )
    height, width = images.shape[1], images.shape[2]
    if kind == "mask":
        return _masked_patches(draws, height, width, mask_fraction)
    return _one_hole(draws, height, width, hole_sides)


def check_hole_sides(hole_sides):
    """Raises ValueError unless `0 < smallest <= largest <= 1`."""
    smallest, largest = hole_sides
    if not 0 < smallest <= largest <= 1:
        raise ValueError(
            "the hole's sides must satisfy 0 < smallest <= largest <= 1 (fractions of the image "
            f"side). Received: hole_sides={tuple(hole_sides)!r}"
        )


def _check_kind(kind):
    if kind not in CORRUPTIONS:
        raise ValueError(f"`kind` must be one of {CORRUPTIONS}. Received: kind={kind!r}")


def _masked_patches(draws, height, width, mask_fraction):
    hidden = ops.cast(ops.cast(draws, "float32") < mask_fraction, "float32")
    hidden = ops.repeat(ops.repeat(hidden, MASK_PATCH, axis=1), MASK_PATCH, axis=2)
    return hidden[:, :height, :width]


def _one_hole(draws, height, width, hole_sides):
    check_hole_sides(hole_sides)
    smallest, largest = hole_sides
    draws = ops.cast(draws, "float32")
    sides = ops.convert_to_tensor([float(height), float(width)])
    hole_size = sides * (smallest + (largest - smallest) * draws[:, :2])
    hole_size = ops.maximum(ops.round(hole_size), 1.0)
    start = ops.floor(draws[:, 2:] * (sides - hole_size + 1.0))

    def inside(axis, length):
        positions = ops.cast(ops.arange(length), "float32")[None, :]
        first = start[:, axis : axis + 1]
        last = first + hole_size[:, axis : axis + 1]
        return ops.logical_and(positions >= first, positions < last)

    hidden = ops.logical_and(inside(0, height)[:, :, None], inside(1, width)[:, None, :])
    return ops.cast(hidden[..., None], "float32")
