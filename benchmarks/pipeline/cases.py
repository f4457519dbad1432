"""The pipeline benchmark's cases, each run in a child process of the harness.

- `run_pipeline_case`: `training.data.make_dataset` alone: batches pulled as fast as it gives
  them, the images per second it delivers and the CPU time it spends per image.
- `run_step_case`: the real training step of a model on a constant batch (as the model benchmark
  times it): the images per second a step consumes.
"""

import tempfile
import time

from benchmarks.harness.measure import measure_step
from benchmarks.models.cases import attach_synthetic_data, build_trainer
from benchmarks.pipeline import sources
from training import data


def run_pipeline_case(
    source,
    resolution,
    batch_size,
    channels=3,
    batches=50,
    warmup=3,
    max_timing_s=30.0,
    images=300,
    image_size=128,
    seed=0,
):
    """Builds `make_dataset(source)` and times `next()` on its iterator, batch by batch.

    The first warm-up batch pays for building the pipeline and filling its buffers; the timed
    batches are what a training loop would wait for if it never computed anything. CPU time is
    the process's, every thread included (tf.data's workers).

    Args:
        source: a name of `sources.SOURCES`.
        resolution, batch_size, channels, seed: of `make_dataset`.
        batches, warmup, max_timing_s: timed batches at most, untimed ones first, and the
            budget of the timed ones (see `benchmarks.harness.timing.time_repeated`).
        images, image_size: files and their side, for the `folder` and `tfds` sources.

    Returns:
        The metrics of `measure_step` (per batch) and `images_per_s` (timed images over timed
        seconds), `cpu_s_per_image`, `dataset` (what was read) and `setup_s` (writing the
        temporary files, not timed).
    """
    with tempfile.TemporaryDirectory(prefix="pipeline_benchmark_") as folder:
        start = time.perf_counter()
        name, data_dir = sources.dataset_name(source, folder, count=images, size=image_size)
        setup_s = time.perf_counter() - start
        dataset = data.make_dataset(
            name, resolution=resolution, batch_size=batch_size, channels=channels,
            data_dir=data_dir, seed=seed,
        )  # fmt: skip
        iterator = iter(dataset)
        calls = {"count": 0, "cpu_start": None}

        def step():
            # CPU time from the first timed batch on: `measure_step` calls `step` for both.
            if calls["count"] == warmup:
                calls["cpu_start"] = time.process_time()
            calls["count"] += 1
            next(iterator)

        metrics = measure_step(step, repeats=batches, warmup=warmup, max_seconds=max_timing_s)
        cpu_s = time.process_time() - calls["cpu_start"]
        info = data.dataset_info(name, data_dir)
    timed_images = batch_size * metrics["repeats"]
    return {
        **metrics,
        "images_per_s": timed_images / sum(metrics["times_s"]),
        "cpu_s_per_image": cpu_s / timed_images,
        "dataset": info.source,
        "setup_s": setup_s,
    }


def run_step_case(model, resolution, batch_size, ch, repeats=5, warmup=2, max_timing_s=30.0,
                  seed=0, precision="float32", jit_compile=False):  # fmt: skip
    """Times `model`'s training step on a constant batch; its images per second consumed.

    Returns:
        The metrics of `measure_step`, `batches_per_step` (a GAN's `n_disc`) and
        `images_per_s`: batch size × batches per step / median step time.
    """
    with tempfile.TemporaryDirectory(prefix="pipeline_benchmark_") as logdir:
        trainer = build_trainer(
            model, resolution, batch_size, ch, logdir, seed=seed,
            precision=precision, jit_compile=jit_compile,
        )  # fmt: skip
        attach_synthetic_data(trainer, seed)
        metrics = measure_step(
            trainer.train_step, repeats=repeats, warmup=warmup, max_seconds=max_timing_s
        )
    per_step = batch_size * trainer.batches_per_step
    return {
        **metrics,
        "batches_per_step": trainer.batches_per_step,
        "images_per_s": per_step / metrics["time_median_s"],
    }
