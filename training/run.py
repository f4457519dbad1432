"""`python -m training.run --model NAME`: train a zoo model and follow it in TensorBoard.

With no other option this is the quickstart: `sagan_refined` on Fashion-MNIST at 32×32 for 300
steps (a few minutes on 2 CPU cores), writing TensorBoard logs, checkpoints and a final sample
grid to `runs/sagan_refined`. `tensorboard --logdir runs` shows it.
"""

import argparse
import os
import sys

from training import config as config_lib
from training import quiet
from training.arguments import fraction
from training.arguments import integer_at_least
from training.arguments import key_value
from training.arguments import non_negative_int
from training.arguments import positive_float
from training.arguments import positive_int

DESCRIPTION = __doc__.split("\n\n", 1)[1]
EPILOG = """\
examples:
  python -m training.run --model sagan_refined
  python -m training.run --model sagan_softmax --dataset photos --resolution 64 --ch 64
  python -m training.run --model autoencoder_refined --corruption mask --steps 2000
  python -m training.run --model sagan_refined --resume       # continue runs/sagan_refined
  tensorboard --logdir runs
"""
_GROUPS = {
    "run": "run",
    "speed": "speed",
    "model": "model",
    "gan": "GAN training (sagan_*)",
    "reconstruction": "reconstruction training (autoencoder_*)",
    "optimizer": "optimizer",
    "logging": "TensorBoard and checkpoints",
}


# How argparse reads each option; the rest are strings (or flags, for booleans).
_TYPES = {
    "resolution": positive_int,
    "channels": positive_int,
    "batch_size": positive_int,
    "steps": positive_int,
    "seed": non_negative_int,
    "ch": positive_int,
    "g_learning_rate": positive_float,
    "d_learning_rate": positive_float,
    "learning_rate": positive_float,
    "n_disc": positive_int,
    "ema_decay": fraction,
    "ema_start": non_negative_int,
    "num_samples": positive_int,
    "fid_every": non_negative_int,
    "fid_samples": integer_at_least(2),
    "noise_std": positive_float,
    "mask_fraction": fraction,
    "hole_min": fraction,
    "hole_max": fraction,
    "eval_every": positive_int,
    "eval_batches": positive_int,
    "beta_1": fraction,
    "beta_2": fraction,
    "summary_every": positive_int,
    "image_every": positive_int,
    "checkpoint_every": positive_int,
    "max_to_keep": positive_int,
}


_METAVARS = {
    positive_int: "N",
    non_negative_int: "N",
    positive_float: "X",
    fraction: "X",
}


def build_parser():
    """The argparse parser of `training.run`, one option per `TrainConfig` field.

    Options that are not given stay out of the parsed namespace (`argparse.SUPPRESS`), so that
    `--resume` can tell what the command line asks for from what the saved run already says.
    """
    parser = argparse.ArgumentParser(
        prog="python -m training.run",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        argument_default=argparse.SUPPRESS,
    )
    groups = {key: parser.add_argument_group(title) for key, title in _GROUPS.items()}
    for field in config_lib.option_fields():
        metadata = field.metadata
        group = groups[metadata["group"]]
        flag = "--" + field.name.replace("_", "-")
        help_text = f"{metadata['help']} (default: {config_lib.default_text(field)})"
        if field.name == "model_args":
            group.add_argument(
                "--model-arg",
                dest="model_args",
                action="append",
                type=key_value,
                metavar=metadata["metavar"],
                help=help_text,
            )
        elif isinstance(field.default, bool):
            group.add_argument(flag, action="store_true", help=help_text)
        else:
            kind = _TYPES.get(field.name, str)
            group.add_argument(
                flag,
                type=kind,
                choices=metadata["choices"],
                metavar=metadata.get("metavar") or _METAVARS.get(kind),
                help=help_text,
            )
    quiet.add_verbose_option(groups["run"])
    return parser


def parse_config(parser, argv):
    """Parses `argv` into `(config, verbose)`: the run's full config and `--verbose`."""
    given = vars(parser.parse_args(argv))
    verbose = given.pop("verbose", False)
    if "model_args" in given:
        given["model_args"] = dict(given["model_args"])
    if given.get("resume") and given.get("overwrite"):
        parser.error("--resume continues the run in --logdir, --overwrite deletes it: pick one")
    if given.get("resume"):
        if "logdir" not in given and "model" not in given:
            parser.error("--resume needs --logdir (or --model, for the default runs/<model>)")
        logdir = given.get("logdir") or os.path.join("runs", given["model"])
        saved = _load_saved_config(parser, logdir)
        # --quiet steers this process only: a run started quiet resumes with a progress bar
        # unless --quiet is given again.
        resumed = {**saved.to_dict(), **given, "logdir": logdir, "quiet": given.get("quiet", False)}
        config = config_lib.TrainConfig(**resumed)
        differences = config_lib.config_differences(saved, config)
        if differences:
            listing = "; ".join(
                f"--{name.replace('_', '-')}: run has {old!r}, asked {new!r}"
                for name, old, new in differences
            )
            parser.error(
                f"cannot resume the run in {logdir} with different options ({listing}). "
                f"Drop them to continue that run, or choose another --logdir."
            )
        return config, verbose
    if "model" not in given:
        parser.error("the following arguments are required: --model")
    return config_lib.TrainConfig(**given), verbose


def _load_saved_config(parser, logdir):
    try:
        return config_lib.load_config(logdir)
    except FileNotFoundError:
        parser.error(
            f"--resume: there is no run in {logdir} ({config_lib.CONFIG_FILENAME} is missing). "
            f"Check --logdir, or start the run without --resume."
        )
    except ValueError as error:
        parser.error(f"--resume: {error}")


def main(argv=None):
    """Runs `python -m training.run` with `argv`; returns the exit code.

    Bad options end with a message on stderr and exit code 2 before any work starts;
    a damaged checkpoint ends with exit code 1; a multi-worker process whose peer is gone ends
    with exit code 75 and the command that relaunches the run.
    """
    parser = build_parser()
    config, verbose = parse_config(parser, argv)
    engine = _engine(parser, config)
    if engine == "jax":
        return _train_on_jax(parser, config)
    quiet.import_tensorflow(verbose)  # before the imports below, which start TensorFlow
    from training.families import ConfigurationError
    from training.runtime import CheckpointError
    from training.runtime import prepare

    try:
        return prepare(config).train()
    except ConfigurationError as error:
        parser.error(str(error))
    except CheckpointError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _engine(parser, config):
    """The engine KERAS_BACKEND selects (`training.engines`); a resumed run must be its own."""
    from training import engines

    try:
        engine = engines.select_engine()
        if config.resume:
            engines.check_resume_engine(config.run_logdir(), engine)
    except engines.EngineError as error:
        parser.error(str(error))
    os.environ.setdefault("KERAS_BACKEND", engine)
    return engine


def _train_on_jax(parser, config):
    """Trains on the JAX engine (no TensorFlow import); bad options end in `parser.error`."""
    from training.engines.jax.run import prepare
    from training.families import ConfigurationError

    try:
        run = prepare(config)
    except ConfigurationError as error:
        parser.error(str(error))
    return run.train()


if __name__ == "__main__":
    sys.exit(main())
