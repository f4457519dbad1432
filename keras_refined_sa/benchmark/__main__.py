"""`python -m keras_refined_sa.benchmark`: time and memory of the attention forms, layer level.

Measures one attention block per form (projections only, softmax, fused softmax, quadratic 1/n,
refined) over a sweep of feature-map sizes, batch sizes and channels, forward and
forward+backward, each case in a fresh process under a time limit and a memory cap. Writes
`NAME.json`, `NAME.md` (tables, targets, machine, versions, command) and `NAME_{time,memory}_
{fwd,fwd_bwd}.png` under `--output-dir`; the backend is Keras's (`KERAS_BACKEND`).

Examples:

    python -m keras_refined_sa.benchmark                      # the default CPU sweep (~15 min)
    KERAS_BACKEND=jax python -m keras_refined_sa.benchmark --configs 64:8 128:2
    python -m keras_refined_sa.benchmark --configs 16:1 --channels 16 --repeats 1
    python -m keras_refined_sa.benchmark --render docs/benchmarks/layer_cpu_tensorflow.json
"""

import argparse
import os
import sys
from pathlib import Path

import keras

from keras_refined_sa.benchmark import layer_sweep, plots, report
from keras_refined_sa.benchmark.environment import describe_environment
from keras_refined_sa.benchmark.flops import FORMS
from keras_refined_sa.benchmark.harness import GIB, Limits, run_cases
from keras_refined_sa.benchmark.steps import PASSES
from keras_refined_sa.benchmark.targets import evaluate_targets, targets_table


def _channels(text):
    value = int(text)
    if value <= 0 or value % 8:
        raise argparse.ArgumentTypeError(
            f"must be a positive multiple of 8 (C_k = C/8), received {text}"
        )
    return value


def _config(text):
    try:
        return layer_sweep.parse_config(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m keras_refined_sa.benchmark", description=__doc__.split("\n\n")[1]
    )
    default_configs = " ".join(f"{r}:{b}" for r, b in layer_sweep.DEFAULT_CONFIGS)
    sweep = parser.add_argument_group("sweep")
    sweep.add_argument(
        "--configs",
        nargs="+",
        type=_config,
        default=layer_sweep.DEFAULT_CONFIGS,
        metavar="RESOLUTION:BATCH",
        help=f"feature-map sizes and batch sizes, n = RESOLUTION² (default: {default_configs})",
    )
    sweep.add_argument(
        "--channels",
        nargs="+",
        type=_channels,
        default=list(layer_sweep.DEFAULT_CHANNELS),
        help="input channels C of every configuration, C_k = C/8, C_v = C/2 (default: 64)",
    )
    sweep.add_argument(
        "--forms", nargs="+", choices=FORMS, default=list(FORMS), help="(default: all)"
    )
    sweep.add_argument(
        "--passes", nargs="+", choices=PASSES, default=list(PASSES), help="(default: both)"
    )
    sweep.add_argument(
        "--dtype",
        default="float32",
        help="dtype policy of the blocks; mixed_bfloat16 lets GPUs use flash (default: float32)",
    )
    measurement = parser.add_argument_group("measurement")
    measurement.add_argument(
        "--repeats", type=report.positive(int), default=10, help="timed calls per case, at most (10)"
    )
    measurement.add_argument(
        "--warmup",
        type=report.positive(int),
        default=2,
        help="untimed calls first: the first compiles, the next meet mapped memory (2)",
    )
    measurement.add_argument(
        "--max-timing-s",
        type=report.positive(float),
        default=30.0,
        help="budget of a case's timed calls: slow cases get fewer repeats (30)",
    )
    measurement.add_argument(
        "--jit", action="store_true", help="compile with XLA on TensorFlow (JAX always does)"
    )
    measurement.add_argument(
        "--time-limit-s",
        type=report.positive(float),
        default=600.0,
        help="per case, imports included; past it the case is a timeout (600)",
    )
    measurement.add_argument(
        "--memory-limit-gb",
        type=report.positive(float),
        default=14.0,
        help="resident memory cap per case in GiB; above it the case is OOM (14)",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--output-dir", type=Path, default=Path("docs/benchmarks"), help="(docs/benchmarks)"
    )
    output.add_argument("--name", help="file stem (default: layer_{cpu|gpu}_{backend})")
    output.add_argument(
        "--render",
        type=Path,
        metavar="JSON",
        help="measure nothing: rewrite the markdown and plots of this JSON",
    )
    return parser


def _describe_case(case, result):
    time = report.format_seconds(result.metrics.get("time_median_s"))
    return f"{time} ({layer_sweep.case_gflop(case.params):.3g} GFLOP)"


def run_sweep(args, argv):
    """Runs the sweep; returns the payload that `render` writes."""
    settings = {
        "dtype": args.dtype,
        "repeats": args.repeats,
        "warmup": args.warmup,
        "max_timing_s": args.max_timing_s,
        "jit_compile": args.jit,
    }
    limits = Limits(
        time_limit_s=args.time_limit_s, memory_limit_bytes=int(args.memory_limit_gb * GIB)
    )
    environment = describe_environment(argv)
    cases = layer_sweep.sweep_cases(
        args.configs, args.channels, args.forms, args.passes, **settings
    )
    results = run_cases(cases, limits, on_result=report.progress_printer(len(cases), _describe_case))
    records = layer_sweep.layer_records(cases, results)
    environment["load_average_at_end"] = list(os.getloadavg())
    devices = {(r["device_kind"], r["device_name"]) for r in records if "device_kind" in r}
    device_kind, device_name = sorted(devices)[0] if devices else ("unknown", "unknown")
    return {
        "environment": environment,
        "device_kind": device_kind,
        "device_name": device_name,
        "settings": {**settings, "time_limit_s": limits.time_limit_s,
                     "memory_limit_bytes": limits.memory_limit_bytes},
        "records": records,
    }


def _compilation(environment, settings):
    backend = environment["keras_backend"]
    if backend == "tensorflow":
        return "tf.function" + (" with XLA" if settings["jit_compile"] else " without XLA")
    return {"jax": "jax.jit", "torch": "eager PyTorch"}.get(backend, backend)


def _document(payload, name, targets):
    settings, environment = payload["settings"], payload["environment"]
    memory = (
        "the device allocator's peak" if payload["device_kind"] == "gpu"
        else "the peak resident memory (ru_maxrss) of the case's own process"
    )
    images = "\n\n".join(
        f"![{metric} {pass_name}]({file})"
        for (metric, pass_name), file in layer_sweep.plot_files(name, payload["records"]).items()
    )
    return "\n".join(
        [
            f"# Layer benchmark: {environment['keras_backend']} on {payload['device_name']}",
            "",
            report.environment_markdown(environment),
            f"- Settings: dtype {settings['dtype']}, C_k = C/8, C_v = C/2; {settings['warmup']} "
            f"warm-up call(s), then up to {settings['repeats']} timed calls within "
            f"{settings['max_timing_s']:g} s; {_compilation(environment, settings)}; "
            f"each case in a fresh process, time limit {settings['time_limit_s']:g} s, memory cap "
            f"{report.format_bytes(settings['memory_limit_bytes'])}.",
            report.load_line(payload["records"]),
            f"- Memory: {memory}; *above baseline* subtracts what the process held once the "
            "block and its inputs existed. *× floor*: time / the projections' time. "
            "*load before*: the 1-minute load average when the case started.",
            "",
            "## Targets",
            "",
            targets_table(targets),
            "",
            "## Results",
            "",
            layer_sweep.results_table(payload["records"]),
            "",
            "## Plots",
            "",
            images,
            "",
        ]
    )


def render(payload, output_dir, name):
    """Writes `name.json`, `name.md` and the plots under `output_dir`; returns the markdown."""
    targets = evaluate_targets(payload["records"], payload["device_kind"])
    payload = {**payload, "targets": [vars(target) for target in targets]}
    report.write_json(output_dir / f"{name}.json", payload)
    document = _document(payload, name, targets)
    report.write_text(output_dir / f"{name}.md", document)
    labels = {metric: (key, label) for metric, key, label in layer_sweep.PLOTS}
    for (metric, pass_name), file in layer_sweep.plot_files(name, payload["records"]).items():
        key, label = labels[metric]
        plots.plot_against_positions(
            [r for r in payload["records"] if r["pass_name"] == pass_name],
            output_dir / file,
            value_key=key,
            ylabel=label,
            title=f"{metric}, {pass_name.replace('_', '+')}: {payload['device_name']}, "
            f"{payload['environment']['keras_backend']}",
            series_order=list(FORMS),
        )
    return document


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    if args.render is not None:
        payload = report.read_json(args.render)
        output_dir, name = args.render.parent, args.render.stem
    else:
        payload = run_sweep(args, argv)
        backend = keras.backend.backend()
        output_dir, name = args.output_dir, args.name or f"layer_{payload['device_kind']}_{backend}"
    print(render(payload, output_dir, name))
    print(f"Wrote {output_dir / name}.json, .md and plots.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
