"""The real TensorBoard server reads what a run writes: scalars, images, hyper-parameters."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(port, path, post=None):
    """GET `path`, or POST the JSON `post` to it, and decode the JSON answer."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if post is not None:
        request.data = json.dumps(post).encode()
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def tensorboard(runs_dir, gan_run, autoencoder_run):
    """A `tensorboard` server over both shared runs; yields its port."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "tensorboard.main",
        "--logdir",
        str(runs_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--reload_interval",
        "1",
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get_json(port, "/data/plugins_listing")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "tensorboard did not answer within 60 s"
                time.sleep(0.3)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_for_tags(port, plugin, run, expected, timeout=30):
    """The run's tags of `plugin` once they include `expected` (the first load is lazy)."""
    deadline = time.monotonic() + timeout
    while True:
        tags = get_json(port, f"/data/plugin/{plugin}/tags").get(run, {})
        if expected <= set(tags) or time.monotonic() > deadline:
            return set(tags)
        time.sleep(0.5)


def test_tensorboard_serves_the_runs_scalars_images_and_hparams(tensorboard):
    port = tensorboard
    gan_scalars = {
        "losses/d_loss",
        "losses/g_loss",
        "logits/d_real",
        "logits/d_fake",
        "learning_rate/generator",
        "learning_rate/discriminator",
        "gamma/g_attention",
        "gamma/d_attention",
        "speed/steps_per_sec",
    }
    assert gan_scalars <= wait_for_tags(port, "scalars", "gan", gan_scalars)
    gan_images = {"samples/ema_generator", "attention/g_attention", "attention/d_attention"}
    assert gan_images <= wait_for_tags(port, "images", "gan", gan_images)

    ae_scalars = {
        "losses/reconstruction",
        "eval/psnr",
        "eval/ssim",
        "eval/psnr_corrupted_input",
        "gamma/encoder_attention_32",
        "learning_rate/autoencoder",
    }
    assert ae_scalars <= wait_for_tags(port, "scalars", "autoencoder", ae_scalars)
    ae_images = {"reconstructions/heldout", "attention/encoder_attention_32"}
    assert ae_images <= wait_for_tags(port, "images", "autoencoder", ae_images)

    query = urllib.parse.urlencode({"run": "gan", "tag": "losses/d_loss"})
    points = get_json(port, f"/data/plugin/scalars/scalars?{query}")
    assert [step for _, step, _ in points] == [2, 4, 6, 8]

    assert get_json(port, "/data/plugins_listing")["hparams"]["enabled"]
    experiment = get_json(port, "/data/plugin/hparams/experiment", post={"experimentName": ""})
    hparams = {entry["name"] for entry in experiment.get("hparamInfos", [])}
    assert {"model", "ch", "batch_size", "ema_decay"} <= hparams
