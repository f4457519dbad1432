"""EventWriter (no TensorFlow) writes what SummaryWriter (tf.summary) writes for the same calls."""

import glob
import io
import os
import re

import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
from tensorboard.plugins.hparams import metadata as hparams_metadata
from tensorboard.plugins.image import metadata as image_metadata

from training.compare import read_scalars
from training.monitoring.event_writer import EventWriter
from training.monitoring.event_writer import encode_png
from training.monitoring.event_writer import write_png
from training.monitoring.summaries import SummaryWriter

HPARAMS = {"model": "sagan_refined", "ch": 32, "g_learning_rate": 1e-4, "ema": True}


def write_run(writer_class, logdir):
    """The same calls a training run makes, through `writer_class`."""
    rng = np.random.default_rng(0)
    writer = writer_class(str(logdir))
    writer.hparams(HPARAMS)
    for step in (2, 4):
        writer.scalars({"losses/d_loss": 1.0 / step, "gamma/g_attention": -0.25 * step}, step)
        writer.scalars({"speed/steps_per_sec": 3.5}, step=step)
    writer.image("samples/ema_generator", rng.integers(0, 256, (12, 20, 3), np.uint8), step=4)
    writer.image(
        "attention/g_attention", rng.integers(0, 256, (9, 7, 1), np.uint8), 4, description="γ"
    )
    writer.flush()
    writer.close()
    return logdir


def events(logdir):
    """Every summary value of the run: `[(step, tag, value proto)]`, in file order."""
    found = []
    for path in sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*"))):
        for event in EventFileLoader(path).Load():
            found.extend((event.step, value.tag, value) for value in event.summary.value)
    return found


def pictures(logdir):
    """`{(step, tag): (width, height, pixels, description)}` of the image summaries."""
    found = {}
    for step, tag, value in events(logdir):
        if value.metadata.plugin_data.plugin_name != image_metadata.PLUGIN_NAME:
            continue
        width, height, png = value.tensor.string_val
        image_metadata.parse_plugin_metadata(value.metadata.plugin_data.content)
        pixels = np.asarray(Image.open(io.BytesIO(png)))
        found[step, tag] = (width, height, pixels, value.metadata.summary_description)
    return found


def session_start(logdir):
    """The hparams plugin's session-start record: `(group name, {name: value})`."""
    (value,) = [value for _, tag, value in events(logdir) if tag.startswith("_hparams_/")]
    assert value.tag == hparams_metadata.SESSION_START_INFO_TAG
    plugin_data = value.metadata.plugin_data
    assert plugin_data.plugin_name == hparams_metadata.PLUGIN_NAME
    info = hparams_metadata.parse_session_start_info_plugin_data(plugin_data.content)
    values = {name: getattr(v, v.WhichOneof("kind")) for name, v in info.hparams.items()}
    return info.group_name, values


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("writers")
    return write_run(SummaryWriter, folder / "tf"), write_run(EventWriter, folder / "events")


def test_scalars_read_back_as_tf_summary_writes_them(both_runs):
    tf_run, event_run = both_runs
    expected = read_scalars(str(tf_run))
    assert set(expected) == {"losses/d_loss", "gamma/g_attention", "speed/steps_per_sec"}
    assert read_scalars(str(event_run)) == expected


def test_images_decode_to_the_pixels_tf_summary_writes(both_runs):
    tf_run, event_run = both_runs
    expected, written = pictures(tf_run), pictures(event_run)
    assert set(expected) == {(4, "samples/ema_generator"), (4, "attention/g_attention")}
    assert set(written) == set(expected)
    for key, (width, height, pixels, description) in expected.items():
        got_width, got_height, got_pixels, got_description = written[key]
        assert (got_width, got_height, got_description) == (width, height, description)
        np.testing.assert_array_equal(got_pixels, pixels)


def test_hparams_are_the_session_start_tf_summary_writes(both_runs):
    tf_run, event_run = both_runs
    group, values = session_start(event_run)
    assert (group, values) == session_start(tf_run)
    assert values == HPARAMS


def test_disabled_writer_writes_nothing(tmp_path):
    write_run(lambda logdir: EventWriter(logdir, enabled=False), tmp_path / "off")
    assert not os.path.exists(tmp_path / "off")


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_write_png_round_trips_the_pixels(tmp_path, channels):
    picture = np.random.default_rng(channels).integers(0, 256, (5, 7, channels), np.uint8)
    write_png(str(tmp_path / "picture.png"), picture)
    read = np.asarray(Image.open(tmp_path / "picture.png"))
    np.testing.assert_array_equal(read.reshape(picture.shape), picture)


@pytest.mark.parametrize(
    "picture", [np.zeros((4, 4, 2), np.uint8), np.zeros((4, 4), np.uint8), np.zeros((4, 4, 3))]
)
def test_encode_png_names_a_bad_picture(picture):
    with pytest.raises(ValueError, match=re.escape(f"shape={picture.shape}")):
        encode_png(picture)


def test_closing_twice_is_harmless_but_writing_after_close_fails(tmp_path):
    writer = EventWriter(str(tmp_path))
    writer.scalars({"losses/d_loss": 1.0}, step=1)
    writer.close()
    writer.close()
    writer.flush()
    with pytest.raises(OSError, match="closed"):
        writer.scalars({"losses/d_loss": 2.0}, step=2)
    assert read_scalars(str(tmp_path)) == {"losses/d_loss": [(1, 1.0)]}
