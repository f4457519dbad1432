from benchmarks import projections


def test_projections_script_writes_its_table(tmp_path, monkeypatch):
    monkeypatch.setattr(projections, "CASES", ((8, 1),))
    output = tmp_path / "projections.md"
    projections.main(["--rounds", "2", "--warmup", "1", "--output", str(output)])
    text = output.read_text()
    assert text.startswith("# Fused q/k/v projections")
    # One row per case and spectral-norm setting, with the three variants' times and the ratios.
    assert text.count("| 8×8, batch 1 |") == 2
    assert "fused matmul" in text
