"""The training loop: steps, progress bar, TensorBoard, checkpoints, a clean stop on signals."""

import contextlib
import signal
import threading
import time


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


def _due(step, every, last):
    return step == last or (every > 0 and step % every == 0)


def fit(trainer, checkpoint, writer, progress):
    """Trains from the trainer's current step to `config.steps`.

    Scalars go to TensorBoard every `summary_every` steps, pictures every `image_every`,
    held-out metrics every `eval_every`, checkpoints every `checkpoint_every`, and all of them
    at the last step.

    Args:
        trainer: a `training.trainers.Trainer` with its data attached.
        checkpoint: the run's `training.runtime.checkpoints.RunCheckpoint`.
        writer: the run's `training.monitoring.SummaryWriter`.
        progress: a `training.runtime.progress.ProgressBar`.

    Returns:
        The number of the signal that stopped the run early, or None when it completed.
    """
    config = trainer.config
    last = config.steps
    step = int(trainer.step.numpy())
    timer_step, timer_start = None, None
    with stop_on_signals() as request:
        while step < last:
            logs = trainer.train_step()
            step += 1
            progress.update(logs)
            scalars = {}
            if timer_start is None:
                # Timing starts after the first step of the process, which traces the graph.
                timer_step, timer_start = step, time.perf_counter()
            if _due(step, config.summary_every, last):
                scalars.update(logs, **trainer.scalar_summaries())
                if step > timer_step:
                    elapsed = time.perf_counter() - timer_start
                    scalars["speed/steps_per_sec"] = (step - timer_step) / elapsed
                    timer_step, timer_start = step, time.perf_counter()
            if _due(step, config.eval_every, last):
                scalars.update(trainer.evaluate())
            writer.scalars(scalars, step)
            if _due(step, config.image_every, last):
                trainer.write_images(writer, step)
            saved = _due(step, config.checkpoint_every, last)
            if saved:
                checkpoint.save()
            if request["signal"] is not None:
                if not saved:
                    checkpoint.save()
                writer.flush()
                return request["signal"]
    writer.flush()
    return None
