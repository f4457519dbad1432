import json

from benchmarks.pipeline import report
from benchmarks.pipeline.__main__ import main


def test_pipeline_command_on_small_cases(tmp_path, in_process, capsys):
    code = main([
        "--sources", "fashion_mnist_embedded", "folder", "tfds", "--resolutions", "32",
        "--batch-size", "4", "--batches", "3", "--warmup", "1", "--images", "12",
        "--image-size", "40", "--model", "autoencoder_none", "--ch", "8", "--step-repeats", "1",
        "--output-dir", str(tmp_path), "--name", "smoke",
    ])  # fmt: skip
    assert code == 0, capsys.readouterr().err[-3000:]

    payload = json.loads((tmp_path / "smoke.json").read_text())
    assert payload["environment"]["command"].startswith("python -m benchmarks.pipeline")
    records = {record["source"]: record for record in payload["records"]}
    assert sorted(records) == ["fashion_mnist_embedded", "folder", "tfds"]
    for source, record in records.items():
        assert record["status"] == "OK", (source, record["error"])
        assert record["images_per_s"] > 0 and record["cpu_s_per_image"] > 0
        assert record["repeats"] == 3
    assert "image files under" in records["folder"]["dataset"]
    assert "tensorflow-datasets benchmark_pipeline_images" in records["tfds"]["dataset"]
    (step,) = payload["steps"]
    assert step["status"] == "OK" and step["batches_per_step"] == 1
    assert step["images_per_s"] == 4 / step["time_median_s"]
    rows = report.summary_rows(payload["records"], payload["steps"])
    assert all(row["headroom"] == row["images_per_s"] / step["images_per_s"] for row in rows)

    markdown = (tmp_path / "smoke.md").read_text()
    assert "| `folder` | 32 | OK |" in markdown and "## Delivered against consumed" in markdown
    (tmp_path / "smoke.md").unlink()
    assert main(["--render", str(tmp_path / "smoke.json")]) == 0
    assert (tmp_path / "smoke.md").read_text() == markdown
