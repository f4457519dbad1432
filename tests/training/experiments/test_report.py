"""The study's report: numbers from the cells' summaries, paired differences, the reading kept."""

import json
import os
import shutil

import pytest
import tensorflow as tf

from training import config as config_lib
from training.experiments.plan import load_study
from training.experiments.report import READING_END
from training.experiments.report import READING_START
from training.experiments.report import gamma_reach
from training.experiments.report import write_report
from training.experiments.summary import write_summary
from tests.training.experiments.test_plan import write_study

PSNR = {"softmax": [20.0, 21.0, 22.0], "refined": [20.5, 21.5, 22.5], "none": [10.0, 10.2, 10.4]}
# Refined is 0.5 dB above softmax in seeds 0 and 1 and 0.25 dB in seed 2 of the paired test.
PAIRED = {"softmax": [20.0, 22.0, 24.0], "refined": [20.5, 22.5, 24.25]}


def fake_run(logdir, model, seed, psnr):
    os.makedirs(logdir, exist_ok=True)
    config_lib.save_config(config_lib.TrainConfig(model=model, seed=seed, learning_rate=1e-3),
                           logdir)
    writer = tf.summary.create_file_writer(logdir)
    with writer.as_default():
        for step, value in [(50, psnr - 1.0), (100, psnr)]:
            tf.summary.scalar("eval/psnr", value, step=step)
            tf.summary.scalar("speed/steps_per_sec", 4.0, step=step)
            tf.summary.scalar("learning_rate/autoencoder", 1e-3, step=step)
            if not model.endswith("none"):
                tf.summary.scalar("gamma/attention", -0.25, step=step)
    writer.close()
    record = {"finished": True, "failed": None, "processes": [
        {"module": "training.run", "peak_rss_mb": 900.0 + seed, "exit_code": 0}
    ]}
    with open(os.path.join(os.path.dirname(logdir), "cell.json"), "w") as file:
        json.dump(record, file)
    return record


def summarised_study(tmp_path, values):
    """A study whose cells have only their summaries: run directories and records deleted."""
    path = write_study(tmp_path, seeds=[0, 1, 2], tasks=[{
        "name": "recon", "title": "Reconstruction", "family": "autoencoder",
        "kinds": ["softmax", "refined", "efficient", "none"], "options": {"steps": 100},
        "metrics": ["eval/psnr"],
    }])
    study = load_study(path)
    for cell in study.cells():
        if cell.kind in values:
            logdir = cell.steps[0].logdir
            record = fake_run(logdir, f"autoencoder_{cell.kind}", cell.seed,
                              values[cell.kind][cell.seed])
            write_summary(cell, record)
            shutil.rmtree(logdir)
            os.remove(os.path.join(cell.directory, "cell.json"))
    return study


@pytest.fixture
def study(tmp_path):
    return summarised_study(tmp_path, PSNR)


def test_tables_give_mean_and_std_over_seeds_from_the_summaries_alone(study):
    text = open(write_report(study, "python -m training.study s.json")).read()
    assert "| softmax | 3/3 | 21.000 ± 1.000 | 4.00 ± 0.00 | 901 ± 1 | 0.250 ± 0.000 |" in text
    assert "| refined | 3/3 | 21.500 ± 1.000 |" in text
    assert "| efficient | 0/3 | — |" in text
    assert "| none | 3/3 | 10.200 ± 0.200 | 4.00 ± 0.00 | 901 ± 1 | — |" in text
    # Refined is 0.5 dB above softmax in every seed: no spread at all in the differences.
    assert ("- refined − softmax, eval/psnr: +0.500, paired 95 % CI [+0.500, +0.500] (3 seeds), "
            "unpaired [−1.77, +2.77]: refined better than softmax in every seed; the paired "
            "95 % interval excludes 0") in text
    assert "- softmax − none, eval/psnr: +10.8, paired 95 % CI [+8.81, +12.8]" in text
    assert "- gamma/attention (reach Σ lr = 0.100): final |γ| softmax 0.250 ± 0.000, " in text
    # Each pair once.
    assert "none − softmax" not in text
    assert "python -m training.study s.json" in text
    assert "python -m training.run --model autoencoder_refined --seed 0" in text
    for plot in ("recon.png", "recon_gamma.png"):
        assert os.path.getsize(os.path.join(os.path.dirname(study.report), "results", plot))


def test_the_words_follow_the_paired_interval(tmp_path):
    text = open(write_report(summarised_study(tmp_path, PAIRED), "cmd")).read()
    # Differences 0.5, 0.5, 0.25: mean 0.4167, sd 0.1443, half-width 4.303 · 0.1443 / √3.
    assert ("- refined − softmax, eval/psnr: +0.417, paired 95 % CI [+0.0581, +0.775] (3 seeds), "
            "unpaired [−3.99, +4.82]: refined better than softmax in every seed") in text


def test_gamma_reach_sums_the_learning_rate_over_the_steps():
    scalars = {"learning_rate/generator": [(10, 1e-4), (20, 1e-4), (30, 5e-5)],
               "learning_rate/discriminator": [(10, 4e-4), (20, 4e-4), (30, 4e-4)]}
    assert [reach for _, reach in gamma_reach(scalars, "gamma/g_attention")] == pytest.approx(
        [1e-3, 2e-3, 2.5e-3])
    assert gamma_reach(scalars, "gamma/d_attention")[-1][1] == pytest.approx(1.2e-2)
    assert gamma_reach(scalars, "gamma/encoder_attention") == []


def test_the_reading_survives_a_rewrite(study):
    write_report(study, "cmd")
    text = open(study.report).read()
    reading = "Refined matches softmax within the spread; none is far behind."
    start, end = text.index(READING_START), text.index(READING_END)
    with open(study.report, "w") as file:
        file.write(text[: start + len(READING_START)] + "\n" + reading + "\n" + text[end:])
    write_report(study, "cmd")
    assert reading in open(study.report).read()
