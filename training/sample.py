"""`python -m training.sample --logdir DIR --output grid.png`: a sample grid from a trained run.

For a GAN, images of the moving-average generator (or the raw one with `--no-ema`) from
`--num-samples` latent vectors drawn with `--seed`; a conditional generator shows one class per
row, or `--label` for every image. For an autoencoder, held-out images, their corrupted versions
and the reconstructions, one column per image.
"""

import argparse
import os
import sys

from training import engines
from training import quiet

DESCRIPTION = __doc__.split("\n\n", 1)[1]


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m training.sample", description=DESCRIPTION)
    parser.add_argument("--logdir", required=True, help="the run's directory")
    parser.add_argument(
        "--output", help="PNG file to write (default: <logdir>/samples-<step>.png)"
    )
    parser.add_argument(
        "--checkpoint", help="checkpoint path prefix (default: the newest in the logdir)"
    )
    parser.add_argument("--num-samples", type=int, default=64, help="images (default: 64)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latents (default: 0)")
    parser.add_argument("--label", type=int, help="class of every image (conditional GANs)")
    parser.add_argument(
        "--no-ema", action="store_true", help="sample the raw generator, not its moving average"
    )
    quiet.add_verbose_option(parser)
    return parser


def sample_grid(run, num_samples=64, seed=0, label=None):
    """The uint8 sample grid of a `training.runtime.SavedRun` (its family's `sample_grid`)."""
    images = None
    if run.family.samples_need_images:
        images = _heldout_images(run.config, num_samples, seed)
    return run.family.sample_grid(
        run.network, run.model, run.config, images=images, num_samples=num_samples, seed=seed,
        label=label,
    )


def _heldout_images(config, count, seed):
    """`count` held-out images of the run's dataset (the test split, else reshuffled train),
    read with tf.data on TensorFlow and with NumPy elsewhere."""
    import keras

    from training.data.info import heldout_split

    options = dict(
        resolution=config.resolution,
        batch_size=count,
        channels=config.channels,
        data_dir=config.data_dir,
        seed=seed,
    )
    if keras.backend.backend() != "tensorflow":
        from training.data import arrays

        split, shuffle = heldout_split(arrays.array_dataset_info(config.dataset, config.data_dir))
        with arrays.BatchIterator(
            config.dataset, split=split, shuffle=shuffle, repeat=shuffle, **options
        ) as batches:
            return next(batches)[0]
    from training import data

    split, shuffle = heldout_split(data.dataset_info(config.dataset, config.data_dir))
    dataset = data.make_dataset(
        config.dataset, split=split, shuffle=shuffle, repeat=shuffle, **options
    )
    images, _ = next(iter(dataset))
    return images.numpy()


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.num_samples < 1:
        parser.error(f"--num-samples must be positive, received {args.num_samples}")
    # Before the imports below, which start Keras (and TensorFlow for a TensorFlow run).
    engines.start_backend_for_run(args.logdir, args.verbose)
    from training.monitoring import write_png
    from training.runtime import CheckpointError
    from training.runtime import load_saved_run

    try:
        run = load_saved_run(args.logdir, args.checkpoint, ema=not args.no_ema)
        grid = sample_grid(run, args.num_samples, args.seed, args.label)
    except (CheckpointError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    output = args.output or os.path.join(args.logdir, f"samples-{run.step}.png")
    try:
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        write_png(output, grid)
    except OSError as error:
        print(f"error: cannot write {output}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"Wrote {output} ({grid.shape[1]}×{grid.shape[0]}) from {run.checkpoint}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
