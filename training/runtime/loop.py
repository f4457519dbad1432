"""The training loop: steps, progress bar, TensorBoard, checkpoints, a clean stop on signals."""

import contextlib
import math
import signal
import threading
import time

# TensorFlow and the TF checkpoints load in the functions that use them: the JAX engine shares
# this module's TF-free parts (signals, data wait, divergence) on machines without TensorFlow.


class TrainingDiverged(RuntimeError):
    """The losses or the weights of a run stopped being finite (NaN or infinite).

    Attributes:
        step: the step whose losses or weights were the first non-finite ones.
        last_good: the newest checkpoint of the run (all saved ones are finite), or None.
    """

    def __init__(self, message, step, last_good):
        super().__init__(message)
        self.step = step
        self.last_good = last_good


def non_finite_logs(logs):
    """The `{tag: value}` of `logs` (Python floats) that are NaN or infinite."""
    return {tag: value for tag, value in logs.items() if not math.isfinite(value)}


def non_finite_variables(objects):
    """Names of the float variables of `objects` (models, optimizers) holding NaN or inf."""
    import tensorflow as tf

    names = []
    for item in objects.values():
        for variable in getattr(item, "variables", ()):
            if tf.as_dtype(variable.dtype).is_floating and not bool(
                tf.reduce_all(tf.math.is_finite(variable))
            ):
                names.append(getattr(variable, "path", None) or variable.name)
    return names


def _diverged(what, step, trainer, checkpoint):
    from training.runtime import checkpoints

    found = checkpoints.checkpoints_in(checkpoint.directory)
    last_good = found[0] if found else None
    kept = (
        f"The last good checkpoint is {last_good} (python -m training.sample / "
        f"training.export read it)"
        if last_good
        else "No checkpoint had been saved yet"
    )
    return TrainingDiverged(
        f"training diverged at step {step}: {what}. Nothing from step {step} on was saved. "
        f"{kept}. Lower the learning rate(s) and train again in a new --logdir.",
        step,
        last_good,
    )


def _save(trainer, checkpoint, step):
    """Saves a checkpoint unless a weight is non-finite (then raises `TrainingDiverged`).

    A failed write raises `CheckpointError` (see `RunCheckpoint.save`).
    """
    bad = non_finite_variables(trainer.checkpoint_objects())
    if bad:
        shown = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        raise _diverged(f"non-finite weights in {shown}", step, trainer, checkpoint)
    checkpoint.save()


@contextlib.contextmanager
def stop_on_signals(signals=(signal.SIGINT, signal.SIGTERM)):
    """Turns SIGINT / SIGTERM into a request the loop honours after the current step.

    Yields a dict whose `"signal"` entry becomes the signal number once one arrives: the loop
    then saves a checkpoint and stops, instead of dying in the middle of a step. Outside the main
    thread (where Python cannot install handlers) the signals keep their usual effect.
    """
    request = {"signal": None}
    if threading.current_thread() is not threading.main_thread():
        yield request
        return

    def handler(signum, frame):
        request["signal"] = signum

    previous = {number: signal.signal(number, handler) for number in signals}
    try:
        yield request
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


class DataWait:
    """How long the steps waited for their batches: since the last summary, and recently.

    A trainer's `train_step` takes its batches from the data iterators before it runs the
    compiled step and keeps the seconds that took in `data_wait_s`: the time the step could not
    start because the input pipeline had no batch ready. Near 0 the pipeline keeps up; a
    fraction near 1 means the step mostly waited for data.

    Example:

    >>> waits = DataWait()
    >>> waits.add(wait_s=0.05, step_s=0.5)
    >>> waits.add(wait_s=0.45, step_s=0.5)
    >>> round(waits.recent_fraction, 3), round(waits.total_s, 3)
    (0.34, 0.5)
    """

    # Weight of the newest step in the recent fraction: it follows a change within a few steps.
    SMOOTHING = 0.3

    def __init__(self):
        self.total_s = 0.0
        self.recent_fraction = None

    def add(self, wait_s, step_s):
        """Counts one step that waited `wait_s` of its `step_s` seconds."""
        self.total_s += wait_s
        fraction = min(1.0, wait_s / step_s) if step_s > 0 else 0.0
        if self.recent_fraction is None:
            self.recent_fraction = fraction
        else:
            self.recent_fraction += self.SMOOTHING * (fraction - self.recent_fraction)

    def restart(self, recent=False):
        """Starts a new summary period; with `recent`, the recent fraction starts afresh too
        (after the first step of a process, which traces the step and says nothing of data)."""
        self.total_s = 0.0
        if recent:
            self.recent_fraction = None


def _due(step, every, last):
    return step == last or (every > 0 and step % every == 0)


def fit(trainer, checkpoint, writer, progress):
    """Trains from the trainer's current step to `config.steps`.

    Scalars go to TensorBoard every `summary_every` steps (with the speed: `speed/steps_per_sec`,
    and the time the steps waited for their batches, `speed/data_wait_fraction` of the wall time
    and `speed/data_wait_ms` per step; see `DataWait`), pictures every `image_every`,
    held-out metrics every `eval_every`, FID and KID every `fid_every` (if not 0), checkpoints
    every `checkpoint_every`, and all of them at the last step.

    Args:
        trainer: a `training.trainers.Trainer` with its data attached.
        checkpoint: the run's `training.runtime.checkpoints.RunCheckpoint`.
        writer: the run's `training.monitoring.SummaryWriter`.
        progress: a `training.runtime.progress.ProgressBar`.

    Returns:
        The number of the signal that stopped the run early, or None when it completed.

    Raises:
        TrainingDiverged: a step's losses (already fetched for the progress bar) or, before a
            save, the weights are NaN or infinite. The step's scalars reach TensorBoard; no
            checkpoint is written, so every kept checkpoint stays finite.
    """
    config = trainer.config
    last = config.steps
    step = int(trainer.step.numpy())
    timer_step, timer_start = None, None
    waits = DataWait()
    with stop_on_signals() as request:
        while step < last:
            started = time.perf_counter()
            logs = trainer.train_step()
            waits.add(getattr(trainer, "data_wait_s", 0.0), time.perf_counter() - started)
            step += 1
            progress.update(logs, data_wait=waits.recent_fraction)
            bad_logs = non_finite_logs(logs)
            if bad_logs:
                writer.scalars(logs, step)
                writer.flush()
                shown = ", ".join(f"{tag}={value}" for tag, value in bad_logs.items())
                raise _diverged(f"non-finite {shown}", step, trainer, checkpoint)
            scalars = {}
            if timer_start is None:
                # Timing starts after the first step of the process, which traces the graph.
                timer_step, timer_start = step, time.perf_counter()
                waits.restart(recent=True)
            if _due(step, config.summary_every, last):
                scalars.update(logs, **trainer.scalar_summaries())
                if step > timer_step:
                    elapsed = time.perf_counter() - timer_start
                    scalars["speed/steps_per_sec"] = (step - timer_step) / elapsed
                    scalars["speed/data_wait_fraction"] = waits.total_s / elapsed
                    scalars["speed/data_wait_ms"] = 1e3 * waits.total_s / (step - timer_step)
                    timer_step, timer_start = step, time.perf_counter()
                    waits.restart()
            if _due(step, config.eval_every, last):
                scalars.update(trainer.evaluate())
            if config.fid_every and _due(step, config.fid_every, last):
                scalars.update(trainer.image_quality())
            writer.scalars(scalars, step)
            if _due(step, config.image_every, last):
                trainer.write_images(writer, step)
            saved = _due(step, config.checkpoint_every, last)
            if saved:
                _save(trainer, checkpoint, step)
            if request["signal"] is not None:
                if not saved:
                    _save(trainer, checkpoint, step)
                writer.flush()
                return request["signal"]
    writer.flush()
    return None
