"""The large-hole corruption (inpainting) and the PSNR over the pixels it hides."""

import numpy as np
import pytest
import tensorflow as tf

from tests.training.trainers.test_trainers import prepare
from training.run import build_parser
from training.trainers import image_metrics
from training.trainers.corruption import corrupt
from training.trainers.corruption import hidden_pixels


def _bounding_box(hidden):
    rows, cols = np.where(hidden.any(1))[0], np.where(hidden.any(0))[0]
    return rows.min(), rows.max() + 1, cols.min(), cols.max() + 1


@pytest.mark.parametrize("side", [48, 64])
def test_one_rectangular_hole_per_image_sized_a_third_to_a_half_at_random_places(side):
    images = tf.ones((512, side, side, 3))
    hidden = hidden_pixels(images, "hole", seed=[7, 1]).numpy()[..., 0]
    places = set()
    for mask in hidden:
        top, bottom, left, right = _bounding_box(mask)
        # One filled rectangle: every pixel of its bounding box is hidden.
        assert mask.sum() == (bottom - top) * (right - left)
        for extent in (bottom - top, right - left):
            assert round(side / 3) <= extent <= round(side / 2)
        places.add((top, left))
    assert len(places) > 200
    # Over a batch, holes reach every row and every column, edges included.
    assert hidden.any(axis=(0, 2)).all() and hidden.any(axis=(0, 1)).all()


def test_the_hole_is_a_function_of_the_seed_and_corrupt_blanks_exactly_it():
    images = tf.random.uniform((4, 32, 32, 1), 0.1, 1.0, seed=1)
    first = hidden_pixels(images, "hole", seed=[3, 4])
    np.testing.assert_array_equal(first, hidden_pixels(images, "hole", seed=[3, 4]))
    assert not np.array_equal(first, hidden_pixels(images, "hole", seed=[3, 5]))
    holed = corrupt(images, "hole", seed=[3, 4]).numpy()
    np.testing.assert_array_equal(holed == 0, np.asarray(first, bool))


def test_mask_hides_what_hidden_pixels_reports():
    images = tf.ones((2, 16, 16, 1))
    masked = corrupt(images, "mask", seed=[0, 1], mask_fraction=0.25).numpy()
    hidden = hidden_pixels(images, "mask", seed=[0, 1], mask_fraction=0.25).numpy()
    np.testing.assert_array_equal(masked == 0, hidden == 1)


@pytest.mark.parametrize("sides", [(0.6, 0.5), (0.0, 0.5), (0.5, 1.2)])
def test_bad_hole_sides_are_refused(sides):
    with pytest.raises(ValueError, match="hole_sides"):
        hidden_pixels(tf.zeros((1, 8, 8, 1)), "hole", seed=[0, 0], hole_sides=sides)


def test_noise_hides_no_pixels():
    with pytest.raises(ValueError, match="only the mask and hole"):
        hidden_pixels(tf.zeros((1, 8, 8, 1)), "noise", seed=[0, 0])


def test_psnr_of_pixels_counts_only_the_given_pixels():
    rng = np.random.default_rng(0)
    targets = rng.uniform(-1, 1, (3, 8, 8, 2)).astype("float32")
    predictions = rng.uniform(-1, 1, (3, 8, 8, 2)).astype("float32")
    pixels = (rng.uniform(size=(3, 8, 8, 1)) < 0.4).astype("float32")
    expected = []
    for t, p, m in zip(targets, predictions, pixels[..., 0].astype(bool)):
        mse = np.mean(((t[m] + 1) / 2 - (p[m] + 1) / 2) ** 2)
        expected.append(10 * np.log10(1 / mse))
    got = image_metrics.psnr_of_pixels(targets, predictions, pixels).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    # Everything counted: the ordinary PSNR.
    everything = np.ones((3, 8, 8, 1), "float32")
    np.testing.assert_allclose(
        image_metrics.psnr_of_pixels(targets, predictions, everything),
        image_metrics.psnr(targets, predictions), rtol=1e-5,
    )


def test_fraction_options_parse_as_numbers():
    given = vars(build_parser().parse_args(
        ["--mask-fraction", "0.3", "--hole-min", "0.25", "--hole-max", "0.4"]
    ))
    assert given == {"mask_fraction": 0.3, "hole_min": 0.25, "hole_max": 0.4}


def test_the_trainer_reports_the_psnr_inside_the_hole(tmp_path):
    trainer = prepare(tmp_path, model="autoencoder_refined", corruption="hole", eval_batches=1)
    scores = trainer.evaluate()
    assert set(scores) == {"eval/psnr", "eval/ssim", "eval/psnr_corrupted_input", "eval/psnr_hidden"}
    # Another region than the whole image, the same fixed holes at every evaluation.
    assert scores["eval/psnr_hidden"] != scores["eval/psnr"]
    assert trainer.evaluate()["eval/psnr_hidden"] == scores["eval/psnr_hidden"]
