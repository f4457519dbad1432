"""`python -m benchmarks.gpu`: the prepared GPU run, checked on this CPU with `--tiny`."""

import json
import os
import subprocess
import sys

import pytest

from benchmarks.gpu import __main__ as driver


def test_every_case_is_written_as_it_ends_and_a_failed_one_fails_the_run(tmp_path, monkeypatch):
    seen = []

    def model_case(model, precision, sizes):
        # What gpu.json held when this case started: the cases before it, already written.
        seen.append(len(json.loads((tmp_path / "gpu.json").read_text())["cases"]) if seen else 0)
        if model == "sagan_softmax":
            raise MemoryError("out of device memory")
        return {"model": model, "precision": precision, "resolution": sizes["resolution"]}

    monkeypatch.setattr(driver, "model_case", model_case)
    code = driver.main([str(tmp_path), "--tiny", "--no-quickstart"])
    cases = json.loads((tmp_path / "gpu.json").read_text())["cases"]
    assert code == 1
    assert seen == [0, 1, 2]
    assert [case["model"] for case in cases] == list(driver.MODELS)
    assert cases[0]["resolution"] == driver.TINY["resolution"]
    assert cases[2]["error"] == "MemoryError: out of device memory"


@pytest.mark.slow
def test_tiny_run_trains_the_quickstart_and_times_both_steps(tmp_path):
    environment = {**os.environ, "KERAS_BACKEND": "jax"}
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.gpu", str(tmp_path), "--tiny", "--models", "sagan_none"],
        env=environment, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-3000:]
    quickstart, step = json.loads((tmp_path / "gpu.json").read_text())["cases"]
    assert quickstart["exit_status"] == 0 and (tmp_path / "quickstart_samples.png").exists()
    assert step["model"] == "sagan_none" and step["engine_over_bare"]["pairs"] >= 3
    assert all(value > 0 for value in step["steps_per_s"].values())
