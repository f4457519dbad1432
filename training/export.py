"""`python -m training.export --logdir DIR --output generator.keras`: a trained network as `.keras`.

Exports the moving-average generator of a GAN run (the raw generator with `--no-ema`) or the
autoencoder of a reconstruction run. The file loads anywhere Keras 3 and this package are
installed, on any backend: `keras.models.load_model("generator.keras")`.
"""

import argparse
import os
import sys

from training import engines
from training import quiet

DESCRIPTION = __doc__.split("\n\n", 1)[1]


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m training.export", description=DESCRIPTION)
    parser.add_argument("--logdir", required=True, help="the run's directory")
    parser.add_argument("--output", required=True, help="the .keras file to write")
    parser.add_argument(
        "--checkpoint", help="checkpoint path prefix (default: the newest in the logdir)"
    )
    parser.add_argument(
        "--no-ema", action="store_true", help="export the raw generator, not its moving average"
    )
    quiet.add_verbose_option(parser)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.output.endswith(".keras"):
        parser.error(f"--output must end in .keras, received {args.output!r}")
    # Before the imports below, which start Keras (and TensorFlow for a TensorFlow run).
    engines.start_backend_for_run(args.logdir, args.verbose)
    from training.runtime import CheckpointError
    from training.runtime import load_saved_run

    try:
        run = load_saved_run(args.logdir, args.checkpoint, ema=not args.no_ema)
    except CheckpointError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        run.network.save(args.output)
    except OSError as error:
        print(f"error: cannot write {args.output}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"Wrote {args.output} ({run.network.name}) from {run.checkpoint}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
