"""`--precision` and `--jit-compile` through `training.run`: resume, refusals, saved runs."""

import subprocess
import sys

import keras
import numpy as np
import pytest

from tests.training.conftest import GAN_OPTIONS
from tests.training.conftest import assert_same_checkpoints
from tests.training.conftest import checkpoint_tensors
from tests.training.conftest import train
from tests.training.runtime.test_checkpoints import SLOW
from tests.training.runtime.test_checkpoints import checkpoint_step
from tests.training.runtime.test_checkpoints import start_run
from tests.training.runtime.test_checkpoints import wait_for_checkpoint
from training import export
from training import sample
from training.runtime.saved_run import load_saved_run

STEPS = 4
# float32 is the precision of test_checkpoints' resume tests.
MIXED_PRECISIONS = ("mixed_float16", "mixed_bfloat16")
INITIAL_LOSS_SCALE = 2.0**15


def options(precision):
    return (*GAN_OPTIONS, "--steps", str(STEPS), "--precision", precision)


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory):
    """`mixed_run(precision)`: the logdir of an uninterrupted 4-step sagan_refined run."""
    runs = {}

    def run(precision):
        if precision not in runs:
            logdir = tmp_path_factory.mktemp("precision") / precision
            assert train(logdir, *options(precision)) == 0
            runs[precision] = logdir
        return runs[precision]

    return run


def loss_scales(path):
    """`{optimizer: loss scale}` in the checkpoint at `path`."""
    return {
        key.split("/", 1)[0]: float(value)
        for key, value in checkpoint_tensors(path).items()
        if key.endswith("/dynamic_scale/.ATTRIBUTES/VARIABLE_VALUE")
    }


@pytest.mark.parametrize(
    "precision",
    # float16 computes about 60x slower than float32 on a CPU (2 minutes here):
    # test_a_checkpoint_restores_the_loss_scale covers its loss scale in the default run.
    [pytest.param("mixed_float16", marks=pytest.mark.slow), "mixed_bfloat16"],
)
def test_resume_under_mixed_precision_matches_the_uninterrupted_run(mixed_run, tmp_path, precision):
    logdir = tmp_path / "halves"
    assert train(logdir, *options(precision), "--steps", str(STEPS // 2)) == 0
    halfway = logdir / f"checkpoints/ckpt-{STEPS // 2}"
    scales = loss_scales(halfway)
    if precision == "mixed_float16":
        # Both optimizers scale the loss; the discriminator's scale has already come down from
        # its start (overflowing float16 gradients), so only a restored scale can match.
        assert set(scales) == {"g_optimizer", "d_optimizer"}
        assert scales["d_optimizer"] < INITIAL_LOSS_SCALE
    else:
        assert scales == {}
    # The run keeps the precision config.json records: --resume needs no --precision.
    assert train(logdir, *GAN_OPTIONS, "--steps", str(STEPS), "--resume") == 0
    final = f"checkpoints/ckpt-{STEPS}"
    # Every tensor, the loss scales and their counters of finite steps included.
    assert_same_checkpoints(mixed_run(precision) / final, logdir / final)


@pytest.mark.slow  # ~40 s per precision: a process start-up, killed, then resumed
@pytest.mark.parametrize("precision", MIXED_PRECISIONS)
def test_killed_mixed_precision_run_resumes_bit_exactly(mixed_run, tmp_path, precision):
    logdir = tmp_path / "killed"
    process, log = start_run(logdir, *options(precision), *SLOW)
    wait_for_checkpoint(process, logdir, after_step=0)
    process.kill()
    process.wait(timeout=60)
    log.close()
    assert checkpoint_step(logdir) < STEPS, "the run was not killed mid-run"
    assert train(logdir, *options(precision), "--resume") == 0
    final = f"checkpoints/ckpt-{STEPS}"
    assert_same_checkpoints(mixed_run(precision) / final, logdir / final)


def test_resume_with_another_precision_or_jit_compile_is_refused(mixed_run, capsys):
    # The bfloat16 run of the resume test: a float16 run computes about 60x slower on a CPU.
    logdir = mixed_run("mixed_bfloat16")
    with pytest.raises(SystemExit) as exit_info:
        train(logdir, *GAN_OPTIONS, "--resume", "--precision", "float32", "--jit-compile")
    assert exit_info.value.code == 2
    message = capsys.readouterr().err
    assert "--precision: run has 'mixed_bfloat16', asked 'float32'" in message
    assert "--jit-compile: run has False, asked True" in message


def test_a_mixed_precision_run_samples_and_exports_in_its_precision(mixed_run, tmp_path):
    # Restoring reads the policy from config.json alike for both 16-bit precisions; float16's
    # only difference, the loss scale, is not part of what sample and export restore.
    logdir = mixed_run("mixed_bfloat16")
    run = load_saved_run(str(logdir))
    # Rebuilt as it trained (bfloat16 compute, float32 weights); the global policy is untouched.
    assert "bfloat16" in {layer.compute_dtype for layer in run.network.layers}
    assert {weight.dtype for weight in run.network.weights} == {"float32"}
    assert keras.config.dtype_policy().name == "float32"
    images = run.network.predict(np.zeros((2, run.model.latent_dim), "float32"), verbose=0)
    assert images.dtype == np.float32 and np.isfinite(images).all()

    grid = tmp_path / "grid.png"
    assert sample.main(["--logdir", str(logdir), "--output", str(grid), "--num-samples", "4"]) == 0
    assert grid.exists()
    exported = tmp_path / "generator.keras"
    assert export.main(["--logdir", str(logdir), "--output", str(exported)]) == 0
    # The file holds the architecture, not the policy: it loads under the global one.
    loaded = keras.models.load_model(exported)
    assert {layer.compute_dtype for layer in loaded.layers} == {"float32"}
    assert loaded.count_params() == run.network.count_params()


JIT_ON_CPU_REPLICAS = r"""
import sys
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from training.run import main

main(["--model", "sagan_refined", "--ch", "8", "--batch-size", "4", "--quiet", "--strategy",
      "mirrored", "--jit-compile", "--logdir", sys.argv[1]])
"""


def test_jit_compile_on_cpu_replicas_is_refused_before_training(tmp_path):
    logdir = tmp_path / "mirrored_jit"
    result = subprocess.run(
        [sys.executable, "-c", JIT_ON_CPU_REPLICAS, str(logdir)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr[-3000:]
    message = result.stderr.strip().splitlines()[-1]
    assert "--jit-compile with --strategy mirrored" in message
    assert "replicated over CPU devices" in message
    assert "Drop --jit-compile, or train on one device with --strategy default" in message
    assert not logdir.exists()
