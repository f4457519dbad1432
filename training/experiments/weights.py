"""Compact copies of a GAN run's trained networks: what a rerun of a study's conversion starts from.

A study prunes the checkpoints of finished cells (they hold the optimizers' moments too, four
times the networks) and git keeps only summaries. A conversion's source is the exception: its
networks are kept in the cell's `weights/` folder, one float16 `.npz` per network (generator,
discriminator, moving-average generator; about a quarter of the float32 checkpoint, float16
rounding aside). `restore_run` writes them back as a run directory (`config.json`, `model.json`,
`data.json` from the cell's summary and a checkpoint at the run's last step) that
`training.evaluate --attention` and `training.run --init-from` read as they read the original.

    python -m training.experiments.weights keep studies/results/generation/softmax/seed0
    python -m training.experiments.weights restore studies/results/generation/softmax/seed0
    python -m training.experiments.weights restore CELL --to /tmp/ablated --zero-gamma

(`keep` reads the newest checkpoint of the cell's `run/`; `restore` writes `run/` back, or a run
at `--to`; `--zero-gamma` sets every attention block's γ to 0: the block switched off, the
ablation that says what the trained attention contributes to a metric.)
"""

import argparse
import json
import os
import sys

import numpy as np

from training.experiments.summary import summary_path

WEIGHTS_DIRNAME = "weights"
RUN_DIRNAME = "run"


def _networks(model_name, arguments):
    """`{checkpoint key: network}` of a SAGAN run, built (not yet restored)."""
    import zoo

    if not model_name.startswith("sagan_"):
        raise ValueError(
            f"weights are kept for SAGAN runs (a conversion's source), not {model_name!r}"
        )
    model, twin = zoo.create(model_name, **arguments), zoo.create(model_name, **arguments)
    return {"generator": model.generator, "discriminator": model.discriminator,
            "ema_generator": twin.generator}


def _is_gamma(weight):
    return weight.path.rsplit("/", 1)[-1] == "gamma" and "attention" in weight.path


def _model_spec(logdir):
    with open(os.path.join(logdir, "model.json")) as file:
        spec = json.load(file)
    return spec["name"], spec["arguments"]


def keep_weights(cell_directory):
    """Stores the networks of the newest checkpoint of `<cell>/run` in `<cell>/weights/`.

    Returns:
        The files written.

    Raises:
        CheckpointError: the run holds no readable checkpoint.
    """
    from training.runtime import checkpoints

    logdir = os.path.join(cell_directory, RUN_DIRNAME)
    path = checkpoints.readable_checkpoint(logdir)
    if path is None:
        raise checkpoints.CheckpointError(f"{logdir} holds no checkpoint to keep the weights of")
    networks = _networks(*_model_spec(logdir))
    checkpoints.restore_objects(path, networks)
    folder = os.path.join(cell_directory, WEIGHTS_DIRNAME)
    os.makedirs(folder, exist_ok=True)
    written = []
    for key, network in networks.items():
        arrays = {weight.path: np.asarray(weight.numpy(), np.float16) for weight in network.weights}
        target = os.path.join(folder, f"{key}.npz")
        np.savez_compressed(target, **arrays)
        written.append(target)
    return written


def restore_run(cell_directory, logdir=None, zero_gamma=False):
    """Writes `<cell>/run` back from `<cell>/weights/` and the cell's summary; returns its path.

    Args:
        cell_directory: the cell (its `summary.json` and `weights/`).
        logdir: where to write the run; default `<cell>/run`.
        zero_gamma: set the γ of every attention block to 0 (the blocks become the identity).

    Raises:
        FileNotFoundError: the cell has no summary or no kept weights.
        ValueError: a kept file does not fit the network the summary describes.
    """
    import tensorflow as tf

    with open(summary_path(cell_directory)) as file:
        run = json.load(file)["runs"][RUN_DIRNAME]
    logdir = logdir or os.path.join(cell_directory, RUN_DIRNAME)
    os.makedirs(logdir, exist_ok=True)
    for name in ("config", "model", "data"):
        with open(os.path.join(logdir, f"{name}.json"), "w") as file:
            json.dump(run[name], file, indent=2)
    networks = _networks(run["model"]["name"], run["model"]["arguments"])
    for key, network in networks.items():
        path = os.path.join(cell_directory, WEIGHTS_DIRNAME, f"{key}.npz")
        with np.load(path) as kept:
            paths = [weight.path for weight in network.weights]
            if sorted(kept.files) != sorted(paths):
                raise ValueError(f"{path} does not hold the weights of {run['model']['name']}'s "
                                 f"{key}: it has {len(kept.files)} arrays, the network "
                                 f"{len(paths)}")
            for weight in network.weights:
                value = kept[weight.path].astype(weight.dtype)
                weight.assign(np.zeros_like(value) if zero_gamma and _is_gamma(weight) else value)
    prefix = os.path.join(logdir, "checkpoints", f"ckpt-{run['config']['steps']}")
    checkpoint = tf.train.Checkpoint(**networks)
    checkpoint.save_counter  # created on first use; every run checkpoint has one
    checkpoint.write(prefix)
    return logdir


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m training.experiments.weights",
                                     description=__doc__.split("\n\n")[1])
    parser.add_argument("action", choices=("keep", "restore"))
    parser.add_argument("cell", help="a study cell's directory (holding run/ or weights/)")
    parser.add_argument("--to", metavar="LOGDIR", help="restore: write the run here, not in "
                        "the cell's run/")
    parser.add_argument("--zero-gamma", action="store_true",
                        help="restore: set every attention block's γ to 0 (the ablation)")
    args = parser.parse_args(argv)
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if args.action == "keep":
        for path in keep_weights(args.cell):
            print(f"Wrote {path}")
    else:
        print(f"Wrote {restore_run(args.cell, args.to, args.zero_gamma)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
