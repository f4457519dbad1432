"""A run about to train: `prepare` checks a `TrainConfig` and builds it, `train()` runs it."""

import dataclasses
import difflib
import os
import shutil
import sys

import keras

import zoo
from training import config as config_lib
from training import data
from training.monitoring.summaries import SummaryWriter
from training.runtime import checkpoints
from training.runtime.loop import fit
from training.runtime.progress import ProgressBar
from training.runtime.strategy import create_strategy
from training.runtime.strategy import worker_index
from training.trainers.gan import GANTrainer
from training.trainers.reconstruction import ReconstructionTrainer

TRAINERS = {"sagan": GANTrainer, "autoencoder": ReconstructionTrainer}
SAMPLES_FILENAME = "samples.png"
# Images of the fixed held-out batch shown in reconstruction and attention pictures.
PREVIEW_IMAGES = 8


def prepare(config, error):
    """Checks `config` against the zoo, the data and the logdir, and builds the run.

    Every check that can fail does so here, before anything is written or trained.

    Args:
        config: the `TrainConfig` of the command line.
        error: called with a message for a bad option; must not return (`parser.error`).

    Returns:
        A `PreparedRun`: its `trainer` is built; `train()` trains and returns the exit code.
    """
    _check_model(config, error)
    try:
        info = data.dataset_info(config.dataset, config.data_dir)
    except data.DatasetError as problem:
        error(f"--dataset: {problem}")
    if config.conditional and not info.num_classes:
        error(f"--conditional needs labels, but dataset {config.dataset!r} has none.")
    strategy = create_strategy(config.strategy)
    replicas = strategy.num_replicas_in_sync
    if config.batch_size % replicas:
        error(
            f"--batch-size {config.batch_size} does not divide over the {replicas} replicas of "
            f"the {config.strategy!r} strategy; use a multiple of {replicas}."
        )
    logdir = config.run_logdir()
    _check_logdir(config, logdir, worker_index(strategy), error)

    channels = config.channels or info.channels
    arguments = _zoo_arguments(config, channels, info, replicas)
    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        try:
            model = zoo.create(config.model, **arguments)
        except (TypeError, ValueError) as problem:
            error(f"cannot build {config.model!r} with these options: {problem}")
    config = _with_model_defaults(config, model.defaults, channels, logdir)
    trainer = TRAINERS[config.family](config, strategy, model)
    return PreparedRun(trainer, info, arguments)


@dataclasses.dataclass
class PreparedRun:
    """A checked and built run, ready to train.

    Attributes:
        trainer: the `GANTrainer` or `ReconstructionTrainer`, models and optimizers built.
        info: the dataset's `training.data.DatasetInfo`.
        arguments: the `zoo.create` arguments of the model.
    """

    trainer: object
    info: object
    arguments: dict

    def train(self):
        """Trains (or resumes) to `config.steps`; returns the process's exit code."""
        return _train(self.trainer, self.info, self.arguments)

    def attach_data(self):
        """Attaches the training and held-out data to the trainer (`train` does it too)."""
        _attach_data(self.trainer, self.info)


def _check_model(config, error):
    names = zoo.list_models()
    if config.model not in names:
        close = difflib.get_close_matches(config.model, names, n=1, cutoff=0.0)
        error(
            f"--model: unknown model {config.model!r}; did you mean {close[0]!r}? "
            f"Choices: {', '.join(names)}."
        )
    if config.conditional and config.family != "sagan":
        error(f"--conditional applies to GANs (sagan_*), not to {config.model!r}.")


def _check_logdir(config, logdir, worker, error):
    """A fresh run must not silently mix with an old one; a resumed one needs a checkpoint."""
    existing = checkpoints.has_checkpoint_files(logdir) or os.path.exists(
        os.path.join(logdir, config_lib.CONFIG_FILENAME)
    )
    if config.resume:
        if checkpoints.latest_checkpoint(logdir, worker) is None:
            error(
                f"--resume: {logdir} holds no checkpoint (the run stopped before its first "
                f"one?). Start afresh with --overwrite."
            )
    elif existing and not config.overwrite:
        error(
            f"{logdir} already holds a run. Continue it with --resume, start afresh with "
            f"--overwrite (deletes its checkpoints and logs), or choose another --logdir."
        )


def _zoo_arguments(config, channels, info, replicas):
    arguments = {"resolution": config.resolution, "channels": channels, "ch": config.ch}
    if config.family == "sagan":
        arguments["num_classes"] = info.num_classes if config.conditional else 0
    if replicas > 1:
        # Per-replica batch statistics would make a step depend on the number of replicas.
        arguments["sync_batch_norm"] = True
    arguments.update(config.model_args)
    return arguments


def _with_model_defaults(config, defaults, channels, logdir):
    """`config` with `None` options replaced by the model's training defaults."""
    resolved = {"channels": channels, "logdir": logdir}
    names = ("g_learning_rate", "d_learning_rate", "learning_rate", "beta_1", "beta_2", "n_disc")
    for name in names:
        if getattr(config, name) is None and name in defaults:
            resolved[name] = defaults[name]
    return dataclasses.replace(config, **resolved)


def heldout_split(info):
    """`(split, shuffle)` of the held-out images: the test split, else a reshuffled train."""
    for split in ("test", "validation"):
        if split in info.splits:
            return split, False
    # No held-out split: another seed's stream of the training data.
    return "train", True


def _attach_data(trainer, info):
    config = trainer.config

    def dataset(**options):
        return data.make_dataset(
            config.dataset,
            resolution=config.resolution,
            channels=config.channels,
            data_dir=config.data_dir,
            **options,
        )

    trainer.attach_data(
        lambda context: dataset(
            batch_size=config.batch_size, seed=config.seed, input_context=context
        )
    )
    split, shuffle = heldout_split(info)
    heldout = dict(split=split, seed=config.seed + 1, shuffle=shuffle, repeat=shuffle)
    images, labels = next(iter(dataset(batch_size=PREVIEW_IMAGES, **heldout)))
    trainer.preview = (images.numpy(), labels.numpy())
    if config.family == "autoencoder":
        trainer.eval_dataset = dataset(batch_size=config.batch_size, **heldout).take(
            config.eval_batches
        )


def _prepare_logdir(config, logdir, arguments, chief):
    if config.overwrite and not config.resume:
        _remove_run(logdir)
    if chief:
        os.makedirs(logdir, exist_ok=True)
        if not config.resume:
            config_lib.save_config(config, logdir)
            config_lib.save_model_spec(logdir, config.model, arguments)


def _remove_run(logdir):
    """Deletes what a run writes into `logdir` (and nothing else that may live there)."""
    checkpoints.remove_checkpoints(logdir)
    for name in os.listdir(logdir) if os.path.isdir(logdir) else []:
        path = os.path.join(logdir, name)
        if name.startswith("events.out.tfevents.") or name in (
            config_lib.CONFIG_FILENAME,
            config_lib.MODEL_FILENAME,
            SAMPLES_FILENAME,
        ):
            os.remove(path)
        elif name == "plugins" and os.path.isdir(path):
            shutil.rmtree(path)


def _train(trainer, info, arguments):
    config, strategy = trainer.config, trainer.strategy
    logdir = config.logdir
    worker = worker_index(strategy)
    chief = worker is None
    _prepare_logdir(config, logdir, arguments, chief)
    _attach_data(trainer, info)
    checkpoint = checkpoints.RunCheckpoint(
        checkpoints.checkpoint_directory(logdir, worker),
        trainer.step,
        max_to_keep=config.max_to_keep,
        data=trainer.iterators,
        **trainer.checkpoint_objects(),
    )
    writer = SummaryWriter(logdir, enabled=chief)
    if config.resume:
        start = checkpoint.restore(checkpoint.latest)
        _report(f"Resuming {config.model} at step {start} from {checkpoint.latest}", config)
    else:
        trainer.reset_state()
        writer.hparams(config.hparams())
        _report(
            f"Training {config.model} on {config.dataset} ({info.source}), "
            f"{strategy.num_replicas_in_sync} replica(s); logs in {logdir}",
            config,
        )
    progress = ProgressBar(config.steps, int(trainer.step.numpy()), enabled=not config.quiet)
    try:
        stopped_by = fit(trainer, checkpoint, writer, progress)
    finally:
        progress.close()
        writer.close()
    step = int(trainer.step.numpy())
    if stopped_by is not None:
        print(
            f"Stopped by signal {stopped_by} at step {step}; saved {checkpoint.latest}. "
            f"Continue with: python -m training.run --resume --logdir {logdir}",
            file=sys.stderr,
        )
        return 128 + stopped_by
    if chief:
        samples = os.path.join(logdir, SAMPLES_FILENAME)
        trainer.write_final_samples(samples)
        _report(f"Done at step {step}: samples in {samples}; tensorboard --logdir {logdir}", config)
    return 0


def _report(message, config):
    if not config.quiet:
        print(message, file=sys.stderr)

