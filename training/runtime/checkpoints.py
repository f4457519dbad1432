"""Checkpoints of a run: save often, resume exactly, and never start afresh by accident."""

import glob
import os
import re
import shutil
import sys
import tempfile

import tensorflow as tf
from google.protobuf import text_format

from training.runtime.errors import CheckpointError

CHECKPOINT_DIRNAME = "checkpoints"


def checkpoint_directory(logdir, worker=None):
    """`<logdir>/checkpoints`, or `<logdir>/checkpoints/worker-<k>` for worker k of several.

    Every worker of a multi-worker run takes part in each save (a collective operation) and keeps
    its own copy, which holds its own data iterators; the chief's is the run's checkpoint.
    """
    directory = os.path.join(logdir, CHECKPOINT_DIRNAME)
    return directory if worker is None else os.path.join(directory, f"worker-{worker}")


_INDEX_FILE = re.compile(r"^ckpt-(\d+)\.index$")


def find_checkpoints(logdir, worker=None):
    """Path prefixes of the checkpoints of `logdir` (of a worker's copy), newest first.

    Found from the files themselves, a `ckpt-<step>.index` with its `ckpt-<step>.data-*` files,
    not from TensorFlow's `checkpoint` index file, which a crash or a user may have deleted or
    garbled and which forgets checkpoints it no longer lists. Their contents are not read: see
    `readable_checkpoint`.
    """
    return checkpoints_in(checkpoint_directory(logdir, worker))


def checkpoints_in(directory):
    """The checkpoints of a checkpoint directory, newest first (see `find_checkpoints`)."""
    try:
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []
    steps = []
    for name in names:
        match = _INDEX_FILE.match(name)
        if match and any(other.startswith(f"ckpt-{match.group(1)}.data-") for other in names):
            steps.append(int(match.group(1)))
    return [os.path.join(directory, f"ckpt-{step}") for step in sorted(steps, reverse=True)]


def latest_checkpoint(logdir, worker=None):
    """The path prefix of the newest checkpoint of `logdir` (of a worker's copy), or None."""
    found = find_checkpoints(logdir, worker)
    return found[0] if found else None


def checkpoint_problem(path):
    """None when every tensor of checkpoint `path` reads back, else what is wrong with it.

    Reads the whole checkpoint (a truncated `.data` file or a damaged `.index` shows up only
    when its tensors are read); the data iterators' state is left to the restore itself.
    """
    try:
        reader = tf.train.load_checkpoint(path)
        for key, dtype in reader.get_variable_to_dtype_map().items():
            if dtype != tf.variant:
                reader.get_tensor(key)
    # Damage shows up as anything from DataLossError to IndexError.
    except Exception as error:
        return _first_line(error)
    return None


def readable_checkpoint(logdir, worker=None, warn=None):
    """The newest checkpoint of `logdir` whose files read back, or None when it holds none.

    A damaged newer checkpoint (a truncated `.data` or `.index` file) is skipped with a warning
    naming it and the one used instead. `training.run --resume`, `training.sample` and
    `training.export` all find their checkpoint here.

    Args:
        logdir: the run's directory.
        worker: a multi-worker run's worker number, None for the chief's checkpoints.
        warn: called with the warning; default: printed on stderr.

    Raises:
        CheckpointError: checkpoints exist but none of them reads.
    """
    damaged = []
    for path in find_checkpoints(logdir, worker):
        problem = checkpoint_problem(path)
        if problem is None:
            if damaged:
                skipped = "; ".join(f"{bad} ({why})" for bad, why in damaged)
                (warn or _print_warning)(
                    f"warning: skipping damaged checkpoint(s) {skipped}; using {path}, the "
                    f"newest readable one."
                )
            return path
        damaged.append((path, problem))
    if damaged:
        listing = "; ".join(f"{bad} ({why})" for bad, why in damaged)
        raise CheckpointError(
            f"Every checkpoint of {logdir} is damaged: {listing}. Nothing was deleted; restore "
            f"them from a backup, or move them away to start a new run in this --logdir."
        )
    return None


def repair_index(logdir, worker=None, latest=None):
    """Rewrites TensorFlow's `checkpoint` index file from the checkpoint files on disk.

    The `CheckpointManager` reads that file to number and prune checkpoints; rebuilt from the
    files (oldest first, ending at `latest`, by default the newest), it cannot forget a
    checkpoint that exists, nor name one that does not. Each checkpoint's time is its `.index`
    file's: the manager prunes only the checkpoints whose time it knows.
    """
    found = list(reversed(find_checkpoints(logdir, worker)))
    if latest is not None and latest in found:
        found = found[: found.index(latest) + 1]
    if not found:
        return
    directory = os.path.abspath(checkpoint_directory(logdir, worker))
    written = [os.path.getmtime(f"{path}.index") for path in found]
    # Relative names, as the manager writes them: the run's folder may move.
    names = [os.path.basename(path) for path in found]
    state = tf.compat.v1.train.generate_checkpoint_state_proto(
        directory,
        names[-1],
        all_model_checkpoint_paths=names,
        all_model_checkpoint_timestamps=written,
        last_preserved_timestamp=min(written) - 1,
    )
    _write_atomically(os.path.join(directory, "checkpoint"), text_format.MessageToString(state))


def _write_atomically(path, text):
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".checkpoint-")
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _print_warning(message):
    print(message, file=sys.stderr)


def checkpoint_files(logdir, worker=None):
    """Names of the `ckpt-*` files of `logdir` (of a worker's copy), complete or not, sorted."""
    pattern = os.path.join(checkpoint_directory(logdir, worker), "ckpt-*")
    return sorted(os.path.basename(path) for path in glob.glob(pattern))


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

    >>> import tempfile
    >>> step = tf.Variable(0, dtype=tf.int64)
    >>> weights = tf.Variable([1.0, 2.0])
    >>> checkpoint = RunCheckpoint(tempfile.mkdtemp(), step, weights=weights)
    >>> _ = step.assign(100)
    >>> os.path.basename(checkpoint.save())
    'ckpt-100'
    >>> _ = step.assign(0)
    >>> checkpoint.restore(checkpoint.latest)  # when resuming: the step it reached
    100
    """

    def __init__(self, directory, step, max_to_keep=3, **trackables):
        self.directory = directory
        self.step = step
        self.checkpoint = tf.train.Checkpoint(step=step, **trackables)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, directory, max_to_keep=max_to_keep, step_counter=step
        )

    @property
    def latest(self):
        return self.manager.latest_checkpoint

    def save(self):
        """Writes a checkpoint numbered by the step counter; returns its path prefix.

        Raises:
            CheckpointError: the write failed (a full disk, a folder that refuses files): the
                message says why, in which folder, and which checkpoint is still the newest
                good one. The failed checkpoint's partial files are removed first.
        """
        step = int(self.step.numpy())
        before = set(_listing(self.directory))
        try:
            return self.manager.save(checkpoint_number=self.step)
        # ENOSPC, EACCES, EIO...: TensorFlow raises them as OpError, Python code as OSError.
        except (OSError, tf.errors.OpError) as error:
            _remove_partial_save(self.directory, step, before)
            kept = (
                f"the previous checkpoint {self.latest} is intact; free space (or fix the "
                f"folder) and continue with --resume"
                if self.latest
                else "no earlier checkpoint exists"
            )
            raise CheckpointError(
                f"could not save the checkpoint of step {step} in {self.directory}: "
                f"{_write_failure(error)}. Training stopped; its partial files were removed and "
                f"{kept}."
            ) from error

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


def _listing(directory):
    try:
        return os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _remove_partial_save(directory, step, before):
    """Deletes what a failed save of `ckpt-<step>` left: TensorFlow's `ckpt-<step>_temp` folder
    (always scratch) and the `ckpt-<step>.*` files that were not there before it began."""
    for name in _listing(directory):
        path = os.path.join(directory, name)
        if name == f"ckpt-{step}_temp":
            shutil.rmtree(path, ignore_errors=True)
        elif name.startswith(f"ckpt-{step}.") and name not in before:
            os.remove(path)


def _write_failure(error):
    """Why a write failed, in the operating system's words (`No space left on device`).

    TensorFlow's message wraps them in its op's text: `{{function_node __wrapped__SaveV2...}}
    <file>; No space left on device [Op:SaveV2]`.
    """
    if isinstance(error, OSError):
        return error.strerror or _first_line(error)
    text = re.sub(r"\s*\[Op:\w+\]$", "", _first_line(error))
    reason = re.sub(r"^\{\{.*?\}\}\s*", "", text).rsplit("; ", 1)[-1].strip()
    return reason or type(error).__name__


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
