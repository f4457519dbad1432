"""`python -m training.compare`: tables of finished runs, read from their own logs."""

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator

from training import compare


def accumulator_scalars(logdir, tag):
    """The same tag read by TensorBoard's own reader, as an independent reference."""
    accumulator = event_accumulator.EventAccumulator(
        str(logdir), size_guidance={event_accumulator.TENSORS: 0}
    )
    accumulator.Reload()
    return [
        (event.step, float(tf.make_ndarray(event.tensor_proto)))
        for event in accumulator.Tensors(tag)
    ]


def test_read_scalars_agrees_with_tensorboard(autoencoder_run):
    scalars = compare.read_scalars(autoencoder_run)
    for tag in ("eval/psnr", "eval/ssim"):
        expected = accumulator_scalars(autoencoder_run, tag)
        assert len(expected) >= 2
        np.testing.assert_allclose(scalars[tag], expected, rtol=1e-6)


def test_summary_takes_the_last_and_best_values(autoencoder_run, gan_run):
    autoencoder = compare.summarise(autoencoder_run, ["eval/psnr", "losses/l1"])
    psnr = [value for _, value in compare.read_scalars(autoencoder_run)["eval/psnr"]]
    assert autoencoder["eval/psnr"] == (psnr[-1], max(psnr))
    assert autoencoder["model"] == "autoencoder_softmax" and autoencoder["steps"] == 4
    gan = compare.summarise(gan_run, ["losses/d_loss"])
    d_loss = [value for _, value in compare.read_scalars(gan_run)["losses/d_loss"]]
    assert gan["losses/d_loss"] == (d_loss[-1], min(d_loss))
    assert gan["steps_per_sec"] > 0


def test_command_prints_a_markdown_row_per_run(autoencoder_run, gan_run, capsys):
    assert compare.main([str(autoencoder_run), str(gan_run), "--tags", "eval/psnr"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("| run | model | steps | steps/s | eval/psnr last (best)")
    assert "autoencoder_softmax" in lines[2] and "sagan_refined" in lines[3]
    assert "| missing |" in lines[3]  # a GAN has no PSNR


def test_a_missing_tag_and_a_diverged_run_have_distinct_markers(gan_run, tmp_path, capsys):
    import shutil

    diverged = tmp_path / "diverged"
    diverged.mkdir()
    shutil.copy(gan_run / "config.json", diverged)
    writer = tf.summary.create_file_writer(str(diverged))
    with writer.as_default():
        for step, value in [(1, 2.0), (2, 1.5), (3, float("nan"))]:
            tf.summary.scalar("losses/d_loss", value, step=step)
    writer.close()
    tags = ["losses/d_loss", "eval/psnr"]
    assert compare.main([str(diverged), str(gan_run), "--tags", *tags]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    diverged_cells = [cell.strip() for cell in lines[2].split("|")]
    assert "diverged at step 3 (best 1.5000)" in diverged_cells
    assert "missing" in diverged_cells  # no eval/psnr at all
    gan_cells = [cell.strip() for cell in lines[3].split("|")]
    assert "missing" in gan_cells and not any("diverged" in cell for cell in gan_cells)


def test_plot_draws_one_line_per_run_and_panel_per_tag(autoencoder_run, gan_run, tmp_path):
    from PIL import Image

    path = tmp_path / "curves.png"
    args = [str(autoencoder_run), str(gan_run), "--tags", "eval/psnr", "losses/d_loss"]
    assert compare.main([*args, "--plot", str(path)]) == 0
    width, height = Image.open(path).size
    assert width > 1.5 * height  # two panels side by side


def test_command_rejects_a_directory_that_is_not_a_run(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        compare.main([str(tmp_path)])
    assert exit_info.value.code == 2
    assert "not a run directory" in capsys.readouterr().err
