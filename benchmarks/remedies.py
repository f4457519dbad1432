"""What the refined block's options against its low-rank map cost: time and memory, fwd+bwd.

The options of `RefinedSelfAttention` (docs/layers.md, "Closing the gap to softmax") on the same
random input, a forward+backward step each:

1. each option alone in a fresh child process (`benchmarks.harness.processes`): its time and the
   peak resident memory over the process's baseline (on a GPU, the device's peak);
2. all options in one child per size, timed in interleaved rounds: each option's time over the
   plain refined block's in the same round (median and quartiles), which cancels the load of a
   shared machine.

Writes `remedies_{cpu|gpu}_{backend}.json` under `--output-dir`; the backend is Keras's.

Example:

    KERAS_BACKEND=jax python -m benchmarks.remedies --resolutions 64 128 256
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

import keras

from benchmarks.harness.environment import describe_environment
from benchmarks.harness.interleave import ratio_stats, time_interleaved
from benchmarks.harness.measure import measure_step
from benchmarks.harness.processes import GIB, Case, Limits, run_case
from benchmarks.harness.steps import make_step
from benchmarks.layers.forms import build_block

# The measured options: arguments of `RefinedSelfAttention`, "C/2" standing for half the input
# channels (C_k = C/8 by default).
OPTIONS = {
    "refined": {},
    "key_channels_C/2": {"key_channels": "C/2"},
    "depthwise_3": {"depthwise_kernel_size": 3},
    "relu": {"feature_map": "relu"},
    "elu_rows": {"feature_map": "elu_plus_one", "normalize_rows": True},
    "depthwise_3+elu_rows": {
        "depthwise_kernel_size": 3,
        "feature_map": "elu_plus_one",
        "normalize_rows": True,
    },
}


def _step(option, resolution, batch_size, channels, seed=0):
    """A built refined block with `option` and its forward+backward step on a random batch."""
    arguments = {k: channels // 2 if v == "C/2" else v for k, v in OPTIONS[option].items()}
    block = build_block("refined", **arguments)
    inputs = keras.random.normal((batch_size, resolution, resolution, channels), seed=seed)
    block.build(inputs.shape)
    return make_step(block, inputs, "fwd_bwd", seed=seed)


def measure_option(option, resolution, batch_size, channels, repeats, max_timing_s):
    """One option alone: its time and memory (the child process is its own)."""
    step = _step(option, resolution, batch_size, channels)
    return measure_step(step, repeats=repeats, warmup=2, max_seconds=max_timing_s)


def compare_options(resolution, batch_size, channels, rounds, max_timing_s):
    """Every option timed in interleaved rounds; ratios to "refined", round by round."""
    steps = {option: _step(option, resolution, batch_size, channels) for option in OPTIONS}
    times = time_interleaved(steps, rounds=rounds, warmup=2, max_seconds=max_timing_s)
    return {
        "median_s": {option: statistics.median(values) for option, values in times.items()},
        "ratio_to_refined": {
            option: ratio_stats(values, times["refined"]).as_dict()
            for option, values in times.items()
        },
        "times_s": times,
    }


def _parse(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.remedies", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--resolutions", type=int, nargs="+", default=[64, 128, 256])
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5, help="timed calls of a lone option")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds, at most")
    parser.add_argument("--max-timing-s", type=float, default=30.0,
                        help="budget of each case's timed calls or rounds")  # fmt: skip
    parser.add_argument("--time-limit-s", type=float, default=900.0)
    parser.add_argument("--memory-limit-gb", type=float, default=8.0)
    parser.add_argument("--output-dir", type=Path, default=Path("docs/benchmarks"))
    return parser.parse_args(argv)


def main(argv=None):
    args = _parse(sys.argv[1:] if argv is None else argv)
    limits = Limits(args.time_limit_s, int(args.memory_limit_gb * GIB))
    shape = {"batch_size": args.batch_size, "channels": args.channels}
    records, comparisons = [], []
    for resolution in args.resolutions:
        for option in OPTIONS:
            params = {"option": option, "resolution": resolution, **shape,
                      "repeats": args.repeats, "max_timing_s": args.max_timing_s}  # fmt: skip
            result = run_case(Case("benchmarks.remedies:measure_option", params), limits)
            records.append({**params, **result.as_record()})
            print(option, resolution, result.status, result.metrics.get("time_median_s"))
        params = {"resolution": resolution, **shape, "rounds": args.rounds,
                  "max_timing_s": args.max_timing_s}  # fmt: skip
        result = run_case(Case("benchmarks.remedies:compare_options", params), limits)
        comparisons.append({**params, **result.as_record()})
        for option, ratio in result.metrics.get("ratio_to_refined", {}).items():
            print(f"{resolution}² {option}: {ratio['median']:.3f}× refined")
    device = next((r["device_kind"] for r in records if "device_kind" in r), "cpu")
    path = args.output_dir / f"remedies_{device}_{keras.backend.backend()}.json"
    payload = {
        "environment": describe_environment("python -m benchmarks.remedies"),
        "options": OPTIONS,
        "records": records,
        "comparisons": comparisons,
    }
    path.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {path}")
    return 0 if all(r["status"] == "OK" for r in records + comparisons) else 1


if __name__ == "__main__":
    sys.exit(main())
