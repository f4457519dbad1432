"""The large-hole corruption (inpainting) and the PSNR over the pixels it hides."""

import numpy as np
import pytest
from keras import ops

from tests.training.trainers.test_trainers import prepare
from training.families.corruption import corrupt
from training.families.corruption import hidden_pixels
from training.run import build_parser


def _hole_draws(count, seed):
    return np.random.default_rng(seed).uniform(size=(count, 4)).astype("float32")


def _bounding_box(hidden):
    rows, cols = np.where(hidden.any(1))[0], np.where(hidden.any(0))[0]
    return rows.min(), rows.max() + 1, cols.min(), cols.max() + 1


@pytest.mark.parametrize("side", [48, 64])
def test_one_rectangular_hole_per_image_sized_a_third_to_a_half_at_random_places(side):
    images = np.ones((512, side, side, 3), "float32")
    hidden = ops.convert_to_numpy(hidden_pixels(images, "hole", _hole_draws(512, 7)))[..., 0]
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


def test_corrupt_blanks_exactly_the_hidden_pixels():
    images = np.random.default_rng(1).uniform(0.1, 1.0, (4, 32, 32, 1)).astype("float32")
    draws = _hole_draws(4, 3)
    hidden = ops.convert_to_numpy(hidden_pixels(images, "hole", draws))
    holed = ops.convert_to_numpy(corrupt(images, "hole", draws))
    np.testing.assert_array_equal(holed == 0, hidden.astype(bool))
    assert not np.array_equal(hidden, ops.convert_to_numpy(
        hidden_pixels(images, "hole", _hole_draws(4, 4))
    ))


@pytest.mark.parametrize("sides", [(0.6, 0.5), (0.0, 0.5), (0.5, 1.2)])
def test_bad_hole_sides_are_refused(sides):
    with pytest.raises(ValueError, match="hole_sides"):
        hidden_pixels(np.zeros((1, 8, 8, 1)), "hole", _hole_draws(1, 0), hole_sides=sides)


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
