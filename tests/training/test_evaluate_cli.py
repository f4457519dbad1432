"""`python -m training.evaluate` on the shared tiny GAN run: printed numbers, TensorBoard, cache."""

import json
import os

import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator

from training import evaluate


def eval_scalars(logdir):
    accumulator = event_accumulator.EventAccumulator(
        str(logdir), size_guidance={event_accumulator.TENSORS: 0}
    )
    accumulator.Reload()
    return {
        tag: [
            (event.step, float(tf.make_ndarray(event.tensor_proto)))
            for event in accumulator.Tensors(tag)
        ]
        for tag in accumulator.Tags()["tensors"]
        if tag.startswith("eval/")
    }


def test_evaluate_prints_writes_tensorboard_and_caches_the_real_statistics(
    gan_run, tmp_path, capsys
):
    cache = tmp_path / "cache"
    options = ["--logdir", str(gan_run), "--num-samples", "4", "--no-progress"]
    options += ["--cache-dir", str(cache)]
    assert evaluate.main(options) == 0
    out = capsys.readouterr().out
    assert "FID: " in out and "KID: " in out
    assert "4 generated vs 4 real test images of fashion_mnist at 32 px" in out
    assert len(os.listdir(cache)) == 1
    scalars = eval_scalars(gan_run)
    assert sorted(scalars) == ["eval/fid", "eval/kid", "eval/kid_std"]
    step, fid_value = scalars["eval/fid"][-1]
    assert step == 8 and fid_value > 0

    assert evaluate.main(options + ["--no-summary"]) == 0
    out = capsys.readouterr().out
    assert "real statistics from the cache" in out
    assert f"FID: {fid_value:.4f}" in out


def test_evaluate_rejects_a_missing_run(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        evaluate.main(["--logdir", str(tmp_path / "nowhere")])
    assert exit_info.value.code == 2
    assert evaluate.main(["--logdir", str(tmp_path), "--no-progress"]) == 1
    assert "no readable training run" in capsys.readouterr().err


def test_evaluate_refuses_an_autoencoder(autoencoder_run, capsys):
    options = ["--logdir", str(autoencoder_run), "--no-progress", "--num-samples", "2"]
    assert evaluate.main(options) == 2
    assert "FID evaluates generators" in capsys.readouterr().err


def test_fid_every_logs_fid_and_kid_during_training(tmp_path, monkeypatch):
    from tests.training.conftest import TINY, train

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    logdir = tmp_path / "run"
    options = ("--model", "sagan_refined", *TINY, "--steps", "4")
    assert train(logdir, *options, "--fid-every", "2", "--fid-samples", "2") == 0
    scalars = eval_scalars(logdir)
    assert sorted(scalars) == ["eval/fid", "eval/kid", "eval/kid_std"]
    assert [step for step, _ in scalars["eval/fid"]] == [2, 4]
    assert all(value > 0 for _, value in scalars["eval/fid"])


@pytest.mark.parametrize(
    "options,message",
    [
        (("--model", "autoencoder_refined", "--fid-every", "2"), "applies to sagan_*"),
        (("--model", "sagan_refined", "--fid-every", "2", "--fid-samples", "1"), "at least 2"),
        (("--model", "sagan_refined", "--fid-every", "-1"), "non-negative"),
    ],
)
def test_fid_every_rejects_what_it_cannot_measure(tmp_path, capsys, options, message):
    from tests.training.conftest import train

    with pytest.raises(SystemExit) as exit_info:
        train(tmp_path / "run", *options, "--quiet")
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_evaluate_converts_the_attention_writes_json_and_leaves_tensorboard_alone(
    gan_run, tmp_path, capsys
):
    before = eval_scalars(gan_run)
    options = ["--logdir", str(gan_run), "--num-samples", "4", "--no-progress"]
    options += ["--cache-dir", str(tmp_path / "cache")]
    results = {}
    # gan_run is a sagan_refined run: "refined" is the run as trained, the others converted.
    for kind in ("refined", "softmax", "efficient"):
        path = tmp_path / f"{kind}.json"
        assert evaluate.main(options + ["--attention", kind, "--json", str(path)]) == 0
        results[kind] = json.loads(path.read_text())
    assert results["refined"]["step"] == 8 and results["refined"]["num_samples"] == 4
    assert results["softmax"]["attention"] == "softmax"
    # Same weights, another normalisation: the samples, hence the features, change.
    assert results["softmax"]["fid"] != results["refined"]["fid"]
    assert evaluate.main(options + ["--json", str(tmp_path / "own.json")]) == 0
    own = json.loads((tmp_path / "own.json").read_text())
    assert own["fid"] == pytest.approx(results["refined"]["fid"], rel=1e-6)
    capsys.readouterr()
    # Only the run without --attention wrote to the run's TensorBoard.
    assert len(eval_scalars(gan_run)["eval/fid"]) == len(before.get("eval/fid", [])) + 1

    assert evaluate.main(options + ["--attention", "nonsense"]) == 1
    assert "there is no sagan_nonsense model" in capsys.readouterr().err
