import pytest

from benchmarks import projections


@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16"])
def test_projections_script_checks_the_variants_agree_and_writes_its_table(
    tmp_path, monkeypatch, policy
):
    monkeypatch.setattr(projections, "CASES", ((8, 1),))
    output = tmp_path / "projections.md"
    projections.main(
        ["--rounds", "2", "--warmup", "1", "--dtype-policy", policy, "--output", str(output)]
    )
    text = output.read_text()
    assert text.startswith(f"# The block's projections: tensorflow on cpu, {policy}")
    # One row per case and spectral-norm setting, with the variants' times and the ratios.
    assert text.count("| 8×8, batch 1 |") == 2
    assert "| fused matmul / γ on the map |" in text


def test_projections_script_refuses_disagreeing_variants(monkeypatch):
    # A variant that forgets γ computes another function: the script stops before timing it.
    monkeypatch.setattr(projections, "CASES", ((8, 1),))
    monkeypatch.setattr(
        projections.GammaOnTheMap, "_scaled_output",
        lambda layer, attended, training: attended @ layer._matrix_and_bias(
            layer.output_projection, training)[0],
    )  # fmt: skip
    with pytest.raises(AssertionError, match="γ on the map: outputs differ"):
        projections.main(["--rounds", "1", "--warmup", "1", "--output", "/dev/null"])
