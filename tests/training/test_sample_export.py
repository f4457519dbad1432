"""`python -m training.sample` and `python -m training.export` on the shared runs."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from training import export
from training import sample
from training.runtime.checkpoints import restore_objects
from training.runtime.saved_run import load_saved_run


def read_png(path):
    return tf.io.decode_png(tf.io.read_file(str(path))).numpy()


def test_sample_writes_the_moving_average_generator_grid(gan_run, tmp_path, capsys):
    output = tmp_path / "grid.png"
    assert sample.main(["--logdir", str(gan_run), "--output", str(output), "--num-samples", "6"]) == 0
    grid = read_png(output)
    # 6 samples of 32×32 in a 3-column grid.
    assert grid.shape == (2 * 32, 3 * 32, 1)
    assert "ckpt-8" in capsys.readouterr().out
    raw = tmp_path / "raw.png"
    sample.main(["--logdir", str(gan_run), "--output", str(raw), "--num-samples", "6", "--no-ema"])
    assert not np.array_equal(read_png(raw), grid)


def test_sample_of_an_autoencoder_shows_inputs_corruptions_and_reconstructions(
    autoencoder_run, tmp_path
):
    output = tmp_path / "grid.png"
    assert sample.main(["--logdir", str(autoencoder_run), "--output", str(output), "--num-samples", "5"]) == 0
    assert read_png(output).shape == (3 * 32, 5 * 32, 1)


def test_export_writes_a_keras_file_with_the_trained_weights(gan_run, tmp_path):
    output = tmp_path / "generator.keras"
    assert export.main(["--logdir", str(gan_run), "--output", str(output)]) == 0
    loaded = keras.models.load_model(output)

    # The moving average, restored independently of the export's loader.
    reference = load_saved_run(gan_run).model.generator
    restore_objects(f"{gan_run}/checkpoints/ckpt-8", {"ema_generator": reference})
    z = np.random.default_rng(0).standard_normal((2, loaded.input_shape[-1])).astype("float32")
    np.testing.assert_allclose(loaded.predict(z, verbose=0), reference.predict(z, verbose=0), atol=1e-6)
    raw = load_saved_run(gan_run, ema=False).network
    assert not np.allclose(loaded.predict(z, verbose=0), raw.predict(z, verbose=0))


def test_export_and_sample_errors(tmp_path, capsys):
    assert export.main(["--logdir", str(tmp_path), "--output", str(tmp_path / "g.keras")]) == 1
    assert "holds no readable training run" in capsys.readouterr().err
    assert sample.main(["--logdir", str(tmp_path)]) == 1


def test_export_preset_holds_every_network_and_the_card(gan_run, tmp_path):
    import json

    import zoo

    metrics = tmp_path / "fid.json"
    metrics.write_text(json.dumps({"fid": 150.0, "kid": 0.1, "kid_std": 0.01, "num_samples": 8}))
    preset = tmp_path / "preset"
    assert export.main(["--logdir", str(gan_run), "--preset", str(preset), "--metrics",
                        str(metrics)]) == 0
    gan = zoo.from_preset(str(preset), model="sagan_refined")

    # The generator holds the moving average and the discriminator its trained weights, each
    # restored independently of the export's loader.
    reference = zoo.from_preset(str(preset))
    restore_objects(f"{gan_run}/checkpoints/ckpt-8", {"ema_generator": reference.generator,
                                                       "discriminator": reference.discriminator})
    z = np.random.default_rng(0).standard_normal((2, gan.latent_dim)).astype("float32")
    np.testing.assert_array_equal(gan.generator.predict(z, verbose=0),
                                  reference.generator.predict(z, verbose=0))
    fresh = zoo.create("sagan_refined",
                       **json.loads((preset / "config.json").read_text())["arguments"])
    for trained, checked in zip(gan.discriminator.weights, reference.discriminator.weights):
        np.testing.assert_array_equal(np.asarray(trained), np.asarray(checked))
    assert any(not np.array_equal(np.asarray(a), np.asarray(b))
               for a, b in zip(gan.discriminator.weights, fresh.discriminator.weights))
    card = zoo.presets.load_preset_metadata(str(preset))
    assert card["steps"] == 8 and card["engine"] == "tensorflow"
    assert card["metrics"]["fid"] == 150.0
    assert card["command"].startswith("python -m training.run --model sagan_refined")


def test_export_preset_refuses_metrics_without_fid(gan_run, tmp_path, capsys):
    metrics = tmp_path / "other.json"
    metrics.write_text("{}")
    with pytest.raises(SystemExit) as stop:
        export.main(["--logdir", str(gan_run), "--preset", str(tmp_path / "p"), "--metrics",
                     str(metrics)])
    assert stop.value.code == 2
    assert "lacks fid, kid, num_samples" in capsys.readouterr().err
