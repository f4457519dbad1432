"""The JAX engine end to end, TensorFlow hidden: the quickstart path, SIGKILL during a save then
--resume (bit-identical weights), the divergence guard, the refusals, two devices.

Each scenario runs in a fresh interpreter (`run_without_tensorflow`, KERAS_BACKEND=jax); they
share a persistent XLA compilation cache, so the same tiny step compiles once.
"""

import json
import os
import tempfile

import numpy as np
import pytest

from tests.training.no_tensorflow import run_without_tensorflow

TINY = [
    "--model", "sagan_refined", "--ch", "8", "--batch-size", "4", "--quiet", "--steps", "4",
    "--checkpoint-every", "2", "--summary-every", "2", "--image-every", "4",
]


# TensorFlow absent as on a machine without it: `importlib.util.find_spec("tensorflow")` says None
# (orbax's path library, etils, asks it before file operations; the finder of `no_tensorflow`
# answers with an ImportError instead) and `import tensorflow` raises ModuleNotFoundError, while
# "tensorflow" stays out of sys.modules (Keras's preprocessing layers look there).
@pytest.fixture(scope="module")
def cache():
    """Environment of the children: one XLA compilation cache for all of them, kept between
    sessions (compiling the tiny steps is most of these tests' time on 2 CPU cores; a stale
    entry is never used: JAX keys them by program, JAX version and flags)."""
    folder = os.path.join(tempfile.gettempdir(), "keras_refined_sa_jax_test_cache")
    return {
        "JAX_COMPILATION_CACHE_DIR": str(folder),
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
        "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
    }


def train(logdir, *options, env, check=True, prelude=""):
    """Runs `training.run.main` in a child without TensorFlow; returns the completed process."""
    argv = [*TINY, "--logdir", str(logdir), *options]
    code = f"""
{prelude}
import sys
from training.run import main
sys.exit(main({argv!r}))
"""
    return run_without_tensorflow(code, env=env, check=check)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, cache):
    logdir = tmp_path_factory.mktemp("jax") / "uninterrupted"
    train(logdir, env=cache)
    return logdir


def event_tags(logdir):
    from tensorboard.backend.event_processing import event_accumulator

    accumulator = event_accumulator.EventAccumulator(str(logdir), size_guidance={"tensors": 0})
    accumulator.Reload()
    return accumulator.Tags()["tensors"]


def test_the_quickstart_path_writes_a_complete_run(uninterrupted):
    logdir = uninterrupted
    for name in ("config.json", "model.json", "data.json", "samples.png"):
        assert (logdir / name).is_file(), name
    assert json.loads((logdir / "engine.json").read_text()) == {"engine": "jax"}
    assert sorted(os.listdir(logdir / "checkpoints")) == ["2", "4"]
    tags = event_tags(logdir)
    # The TensorFlow engine's tags: losses, logits, γ, learning rates, speed, pictures.
    for tag in ("losses/d_loss", "losses/g_loss", "logits/d_real", "learning_rate/generator",
                "learning_rate/discriminator", "gamma/g_attention", "gamma/d_attention",
                "speed/steps_per_sec", "speed/data_wait_fraction", "samples/ema_generator",
                "attention/g_attention", "attention/d_attention"):
        assert tag in tags, (tag, tags)


def test_sample_and_export_read_a_jax_run_on_tensorflow(uninterrupted):
    # This process runs Keras on TensorFlow (tests/training/conftest.py imports it).
    from training.engines.jax.checkpoints import CheckpointStore
    from training.runtime import load_saved_run

    saved = load_saved_run(str(uninterrupted))
    tree, _ = CheckpointStore(str(uninterrupted / "checkpoints")).restore(4)
    assert saved.checkpoint == str(uninterrupted / "checkpoints" / "4")
    restored = [np.asarray(weight) for weight in saved.network.weights]
    assert len(restored) == len(tree["weights"]["ema_generator"])
    for weight, value in zip(restored, tree["weights"]["ema_generator"]):
        np.testing.assert_array_equal(weight, value)
    # The moving average is not the raw generator (it lags behind it).
    assert any(not np.array_equal(a, b) for a, b in
               zip(tree["weights"]["ema_generator"], tree["weights"]["generator"]))


def test_sample_and_export_read_a_jax_run_without_tensorflow(uninterrupted, tmp_path, cache):
    grid, exported = tmp_path / "grid.png", tmp_path / "generator.keras"
    preset = tmp_path / "preset"
    run_without_tensorflow(
        f"""
import sys, keras, zoo
from training import export, sample
assert sample.main(["--logdir", {str(uninterrupted)!r}, "--output", {str(grid)!r},
                    "--num-samples", "4"]) == 0
assert export.main(["--logdir", {str(uninterrupted)!r}, "--output", {str(exported)!r}]) == 0
assert export.main(["--logdir", {str(uninterrupted)!r}, "--preset", {str(preset)!r}]) == 0
assert keras.backend.backend() == "jax" and "tensorflow" not in sys.modules
print(keras.models.load_model({str(exported)!r}).output_shape)
print(zoo.from_preset({str(preset)!r}).generator.output_shape)
""",
        env=cache,
    )
    assert grid.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert exported.stat().st_size > 0
    assert json.loads((preset / "metadata.json").read_text())["engine"] == "jax"


def test_sigkill_during_a_save_then_resume_reaches_the_uninterrupted_weights(
    uninterrupted, tmp_path, cache
):
    logdir = tmp_path / "killed"
    # The process dies while orbax commits the checkpoint of step 4 (before its rename).
    kill_at_commit = """
import os, signal
from orbax.checkpoint._src.path import async_path
_rename = async_path.rename
async def rename(source, target):
    if os.path.basename(str(target)) == "4":
        os.kill(os.getpid(), signal.SIGKILL)
    return await _rename(source, target)
async_path.rename = rename
"""
    killed = train(logdir, env=cache, check=False, prelude=kill_at_commit)
    assert killed.returncode == -9, killed.stderr[-2000:]
    folders = os.listdir(logdir / "checkpoints")
    # The half-written step 4 stays a temporary folder: no checkpoint reads it.
    assert "2" in folders and "4" not in folders
    assert any(name.startswith("4.") for name in folders), folders

    result = run_without_tensorflow(
        f"""
import contextlib, io, json, os, sys
import numpy as np
from training.run import main
from training.engines.jax.checkpoints import CheckpointStore

assert main(["--resume", "--logdir", {str(logdir)!r}, "--quiet"]) == 0
folders = sorted(os.listdir({str(logdir / "checkpoints")!r}))
resumed, _ = CheckpointStore({str(logdir / "checkpoints")!r}).restore(4)
expected, _ = CheckpointStore({str(uninterrupted / "checkpoints")!r}).restore(4)
flat = lambda tree, key="": (
    [(key, tree)] if not isinstance(tree, (dict, list)) else
    [item for k, v in (tree.items() if isinstance(tree, dict) else enumerate(tree))
     for item in flat(v, f"{{key}}/{{k}}")])
pairs = list(zip(flat(expected), flat(resumed)))
keys_match = all(a[0] == b[0] for a, b in pairs) and len(flat(expected)) == len(flat(resumed))
differing = [a[0] for a, b in pairs if not np.array_equal(a[1], b[1])]
os.environ["KERAS_BACKEND"] = "tensorflow"
err = io.StringIO()
with contextlib.redirect_stderr(err):
    try:
        main(["--resume", "--logdir", {str(logdir)!r}])
        other_engine = None
    except SystemExit as exit:
        other_engine = exit.code
print("RESULTS", json.dumps({{"folders": folders, "keys_match": keys_match,
      "compared": len(pairs), "differing": differing,
      "other_engine": other_engine, "message": err.getvalue()}}))
""",
        env=cache,
    )
    line = [line for line in result.stdout.splitlines() if line.startswith("RESULTS ")][-1]
    results = json.loads(line[len("RESULTS "):])
    assert results["folders"] == ["2", "4"]  # the temporary folder was cleaned up
    assert results["keys_match"] and results["compared"] > 50
    assert results["differing"] == []
    assert results["other_engine"] == 2
    assert "was trained on jax" in results["message"]
    assert "KERAS_BACKEND=jax" in results["message"]


def test_non_finite_weights_stop_the_run_and_are_never_saved(tmp_path, cache):
    logdir = tmp_path / "poisoned"
    # Finite losses but a NaN weight after step 4 (as if an update overflowed).
    poison = """
import numpy as np
from training.engines.jax.trainer import JaxTrainer
_step = JaxTrainer.train_step
def train_step(self):
    logs = _step(self)
    if self.step == 4:
        weights = self.state["trainable"]["generator"]
        weights[0] = weights[0] * np.nan
    return logs
JaxTrainer.train_step = train_step
"""
    result = train(logdir, env=cache, check=False, prelude=poison)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "training diverged at step 4: non-finite weights in generator/" in result.stderr
    assert f"The last good checkpoint is {logdir}/checkpoints/2" in result.stderr
    assert sorted(os.listdir(logdir / "checkpoints")) == ["2"]
    assert not (logdir / "samples.png").exists()


def test_options_jax_lacks_are_refused_before_anything_is_written(tmp_path):
    tensorflow_run = tmp_path / "tensorflow_run"
    tensorflow_run.mkdir()
    (tensorflow_run / "config.json").write_text(json.dumps({"model": "sagan_refined"}))
    cases = {
        "mirrored": ["--strategy", "mirrored"],
        "multiworker": ["--strategy", "multiworker"],
        "tfds": ["--dataset", "mnist"],
        "fid": ["--fid-every", "10"],
        "init_from": ["--init-from", str(tmp_path)],
        "model_arg": ["--model-arg", "resolution=64"],
    }
    code = f"""
import contextlib, io, json, os
from training.run import main

def refused(argv, backend="jax"):
    os.environ["KERAS_BACKEND"] = backend
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            main(argv)
        except SystemExit as exit:
            return exit.code, err.getvalue()
    return None, err.getvalue()

results = {{name: refused(["--model", "sagan_refined", "--logdir", {str(tmp_path)!r} + "/" + name,
                          *argv]) for name, argv in {cases!r}.items()}}
results["tensorflow_run"] = refused(["--resume", "--logdir", {str(tensorflow_run)!r}])
results["torch"] = refused(["--model", "sagan_refined"], backend="torch")
print("RESULTS", json.dumps(results))
"""
    result = run_without_tensorflow(code)
    line = [line for line in result.stdout.splitlines() if line.startswith("RESULTS ")][-1]
    results = json.loads(line[len("RESULTS "):])
    expected = {
        "mirrored": "--strategy mirrored is TensorFlow only",
        "multiworker": "--strategy multiworker is TensorFlow only",
        "tfds": "Dataset 'mnist' needs TensorFlow",
        "fid": "--fid-every 10: FID and KID during training are TensorFlow only",
        "init_from": "is TensorFlow only",
        "model_arg": "--model-arg resolution=64: use --resolution instead",
        "tensorflow_run": "was trained on tensorflow",
        "torch": "KERAS_BACKEND='torch'",
    }
    for name, fragment in expected.items():
        exit_code, message = results[name]
        assert exit_code == 2 and fragment in message, (name, message[-500:])
    assert sorted(os.listdir(tmp_path)) == ["tensorflow_run"]
    assert os.listdir(tensorflow_run) == ["config.json"]


def test_two_devices_compute_what_one_device_does(tmp_path, cache):
    code = f"""
import contextlib, io, json
import jax
import numpy as np
from training.config import TrainConfig
from training.engines.jax.run import prepare
from training.engines.jax.trainer import JaxTrainer
from training.families import ConfigurationError

def one_step(strategy):
    # One update per step (a GAN's second update starts from Adam-moved weights, where the
    # rounding of near-zero gradients becomes learning-rate-sized), as the mirrored TF test.
    config = TrainConfig(model="autoencoder_refined", ch=8, batch_size=4, strategy=strategy,
                         logdir={str(tmp_path)!r} + "/" + strategy)
    run = prepare(config)
    trainer = JaxTrainer(run.family, run.config, run.model, run.devices)
    trainer.reset_state()
    trainer.attach_data(0)
    start = jax.device_get(trainer.state)
    loss = [trainer.train_step()["losses/reconstruction"]]
    end = jax.device_get(trainer.state)
    trainer.close()
    return run.devices.count, start, loss, end

try:
    prepare(TrainConfig(model="autoencoder_refined", batch_size=5,
                        logdir={str(tmp_path)!r} + "/odd"))
    odd = None
except ConfigurationError as error:
    odd = str(error)
count_2, start_2, loss_2, end_2 = one_step("auto")
count_1, start_1, loss_1, end_1 = one_step("default")
leaves = lambda tree: jax.tree.leaves(tree)
same_start = all(np.array_equal(a, b) for a, b in zip(leaves(start_1), leaves(start_2)))
statistics = lambda state: state["non_trainable"]["autoencoder"]
moved = max(float(np.abs(a - b).max()) for a, b in zip(statistics(end_1), statistics(start_1)))
difference = max(float(np.abs(a - b).max()) for a, b in zip(statistics(end_1), statistics(end_2)))
print("RESULTS", json.dumps({{"counts": [count_2, count_1], "same_start": same_start,
      "losses": [loss_2, loss_1], "moved": moved, "difference": difference, "odd": odd}}))
"""
    env = {**cache, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    result = run_without_tensorflow(code, env=env)
    line = [line for line in result.stdout.splitlines() if line.startswith("RESULTS ")][-1]
    results = json.loads(line[len("RESULTS "):])
    assert "--batch-size 5 does not divide over the 2 devices" in results["odd"]
    assert not (tmp_path / "odd").exists()
    assert results["counts"] == [2, 1]
    assert results["same_start"]
    # As the mirrored TensorFlow test: the same loss, and the same (global) batch statistics;
    # per-device statistics would differ by ~1e-3.
    for loss_2, loss_1 in zip(*results["losses"]):
        assert abs(loss_2 - loss_1) < 1e-6 * abs(loss_1)
    assert results["moved"] > 1e-3
    assert results["difference"] < 1e-6
