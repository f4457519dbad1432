"""A run whose losses or weights stop being finite stops, keeps its good checkpoints, and
`sample` / `export` refuse non-finite weights."""

import numpy as np

from tests.training.conftest import TINY
from tests.training.conftest import checkpoint_tensors
from tests.training.conftest import train
from training import export
from training import sample
from training.trainers.base import Trainer

# Learning rates this large overflow the tiny SAGAN's optimizer state at step 1 and send its
# losses to NaN by step 3 (the run, shortened).
DIVERGING = (
    "--model", "sagan_refined", *TINY, "--steps", "8", "--checkpoint-every", "2",
    "--g-learning-rate", "1e6", "--d-learning-rate", "1e6",
)


def kept(logdir):
    """Checkpoint path prefixes in `logdir`, newest first, from the files themselves."""
    indexes = (logdir / "checkpoints").glob("ckpt-*.index")
    steps = sorted((int(path.name[5:-6]) for path in indexes), reverse=True)
    return [str(logdir / "checkpoints" / f"ckpt-{step}") for step in steps]


def all_finite(path):
    return all(np.isfinite(value).all() for value in checkpoint_tensors(path).values()
               if np.issubdtype(value.dtype, np.floating))


def test_a_diverging_run_stops_with_an_error_and_saves_nothing_non_finite(tmp_path, capsys):
    logdir = tmp_path / "diverged"
    code = train(logdir, *DIVERGING)
    message = capsys.readouterr().err
    assert code == 1
    assert "training diverged at step" in message and "non-finite" in message
    assert "No checkpoint had been saved yet" in message
    assert "Done" not in message
    assert kept(logdir) == []
    assert not (logdir / "samples.png").exists()


def test_non_finite_losses_stop_the_run_naming_the_last_good_checkpoint(
    tmp_path, monkeypatch, capsys
):
    original = Trainer.train_step

    def train_step(self):
        logs = original(self)
        if int(self.step.numpy()) == 3:
            logs["losses/d_loss"] = float("nan")
        return logs

    monkeypatch.setattr(Trainer, "train_step", train_step)
    logdir = tmp_path / "nan_loss"
    options = ("--model", "sagan_refined", *TINY, "--steps", "6", "--checkpoint-every", "2")
    assert train(logdir, *options) == 1
    message = capsys.readouterr().err
    assert "training diverged at step 3: non-finite losses/d_loss=nan" in message
    assert f"The last good checkpoint is {logdir}/checkpoints/ckpt-2" in message
    assert [path.rsplit("-", 1)[1] for path in kept(logdir)] == ["2"]
    assert all_finite(kept(logdir)[0])


def test_non_finite_weights_are_never_saved(tmp_path, monkeypatch, capsys):
    # Finite losses but a NaN weight after step 3 (as if an update overflowed): the checkpoint
    # of step 4 is refused.
    original = Trainer.train_step

    def train_step(self):
        logs = original(self)
        if int(self.step.numpy()) == 3:
            variable = self.networks()["generator"].trainable_variables[0]
            variable.assign(variable * np.nan)
        return logs

    monkeypatch.setattr(Trainer, "train_step", train_step)
    logdir = tmp_path / "poisoned"
    options = ("--model", "sagan_refined", *TINY, "--steps", "6", "--checkpoint-every", "2")
    assert train(logdir, *options) == 1
    message = capsys.readouterr().err
    assert "non-finite weights" in message and "step 4" in message and "ckpt-2" in message
    assert [path.rsplit("-", 1)[1] for path in kept(logdir)] == ["2"]


def test_sample_and_export_refuse_non_finite_weights(gan_run, tmp_path, capsys):
    import shutil

    import tensorflow as tf

    logdir = tmp_path / "nan_copy"
    shutil.copytree(gan_run, logdir)
    # Rewrites the newest checkpoint with NaN generator weights.
    from training.runtime.saved_run import load_saved_run

    run = load_saved_run(str(logdir))
    for variable in run.network.weights:
        if variable.dtype == "float32":
            variable.assign(np.full(variable.shape, np.nan, np.float32))
    # The run's checkpoints replaced by one holding the NaN moving-average generator.
    shutil.rmtree(logdir / "checkpoints")
    tf.train.Checkpoint(ema_generator=run.network).save(str(logdir / "checkpoints" / "ckpt"))
    capsys.readouterr()
    output = tmp_path / "g.keras"
    assert export.main(["--logdir", str(logdir), "--output", str(output)]) == 1
    assert "non-finite" in capsys.readouterr().err
    assert not output.exists()
    assert sample.main(["--logdir", str(logdir), "--output", str(tmp_path / "s.png")]) == 1
    assert "non-finite" in capsys.readouterr().err
