"""Losses, image metrics and corruptions of the trainers."""

import numpy as np
import pytest
import tensorflow as tf

from training.trainers import image_metrics
from training.trainers import losses
from training.trainers.corruption import MASK_PATCH
from training.trainers.corruption import corrupt


def test_hinge_losses_per_example():
    real = tf.constant([[2.0], [0.5], [-1.0]])
    fake = tf.constant([[-2.0], [0.0], [1.0]])
    # relu(1 - real) + relu(1 + fake), then -fake for the generator.
    np.testing.assert_allclose(losses.hinge_discriminator_loss(real, fake), [0.0, 1.5, 4.0])
    np.testing.assert_allclose(losses.hinge_generator_loss(fake), [2.0, 0.0, -1.0])


def test_reconstruction_losses_per_example():
    targets = tf.zeros((2, 2, 2, 1))
    predictions = tf.reshape(tf.constant([1.0, -1.0, 0.0, 0.0, 2.0, 2.0, 2.0, 2.0]), (2, 2, 2, 1))
    np.testing.assert_allclose(losses.reconstruction_loss(targets, predictions, "l1"), [0.5, 2.0])
    np.testing.assert_allclose(losses.reconstruction_loss(targets, predictions, "l2"), [0.5, 4.0])
    with pytest.raises(ValueError, match="kind="):
        losses.reconstruction_loss(targets, predictions, "l3")


def test_psnr_and_ssim_on_images_in_minus_one_one():
    targets = tf.zeros((1, 16, 16, 1))
    # An error of 0.2 in [-1, 1] is 0.1 of the unit range: MSE 0.01, PSNR 20 dB.
    np.testing.assert_allclose(image_metrics.psnr(targets, targets + 0.2), [20.0], rtol=1e-4)
    images = tf.random.stateless_uniform((2, 16, 16, 3), seed=[1, 2], minval=-1, maxval=1)
    np.testing.assert_allclose(image_metrics.ssim(images, images), [1.0, 1.0], rtol=1e-6)
    assert float(image_metrics.ssim(images, -images)[0]) < 0.0


def test_noise_corruption_is_a_function_of_the_seed():
    images = tf.zeros((2, 8, 8, 1))
    first = corrupt(images, "noise", seed=[3, 4], noise_std=0.1)
    np.testing.assert_array_equal(first, corrupt(images, "noise", seed=[3, 4], noise_std=0.1))
    assert not np.array_equal(first, corrupt(images, "noise", seed=[3, 5], noise_std=0.1))
    assert 0.05 < float(tf.math.reduce_std(first)) < 0.15


def test_mask_hides_whole_patches_at_the_asked_rate():
    images = tf.ones((16, 32, 32, 1))
    masked = corrupt(images, "mask", seed=[0, 1], mask_fraction=0.25).numpy()
    patches = masked.reshape(16, 32 // MASK_PATCH, MASK_PATCH, 32 // MASK_PATCH, MASK_PATCH)
    patch_values = patches.transpose(0, 1, 3, 2, 4).reshape(16, 8, 8, -1)
    # Every patch is either all kept or all masked.
    assert np.all(patch_values.min(axis=-1) == patch_values.max(axis=-1))
    assert 0.2 < 1.0 - masked.mean() < 0.3


def test_no_corruption_and_unknown_kinds():
    images = tf.ones((1, 4, 4, 1))
    assert corrupt(images, "none", seed=[0, 0]) is images
    with pytest.raises(ValueError, match="kind='blur'"):
        corrupt(images, "blur", seed=[0, 0])
