"""The TensorFlow trainer running the GAN and reconstruction families, driven step by step."""

import numpy as np
import pytest

from training import config as config_lib
from training.runtime import prepared_run
from training.families.gan import fixed_generator_inputs


class RecordingWriter:
    """Stands in for `SummaryWriter`, keeping what would be written."""

    def __init__(self):
        self.images = {}

    def image(self, tag, picture, step, description=None):
        self.images[tag] = picture


def prepare(tmp_path, **options):
    config = config_lib.TrainConfig(logdir=str(tmp_path / "run"), ch=8, batch_size=4, **options)
    run = prepared_run.prepare(config)
    run.attach_data()
    return run.trainer


def weights(model):
    return [np.array(weight) for weight in model.weights]


def changed(before, after):
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


def test_gan_step_trains_both_networks_n_disc_times_and_averages_the_generator(tmp_path):
    trainer = prepare(tmp_path, model="sagan_refined", n_disc=2)
    trainer.reset_state()
    networks, optimizers = trainer.networks(), trainer.optimizers()
    generator, discriminator = networks["generator"], networks["discriminator"]
    before_g, before_d = weights(generator), weights(discriminator)
    logs = trainer.train_step()

    assert set(logs) == {"losses/d_loss", "losses/g_loss", "logits/d_real", "logits/d_fake"}
    assert all(np.isfinite(value) for value in logs.values())
    assert int(optimizers["discriminator"].iterations.numpy()) == 2
    assert int(optimizers["generator"].iterations.numpy()) == 1
    assert int(trainer.step.numpy()) == 1
    assert changed(before_g, weights(generator))
    assert changed(before_d, weights(discriminator))
    # After one step the average sits between the old and the new weights (decay 1/10 then).
    kernel = [i for i, w in enumerate(generator.weights) if w.trainable][0]
    old, new = before_g[kernel], weights(generator)[kernel]
    average = weights(trainer.averages["ema_generator"])[kernel]
    np.testing.assert_allclose(average, 0.1 * old + 0.9 * new, rtol=1e-5, atol=1e-7)


def test_gan_summaries_cover_gamma_learning_rates_samples_and_attention(tmp_path):
    trainer = prepare(tmp_path, model="sagan_softmax", conditional=True, num_samples=20)
    scalars = trainer.scalar_summaries()
    assert scalars["learning_rate/generator"] == pytest.approx(1e-4)
    assert scalars["learning_rate/discriminator"] == pytest.approx(4e-4)
    assert {"gamma/g_attention", "gamma/d_attention"} <= set(scalars)

    writer = RecordingWriter()
    trainer.write_images(writer, step=0)
    assert set(writer.images) == {
        "samples/ema_generator",
        "attention/g_attention",
        "attention/d_attention",
    }
    # 20 samples of 32×32 make a 5×4 grid.
    assert writer.images["samples/ema_generator"].shape == (4 * 32, 5 * 32, 1)
    for tag in ("attention/g_attention", "attention/d_attention"):
        assert writer.images[tag].dtype == np.uint8 and writer.images[tag].shape[-1] == 3


def test_conditional_sample_inputs_show_one_class_per_row():
    z, labels = fixed_generator_inputs(20, latent_dim=4, num_classes=10, seed=1)
    assert z.shape == (20, 4)
    np.testing.assert_array_equal(labels, np.repeat(np.arange(4), 5)[:20])
    _, same = fixed_generator_inputs(6, latent_dim=4, num_classes=10, label=7)
    np.testing.assert_array_equal(same, np.full(6, 7))
    assert fixed_generator_inputs(3, latent_dim=4).shape == (3, 4)


def test_reconstruction_trainer_learns_and_evaluates_on_fixed_corruptions(tmp_path):
    trainer = prepare(
        tmp_path,
        model="autoencoder_refined",
        corruption="mask",
        loss="l2",
        eval_batches=1,
        learning_rate=1e-3,
    )
    before = trainer.evaluate()
    assert set(before) == {
        "eval/psnr", "eval/ssim", "eval/psnr_corrupted_input", "eval/psnr_hidden"
    }
    losses = [trainer.train_step()["losses/reconstruction"] for _ in range(3)]
    after = trainer.evaluate()
    assert all(np.isfinite(losses))
    assert after["eval/psnr"] != before["eval/psnr"]
    assert -1.0 <= after["eval/ssim"] <= 1.0
    # The corruption of the held-out images is fixed: what doing nothing scores never changes.
    assert after["eval/psnr_corrupted_input"] == before["eval/psnr_corrupted_input"]

    writer = RecordingWriter()
    trainer.write_images(writer, step=3)
    # Rows: 8 held-out images, their masked versions, the reconstructions.
    assert writer.images["reconstructions/heldout"].shape == (3 * 32, 8 * 32, 1)
    assert {"attention/encoder_attention_32", "attention/decoder_attention_32"} <= set(
        writer.images
    )
