"""`python -m benchmarks.gpu OUT [--tiny]`: the prepared GPU run, on the JAX engine.

1. The quickstart, `python -m training.run --model sagan_refined` on JAX (its own process): exit
   status, wall time, and its sample grid copied to `OUT/quickstart_samples.png`.
2. For each `--models` entry: the JAX engine's training step (`JaxTrainer.train_step()`, built
   by `training.engines.jax.run.prepare`) and a bare jitted stateless step of the same model
   (`benchmarks.models.jax_steps`), timed in interleaved rounds: each step's median, steps/s,
   the engine / bare ratio (target ≤ 1.10×), XLA's bytes of each compiled step and the device's
   peak memory.

`OUT/gpu.json` is rewritten after every case, so a run cut off by its time limit still returns
what it measured. `--tiny` is the same at 32 px, ch 8, batch 4 and a few steps (CPU tests).

Examples:

    OUT=/tmp/out bash benchmarks/gpu/run.sh
    KERAS_BACKEND=jax python -m benchmarks.gpu /tmp/out --tiny --models sagan_none
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FULL = {"resolution": 128, "ch": 64, "batch_size": 32, "quickstart_steps": None,
        "rounds": 20, "warmup": 3, "max_timing_s": 40.0}  # fmt: skip
TINY = {"resolution": 32, "ch": 8, "batch_size": 4, "quickstart_steps": 2,
        "rounds": 3, "warmup": 1, "max_timing_s": 5.0}  # fmt: skip
MODELS = ("sagan_none", "sagan_refined", "sagan_softmax")


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu", description=__doc__)
    parser.add_argument("out", type=Path, help="folder of gpu.json and the sample grid")
    parser.add_argument("--tiny", action="store_true", help="32 px, ch 8, batch 4, few steps")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--precision", default="mixed_bfloat16")
    parser.add_argument("--no-quickstart", action="store_true", help="skip the quickstart")
    return parser.parse_args(argv)


def quickstart(out, steps):
    """Runs the quickstart on JAX in its own process; returns its record."""
    with tempfile.TemporaryDirectory(prefix="gpu_quickstart_") as logdir:
        command = [sys.executable, "-m", "training.run", "--model", "sagan_refined",
                   "--logdir", logdir]  # fmt: skip
        if steps is not None:
            command += ["--steps", str(steps)]
        started = time.perf_counter()
        finished = subprocess.run(command, env={**os.environ, "KERAS_BACKEND": "jax"},
                                  capture_output=True, text=True)  # fmt: skip
        record = {"command": " ".join(command[1:]), "exit_status": finished.returncode,
                  "wall_s": time.perf_counter() - started,
                  "output_tail": (finished.stdout + finished.stderr)[-2000:]}  # fmt: skip
        samples = Path(logdir) / "samples.png"
        if samples.exists():
            shutil.copy(samples, out / "quickstart_samples.png")
            record["samples"] = "quickstart_samples.png"
    return record


def model_case(model, precision, sizes):
    """The engine's step against the bare step of `model`; returns its record."""
    from benchmarks.harness.interleave import compare_pairs
    from benchmarks.harness.memory import device_memory_bytes
    from benchmarks.models import jax_steps

    with tempfile.TemporaryDirectory(prefix="gpu_case_") as logdir:
        engine, run, trainer = jax_steps.engine_step(
            model, logdir, precision, resolution=sizes["resolution"], ch=sizes["ch"],
            batch_size=sizes["batch_size"],
        )  # fmt: skip
        bare, bare_bytes = jax_steps.bare_step(run)
        ratios = compare_pairs(
            {"engine": engine, "bare": bare}, [("engine", "bare")], rounds=sizes["rounds"],
            warmup=sizes["warmup"], max_seconds=sizes["max_timing_s"],
        )  # fmt: skip
        ratio = ratios["engine/bare"]
        return {
            "model": model, "precision": precision,
            **{key: sizes[key] for key in ("resolution", "ch", "batch_size")},
            "median_s": ratio["median_s"],
            "steps_per_s": {name: 1.0 / value for name, value in ratio["median_s"].items()},
            "engine_over_bare": {key: ratio[key] for key in ("median", "q1", "q3", "pairs")},
            "compiled_bytes": {"engine": jax_steps.engine_bytes(trainer), "bare": bare_bytes},
            "device_memory": device_memory_bytes(),
        }  # fmt: skip


def main(argv=None):
    """Runs the cases, rewriting `OUT/gpu.json` after each; returns 0, or 1 when one failed."""
    args = parse(sys.argv[1:] if argv is None else argv)
    args.out.mkdir(parents=True, exist_ok=True)
    sizes = TINY if args.tiny else FULL
    import jax

    results = {"device": str(jax.devices()[0]), "jax": jax.__version__, "tiny": args.tiny,
               "cases": []}  # fmt: skip

    def save(record):
        results["cases"].append(record)
        (args.out / "gpu.json").write_text(json.dumps(results, indent=1) + "\n")
        print(json.dumps(record)[:400], flush=True)

    if not args.no_quickstart:
        save({"case": "quickstart", **quickstart(args.out, sizes["quickstart_steps"])})
    for model in args.models:
        try:
            save({"case": "step", **model_case(model, args.precision, sizes)})
        except Exception as problem:  # A failed case is recorded; the next one still runs.
            save({"case": "step", "model": model, "error": f"{type(problem).__name__}: {problem}"})
    failed = [c for c in results["cases"] if "error" in c or c.get("exit_status", 0) != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
