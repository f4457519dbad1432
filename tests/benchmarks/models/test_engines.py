"""`benchmarks.models --engines`: TensorFlow's step, the JAX engine's and a bare JAX step."""

import json

import pytest

from benchmarks.models import engines_report
from benchmarks.models.__main__ import main


def test_engines_refuse_a_model_that_is_not_a_sagan(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--engines", "--models", "autoencoder_refined"])
    assert exit_info.value.code == 2
    assert "--engines times a SAGAN" in capsys.readouterr().err


def _record(overhead):
    stats = {"median": overhead, "q1": overhead - 0.01, "q3": overhead + 0.01, "pairs": 3}
    return {
        "precision": "float32", "status": "OK", "rounds": 3, "load_before": [1.0, 1.0, 1.0],
        "steps_per_s": {"tensorflow": 2.0, "jax_engine": 4.0, "jax_bare": 4.0 * overhead},
        "ratios": {"jax_engine/tensorflow": stats, "jax_engine/jax_bare": stats},
        "peak_rss_by_process": {"tensorflow": 2**30, "jax": 2**29},
        "jax_compiled_bytes": {"engine": 2**20, "bare": None},
    }  # fmt: skip


@pytest.mark.parametrize("overhead, verdict", [(1.05, "met"), (1.2, "**not met**")])
def test_engines_report_judges_the_overhead_target(overhead, verdict):
    row = engines_report._row(_record(overhead))
    assert row["JAX engine / bare time"].endswith(" " + verdict)
    assert row["peak RSS TF / JAX"] == "1 GiB / 512 MiB"
    assert row["XLA bytes engine / bare"] == "1 MiB / –"


@pytest.mark.slow
def test_engines_command_on_a_tiny_sagan(tmp_path, in_process, capsys):
    code = main([
        "--engines", "--models", "sagan_none", "--resolutions", "32", "--ch", "8",
        "--batch-size", "2", "--rounds", "3", "--warmup", "1",
        "--output-dir", str(tmp_path), "--name", "engines",
    ])  # fmt: skip
    assert code == 0, capsys.readouterr().err[-3000:]
    (record,) = json.loads((tmp_path / "engines.json").read_text())["records"]
    assert record["rounds"] >= 3 and set(record["steps_per_s"]) == {
        "tensorflow", "jax_engine", "jax_bare"
    }
    assert all(value > 0 for value in record["steps_per_s"].values())
    assert "JAX engine / bare time" in (tmp_path / "engines.md").read_text()
