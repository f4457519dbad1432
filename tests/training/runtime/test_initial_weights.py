"""`training.run --init-from RUN`: a run starts from another run's weights, in any attention kind."""

import numpy as np
import pytest

from training import config as config_lib
from training.run import main
from training.runtime import prepared_run
from training.runtime.initial_weights import load_initial_weights
from training.runtime.checkpoints import readable_checkpoint
from tests.training.conftest import TINY
from tests.training.conftest import checkpoint_tensors


def _prepare(logdir, model, init_from, **options):
    config = config_lib.TrainConfig(
        model=model, logdir=str(logdir), ch=8, batch_size=4, init_from=str(init_from), **options
    )
    return prepared_run.prepare(config).trainer


@pytest.mark.parametrize("kind", ["softmax", "efficient"])
def test_every_network_starts_from_the_source_weights_in_another_kind(gan_run, tmp_path, kind):
    trainer = _prepare(tmp_path / "run", f"sagan_{kind}", gan_run)
    trainer.reset_state()
    source = checkpoint_tensors(readable_checkpoint(str(gan_run)))
    generator = trainer.networks()["generator"]
    before = [np.array(v) for v in generator.weights]
    path = load_initial_weights(trainer)
    assert path.endswith("ckpt-8")
    for name in ("generator", "discriminator", "ema_generator"):
        network = trainer.trained_networks()[name]
        restored = {
            key: value
            for key, value in source.items()
            if key.startswith(f"{name}/") and "OPTIMIZER_SLOT" not in key
        }
        assert restored
        kept = {np.array(v).tobytes() for v in network.weights}
        # Every array the source holds for this network is now one of its weights.
        assert all(value.tobytes() in kept for value in restored.values())
    assert any(
        not np.array_equal(b, np.array(a)) for a, b in zip(generator.weights, before)
    )
    # The optimizers and the step start afresh.
    assert int(trainer.step.numpy()) == 0
    assert int(trainer.optimizers()["generator"].iterations.numpy()) == 0


@pytest.mark.parametrize(
    "model, options, expected",
    [
        ("autoencoder_refined", {}, "starts only from a run of its own family (autoencoder_*)"),
        ("sagan_refined", {"resolution": 64}, "trained with resolution=32"),
        ("sagan_refined", {"conditional": True}, "trained with conditional=False"),
    ],
)
def test_a_source_whose_weights_do_not_fit_is_refused_before_training(
    gan_run, tmp_path, model, options, expected
):
    with pytest.raises(ValueError, match=expected.replace("(", r"\(").replace(")", r"\)")
                       .replace("*", r"\*")):
        _prepare(tmp_path / "run", model, gan_run, **options)
    assert not (tmp_path / "run").exists()


def test_a_missing_source_exits_2(tmp_path, capsys):
    logdir = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        main(["--logdir", str(logdir), "--model", "sagan_refined", *TINY, "--steps", "1",
              "--init-from", str(tmp_path / "nowhere")])
    assert exit_info.value.code == 2
    assert "no such folder" in capsys.readouterr().err


def test_a_fine_tune_trains_resumes_and_records_its_source(gan_run, tmp_path):
    logdir = tmp_path / "fine_tuned"
    options = ["--model", "sagan_softmax", *TINY, "--init-from", str(gan_run)]
    assert main(["--logdir", str(logdir), *options, "--steps", "1"]) == 0
    assert config_lib.load_config(str(logdir)).init_from == str(gan_run)
    # --resume continues from its own checkpoint, not from the source again.
    assert main(["--logdir", str(logdir), "--resume", "--steps", "2", "--quiet"]) == 0
    assert readable_checkpoint(str(logdir)).endswith("ckpt-2")
