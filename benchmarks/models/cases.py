"""The model benchmark's cases: real training steps of zoo models, timed on synthetic data.

Both run in a child process of the benchmark harness (`benchmarks.harness.processes`). They
build the run as `python -m training.run` does (`training.runtime.prepared_run.prepare`: the zoo
model, the model's training defaults, the GAN or reconstruction trainer with its optimizers), but
feed the trainer a constant batch of random images, so that the data pipeline costs nothing and
the numbers are those of the model. One step is `trainer.train_step()`: for a GAN, `n_disc`
discriminator updates and one generator update with the moving average of the generator; for an
autoencoder, one update.

- `run_training_step_case`: one model alone, its time and (its process being its own) memory.
- `run_comparison_case`: several models in one process, their steps timed in interleaved
  rounds: the ratios between them (refined step over the network without attention) come from
  there.
"""

import tempfile

import tensorflow as tf

from benchmarks.harness.interleave import compare_pairs
from benchmarks.harness.measure import measure_step
from training.config import TrainConfig
from training.monitoring.attention_pictures import attention_layers
from training.runtime.prepared_run import prepare

# A dataset whose description is bundled and cheap to read: it fixes nothing but the run's
# options, since the benchmark never reads its images.
NOMINAL_DATASET = "fashion_mnist_embedded"


def build_trainer(
    model, resolution, batch_size, ch, logdir, model_args=None, seed=0, precision="float32",
    jit_compile=False,
):  # fmt: skip
    """Builds the trainer of `python -m training.run` for these options, on one device (the
    benchmark measures the model, not a distribution strategy).

    Args:
        model, resolution, batch_size, ch, seed: the run's `--model`, `--resolution`,
            `--batch-size`, `--ch` and `--seed`, e.g. `"sagan_refined"`, 64, 8, 16, 0.
        logdir: the run's logdir; building writes nothing there.
        model_args: further `zoo.create` arguments (`--model-arg`), e.g.
            `{"attention_resolution": 64}`.
        precision, jit_compile: the run's `--precision` (a Keras dtype policy) and
            `--jit-compile` (XLA).

    Returns:
        The `training.trainers.Trainer` of the model's family, its model and optimizers built.

    Raises:
        ValueError: an option the run would reject, with `training.run`'s message (a
            `training.families.ConfigurationError`).
    """
    config = TrainConfig(
        model=model, dataset=NOMINAL_DATASET, resolution=resolution, channels=3,
        batch_size=batch_size, steps=1, seed=seed, ch=ch, model_args=dict(model_args or {}),
        strategy="default", quiet=True, logdir=logdir, precision=precision,
        jit_compile=bool(jit_compile),
    )  # fmt: skip
    trainer = prepare(config).trainer
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
            pooled = layer.pool_key_value
            blocks.append({"name": layer.name, "side": side, "positions": side * side,
                           "key_positions": side * side // 4 if pooled else side * side})  # fmt: skip
    return {"parameters": parameters, "attention_blocks": blocks}


def run_training_step_case(
    model, resolution, batch_size, ch, model_args=None, repeats=10, warmup=2, max_timing_s=30.0,
    seed=0, precision="float32", jit_compile=False,
):  # fmt: skip
    """Builds one run and times its training steps. Runs in the harness's child process.

    The first warm-up step traces and compiles the step; the resident memory once the trainer
    and its data exist is the baseline.

    Args:
        model, resolution, batch_size, ch, model_args, seed, precision, jit_compile: see
            `build_trainer`.
        repeats, warmup, max_timing_s: see `benchmarks.harness.timing.time_repeated`
            (`warmup=0, repeats=1` is one step, tracing included: a probe of whether a batch
            fits).

    Returns:
        The metrics of `measure_step` and those of `describe_model`.
    """
    with tempfile.TemporaryDirectory(prefix="model_benchmark_") as logdir:
        trainer = build_trainer(
            model, resolution, batch_size, ch, logdir, model_args, seed, precision, jit_compile
        )
        attach_synthetic_data(trainer, seed)
        metrics = measure_step(
            trainer.train_step, repeats=repeats, warmup=warmup, max_seconds=max_timing_s
        )
    return {**metrics, **describe_model(trainer)}


# The ratios the reports quote, `numerator/denominator`: the refined step over the same
# network's without attention (the target), and softmax's over refined's (the speed-up).
RATIOS = (("refined", "none"), ("softmax", "refined"))


def run_comparison_case(
    models, resolution, batch_size, ch, rounds=10, warmup=2, max_timing_s=30.0, seed=0,
    precision="float32", jit_compile=False,
):  # fmt: skip
    """Builds one run per model and times the two steps of each of `RATIOS` in interleaved
    rounds. Runs in the harness's child process.

    Args:
        models: `{kind: (model, model_args)}`, e.g. `{"refined": ("sagan_refined",
            {"attention_resolution": 32, "pool_key_value": True}), "none": ("sagan_none", {})}`;
            the kinds name the steps in the result.
        resolution, batch_size, ch, seed, precision, jit_compile: see `build_trainer`, the
            same for every model.
        rounds, warmup, max_timing_s: of each ratio; see
            `benchmarks.harness.interleave.time_interleaved`.

    Returns:
        `{"ratios": ...}`, what `benchmarks.harness.interleave.compare_pairs` returns for
        `RATIOS`.
    """
    runs = {
        kind: (model, model_args, precision, jit_compile)
        for kind, (model, model_args) in models.items()
    }
    with tempfile.TemporaryDirectory(prefix="model_benchmark_") as logdir:
        steps = _synthetic_steps(logdir, runs, resolution, batch_size, ch, seed)
        ratios = compare_pairs(
            steps, RATIOS, rounds=rounds, warmup=warmup, max_seconds=max_timing_s
        )
    return {"ratios": ratios}


def option_name(precision, jit_compile):
    """`"mixed_bfloat16+xla"`, `"float32"`: how an option names its step in a result."""
    return precision + ("+xla" if jit_compile else "")


def run_options_case(
    model, resolution, batch_size, ch, options, model_args=None, rounds=10, warmup=2,
    max_timing_s=30.0, seed=0,
):  # fmt: skip
    """Builds one run of `model` per option and times each option's step against the
    default's (float32, no XLA) in interleaved rounds. Runs in the harness's child process.

    Args:
        model, resolution, batch_size, ch, model_args, seed: see `build_trainer`.
        options: `[precision, jit_compile]` pairs; `["float32", False]`, the default of
            `python -m training.run`, among them.
        rounds, warmup, max_timing_s: of each pair; see
            `benchmarks.harness.interleave.time_interleaved`.

    Returns:
        `{"ratios": ...}`: `compare_pairs` of `("float32", option)` for every other option, so
        that a ratio above 1 is the option's speed-up over the default.
    """
    runs = {
        option_name(precision, jit_compile): (model, model_args, precision, jit_compile)
        for precision, jit_compile in options
    }
    with tempfile.TemporaryDirectory(prefix="model_benchmark_") as logdir:
        steps = _synthetic_steps(logdir, runs, resolution, batch_size, ch, seed)
        ratios = _against_default(steps, rounds, warmup, max_timing_s)
    return {"ratios": ratios}


def run_quickstart_case(options, rounds=10, warmup=2, max_timing_s=30.0):
    """The quickstart itself, `python -m training.run --model sagan_refined`, under each option:
    its trainer on its real data (Fashion-MNIST through `training.data`, one channel), each
    option's step timed against the default's in interleaved rounds. Runs in the harness's
    child process.

    Args:
        options: `[precision, jit_compile]` pairs, `["float32", False]` among them.
        rounds, warmup, max_timing_s: of each pair (see `run_options_case`).

    Returns:
        `{"ratios": ...}` as `run_options_case`, and `dataset`: the source read.
    """
    with tempfile.TemporaryDirectory(prefix="model_benchmark_") as logdir:
        steps = {}
        for precision, jit_compile in options:
            name = option_name(precision, jit_compile)
            config = TrainConfig(
                model="sagan_refined", logdir=f"{logdir}/{name}", quiet=True,
                strategy="default", precision=precision, jit_compile=bool(jit_compile),
            )  # fmt: skip
            run = prepare(config)
            run.trainer.reset_state()
            run.attach_data()
            steps[name] = run.trainer.train_step
        ratios = _against_default(steps, rounds, warmup, max_timing_s)
    return {"ratios": ratios, "dataset": run.info.source, "channels": run.trainer.config.channels}


def _synthetic_steps(logdir, runs, resolution, batch_size, ch, seed):
    """`{name: train_step}`: one trainer per `runs` entry `name: (model, model_args, precision,
    jit_compile)`, built under `logdir/name` (see `build_trainer`), on a synthetic batch."""
    steps = {}
    for name, (model, model_args, precision, jit_compile) in runs.items():
        trainer = build_trainer(
            model, resolution, batch_size, ch, f"{logdir}/{name}", model_args, seed,
            precision, jit_compile,
        )  # fmt: skip
        attach_synthetic_data(trainer, seed)
        steps[name] = trainer.train_step
    return steps


def _against_default(steps, rounds, warmup, max_timing_s):
    """`compare_pairs` of the default option's step (float32, no XLA) against every other
    step of `steps`, so that a ratio above 1 is that option's speed-up."""
    default = option_name("float32", False)
    pairs = [(default, name) for name in steps if name != default]
    return compare_pairs(steps, pairs, rounds=rounds, warmup=warmup, max_seconds=max_timing_s)
