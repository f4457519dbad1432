"""The JAX engine's training loop: the TensorFlow loop's schedule, orbax checkpoints.

Same tags and cadence as `training.runtime.loop.fit` (it shares its signal handling, its
data-wait bookkeeping and its divergence messages): scalars every `summary_every` steps with
`speed/steps_per_sec` and the data wait, held-out metrics every `eval_every`, pictures every
`image_every`, checkpoints every `checkpoint_every`, all of them at the last step. A step whose
losses are not finite, or a save whose weights are not, stops the run with `TrainingDiverged`
and no checkpoint of that step; SIGINT and SIGTERM save a checkpoint after the current step and
stop.
"""

import time

from training.runtime.loop import DataWait
from training.runtime.loop import TrainingDiverged
from training.runtime.loop import _due as due
from training.runtime.loop import non_finite_logs
from training.runtime.loop import stop_on_signals


class CheckpointSaveError(RuntimeError):
    """The disk refused a checkpoint (full, read-only, ...); the previous ones are intact."""


def _diverged(what, step, store):
    steps = store.steps()
    last_good = store.path(steps[-1]) if steps else None
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


def save(trainer, store, step):
    """Saves a checkpoint unless a weight is non-finite (then raises `TrainingDiverged`)."""
    tree, meta, bad = trainer.checkpoint_contents()
    if bad:
        shown = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        raise _diverged(f"non-finite weights in {shown}", step, store)
    try:
        store.save(step, tree, meta)
    except OSError as problem:
        steps = store.steps()
        previous = (
            f"the previous checkpoint {store.path(steps[-1])} is intact; free space (or fix the "
            f"folder) and continue with --resume"
            if steps
            else "no earlier checkpoint exists"
        )
        raise CheckpointSaveError(
            f"could not save the checkpoint of step {step} in {store.directory}: "
            f"{problem.strerror or problem}. Training stopped; {previous}."
        ) from problem


def fit(trainer, store, writer, progress):
    """Trains `trainer` (a `JaxTrainer`) from its step to `config.steps`.

    Returns:
        The number of the signal that stopped the run early, or None when it completed.

    Raises:
        TrainingDiverged: as `training.runtime.loop.fit`.
    """
    config = trainer.config
    last = config.steps
    step = trainer.step
    timer_step, timer_start = None, None
    waits = DataWait()
    with stop_on_signals() as request:
        while step < last:
            started = time.perf_counter()
            logs = trainer.train_step()
            waits.add(trainer.data_wait_s, time.perf_counter() - started)
            step += 1
            progress.update(logs, data_wait=waits.recent_fraction)
            bad_logs = non_finite_logs(logs)
            if bad_logs:
                writer.scalars(logs, step)
                writer.flush()
                shown = ", ".join(f"{tag}={value}" for tag, value in bad_logs.items())
                raise _diverged(f"non-finite {shown}", step, store)
            scalars = {}
            if timer_start is None:
                # Timing starts after the first step of the process, which compiles the step.
                timer_step, timer_start = step, time.perf_counter()
                waits.restart(recent=True)
            if due(step, config.summary_every, last):
                scalars.update(logs, **trainer.scalar_summaries())
                if step > timer_step:
                    elapsed = time.perf_counter() - timer_start
                    scalars["speed/steps_per_sec"] = (step - timer_step) / elapsed
                    scalars["speed/data_wait_fraction"] = waits.total_s / elapsed
                    scalars["speed/data_wait_ms"] = 1e3 * waits.total_s / (step - timer_step)
                    timer_step, timer_start = step, time.perf_counter()
                    waits.restart()
            if due(step, config.eval_every, last):
                scalars.update(trainer.evaluate())
            writer.scalars(scalars, step)
            if due(step, config.image_every, last):
                trainer.write_images(writer, step)
            saved = due(step, config.checkpoint_every, last)
            if saved:
                save(trainer, store, step)
            if request["signal"] is not None:
                if not saved:
                    save(trainer, store, step)
                writer.flush()
                return request["signal"]
    writer.flush()
    return None
