import json
import math
import subprocess
import sys

import pytest

from benchmarks.models.__main__ import main


def test_unknown_model_is_rejected_with_the_choices(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--models", "sagan_fancy"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "sagan_fancy" in error and "sagan_refined" in error and "autoencoder_none" in error


_NUMBERS = ("time_median_s", "time_min_s", "time_max_s", "peak_memory_bytes", "parameters")


def test_benchmark_command_on_the_smallest_case(tmp_path, in_process, capsys):
    code = main([
        "--models", "autoencoder_refined", "autoencoder_none",
        "--resolutions", "32", "--ch", "8", "--batch-size", "2", "--configs", "default",
        "--repeats", "1", "--warmup", "1", "--rounds", "3",
        "--output-dir", str(tmp_path), "--name", "smoke",
    ])  # fmt: skip
    assert code == 0, capsys.readouterr().err[-3000:]

    payload = json.loads((tmp_path / "smoke.json").read_text())
    assert payload["environment"]["command"].startswith("python -m benchmarks.models --models")
    assert payload["device_kind"] == "cpu"
    records = {record["model"]: record for record in payload["records"]}
    assert sorted(records) == ["autoencoder_none", "autoencoder_refined"]
    assert records["autoencoder_none"]["attention_blocks"] == []
    del records["autoencoder_none"]
    for model, record in records.items():
        assert record["status"] == "OK", (model, record["error"])
        assert record["model_args"] == {"attention_resolutions": [32], "pool_key_value": True}
        # The child built what the sweep asked for: both blocks on the 32×32 maps, keys pooled.
        blocks = record["attention_blocks"]
        assert [block["name"] for block in blocks] == [
            "encoder_attention_32",
            "decoder_attention_32",
        ]
        assert all(block["key_positions"] == record["key_positions"] == 256 for block in blocks)
        for key in _NUMBERS:
            assert math.isfinite(record[key]) and record[key] > 0, (model, key, record[key])
        assert record["time_min_s"] <= record["time_median_s"] <= record["time_max_s"]
    # The two models were timed interleaved in one process: 3 rounds, the ratio of the pair
    # (softmax / refined needs softmax: test_sweep covers the comparison with all three).
    (comparison,) = payload["comparisons"]
    assert comparison["status"] == "OK", comparison["error"]
    assert comparison["config"] == "default"
    assert sorted(comparison["ratios"]) == ["refined/none"]
    for stats in comparison["ratios"].values():
        assert 0 < stats["q1"] <= stats["median"] <= stats["q3"] and stats["pairs"] == 3
    target, quickstart = payload["targets"]
    assert target["met"] in (True, False) and "autoencoder 32 px default" in target["measured"]
    assert quickstart["met"] is None  # Not the quickstart's model.
    assert "searches" not in payload  # The batch-size search is retired.

    markdown = (tmp_path / "smoke.md").read_text()
    assert "| autoencoder | 32 | default | float32 | – | 32² (n 1,024), m 256 |" in markdown
    for model in records:
        assert f"| {model} | 32 | default | float32 | – |" in markdown
    assert "## Targets" in markdown
    assert "](smoke_time.png)" in markdown
    assert (tmp_path / "smoke_time.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # --render rewrites the report from the JSON alone.
    (tmp_path / "smoke.md").unlink()
    assert main(["--render", str(tmp_path / "smoke.json")]) == 0
    assert (tmp_path / "smoke.md").read_text() == markdown


@pytest.mark.slow  # a minute of child processes; test_sweep and test_targets cover the options
def test_benchmark_command_times_each_precision_against_the_default(tmp_path):
    command = [
        sys.executable, "-m", "benchmarks.models",
        "--models", "autoencoder_refined", "autoencoder_none",
        "--resolutions", "32", "--ch", "8", "--batch-size", "2", "--configs", "default",
        "--precision", "float32", "mixed_bfloat16",
        "--repeats", "1", "--warmup", "1", "--rounds", "3",
        "--output-dir", str(tmp_path), "--name", "options",
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, timeout=400)
    assert completed.returncode == 0, completed.stderr[-3000:]

    payload = json.loads((tmp_path / "options.json").read_text())
    assert payload["settings"]["precisions"] == ["float32", "mixed_bfloat16"]
    options = sorted((r["model"], r["precision"], r["jit_compile"]) for r in payload["records"])
    assert options == [
        (model, precision, False)
        for model in ("autoencoder_none", "autoencoder_refined")
        for precision in ("float32", "mixed_bfloat16")
    ]
    assert all(record["status"] == "OK" for record in payload["records"])
    # refined / none under each precision, and each model's precision against float32.
    assert sorted(c["precision"] for c in payload["comparisons"]) == ["float32", "mixed_bfloat16"]
    assert sorted(c["model"] for c in payload["option_comparisons"]) == [
        "autoencoder_none", "autoencoder_refined"
    ]
    for comparison in payload["option_comparisons"]:
        assert comparison["status"] == "OK", comparison["error"]
        assert list(comparison["ratios"]) == ["float32/mixed_bfloat16"]
    markdown = (tmp_path / "options.md").read_text()
    assert "| autoencoder | 32 | default | mixed_bfloat16 | – |" in markdown
    assert "| autoencoder_refined | 32 | default | mixed_bfloat16 | **" in markdown
