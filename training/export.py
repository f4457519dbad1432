"""`python -m training.export --logdir DIR --output generator.keras`: a trained network as `.keras`.

Exports the moving-average generator of a GAN run (the raw generator with `--no-ema`) or the
autoencoder of a reconstruction run. The file loads anywhere Keras 3 and this package are
installed, on any backend: `keras.models.load_model("generator.keras")`. With `--preset DIR`
instead, writes the whole model as a preset (`zoo.from_preset(DIR)`: the zoo config, one
`.weights.h5` per network, and metadata on how it was trained; `--metrics` adds the FID/KID
that `training.evaluate --json` wrote).
"""

import argparse
import json
import os
import shlex
import sys

from training import engines
from training import quiet

DESCRIPTION = __doc__.split("\n\n", 1)[1]


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m training.export", description=DESCRIPTION)
    parser.add_argument("--logdir", required=True, help="the run's directory")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--output", help="the .keras file to write")
    target.add_argument("--preset", metavar="DIR", help="write the model as a preset directory")
    parser.add_argument(
        "--metrics",
        metavar="FILE",
        help="with --preset: the JSON of `python -m training.evaluate --json` for the card",
    )
    parser.add_argument(
        "--weights-dtype",
        choices=("float32", "float16"),
        default="float32",
        help="with --preset: dtype of the weight files (float16 halves them; default: float32)",
    )
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
    if args.output and not args.output.endswith(".keras"):
        parser.error(f"--output must end in .keras, received {args.output!r}")
    if args.metrics and not args.preset:
        parser.error("--metrics goes on a preset's card: it needs --preset DIR")
    metrics = _read_metrics(parser, args.metrics) if args.metrics else {}
    # Before the imports below, which start Keras (and TensorFlow for a TensorFlow run).
    engines.start_backend_for_run(args.logdir, args.verbose)
    from training.runtime import CheckpointError
    from training.runtime.saved_run import load_saved_model
    from training.runtime.saved_run import load_saved_run

    load = load_saved_model if args.preset else load_saved_run
    try:
        run = load(args.logdir, args.checkpoint, ema=not args.no_ema)
    except CheckpointError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    target = args.preset or args.output
    try:
        if args.preset:
            _write_preset(run, args, metrics)
        else:
            os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
            run.network.save(args.output)
    except OSError as error:
        print(f"error: cannot write {target}: {error.strerror or error}", file=sys.stderr)
        return 1
    what = "a preset" if args.preset else run.network.name
    print(f"Wrote {target} ({what}) from {run.checkpoint}")
    return 0


def _read_metrics(parser, path):
    try:
        with open(path) as file:
            metrics = json.load(file)
    except (OSError, json.JSONDecodeError) as error:
        parser.error(f"--metrics {path}: cannot read it as JSON ({error})")
    missing = [key for key in ("fid", "kid", "num_samples") if key not in metrics]
    if missing:
        parser.error(
            f"--metrics {path} lacks {', '.join(missing)}: give the file that "
            f"`python -m training.evaluate --json FILE` writes."
        )
    return metrics


def _write_preset(run, args, metrics):
    """Writes `run`'s model as a preset directory with the card's metadata."""
    import datetime

    import zoo
    from training import config as config_lib
    from training import engines

    name, arguments = config_lib.load_model_spec(args.logdir)
    config = run.config
    metadata = {
        "model": name,
        "dataset": config.dataset,
        "resolution": config.resolution,
        "steps": run.step,
        "engine": engines.engine_of_run(args.logdir),
        "precision": config.precision,
        "command": training_command(config),
        "moving_average_generator": not args.no_ema,
        "exported": datetime.date.today().isoformat(),
    }
    if metrics:
        metadata["metrics"] = metrics
    zoo.save_preset(run.model, name, arguments, args.preset, metadata, args.weights_dtype)


def training_command(config):
    """The `python -m training.run` command line of `config`: the options it sets away from
    their defaults (the logdir and the run's own bookkeeping options left out)."""
    from training.config import TrainConfig
    from training.config import option_fields

    defaults = TrainConfig()
    words = ["python", "-m", "training.run"]
    for field in option_fields():
        value = getattr(config, field.name)
        if field.name in ("logdir", "resume", "overwrite", "quiet") or value == getattr(
            defaults, field.name
        ):
            continue
        option = "--" + field.name.replace("_", "-")
        if field.name == "model_args":
            for key, argument in sorted(value.items()):
                words += ["--model-arg", f"{key}={argument}"]
        elif isinstance(value, bool):
            words.append(option)
        else:
            words += [option, str(value)]
    return shlex.join(words)


if __name__ == "__main__":
    sys.exit(main())
