"""The engine case of `python -m benchmarks.models --engines`: TensorFlow against JAX, interleaved.

Keras picks one backend per process, so the two engines cannot share one: this case runs in the
harness's TensorFlow child and starts a JAX worker (`python -m benchmarks.models.engines`,
`KERAS_BACKEND=jax`) beside it. Each round times, in rotating order, one TensorFlow step
(`trainer.train_step()` of `training.run`, as `benchmarks.models.cases` builds it), one step of
the JAX engine and one bare jitted step (`benchmarks.models.jax_steps`), the two JAX steps in the
worker, told over its stdin. The ratios are per round (`benchmarks.harness.interleave`).
"""

import json
import os
import subprocess
import sys
import tempfile
import time

from benchmarks.harness.devices import device_description
from benchmarks.harness.interleave import ratio_stats
from benchmarks.harness.memory import peak_rss_bytes

STEPS = ("tensorflow", "jax_engine", "jax_bare")
# The ratios reported, `numerator/denominator`.
RATIOS = (("jax_engine", "tensorflow"), ("jax_engine", "jax_bare"))


def run_engines_case(model, resolution, batch_size, ch, precision, rounds=10, warmup=2,
                     max_timing_s=60.0, seed=0):  # fmt: skip
    """Times the three steps of `model` under `precision` in interleaved rounds (see the module).

    Returns:
        `{"steps_per_s": {step: 1 / median time}, "time_median_s": {step: s},
        "ratios": {"a/b": RatioStats dict}, "peak_rss_by_process": {"tensorflow": ..., "jax": ...},
        "jax_compiled_bytes": {"engine": ..., "bare": ...}, "rounds": n}`.
    """
    from benchmarks.models.cases import attach_synthetic_data, build_trainer

    options = {"resolution": resolution, "batch_size": batch_size, "ch": ch, "seed": seed}
    with tempfile.TemporaryDirectory(prefix="model_benchmark_") as logdir:
        trainer = build_trainer(model, resolution, batch_size, ch, f"{logdir}/tf", None, seed,
                                precision)  # fmt: skip
        attach_synthetic_data(trainer, seed)
        worker = _Worker(model, f"{logdir}/jax", precision, options)
        try:
            for _ in range(warmup):
                trainer.train_step()
            ready = worker.start(warmup)
            times = {name: [] for name in STEPS}
            timers = {"tensorflow": lambda: _timed(trainer.train_step),
                      "jax_engine": lambda: worker.time("engine"),
                      "jax_bare": lambda: worker.time("bare")}  # fmt: skip
            started = time.perf_counter()
            for index in range(rounds):
                order = STEPS[index % 3:] + STEPS[: index % 3]
                for name in order:
                    times[name].append(timers[name]())
                if index >= 2 and time.perf_counter() - started > max_timing_s:
                    break
            jax_peak = worker.finish()
        finally:
            worker.close()
    medians = {name: sorted(values)[len(values) // 2] for name, values in times.items()}
    device_kind, device_name = device_description()
    return {
        "device_kind": device_kind, "device_name": device_name,
        "steps_per_s": {name: 1.0 / value for name, value in medians.items()},
        "time_median_s": medians,
        "ratios": {f"{top}/{bottom}": ratio_stats(times[top], times[bottom]).as_dict()
                   for top, bottom in RATIOS},  # fmt: skip
        "peak_rss_by_process": {"tensorflow": peak_rss_bytes(), "jax": jax_peak},
        "jax_compiled_bytes": {"engine": ready["engine_bytes"], "bare": ready["bare_bytes"]},
        "rounds": len(times["tensorflow"]),
    }


def _timed(step):
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


class _Worker:
    """The JAX process: started on `start`, one line per request."""

    def __init__(self, model, logdir, precision, options):
        self.arguments = {"model": model, "logdir": logdir, "precision": precision, **options}
        self.process = None

    def start(self, warmup):
        env = {**os.environ, "KERAS_BACKEND": "jax"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.models.engines",
             json.dumps({**self.arguments, "warmup": warmup})],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        return self._answer()

    def _answer(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the JAX worker stopped (exit status {self.process.wait()}).")
        return json.loads(line)

    def time(self, name):
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        return self._answer()["seconds"]

    def finish(self):
        self.process.stdin.write("done\n")
        self.process.stdin.flush()
        return self._answer()["peak_rss_bytes"]

    def close(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _serve(arguments):
    """The worker's side: builds both JAX steps, warms them up, then times on request."""
    from benchmarks.models import jax_steps

    channel, sys.stdout = sys.stdout, sys.stderr  # The answers alone on stdout.
    warmup = arguments.pop("warmup")
    model, logdir, precision = (arguments.pop(key) for key in ("model", "logdir", "precision"))
    engine, run, trainer = jax_steps.engine_step(model, logdir, precision, **arguments)
    bare, bare_bytes = jax_steps.bare_step(run)
    steps = {"engine": engine, "bare": bare}
    for _ in range(warmup):
        engine()
        bare()
    engine_bytes = jax_steps.engine_bytes(trainer)
    print(json.dumps({"engine_bytes": engine_bytes, "bare_bytes": bare_bytes}), file=channel,
          flush=True)
    for line in sys.stdin:
        request = line.strip()
        if request == "done":
            print(json.dumps({"peak_rss_bytes": peak_rss_bytes()}), file=channel, flush=True)
            return
        print(json.dumps({"seconds": _timed(steps[request])}), file=channel, flush=True)


if __name__ == "__main__":
    _serve(json.loads(sys.argv[1]))
