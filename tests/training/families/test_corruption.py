"""The keras.ops corruptions hide and perturb the pixels their draws say, and nothing else."""

import numpy as np
import pytest
from keras import ops

from training.families.corruption import MASK_PATCH
from training.families.corruption import corrupt
from training.families.corruption import corruption_noise
from training.families.corruption import hidden_pixels


def _numpy(tensor):
    return np.asarray(ops.convert_to_numpy(tensor))


def _draws(kind, images, seed=0):
    spec = corruption_noise(kind, *images.shape[1:])
    rng = np.random.default_rng(seed)
    shape = (len(images), *spec.shape)
    draws = rng.standard_normal(shape) if spec.kind == "normal" else rng.uniform(size=shape)
    return draws.astype(np.float32)


def _images(shape=(4, 14, 18, 3)):
    return np.random.default_rng(1).uniform(-1, 1, shape).astype(np.float32)


def test_none_returns_the_images():
    images = _images()
    np.testing.assert_array_equal(_numpy(corrupt(images, "none", None)), images)


def test_noise_adds_the_scaled_draws_and_clips():
    images = _images()
    draws = _draws("noise", images)
    expected = np.clip(images + 0.3 * draws, -1, 1)
    np.testing.assert_allclose(
        _numpy(corrupt(images, "noise", draws, noise_std=0.3)), expected, rtol=1e-6
    )


def test_mask_hides_the_patches_whose_draw_is_below_the_fraction():
    images = _images()
    draws = _draws("mask", images)
    assert draws.shape == (4, 4, 5, 1)  # ceil(14 / 4), ceil(18 / 4)
    hidden = np.repeat(np.repeat(draws < 0.4, MASK_PATCH, 1), MASK_PATCH, 2)[:, :14, :18]
    np.testing.assert_array_equal(_numpy(hidden_pixels(images, "mask", draws, 0.4)), hidden)
    np.testing.assert_array_equal(
        _numpy(corrupt(images, "mask", draws, mask_fraction=0.4)), images * (1 - hidden)
    )


def _reference_hole(draws, height, width, smallest, largest):
    """One hole per image, computed pixel by pixel from the draws' definition."""
    hidden = np.zeros((len(draws), height, width, 1), np.float32)
    for index, (side_h, side_w, top, left) in enumerate(draws.astype(np.float64)):
        size_h = max(np.round(height * (smallest + (largest - smallest) * side_h)), 1)
        size_w = max(np.round(width * (smallest + (largest - smallest) * side_w)), 1)
        first_h = int(np.floor(top * (height - size_h + 1)))
        first_w = int(np.floor(left * (width - size_w + 1)))
        hidden[index, first_h : first_h + int(size_h), first_w : first_w + int(size_w)] = 1
    return hidden


@pytest.mark.parametrize("sides", [(1 / 3, 1 / 2), (0.2, 0.9), (1.0, 1.0)])
def test_hole_is_one_rectangle_sized_and_placed_by_the_draws(sides):
    images = _images((16, 14, 18, 3))
    draws = _draws("hole", images, seed=3)
    expected = _reference_hole(draws, 14, 18, *sides)
    got = _numpy(hidden_pixels(images, "hole", draws, hole_sides=sides))
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(
        _numpy(corrupt(images, "hole", draws, hole_sides=sides)), images * (1 - expected)
    )


def test_bad_kind_and_hole_sides_are_refused_naming_the_value():
    images = _images()
    with pytest.raises(ValueError, match="kind='blur'"):
        corrupt(images, "blur", None)
    with pytest.raises(ValueError, match=r"hole_sides=\(0.6, 0.5\)"):
        hidden_pixels(images, "hole", _draws("hole", images), hole_sides=(0.6, 0.5))
    with pytest.raises(ValueError, match="kind='noise'"):
        hidden_pixels(images, "noise", _draws("noise", images))
