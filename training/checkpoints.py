"""Checkpoints of a run: save often, resume exactly, and never start afresh by accident."""

import glob
import os
import shutil

import tensorflow as tf

CHECKPOINT_DIRNAME = "checkpoints"


class CheckpointError(RuntimeError):
    """A checkpoint is missing, corrupt, or does not fit the run that should continue from it."""


def checkpoint_directory(logdir):
    return os.path.join(logdir, CHECKPOINT_DIRNAME)


def latest_checkpoint(logdir):
    """The path prefix of the newest checkpoint in `logdir`, or None."""
    return tf.train.latest_checkpoint(checkpoint_directory(logdir))


def has_checkpoint_files(logdir):
    """Whether `logdir` holds any checkpoint file, even one the index no longer names."""
    return bool(glob.glob(os.path.join(checkpoint_directory(logdir), "ckpt-*")))


def remove_checkpoints(logdir):
    """Deletes the checkpoint directory of `logdir` (for `--overwrite`)."""
    shutil.rmtree(checkpoint_directory(logdir), ignore_errors=True)


class RunCheckpoint:
    """A `tf.train.Checkpoint` of everything a run needs to continue, and its manager.

    Args:
        logdir: the run's directory; checkpoints go to `<logdir>/checkpoints/ckpt-<step>`.
        step: the step counter, an int64 `tf.Variable` (it numbers the checkpoints).
        max_to_keep: how many checkpoints to keep.
        write: False on the non-chief workers of a multi-worker run: they must take part in
            every save (it is a collective operation) but write to a scratch directory.
        **trackables: what to save, by name: models, optimizers, data iterators, ...

    Example:

    >>> checkpoint = RunCheckpoint("runs/demo", step, generator=g, g_optimizer=opt)
    >>> checkpoint.restore(checkpoint.latest)   # when resuming
    >>> checkpoint.save()
    """

    def __init__(self, logdir, step, max_to_keep=3, write=True, **trackables):
        self.step = step
        self.checkpoint = tf.train.Checkpoint(step=step, **trackables)
        directory = checkpoint_directory(logdir)
        if not write:
            directory = os.path.join(directory, f"scratch-{os.getpid()}")
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, directory, max_to_keep=max_to_keep, step_counter=step
        )

    @property
    def latest(self):
        return self.manager.latest_checkpoint

    def save(self):
        """Writes a checkpoint numbered by the step counter; returns its path prefix."""
        return self.manager.save(checkpoint_number=self.step)

    def restore(self, path):
        """Restores every saved object from `path`, or raises `CheckpointError` saying why.

        Every object of this run must be in the checkpoint and every tensor must fit: a checkpoint
        of another model or width, or a damaged file, is an error rather than a partial load.
        """
        if path is None:
            raise CheckpointError(
                f"No checkpoint in {self.manager.directory}: there is nothing to resume. Start "
                f"the run without --resume."
            )
        _restore(self.checkpoint, path)
        return int(self.step.numpy())


def restore_objects(path, objects):
    """Restores some of a run's objects (e.g. `{"ema_generator": generator}`) from `path`.

    The checkpoint may hold more than `objects`, but every variable of `objects` must be in it
    and fit, else `CheckpointError`.
    """
    checkpoint = tf.train.Checkpoint(**objects)
    _restore(checkpoint, path, partial=True)


def _restore(checkpoint, path, partial=False):
    try:
        status = checkpoint.restore(path)
        if partial:
            status.expect_partial()
        status.assert_existing_objects_matched()
    # Damage shows up as anything from DataLossError to IndexError, mismatches as ValueError or
    # AssertionError: every failure to restore means the same thing here.
    except Exception as error:
        raise CheckpointError(
            f"Cannot restore checkpoint {path}: it is damaged, or it was written by a different "
            f"model or configuration. {_first_line(error)}"
        ) from error


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
