import json
import math
import subprocess
import sys

import pytest

from training import benchmark, benchmark_sweep
from training.batch_search import DOES_NOT_FIT, FITS, search_largest_batch


def threshold_probe(largest, log=None):
    """A probe under which every batch up to `largest` fits."""

    def probe(batch_size):
        if log is not None:
            log.append(batch_size)
        return FITS if batch_size <= largest else DOES_NOT_FIT

    return probe


def test_search_finds_37_by_doubling_then_bisecting():
    probed = []
    result = search_largest_batch(
        threshold_probe(37, probed), start=8, max_batch=1024, bisection_steps=5
    )
    assert (result.largest_fitting, result.smallest_failing) == (37, 38)
    assert result.exact and result.stopped_by is None
    # Doubling brackets [32, 64); five halvings of a bracket 32 wide end exact.
    assert probed[:4] == [8, 16, 32, 64]
    assert len(probed) == 4 + 5
    assert [batch for batch, _ in result.probes] == probed


def test_search_with_fewer_bisection_steps_gives_a_bracket():
    result = search_largest_batch(threshold_probe(37), start=8, max_batch=1024, bisection_steps=2)
    assert result.largest_fitting <= 37 < result.smallest_failing
    assert not result.exact and result.stopped_by == "bisection_steps"
    # Two halvings of the bracket [32, 64) leave it 8 wide.
    assert result.smallest_failing - result.largest_fitting == 8


@pytest.mark.parametrize("largest", [1, 2, 3, 5, 7, 8, 9, 100, 255])
def test_search_is_exact_with_enough_steps(largest):
    result = search_largest_batch(
        threshold_probe(largest), start=8, max_batch=256, bisection_steps=8
    )
    assert result.largest_fitting == largest and result.exact


def test_search_when_nothing_fits():
    result = search_largest_batch(threshold_probe(0), start=8)
    assert result.largest_fitting is None and result.smallest_failing == 1
    assert [batch for batch, _ in result.probes] == [8, 4, 2, 1]


def test_search_stops_at_max_batch():
    result = search_largest_batch(threshold_probe(1000), start=8, max_batch=100)
    assert [batch for batch, _ in result.probes] == [8, 16, 32, 64, 100]
    assert result.largest_fitting == 100 and result.smallest_failing is None
    assert result.stopped_by == "max_batch" and not result.exact


def test_search_stops_at_a_probe_that_neither_fits_nor_runs_out_of_memory():
    result = search_largest_batch(lambda batch: FITS if batch < 32 else "timeout", start=8)
    assert result.largest_fitting == 16 and result.smallest_failing is None
    assert result.stopped_by == "timeout at batch 32"


def test_search_stops_when_its_time_budget_is_spent():
    now = [0.0]

    def clock():
        return now[0]

    def slow_probe(batch_size):
        now[0] += 10.0
        return FITS

    result = search_largest_batch(slow_probe, start=1, max_batch=1024, budget_s=25, clock=clock)
    # Probes start at 0, 10 and 20 s; at 30 s the budget of 25 s is spent.
    assert [batch for batch, _ in result.probes] == [1, 2, 4]
    assert result.stopped_by == "time_budget" and result.elapsed_s == 30.0


@pytest.mark.parametrize(
    "arguments", [{"start": 0}, {"max_batch": -1}, {"bisection_steps": -1}, {"start": 2.5}]
)
def test_search_rejects_bad_arguments(arguments):
    with pytest.raises(ValueError, match=next(iter(arguments))):
        search_largest_batch(threshold_probe(4), **arguments)


def test_a_step_fits_only_below_the_cap():
    assert benchmark._fits("OK", 10, 11) == FITS
    assert benchmark._fits("OK", 12, 11) == DOES_NOT_FIT  # Grew past the cap between polls.
    assert benchmark._fits("OOM", 0, 11) == DOES_NOT_FIT
    assert benchmark._fits("timeout", 0, 11) == "timeout"


def _placements(model, resolution):
    entries = benchmark_sweep.sweep_entries(
        [model], [resolution], benchmark_sweep.CONFIGS, batch_size=8, ch=16
    )
    return {config: case.params["model_args"] for config, case in entries}


def test_sweep_places_the_attention_explicitly_and_runs_each_placement_once():
    assert _placements("sagan_softmax", 128) == {
        "default": {"attention_resolution": 32, "pool_key_value": True},
        "highest": {"attention_resolution": 64, "pool_key_value": True},
        "highest_unpooled": {"attention_resolution": 64, "pool_key_value": False},
    }
    # At 64 px both SAGAN networks reach no side above 32: "highest" is the default.
    assert _placements("sagan_refined", 64) == {
        "default": {"attention_resolution": 32, "pool_key_value": True},
        "highest_unpooled": {"attention_resolution": 32, "pool_key_value": False},
    }
    assert _placements("autoencoder_refined", 128)["highest"] == {
        "attention_resolutions": [128],
        "pool_key_value": True,
    }
    assert _placements("sagan_none", 128) == {"none": {}}


def test_unknown_model_is_rejected_with_the_choices(capsys):
    with pytest.raises(SystemExit) as exit_info:
        benchmark.main(["--models", "sagan_fancy"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "sagan_fancy" in error and "sagan_refined" in error and "autoencoder_none" in error


_NUMBERS = ("time_median_s", "time_min_s", "time_max_s", "peak_memory_bytes", "parameters")


def test_benchmark_command_on_the_smallest_case(tmp_path):
    command = [
        sys.executable, "-m", "training.benchmark",
        "--models", "autoencoder_softmax", "autoencoder_refined",
        "--resolutions", "32", "--ch", "8", "--batch-size", "2", "--configs", "default",
        "--repeats", "1", "--warmup", "1", "--max-batch", "4",
        "--output-dir", str(tmp_path), "--name", "smoke",
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]

    payload = json.loads((tmp_path / "smoke.json").read_text())
    assert payload["environment"]["command"].startswith("python -m training.benchmark --models")
    assert payload["device_kind"] == "cpu"
    records = {record["model"]: record for record in payload["records"]}
    assert sorted(records) == ["autoencoder_refined", "autoencoder_softmax"]
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
    # Batch 2 is known from the timed case; only batch 4 needs a probe.
    for search in payload["searches"]:
        assert search["probes"] == [[2, "fits"], [4, "fits"]], search
        assert [detail["source"] for detail in search["probe_details"]] == ["timed case", "probe"]
        assert all(detail["peak_rss_bytes"] > 0 for detail in search["probe_details"])
        assert search["largest_fitting"] == 4 and search["stopped_by"] == "max_batch"

    markdown = (tmp_path / "smoke.md").read_text()
    assert "| autoencoder | 32 | default | 32² (n 1,024), m 256 |" in markdown
    for model in records:
        assert f"| {model} | 32 | default |" in markdown
    assert "](smoke_time.png)" in markdown
    assert (tmp_path / "smoke_time.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # --render rewrites the report from the JSON alone.
    (tmp_path / "smoke.md").unlink()
    assert benchmark.main(["--render", str(tmp_path / "smoke.json")]) == 0
    assert (tmp_path / "smoke.md").read_text() == markdown
