"""Checkpoints of a run: save often, resume exactly, and never start afresh by accident."""

import glob
import os
import shutil

import tensorflow as tf

CHECKPOINT_DIRNAME = "checkpoints"


class CheckpointError(RuntimeError):
    """A checkpoint is missing, corrupt, or does not fit the run that should continue from it."""


def checkpoint_directory(logdir, worker=None):
    """`<logdir>/checkpoints`, or `<logdir>/checkpoints/worker-<k>` for worker k of several.

    Every worker of a multi-worker run takes part in each save (a collective operation) and keeps
    its own copy, which holds its own data iterators; the chief's is the run's checkpoint.
    """
    directory = os.path.join(logdir, CHECKPOINT_DIRNAME)
    return directory if worker is None else os.path.join(directory, f"worker-{worker}")


def latest_checkpoint(logdir, worker=None):
    """The path prefix of the newest checkpoint of `logdir` (of a worker's copy), or None."""
    return tf.train.latest_checkpoint(checkpoint_directory(logdir, worker))


def has_checkpoint_files(logdir):
    """Whether `logdir` holds any checkpoint file, even one the index no longer names."""
    return bool(glob.glob(os.path.join(checkpoint_directory(logdir), "ckpt-*")))


def remove_checkpoints(logdir):
    """Deletes the checkpoint directory of `logdir` (for `--overwrite`)."""
    shutil.rmtree(checkpoint_directory(logdir), ignore_errors=True)


class RunCheckpoint:
    """A `tf.train.Checkpoint` of everything a run needs to continue, and its manager.

    Args:
        directory: where the checkpoints go, as `<directory>/ckpt-<step>`; see
            `checkpoint_directory`.
        step: the step counter, an int64 `tf.Variable` (it numbers the checkpoints).
        max_to_keep: how many checkpoints to keep.
        **trackables: what to save, by name: models, optimizers, data iterators, ...

    Example:

    >>> checkpoint = RunCheckpoint("runs/demo/checkpoints", step, generator=g, g_optimizer=opt)
    >>> checkpoint.restore(checkpoint.latest)   # when resuming
    >>> checkpoint.save()
    """

    def __init__(self, directory, step, max_to_keep=3, **trackables):
        self.step = step
        self.checkpoint = tf.train.Checkpoint(step=step, **trackables)
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
