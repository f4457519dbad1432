"""Every command keeps TensorFlow's start-up messages off the terminal unless run with --verbose."""

import os
import subprocess
import sys

import pytest

COMMANDS = (
    "training.run",
    "training.sample",
    "training.export",
    "training.compare",
    "training.fid",
    "training.evaluate",
    "training.study",
    "benchmarks.layers",
    "benchmarks.models",
    "benchmarks.pipeline",
)
# What TensorFlow 2.21 prints as it starts on a machine without a GPU: absl's notice, oneDNN's,
# the CUDA probe and the CPU feature guard. A GPU machine prints other probes of the same kind.
NOISE = (
    "absl::InitializeLog",
    "oneDNN custom operations",
    "Could not find cuda drivers",
    "cuInit",
    "cpu_feature_guard",
)


def command(*argv, **environment):
    """The finished `python ...` process, with TensorFlow's own log level left unset."""
    environment = {
        **{k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"},
        **environment,
    }
    return subprocess.run(
        [sys.executable, *argv], env=environment, capture_output=True, text=True, timeout=300
    )


def noise(result):
    return [marker for marker in NOISE if marker in result.stdout + result.stderr]


@pytest.mark.parametrize("name", COMMANDS)
def test_help_is_quiet_and_offers_verbose(name):
    result = command("-m", name, "--help")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"usage: python -m {name}" in result.stdout
    assert not noise(result)
    # Every command offers --verbose; what it shows is tested once, with training.sample below
    # (each command hands it to the same `quiet.import_tensorflow`).
    assert "--verbose" in result.stdout


def test_a_training_run_is_quiet(tmp_path):
    logdir = tmp_path / "run"
    options = "--model sagan_refined --steps 1 --ch 8 --batch-size 4 --quiet".split()
    result = command("-m", "training.run", *options, "--logdir", str(logdir))
    assert result.returncode == 0, result.stderr[-3000:]
    assert (logdir / "samples.png").exists()
    assert not noise(result), result.stderr[-3000:]


def test_start_up_messages_show_with_verbose_only(tmp_path):
    quiet = command("-m", "training.sample", "--logdir", str(tmp_path))
    assert quiet.returncode == 1
    assert "holds no readable training run" in quiet.stderr
    assert not noise(quiet), quiet.stderr[-3000:]

    verbose = command("-m", "training.sample", "--logdir", str(tmp_path), "--verbose")
    assert verbose.returncode == 1
    assert "holds no readable training run" in verbose.stderr
    assert noise(verbose), verbose.stderr[-3000:]


FAKE_TENSORFLOW = """
import os
os.write(2, b"probe noise from C++\\n")
if os.environ.get("FAIL"):
    raise ImportError("tensorflow is broken")
"""
IMPORT = "import sys; from training import quiet; quiet.import_tensorflow('-v' in sys.argv)"


@pytest.fixture
def fake_tensorflow(tmp_path):
    """A `tensorflow` that writes to file descriptor 2 as it loads, as TensorFlow's libraries do."""
    (tmp_path / "tensorflow").mkdir()
    (tmp_path / "tensorflow" / "__init__.py").write_text(FAKE_TENSORFLOW)
    return {"PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}


def test_import_hides_what_tensorflow_writes_unless_verbose(fake_tensorflow):
    assert command("-c", IMPORT, **fake_tensorflow).stderr == ""
    assert command("-c", IMPORT, "-v", **fake_tensorflow).stderr == "probe noise from C++\n"


def test_a_failing_import_shows_what_tensorflow_wrote(fake_tensorflow):
    result = command("-c", IMPORT, FAIL="1", **fake_tensorflow)
    assert result.returncode == 1
    assert result.stderr.startswith("probe noise from C++\n")
    assert "ImportError: tensorflow is broken" in result.stderr
