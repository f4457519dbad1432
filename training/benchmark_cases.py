"""The model benchmark's case: real training steps of a zoo model, timed on synthetic data.

`run_training_step_case` runs in a child process of the benchmark harness
(`keras_refined_sa.benchmark.harness`). It builds the run as `python -m training.run` does
(`training.launch.prepare`: the zoo model, the model's training defaults, the GAN or
reconstruction trainer with its optimizers), but feeds the trainer a constant batch of random
images, so that the data pipeline costs nothing and the numbers are those of the model. One step
is `trainer.train_step()`: for a GAN, `n_disc` discriminator updates and one generator update
with the moving average of the generator; for an autoencoder, one update.
"""

import tempfile

import tensorflow as tf

from keras_refined_sa.benchmark.measure import measure_step
from training import launch
from training.attention_pictures import attention_layers
from training.config import TrainConfig

# A dataset whose description is bundled and cheap to read: it fixes nothing but the run's
# options, since the benchmark never reads its images.
NOMINAL_DATASET = "fashion_mnist_embedded"


def _raise(message):
    raise ValueError(message)


def build_trainer(model, resolution, batch_size, ch, logdir, model_args=None, seed=0):
    """Builds the trainer of `python -m training.run` for these options, on one device.

    Args:
        model: a zoo model name, e.g. `"sagan_refined"`.
        resolution: image side in pixels.
        batch_size: images per step.
        ch: the model's width (zoo argument `ch`).
        logdir: the run's logdir; building writes nothing there.
        model_args: further `zoo.create` arguments (`--model-arg`), e.g.
            `{"attention_resolution": 64}`.
        seed: the run's seed.

    Returns:
        The `GANTrainer` or `ReconstructionTrainer`, its model and optimizers built.

    Raises:
        ValueError: an option the run would reject, with `training.run`'s message.
    """
    config = TrainConfig(
        model=model,
        dataset=NOMINAL_DATASET,
        resolution=resolution,
        channels=3,
        batch_size=batch_size,
        steps=1,
        seed=seed,
        ch=ch,
        model_args=dict(model_args or {}),
        # One device: the benchmark measures the model, not a distribution strategy.
        strategy="default",
        quiet=True,
        logdir=logdir,
    )
    trainer = launch.prepare(config, error=_raise).trainer
    trainer.reset_state()
    return trainer


def synthetic_dataset(resolution, channels, batch_size, num_classes=0, seed=0):
    """One random batch, repeated: images uniform in [-1, 1] and integer labels.

    Args:
        resolution, channels: the images' side and channels.
        batch_size: images per batch.
        num_classes: labels are drawn from `[0, num_classes)`; all 0 when 0.
        seed: seed of the draw.

    Returns:
        A `tf.data.Dataset` of `(images float32 (b, R, R, C), labels int32 (b,))`, endless.
    """
    generator = tf.random.Generator.from_seed(seed)
    images = generator.uniform((batch_size, resolution, resolution, channels), -1.0, 1.0)
    labels = generator.uniform((batch_size,), 0, max(num_classes, 1), dtype=tf.int32)
    return tf.data.Dataset.from_tensors((images, labels)).repeat()


def attach_synthetic_data(trainer, seed=0):
    """Gives every replica of `trainer` its share of a synthetic batch (see `synthetic_dataset`)."""
    config = trainer.config
    num_classes = getattr(trainer, "num_classes", 0)
    trainer.attach_data(
        lambda context: synthetic_dataset(
            config.resolution,
            config.channels,
            context.get_per_replica_batch_size(config.batch_size),
            num_classes,
            seed + context.input_pipeline_id,
        )
    )


def describe_model(trainer):
    """Parameter count and attention blocks of the trainer's networks.

    Returns:
        A dict: `parameters` (trainable and not, every network; the GAN's moving average left
        out), and `attention_blocks`, a list of `{"name", "side", "positions", "key_positions"}`
        where `positions` is n (the side squared) and `key_positions` the number of keys m,
        a quarter of n when keys and values are pooled.
    """
    parameters, blocks = 0, []
    for network in trainer.networks().values():
        parameters += network.count_params()
        for layer in attention_layers(network):
            side = layer.input.shape[1]
            positions = side * side
            blocks.append(
                {
                    "name": layer.name,
                    "side": side,
                    "positions": positions,
                    "key_positions": positions // 4 if layer.pool_key_value else positions,
                }
            )
    return {"parameters": parameters, "attention_blocks": blocks}


def run_training_step_case(
    model,
    resolution,
    batch_size,
    ch,
    model_args=None,
    repeats=10,
    warmup=2,
    max_timing_s=30.0,
    seed=0,
):
    """Builds one run and times its training steps. Runs in the harness's child process.

    The first warm-up step traces and compiles the step; the resident memory once the trainer
    and its data exist is the baseline.

    Args:
        model, resolution, batch_size, ch, model_args, seed: see `build_trainer`.
        repeats, warmup, max_timing_s: see `keras_refined_sa.benchmark.timing.time_repeated`
            (`warmup=0, repeats=1` is one step, tracing included: a probe of whether a batch
            fits).

    Returns:
        The metrics of `measure_step` and those of `describe_model`.
    """
    with tempfile.TemporaryDirectory(prefix="model_benchmark_") as logdir:
        trainer = build_trainer(model, resolution, batch_size, ch, logdir, model_args, seed)
        attach_synthetic_data(trainer, seed)
        metrics = measure_step(
            trainer.train_step, repeats=repeats, warmup=warmup, max_seconds=max_timing_s
        )
    return {**metrics, **describe_model(trainer)}
