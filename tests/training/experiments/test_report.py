"""The study's report: numbers from the runs' logs, spread over seeds, the reading kept."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from training import config as config_lib
from training.experiments.plan import load_study
from training.experiments.report import READING_END
from training.experiments.report import READING_START
from training.experiments.report import compare_kinds
from training.experiments.report import write_report
from tests.training.experiments.test_plan import write_study

PSNR = {"softmax": [20.0, 21.0, 22.0], "refined": [20.5, 21.5, 22.5], "none": [10.0, 10.2, 10.4]}


def fake_run(logdir, model, seed, psnr):
    os.makedirs(logdir, exist_ok=True)
    config_lib.save_config(config_lib.TrainConfig(model=model, seed=seed), logdir)
    writer = tf.summary.create_file_writer(logdir)
    with writer.as_default():
        for step, value in [(50, psnr - 1.0), (100, psnr)]:
            tf.summary.scalar("eval/psnr", value, step=step)
            tf.summary.scalar("speed/steps_per_sec", 4.0, step=step)
            if not model.endswith("none"):
                tf.summary.scalar("gamma/attention", -0.25, step=step)
    writer.close()
    record = {"finished": True, "failed": None, "processes": [
        {"module": "training.run", "peak_rss_mb": 900.0 + seed, "exit_code": 0}
    ]}
    with open(os.path.join(os.path.dirname(logdir), "cell.json"), "w") as file:
        json.dump(record, file)


@pytest.fixture
def study(tmp_path):
    path = write_study(tmp_path, seeds=[0, 1, 2], tasks=[{
        "name": "recon", "title": "Reconstruction", "family": "autoencoder",
        "kinds": ["softmax", "refined", "efficient", "none"], "options": {"steps": 100},
        "metrics": ["eval/psnr"],
    }])
    study = load_study(path)
    for cell in study.cells():
        if cell.kind in PSNR:
            fake_run(cell.steps[0].logdir, f"autoencoder_{cell.kind}", cell.seed,
                     PSNR[cell.kind][cell.seed])
    return study


def test_tables_give_mean_and_std_over_seeds_from_the_logs(study):
    text = open(write_report(study, "python -m training.study s.json")).read()
    assert "| softmax | 3/3 | 21.000 ± 1.000 | 4.00 ± 0.00 | 901 ± 1 | 0.250 ± 0.000 |" in text
    assert "| refined | 3/3 | 21.500 ± 1.000 |" in text
    assert "| efficient | 0/3 | — |" in text
    assert "| none | 3/3 | 10.200 ± 0.200 | 4.00 ± 0.00 | 901 ± 1 | — |" in text
    assert "- refined − softmax, eval/psnr: +0.5000 (2·SE 1.6330): within the seed spread" in text
    assert "- softmax − none, eval/psnr: +10.8000" in text and "exceeds the seed spread" in text
    # Each pair once.
    assert "none − softmax" not in text
    assert "python -m training.study s.json" in text
    assert "python -m training.run --model autoencoder_refined --seed 0" in text
    assert os.path.getsize(os.path.join(os.path.dirname(study.report), "results", "recon.png"))


def test_the_reading_survives_a_rewrite(study):
    write_report(study, "cmd")
    text = open(study.report).read()
    reading = "Refined matches softmax within the spread; none is far behind."
    start, end = text.index(READING_START), text.index(READING_END)
    with open(study.report, "w") as file:
        file.write(text[: start + len(READING_START)] + "\n" + reading + "\n" + text[end:])
    write_report(study, "cmd")
    assert reading in open(study.report).read()


def test_compare_kinds_tells_a_difference_from_noise():
    difference, two_se, verdict = compare_kinds([1.0, 2.0, 3.0], [1.5, 2.5, 3.5])
    assert difference == pytest.approx(-0.5)
    assert two_se == pytest.approx(2 * np.sqrt(2 / 3))
    assert verdict == "within the seed spread"
    assert compare_kinds([5.0, 5.1, 4.9], [1.0, 1.1, 0.9])[2] == "exceeds the seed spread"
    assert compare_kinds([5.0], [1.0, 2.0])[2] == "too few seeds"
