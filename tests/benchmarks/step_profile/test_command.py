import json

from benchmarks.step_profile import report
from benchmarks.step_profile.__main__ import main


def test_step_profile_command_on_tiny_autoencoders(tmp_path, in_process, capsys):
    code = main([
        "--models", "autoencoder_refined", "autoencoder_none", "--resolution", "32",
        "--batch-size", "2", "--ch", "8", "--warmup", "1", "--repeats", "1",
        "--profiled-steps", "1", "--output-dir", str(tmp_path), "--name", "smoke",
    ])  # fmt: skip
    assert code == 0, capsys.readouterr().err[-3000:]

    payload = json.loads((tmp_path / "smoke.json").read_text())
    assert payload["environment"]["command"].startswith("python -m benchmarks.step_profile")
    refined, none = payload["records"]
    for record in (refined, none):
        assert record["status"] == "OK", record["error"]
        layers = {row["name"]: row["ms"] for row in record["layers"]}
        assert abs(sum(layers.values()) - record["total_ms"]) < 1e-6 * record["total_ms"]
        assert layers["autoencoder/encoder_block1_conv1"] > 0
    assert refined["attention_blocks"] == [
        "autoencoder/encoder_attention_32", "autoencoder/decoder_attention_32"
    ]
    layers = {row["name"]: row["ms"] for row in refined["layers"]}
    blocks = layers["autoencoder/encoder_attention_32"] + layers["autoencoder/decoder_attention_32"]
    assert 0 < refined["attention_ms"] < refined["total_ms"]
    assert abs(refined["attention_ms"] - blocks) < 1e-9 * blocks
    for breakdown in ("attention_parts", "attention_op_types"):
        assert abs(sum(row["ms"] for row in refined[breakdown]) - blocks) < 1e-9 * blocks
    # The fused q/k/v projection and the split of its output are parts of every block.
    assert {"Tensordot", "split"} <= {row["name"] for row in refined["attention_parts"]}
    assert none["attention_blocks"] == [] and none["attention_ms"] == 0
    assert report.outside_ratio(refined) > 1 and report.outside_ratio(none) is None

    markdown = (tmp_path / "smoke.md").read_text()
    assert "| `autoencoder_refined` | float32 | OK |" in markdown
    assert "**Attention blocks, by part**" in markdown
    (tmp_path / "smoke.md").unlink()
    assert main(["--render", str(tmp_path / "smoke.json")]) == 0
    assert (tmp_path / "smoke.md").read_text() == markdown
