import json
import math
import subprocess
import sys

import pytest

from benchmarks.layers.__main__ import main
from benchmarks.harness.processes import Limits, run_case
from benchmarks.layers.cases import layer_case

_NUMBERS = ("time_median_s", "time_min_s", "time_max_s", "gflop", "peak_memory_bytes")


def test_benchmark_command_on_the_smallest_case(tmp_path, in_process, capsys, monkeypatch):
    # Keras's default backend, whatever earlier imports (training's CLIs) set in this process.
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    # Three forms: every form's step is checked in test_cases; here the command's path.
    forms = ["projections", "softmax", "refined"]
    code = main([
        "--configs", "16:1", "--channels", "16", "--passes", "fwd_bwd", "--forms", *forms,
        "--repeats", "1", "--warmup", "1", "--rounds", "3",
        "--output-dir", str(tmp_path), "--name", "smoke",
    ])  # fmt: skip
    output = capsys.readouterr()
    assert code == 0, output.err[-3000:]
    assert "## Targets" in output.out and "## Ratios (interleaved)" in output.out

    payload = json.loads((tmp_path / "smoke.json").read_text())
    assert payload["device_kind"] == "cpu"
    assert payload["environment"]["command"].startswith("python -m benchmarks.layers")
    records = {record["form"]: record for record in payload["records"]}
    assert sorted(records) == sorted(forms)
    for form, record in records.items():
        assert record["status"] == "OK", (form, record["error"])
        for key in _NUMBERS:
            assert math.isfinite(record[key]) and record[key] > 0, (form, key, record[key])
    # The compared forms ran together in one process, interleaved.
    (comparison,) = payload["comparisons"]
    assert comparison["status"] == "OK", comparison["error"]
    assert comparison["forms"] == ["projections", "softmax", "refined"]
    assert sorted(comparison["ratios"]) == ["refined/projections", "softmax/refined"]
    for name, stats in comparison["ratios"].items():
        assert 0 < stats["q1"] <= stats["median"] <= stats["q3"] and stats["pairs"] == 3
        assert all(len(times) == 3 for times in stats["times_s"].values())
        assert sorted(stats["median_s"]) == sorted(name.split("/"))

    markdown = (tmp_path / "smoke.md").read_text()
    for form in forms:
        assert f"| {form} |" in markdown
    for metric in ("time", "memory"):
        png = tmp_path / f"smoke_{metric}_fwd_bwd.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({png.name})" in markdown
    assert not (tmp_path / "smoke_time_fwd.png").exists()  # No fwd pass was run.

    # --render rewrites the report from the JSON alone.
    (tmp_path / "smoke.md").unlink()
    assert main(["--render", str(tmp_path / "smoke.json")]) == 0
    assert (tmp_path / "smoke.md").read_text() == markdown


def test_a_case_runs_on_the_jax_backend():
    case = layer_case("refined", "fwd_bwd", 16, 1, 16, repeats=1, warmup=1)
    result = run_case(case, Limits(time_limit_s=240), env={"KERAS_BACKEND": "jax"})
    assert result.status == "OK", result.error
    assert result.metrics["time_median_s"] > 0
    assert result.metrics["device_kind"] == "cpu"


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--configs", "64x8"], "RESOLUTION:BATCH_SIZE"),
        (["--configs", "0:2"], "RESOLUTION:BATCH_SIZE"),
        (["--channels", "12"], "multiple of 8"),
        (["--repeats", "0"], "must be positive"),
        (["--forms", "linear"], "invalid choice"),
    ],
)
def test_bad_arguments_stop_before_measuring(arguments, message, capsys):
    with pytest.raises(SystemExit):
        main(arguments)
    assert message in capsys.readouterr().err


def test_every_case_failing_exits_non_zero(tmp_path, in_process, capsys):
    code = main([
        "--configs", "16:1", "--channels", "16", "--forms", "refined", "--passes", "fwd",
        "--dtype", "float17", "--repeats", "1", "--warmup", "1", "--rounds", "1",
        "--output-dir", str(tmp_path), "--name", "failing",
    ])  # fmt: skip
    assert code == 1
    assert "every case failed" in capsys.readouterr().err
    assert (tmp_path / "failing.json").exists()  # the report still says what failed


def test_sigterm_leaves_no_child_behind(tmp_path):
    import signal
    import time

    import psutil

    command = [
        sys.executable, "-m", "benchmarks.layers",
        "--configs", "64:2", "--channels", "16", "--forms", "softmax", "--passes", "fwd_bwd",
        "--repeats", "200", "--max-timing-s", "300", "--rounds", "1",
        "--output-dir", str(tmp_path),
    ]  # fmt: skip
    parent = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    children = []
    while not children and time.monotonic() < deadline and parent.poll() is None:
        time.sleep(0.2)
        children = psutil.Process(parent.pid).children(recursive=True)
    assert children, "the benchmark never started a case"
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=60) != 0
    # The case alone would run for about a minute; its process must end with the parent.
    gone, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, [child.pid for child in alive]
