"""The command line of `python -m training.run`: help, defaults, and exit code 2 on bad options."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from training import config as config_lib
from training.run import build_parser
from training.run import main


def run_main(argv, capsys):
    """`(exit code, stderr)` of `main(argv)` that ends in SystemExit."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    return exit_info.value.code, capsys.readouterr().err


def test_help_lists_every_option_with_its_default(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for field in config_lib.option_fields():
        flag = "--model-arg" if field.name == "model_args" else "--" + field.name.replace("_", "-")
        assert flag in text
        assert f"(default: {config_lib.default_text(field)})" in text
    assert "python -m training.run --model sagan_refined" in text


def test_parser_keeps_only_the_given_options():
    argv = ["--model", "sagan_none", "--model-arg", "latent_dim=64"]
    given = vars(build_parser().parse_args(argv))
    assert given == {"model": "sagan_none", "model_args": [("latent_dim", 64)]}


@pytest.mark.parametrize(
    "argv, expected",
    [
        ([], "--model"),
        (["--model", "sagan_refind"], "did you mean 'sagan_refined'"),
        (["--model", "sagan_refined", "--dataset", "no_such_data"], "Unknown dataset"),
        (["--model", "sagan_refined", "--resolution", "48"], "resolution"),
        (["--model", "autoencoder_refined", "--resolution", "20"], "resolution"),
        (["--model", "sagan_refined", "--steps", "0"], "--steps"),
        (["--model", "sagan_refined", "--batch-size", "-4"], "--batch-size"),
        (["--model", "sagan_refined", "--ema-decay", "1.5"], "--ema-decay"),
        (["--model", "sagan_refined", "--model-arg", "latent_dim"], "KEY=VALUE"),
        (["--model", "sagan_refined", "--model-arg", "no_such_argument=1"], "no_such_argument"),
        (["--model", "autoencoder_none", "--conditional"], "--conditional applies to GANs"),
        (["--model", "sagan_refined", "--strategy", "tpu"], "invalid choice"),
        (["--model", "sagan_refined", "--resume", "--overwrite"], "pick one"),
        (["--model", "autoencoder_refined", "--corruption", "hole", "--hole-min", "0.6",
          "--hole-max", "0.5"], "--hole-min <= --hole-max"),
        # A --model-arg may not contradict (or duplicate) a first-class option.
        (["--model", "sagan_refined", "--resolution", "32", "--steps", "1", "--model-arg",
          "resolution=64"], "use --resolution"),
        (["--model", "sagan_refined", "--ch", "8", "--steps", "1", "--model-arg", "ch=16"],
         "use --ch"),
        (["--model", "sagan_refined", "--steps", "1", "--model-arg", "num_classes=10"],
         "--conditional"),
        (["--model", "sagan_refined", "--steps", "1", "--model-arg", "channels=1"],
         "use --channels"),
    ],
)
def test_bad_options_exit_with_code_2_before_any_work(argv, expected, tmp_path, capsys):
    logdir = tmp_path / "run"
    code, message = run_main(["--logdir", str(logdir), *argv], capsys)
    assert code == 2
    assert expected in message
    assert not logdir.exists()


def test_conditional_needs_labels(tmp_path, capsys):
    folder = tmp_path / "unlabeled"
    folder.mkdir()
    for index in range(4):
        Image.fromarray(np.full((8, 8, 3), index * 40, np.uint8)).save(folder / f"{index}.png")
    code, message = run_main(
        ["--model", "sagan_refined", "--dataset", str(folder), "--conditional"], capsys
    )
    assert code == 2
    assert "--conditional needs labels" in message


def test_a_keras_backend_without_an_engine_is_refused(capsys, monkeypatch):
    # TensorFlow and JAX have engines (training.engines); PyTorch has none.
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    code, message = run_main(["--model", "sagan_refined"], capsys)
    assert code == 2
    assert "KERAS_BACKEND='torch'" in message


def test_command_line_exit_code_in_a_fresh_process(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "training.run", "--model", "sagan_refined", "--steps", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "--steps: must be a positive integer" in result.stderr
    assert not (tmp_path / "runs").exists()


def test_config_round_trips_through_its_json(tmp_path):
    config = config_lib.TrainConfig(model="sagan_softmax", ch=16, model_args={"latent_dim": 64})
    config_lib.save_config(config, tmp_path)
    assert config_lib.load_config(tmp_path) == config


def test_config_differences_ignore_the_options_a_resume_may_change():
    saved = config_lib.TrainConfig(model="sagan_refined", ch=8)
    requested = dataclasses.replace(saved, steps=1000, logdir="elsewhere", ch=16, seed=2)
    assert config_lib.config_differences(saved, requested) == [("seed", 0, 2), ("ch", 8, 16)]


def test_hparams_are_tensorboard_values():
    config = config_lib.TrainConfig(model="sagan_refined", model_args={"attention_resolution": 16})
    values = config.hparams()
    assert values["model"] == "sagan_refined"
    assert values["g_learning_rate"] == "None"
    assert values["model_arg.attention_resolution"] == 16
    assert all(isinstance(value, (bool, int, float, str)) for value in values.values())


def test_a_quiet_run_resumes_with_a_progress_bar_unless_quiet_again(tmp_path):
    from training.run import parse_config

    saved = config_lib.TrainConfig(model="sagan_refined", ch=8, quiet=True, logdir=str(tmp_path))
    config_lib.save_config(saved, tmp_path)
    parser = build_parser()
    config, _ = parse_config(parser, ["--resume", "--logdir", str(tmp_path)])
    assert config.quiet is False
    config, _ = parse_config(parser, ["--resume", "--logdir", str(tmp_path), "--quiet"])
    assert config.quiet is True


def test_a_dataset_smaller_than_a_batch_warns(tmp_path, capsys):
    folder = tmp_path / "three_images"
    folder.mkdir()
    for index in range(3):
        Image.fromarray(np.full((8, 8, 3), index * 60, np.uint8)).save(folder / f"{index}.png")
    options = ["--model", "autoencoder_none", "--ch", "8", "--batch-size", "4", "--quiet"]
    assert main(["--logdir", str(tmp_path / "run"), *options, "--dataset", str(folder),
                 "--steps", "1", "--eval-batches", "1"]) == 0
    message = capsys.readouterr().err
    assert "holds 3 training image(s), fewer than --batch-size 4" in message
