"""The families' keras.ops losses and image metrics equal their reference formulas.

PSNR and SSIM are checked against TensorFlow's own `tf.image.psnr` / `tf.image.ssim` (what the
TensorFlow trainers measured with before the families); the losses against NumPy written from
their definitions. Random inputs, so a wrong sign, mean or window shows.
"""

import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from training.families import image_metrics
from training.families import losses


def _numpy(tensor):
    return np.asarray(ops.convert_to_numpy(tensor))


def _images(seed, shape=(3, 16, 20, 3)):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)


def test_hinge_losses_match_their_definitions():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(0, 2, (6, 1)), rng.normal(0, 2, (6, 1))
    expected_d = np.maximum(0, 1 - real[:, 0]) + np.maximum(0, 1 + fake[:, 0])
    np.testing.assert_allclose(_numpy(losses.hinge_discriminator_loss(real, fake)), expected_d,
                               rtol=1e-6)
    np.testing.assert_allclose(_numpy(losses.hinge_generator_loss(fake)), -fake[:, 0], rtol=1e-6)


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_reconstruction_loss_is_the_per_example_mean_error(kind):
    targets, predictions = _images(1), _images(2)
    error = predictions - targets
    error = np.abs(error) if kind == "l1" else error**2
    expected = error.reshape(len(error), -1).mean(axis=1)
    np.testing.assert_allclose(
        _numpy(losses.reconstruction_loss(targets, predictions, kind)), expected, rtol=1e-5
    )


def test_reconstruction_loss_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="kind='l3'"):
        losses.reconstruction_loss(_images(1), _images(2), "l3")


def _unit(images):
    return (np.clip(images, -1, 1) + 1) / 2


def test_psnr_equals_tensorflows():
    targets, predictions = _images(3), np.clip(_images(3) + 0.1 * _images(4), -1, 1)
    expected = tf.image.psnr(_unit(targets), _unit(predictions), max_val=1.0).numpy()
    np.testing.assert_allclose(_numpy(image_metrics.psnr(targets, predictions)), expected,
                               rtol=1e-5)


@pytest.mark.parametrize("channels", [1, 3])
def test_ssim_equals_tensorflows(channels):
    targets = _images(5, (4, 17, 23, channels))
    predictions = np.clip(targets + 0.3 * _images(6, targets.shape), -1, 1)
    expected = tf.image.ssim(_unit(targets), _unit(predictions), max_val=1.0).numpy()
    got = _numpy(image_metrics.ssim(targets, predictions))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert np.ptp(expected) > 1e-3  # the images differ, so a wrong window would show


def test_ssim_refuses_images_smaller_than_its_window():
    with pytest.raises(ValueError, match="10×12"):
        image_metrics.ssim(_images(0, (1, 10, 12, 1)), _images(1, (1, 10, 12, 1)))


def test_psnr_of_pixels_counts_only_the_given_pixels():
    targets, predictions = _images(7), _images(8)
    pixels = (np.random.default_rng(9).uniform(size=targets.shape[:3] + (1,)) < 0.3)
    pixels = pixels.astype(np.float32)
    squared = (_unit(targets) - _unit(predictions)) ** 2 * pixels
    mse = squared.sum(axis=(1, 2, 3)) / (pixels.sum(axis=(1, 2, 3)) * targets.shape[-1])
    np.testing.assert_allclose(
        _numpy(image_metrics.psnr_of_pixels(targets, predictions, pixels)),
        -10 * np.log10(mse),
        rtol=1e-5,
    )
