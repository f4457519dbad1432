"""Reference scores of the synthetic attention tasks: the oracle and the blind fill of the hole.

`eval/psnr_hidden` of two fills of the reconstruction family's `hole` corruption on the test
split: the oracle (`attention_tasks.oracle_fill`, the answer the task hides elsewhere in the
image) and the blind fill (0, the signal's mean: what a model that sees nothing of the answer
predicts). Gap closure of an attention kind is `(kind - none) / (oracle - none)`.

Usage:

    python -m training.data.attention_task_oracle --dataset mirror --resolution 32 \\
        --hole-min 0.25 --hole-max 0.25

Example:

>>> scores = reference_scores("global_colour", 16, (0.5, 0.5), count=8)
>>> scores["oracle"] > scores["blind"]
True
"""

import argparse
import json

import numpy as np
from keras import ops

from training.data import attention_tasks
from training.data.model_images import to_model_images
from training.families.corruption import corrupt
from training.families.corruption import hidden_pixels
from training.families.image_metrics import psnr_of_pixels


def reference_scores(name, resolution, hole_sides, count=1000, seed=0):
    """Mean `eval/psnr_hidden` (dB) of the oracle and the blind fill over `count` test images.

    Args:
        name: `"global_colour"` or `"mirror"`.
        resolution: image side.
        hole_sides: `(smallest, largest)` side of the hole as fractions of the image side
            (`--hole-min`, `--hole-max`).
        count: test images scored, at most 1,000.
        seed: seed of the hole draws (NumPy).
    """
    stored = attention_tasks.images(name, ["test"], np.arange(count), resolution)
    images = to_model_images(stored, resolution=resolution, channels=stored.shape[-1])
    draws = np.random.default_rng(seed).uniform(size=(count, 4)).astype(np.float32)
    corrupted = ops.convert_to_numpy(corrupt(images, "hole", draws, hole_sides=hole_sides))
    hidden = ops.convert_to_numpy(hidden_pixels(images, "hole", draws, hole_sides=hole_sides))
    fills = {
        "oracle": attention_tasks.oracle_fill(name, corrupted, hidden).astype(np.float32),
        "blind": corrupted,
    }
    return {
        fill: float(np.mean(ops.convert_to_numpy(psnr_of_pixels(images, filled, hidden))))
        for fill, filled in fills.items()
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=attention_tasks.NAMES, required=True)
    parser.add_argument("--resolution", type=int, default=32)
    parser.add_argument("--hole-min", type=float, required=True)
    parser.add_argument("--hole-max", type=float, required=True)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args(argv)
    scores = reference_scores(
        args.dataset, args.resolution, (args.hole_min, args.hole_max), args.count
    )
    print(json.dumps({"dataset": args.dataset, **scores}))


if __name__ == "__main__":
    main()
