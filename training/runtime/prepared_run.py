"""A run about to train: `prepare` checks a `TrainConfig` and builds it, `train()` runs it."""

import dataclasses
import os
import shlex
import shutil
import sys

import keras

import zoo
from training import config as config_lib
from training import data
from training.families import ConfigurationError
from training.data.info import heldout_split
from training.monitoring.summaries import SummaryWriter
from training.runtime import checkpoints
from training.runtime.initial_weights import check_init_from
from training.runtime.initial_weights import load_initial_weights
from training.runtime import strategy as strategy_lib
from training.runtime.lock import train_under_lock
from training.runtime.run_checks import check_model
from training.runtime.run_checks import with_model_defaults
from training.runtime.run_checks import write_problem
from training.runtime.loop import TrainingDiverged
from training.runtime.loop import fit
from training.runtime.progress import ProgressBar
from training.runtime.strategy import create_strategy
from training.runtime.strategy import worker_index
from training.trainers import precision
from training.trainers.base import Trainer

SAMPLES_FILENAME = "samples.png"
# Exit code of a multi-worker process whose peer is gone (EX_TEMPFAIL): relaunch with --resume.
PEER_LOST_EXIT = 75
# Images of the fixed held-out batch shown in reconstruction and attention pictures.
PREVIEW_IMAGES = 8


def prepare(config):
    """Checks `config` against the zoo, the data and the logdir, and builds the run.

    Every check that can fail does so here, before anything is written or trained.

    Args:
        config: the `TrainConfig` of the command line.

    Returns:
        A `PreparedRun`: its `trainer` is built; `train()` trains and returns the exit code.

    Raises:
        ConfigurationError: a bad option; the message names it and the fix.
    """
    family = check_model(config)
    try:
        info = data.dataset_info(config.dataset, config.data_dir)
    except data.DatasetError as problem:
        raise ConfigurationError(f"--dataset: {problem}") from None
    family.check(config, info)
    _warn_small_dataset(config, info)
    strategy = create_strategy(config.strategy)
    if config.jit_compile:
        problem = strategy_lib.jit_compile_problem(strategy)
        if problem:
            raise ConfigurationError(
                f"--jit-compile with --strategy {config.strategy}: {problem}. Drop "
                f"--jit-compile, or train on one device with --strategy default."
            )
    replicas = strategy.num_replicas_in_sync
    if config.batch_size % replicas:
        raise ConfigurationError(
            f"--batch-size {config.batch_size} does not divide over the {replicas} replicas of "
            f"the {config.strategy!r} strategy; use a multiple of {replicas}."
        )
    logdir = config.run_logdir()
    _check_writable(logdir, worker_index(strategy))
    _check_logdir(config, logdir, worker_index(strategy))
    if config.resume:
        _check_data_source(logdir, info)

    channels = config.channels or info.channels
    if config.init_from and not config.resume:
        check_init_from(config, channels)
    arguments = family.zoo_arguments(config, channels, info)
    if replicas > 1:
        # Per-replica batch statistics would make a step depend on the number of replicas.
        arguments["sync_batch_norm"] = True
    arguments.update(config.model_args)
    keras.utils.set_random_seed(config.seed)
    # The trainer builds the generator's moving-average twin: under the same policy.
    with precision.dtype_policy(config.precision):
        with strategy.scope():
            try:
                model = zoo.create(config.model, **arguments)
            except (TypeError, ValueError) as problem:
                raise ConfigurationError(
                    f"cannot build {config.model!r} with these options: {problem}"
                ) from None
        config = with_model_defaults(config, model.defaults, channels, logdir)
        trainer = Trainer(family, config, strategy, model)
    return PreparedRun(trainer, info, arguments)


@dataclasses.dataclass
class PreparedRun:
    """A checked and built run, ready to train.

    Attributes:
        trainer: the `training.trainers.Trainer` of the model's family, models and optimizers
            built.
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


def _warn_small_dataset(config, info):
    """Warns when one batch needs more images than the training split holds."""
    images = info.splits.get("train", info.num_examples)
    if images and images < config.batch_size:
        print(
            f"warning: dataset {config.dataset!r} holds {images} training image(s), fewer than "
            f"--batch-size {config.batch_size}: every batch repeats images. Use --batch-size "
            f"{images} or less, or more images.",
            file=sys.stderr,
        )


def _check_logdir(config, logdir, worker):
    """A fresh run must not silently mix with an old one; a resumed one needs a checkpoint."""
    existing = checkpoints.has_checkpoint_files(logdir) or os.path.exists(
        os.path.join(logdir, config_lib.CONFIG_FILENAME)
    )
    if config.resume and checkpoints.latest_checkpoint(logdir, worker) is None:
        leftovers = checkpoints.checkpoint_files(logdir, worker)
        if leftovers:
            # Never advise --overwrite while files that may be a checkpoint exist: it deletes them.
            raise ConfigurationError(
                f"--resume: {logdir} holds checkpoint files but no complete checkpoint (a "
                f"ckpt-<step>.index with its .data files): {', '.join(leftovers[:6])}. Nothing "
                f"was deleted; restore the missing files, or move them away and start afresh."
            )
        raise ConfigurationError(
            f"--resume: {logdir} holds no checkpoint (the run stopped before its first "
            f"one?). Start afresh with --overwrite."
        )
    if existing and not config.resume and not config.overwrite:
        raise ConfigurationError(
            f"{logdir} already holds a run. Continue it with --resume, start afresh with "
            f"--overwrite (deletes its checkpoints and logs), or choose another --logdir."
        )


def _check_writable(logdir, worker):
    """The logdir (and its checkpoints folder) must be directories this process can write."""
    if os.path.exists(logdir) and not os.path.isdir(logdir):
        raise ConfigurationError(f"--logdir {logdir} is a file, not a directory: choose another --logdir.")
    existing = os.path.abspath(logdir)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise ConfigurationError(f"--logdir {logdir}: {existing} is a file, so the directory cannot be created.")
    folders = [existing]
    checkpoint_folder = checkpoints.checkpoint_directory(logdir, worker)
    if os.path.exists(checkpoint_folder):
        if not os.path.isdir(checkpoint_folder):
            raise ConfigurationError(f"--logdir {logdir}: {checkpoint_folder} is a file, not a directory.")
        folders.append(checkpoint_folder)
    for folder in folders:
        problem = write_problem(folder)
        if problem:
            raise ConfigurationError(
                f"--logdir {logdir}: cannot write in {folder} ({problem}); the run would fail "
                f"at its first log or checkpoint. Fix the permissions or choose another --logdir."
            )


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
    if trainer.family.heldout_needs() == "evaluation":
        trainer.eval_dataset = dataset(batch_size=config.batch_size, **heldout).take(
            config.eval_batches
        )


def _check_data_source(logdir, info):
    """A run resumes only on the images it started with: another copy changes the data order."""
    recorded = config_lib.load_data_source(logdir)
    if recorded is not None and recorded != info.source:
        raise ConfigurationError(
            f"--resume: {logdir} trained on {recorded}, but dataset {info.name!r} now reads "
            f"{info.source}. Resuming would continue on other images, not the run it was. "
            f"Provide the same data again (docs/data.md), or start a new run in another --logdir."
        )


def _prepare_logdir(config, logdir, arguments, chief, info):
    if config.overwrite and not config.resume:
        _remove_run(logdir)
    if chief:
        os.makedirs(logdir, exist_ok=True)
        if not config.resume:
            config_lib.save_config(config, logdir)
            config_lib.save_model_spec(logdir, config.model, arguments)
            config_lib.save_data_source(logdir, info.source)


def _remove_run(logdir):
    """Deletes what a run writes into `logdir` (and nothing else that may live there)."""
    checkpoints.remove_checkpoints(logdir)
    for name in os.listdir(logdir) if os.path.isdir(logdir) else []:
        path = os.path.join(logdir, name)
        if name.startswith("events.out.tfevents.") or name in (
            config_lib.CONFIG_FILENAME,
            config_lib.MODEL_FILENAME,
            config_lib.DATA_FILENAME,
            SAMPLES_FILENAME,
        ):
            os.remove(path)
        elif name == "plugins" and os.path.isdir(path):
            shutil.rmtree(path)


def _train(trainer, info, arguments):
    """Trains; a multi-worker process that loses a peer stops with `PEER_LOST_EXIT`."""
    if not strategy_lib.is_multi_worker(trainer.strategy):
        return _train_chief(trainer, info, arguments)
    try:
        if worker_index(trainer.strategy) is not None:
            return _train_locked(trainer, info, arguments)
        return _train_chief(trainer, info, arguments)
    except strategy_lib.PEER_LOST_ERRORS as error:
        print(f"error: {_peer_lost_message(trainer, error)}", file=sys.stderr)
        return PEER_LOST_EXIT


def _peer_lost_message(trainer, error):
    config = trainer.config
    me, peers = strategy_lib.lost_peers(trainer.strategy, error)
    gone = ", ".join(peers) if peers else "another worker"
    saved = checkpoints.latest_checkpoint(config.logdir, worker_index(trainer.strategy))
    kept = (
        f"Its newest checkpoint is {saved}; --resume continues every worker from the newest "
        f"step they all hold and trains the steps after it again"
        if saved
        else "No checkpoint had been saved yet: relaunch without --resume (add --overwrite)"
    )
    lines = [line.strip() for line in str(error).strip().splitlines()]
    found = [index for index, line in enumerate(lines) if "aborted by" in line] or [0]
    # The heartbeat's reason ends with ":" and lists the unhealthy tasks on the next line.
    reason = " ".join(lines[found[0] : found[0] + (2 if lines[found[0]].endswith(":") else 1)])
    command = ["python", "-m", "training.run", "--resume", "--logdir", config.logdir]
    return (
        f"{me} of the multi-worker run stopped at step {int(trainer.step.numpy())}: {gone} is "
        f"gone ({type(error).__name__}: {reason}). {kept}. Relaunch every worker, each "
        f"with its own TF_CONFIG as before, with: {shlex.join(command)}"
    )


def _train_chief(trainer, info, arguments):
    """Trains under the logdir's lock (the chief's: other workers write only their own files)."""
    return train_under_lock(
        trainer.config.logdir, lambda: _train_locked(trainer, info, arguments)
    )


def _train_locked(trainer, info, arguments):
    config, strategy = trainer.config, trainer.strategy
    logdir = config.logdir
    worker = worker_index(strategy)
    chief = worker is None
    _prepare_logdir(config, logdir, arguments, chief, info)
    _attach_data(trainer, info)
    resume_from = None
    if config.resume:
        # Before the manager reads the index file, which may be missing or garbled.
        resume_from = checkpoints.readable_checkpoint(logdir, worker)
        if resume_from is None:
            raise checkpoints.CheckpointError(f"{logdir} holds no checkpoint to resume from.")
        resume_from = _common_checkpoint(strategy, logdir, worker, resume_from)
        checkpoints.repair_index(logdir, worker, latest=resume_from)
    checkpoint = checkpoints.RunCheckpoint(
        checkpoints.checkpoint_directory(logdir, worker),
        trainer.step,
        max_to_keep=config.max_to_keep,
        data=trainer.iterators,
        **trainer.checkpoint_objects(),
    )
    writer = SummaryWriter(logdir, enabled=chief)
    if config.resume:
        start = checkpoint.restore(resume_from)
        _report(f"Resuming {config.model} at step {start} from {resume_from}", config)
    else:
        trainer.reset_state()
        if config.init_from:
            source = load_initial_weights(trainer)
            _report(f"Starting from the weights of {source}", config)
        writer.hparams(config.hparams())
        _report(
            f"Training {config.model} on {config.dataset} ({info.source}), "
            f"{strategy.num_replicas_in_sync} replica(s); logs in {logdir}",
            config,
        )
    progress = ProgressBar(config.steps, int(trainer.step.numpy()), enabled=not config.quiet)
    try:
        stopped_by = fit(trainer, checkpoint, writer, progress)
    except TrainingDiverged as diverged:
        progress.close()
        print(f"error: {diverged}", file=sys.stderr)
        return 1
    finally:
        progress.close()
        writer.close()
    step = int(trainer.step.numpy())
    if stopped_by is not None:
        command = ["python", "-m", "training.run", "--resume", "--logdir", logdir]
        print(
            f"Stopped by signal {stopped_by} at step {step}; saved {checkpoint.latest}. "
            f"Continue with: {shlex.join(command)}",
            file=sys.stderr,
        )
        return 128 + stopped_by
    if chief:
        samples = os.path.join(logdir, SAMPLES_FILENAME)
        trainer.write_final_samples(samples)
        _report(f"Done at step {step}: samples in {samples}; tensorboard --logdir {logdir}", config)
    return 0


def _step_of(path):
    return int(path.rsplit("-", 1)[1])


def _common_checkpoint(strategy, logdir, worker, newest):
    """The checkpoint of this process at the newest step that every worker holds.

    A worker killed between the chief's save and its own leaves the copies one save apart;
    resuming them from different steps would pair different collectives. Every worker resumes
    from the smallest of their newest readable steps (a single process keeps `newest`).
    """
    step = strategy_lib.smallest_over_workers(strategy, _step_of(newest))
    if step == _step_of(newest):
        return newest
    path = os.path.join(checkpoints.checkpoint_directory(logdir, worker), f"ckpt-{step}")
    if path not in checkpoints.find_checkpoints(logdir, worker):
        problem = "it is missing (older checkpoints are pruned by --max-to-keep)"
    else:
        problem = checkpoints.checkpoint_problem(path)
    me = "the chief" if worker is None else f"worker {worker}"
    if problem:
        raise checkpoints.CheckpointError(
            f"the newest checkpoint every worker holds is the one of step {step}, but {me} cannot "
            f"use {path}: {problem}. The workers' checkpoints cannot be paired; start afresh "
            f"with --overwrite in a new --logdir, or restore that checkpoint."
        )
    print(
        f"warning: {me} holds {newest}, but another worker's newest checkpoint is of step "
        f"{step}: every worker resumes from step {step} and trains the later steps again.",
        file=sys.stderr,
    )
    return path


def _report(message, config):
    if not config.quiet:
        print(message, file=sys.stderr)

