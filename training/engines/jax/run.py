"""`KERAS_BACKEND=jax python -m training.run ...`: check, build and train a run on the JAX engine.

`prepare(config)` does every check that can fail before anything is written (the options the
engine refuses, the dataset, the family's own checks, the devices, the logdir) and builds the
model; `JaxRun.train()` trains or resumes it under the logdir's lock and returns the exit code.
A run's logdir holds what a TensorFlow run's holds (config.json, model.json, data.json,
TensorBoard events, samples.png), `engine.json` naming the engine, and orbax checkpoints in
`checkpoints/<step>/`.
"""

import dataclasses
import os
import shlex
import shutil
import sys

import keras

import zoo
from training import config as config_lib
from training.data import DatasetError
from training.data import arrays
from training.engines import ENGINE_FILENAME
from training.engines import check_resume_engine
from training.engines import record_engine
from training.engines.jax.checkpoints import CHECKPOINT_DIRNAME
from training.engines.jax.checkpoints import CheckpointMismatch
from training.engines.jax.checkpoints import CheckpointStore
from training.engines.jax.checkpoints import complete_steps
from training.engines.jax.checkpoints import has_checkpoints
from training.engines.jax.distribution import Devices
from training.engines.jax.distribution import initialize_hosts
from training.engines.jax.loop import CheckpointSaveError
from training.engines.jax.loop import fit
from training.engines.jax.options import check_options
from training.engines.jax.trainer import JaxTrainer
from training.families import ConfigurationError
from training.monitoring.event_writer import EventWriter
from training.runtime.lock import train_under_lock
from training.runtime.run_checks import check_model
from training.runtime.run_checks import with_model_defaults
from training.runtime.run_checks import write_problem
from training.runtime.loop import TrainingDiverged
from training.runtime.progress import ProgressBar
from training.trainers.precision import dtype_policy

SAMPLES_FILENAME = "samples.png"


def prepare(config):
    """Checks `config` for the JAX engine and builds its model; nothing is written yet.

    Raises:
        ConfigurationError: a bad or unsupported option; the message names it and the fix.
    """
    family = check_model(config)
    check_options(config)
    try:
        info = arrays.array_dataset_info(config.dataset, config.data_dir)
    except DatasetError as problem:
        raise ConfigurationError(f"--dataset: {problem}") from None
    family.check(config, info)
    initialize_hosts()
    devices = Devices(config.strategy)
    if config.batch_size % devices.count:
        raise ConfigurationError(
            f"--batch-size {config.batch_size} does not divide over the {devices.count} "
            f"devices of --strategy {config.strategy}; use a multiple of {devices.count}."
        )
    logdir = config.run_logdir()
    _check_logdir(config, logdir, info)
    channels = config.channels or info.channels
    arguments = {**family.zoo_arguments(config, channels, info), **config.model_args}
    keras.utils.set_random_seed(config.seed)
    with dtype_policy(config.precision), devices.scope():
        try:
            model = zoo.create(config.model, **arguments)
        except (TypeError, ValueError) as problem:
            raise ConfigurationError(
                f"cannot build {config.model!r} with these options: {problem}"
            ) from None
    config = with_model_defaults(config, model.defaults, channels, logdir)
    return JaxRun(config, family, info, arguments, model, devices)


def _check_logdir(config, logdir, info):
    """A writable logdir; a fresh run must not mix with an old one; a resumed one needs a JAX
    checkpoint on the same images."""
    if os.path.exists(logdir) and not os.path.isdir(logdir):
        raise ConfigurationError(f"--logdir {logdir} is a file, not a directory: choose another.")
    existing = os.path.abspath(logdir)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    problem = write_problem(existing)
    if problem:
        raise ConfigurationError(
            f"--logdir {logdir}: cannot write in {existing} ({problem}). Fix the permissions or "
            f"choose another --logdir."
        )
    has_run = os.path.exists(os.path.join(logdir, config_lib.CONFIG_FILENAME))
    if config.resume:
        try:
            check_resume_engine(logdir, "jax")
        except ValueError as problem:
            raise ConfigurationError(str(problem)) from None
        if not complete_steps(os.path.join(logdir, CHECKPOINT_DIRNAME)):
            raise ConfigurationError(
                f"--resume: {logdir} holds no complete checkpoint (the run stopped before its "
                f"first one?). Start afresh with --overwrite."
            )
        recorded = config_lib.load_data_source(logdir)
        if recorded is not None and recorded != info.source:
            raise ConfigurationError(
                f"--resume: {logdir} trained on {recorded}, but dataset {info.name!r} now reads "
                f"{info.source}. Resuming would continue on other images, not the run it was. "
                f"Provide the same data again (docs/data.md), or start a new run in another "
                f"--logdir."
            )
    elif (has_run or has_checkpoints(logdir)) and not config.overwrite:
        raise ConfigurationError(
            f"{logdir} already holds a run. Continue it with --resume, start afresh with "
            f"--overwrite (deletes its checkpoints and logs), or choose another --logdir."
        )


@dataclasses.dataclass
class JaxRun:
    """A checked and built JAX run; `train()` trains it and returns the exit code."""

    config: config_lib.TrainConfig
    family: object
    info: object
    arguments: dict
    model: object
    devices: Devices

    def train(self):
        return train_under_lock(self.config.logdir, self._train_reporting_checkpoint_errors)

    def _train_reporting_checkpoint_errors(self):
        try:
            return self._train_locked()
        except (CheckpointMismatch, CheckpointSaveError) as problem:
            print(f"error: {problem}", file=sys.stderr)
            return 1

    def _train_locked(self):
        config, logdir, chief = self.config, self.config.logdir, self.devices.is_chief
        if config.overwrite and not config.resume:
            _remove_run(logdir)
        if chief and not config.resume:
            config_lib.save_config(config, logdir)
            config_lib.save_model_spec(logdir, config.model, self.arguments)
            config_lib.save_data_source(logdir, self.info.source)
            record_engine(logdir, "jax")
        trainer = JaxTrainer(self.family, config, self.model, self.devices)
        store = CheckpointStore(os.path.join(logdir, CHECKPOINT_DIRNAME), config.max_to_keep)
        writer = EventWriter(logdir, enabled=chief)
        position = 0
        if config.resume:
            tree, meta = store.restore()
            position = trainer.restore(tree, meta)
            _report(f"Resuming {config.model} at step {trainer.step} from "
                    f"{store.path(store.latest_step())}", config)
        else:
            trainer.reset_state()
            writer.hparams(config.hparams())
            _report(
                f"Training {config.model} on {config.dataset} ({self.info.source}) with JAX, "
                f"{self.devices.count} device(s); logs in {logdir}",
                config,
            )
        trainer.attach_data(position)
        progress = ProgressBar(config.steps, trainer.step, enabled=not config.quiet)
        try:
            stopped_by = fit(trainer, store, writer, progress)
        except TrainingDiverged as diverged:
            print(f"error: {diverged}", file=sys.stderr)
            return 1
        finally:
            progress.close()
            writer.close()
            trainer.close()
            store.close()
        if stopped_by is not None:
            command = ["python", "-m", "training.run", "--resume", "--logdir", logdir]
            print(
                f"Stopped by signal {stopped_by} at step {trainer.step}; saved "
                f"{store.path(trainer.step)}. Continue with: KERAS_BACKEND=jax "
                f"{shlex.join(command)}",
                file=sys.stderr,
            )
            return 128 + stopped_by
        if chief:
            samples = os.path.join(logdir, SAMPLES_FILENAME)
            trainer.write_final_samples(samples)
            _report(f"Done at step {trainer.step}: samples in {samples}; tensorboard --logdir "
                    f"{logdir}", config)
        return 0


def _remove_run(logdir):
    """Deletes what a run writes into `logdir` (and nothing else that may live there)."""
    if not os.path.isdir(logdir):
        return
    for name in os.listdir(logdir):
        path = os.path.join(logdir, name)
        if name.startswith("events.out.tfevents.") or name in (
            config_lib.CONFIG_FILENAME,
            config_lib.MODEL_FILENAME,
            config_lib.DATA_FILENAME,
            ENGINE_FILENAME,
            SAMPLES_FILENAME,
        ):
            os.remove(path)
        elif name in (CHECKPOINT_DIRNAME, "plugins") and os.path.isdir(path):
            shutil.rmtree(path)


def _report(message, config):
    if not config.quiet:
        print(message, file=sys.stderr)
