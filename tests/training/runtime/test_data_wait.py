"""The wait for data: timed outside the compiled step, shown in the progress bar and TensorBoard."""

import time

import pytest
import tensorflow as tf

from training import config as config_lib
from training.runtime import prepared_run
from training.runtime.loop import DataWait
from training.runtime.loop import fit

# The autoencoder without attention at 32 px, ch 8, batch 4: a step of a few milliseconds.
OPTIONS = dict(
    model="autoencoder_none", ch=8, batch_size=4, resolution=32, channels=3, summary_every=2,
    image_every=1000, checkpoint_every=1000, eval_every=1000,
)  # fmt: skip
SLOW_BATCH_S = 0.25


class RecordingWriter:
    """Stands in for `SummaryWriter`, keeping the scalars."""

    def __init__(self):
        self.scalars_at = {}

    def scalars(self, values, step):
        self.scalars_at.setdefault(step, {}).update(values)

    def image(self, *args, **kwargs):
        pass

    def flush(self):
        pass


class RecordingBar:
    def __init__(self):
        self.data_waits = []

    def update(self, logs, data_wait=None):
        self.data_waits.append(data_wait)


class NoCheckpoint:
    directory = None

    def save(self):
        pass


def batches(slow):
    """Endless constant batches; each one `SLOW_BATCH_S` late when `slow` (no prefetch)."""
    images = tf.zeros((OPTIONS["batch_size"], 32, 32, 3))
    labels = tf.zeros((OPTIONS["batch_size"],), tf.int32)
    dataset = tf.data.Dataset.from_tensors((images, labels)).repeat()
    if not slow:
        return dataset.prefetch(2)

    def late(images, labels):
        # A pipeline too slow for the step: every batch takes SLOW_BATCH_S to come.
        tf.py_function(lambda: time.sleep(SLOW_BATCH_S), [], [])
        return images, labels

    return dataset.map(late)


def train(tmp_path, slow, steps=7):
    config = config_lib.TrainConfig(logdir=str(tmp_path / "run"), steps=steps, **OPTIONS)
    trainer = prepared_run.prepare(config).trainer
    trainer.reset_state()
    trainer.attach_data(lambda context: batches(slow))
    writer, bar = RecordingWriter(), RecordingBar()
    assert fit(trainer, NoCheckpoint(), writer, bar) is None
    return writer.scalars_at, bar.data_waits


@pytest.mark.parametrize("slow", [True, False])
def test_the_wait_for_data_is_large_for_a_slow_pipeline_and_small_for_a_fast_one(tmp_path, slow):
    scalars, waits = train(tmp_path, slow)
    # Steps 2, 4 and 6 and the last: the first summary (step 2) times step 2 alone (the first
    # step traces), then two steps per summary.
    fractions = [scalars[step]["speed/data_wait_fraction"] for step in (4, 6)]
    per_step_ms = [scalars[step]["speed/data_wait_ms"] for step in (4, 6)]
    assert len(waits) == 7 and all(0 <= wait <= 1 for wait in waits)
    if slow:
        assert all(fraction > 0.6 for fraction in fractions), fractions
        assert all(ms > 0.8e3 * SLOW_BATCH_S for ms in per_step_ms), per_step_ms
        assert waits[-1] > 0.5, waits
    else:
        assert all(fraction < 0.2 for fraction in fractions), fractions
        assert waits[-1] < 0.2


def test_data_wait_sums_the_waits_of_a_period_and_smooths_the_recent_share():
    waits = DataWait()
    assert waits.recent_fraction is None
    waits.add(0.5, 1.0)
    waits.add(0.0, 1.0)
    assert waits.total_s == 0.5
    assert waits.recent_fraction == pytest.approx(0.5 - DataWait.SMOOTHING * 0.5)
    waits.restart()
    assert waits.total_s == 0.0 and waits.recent_fraction == pytest.approx(0.35)
    waits.restart(recent=True)
    assert waits.recent_fraction is None
