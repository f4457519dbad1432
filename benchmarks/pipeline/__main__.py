"""`python -m benchmarks.pipeline`: images per second of the input pipeline against a step's.

Times `training.data.make_dataset` alone for each dataset (batches pulled as fast as the
pipeline gives them, its CPU time per image), and the real training step of a model at each
resolution measured (the images per second it consumes), each in a fresh process. The image
folder and the tensorflow-datasets dataset are written for the run into a temporary folder.
Writes `NAME.json` and `NAME.md` under `--output-dir`.

Examples:

    python -m benchmarks.pipeline                    # every dataset, against sagan_refined
    python -m benchmarks.pipeline --sources photos --resolutions 64 --no-steps
    python -m benchmarks.pipeline --render docs/benchmarks/pipeline_cpu_tensorflow.json
"""

import sys

from benchmarks import cli

cli.quiet_start(sys.argv[1:], backend="tensorflow")

import zoo  # noqa: E402
from benchmarks.command import Command, run_command  # noqa: E402
from benchmarks.harness.processes import Case  # noqa: E402
from benchmarks.harness.results import flat_records  # noqa: E402
from benchmarks.pipeline import report  # noqa: E402
from benchmarks.pipeline.sources import SOURCES  # noqa: E402

PIPELINE_TARGET = "benchmarks.pipeline.cases:run_pipeline_case"
STEP_TARGET = "benchmarks.pipeline.cases:run_step_case"


def add_arguments(parser):
    positive_int = cli.positive(int)
    group = parser.add_argument_group("what is read")
    group.add_argument(
        "--sources", nargs="+", choices=list(SOURCES), default=list(SOURCES), metavar="NAME",
        help=f"datasets (default: all: {' '.join(SOURCES)})",
    )
    group.add_argument(
        "--resolutions", nargs="+", type=positive_int, metavar="PX",
        help="read every dataset at these sides (default: each its own: "
        + ", ".join(f"{name} {px}" for name, (_, px) in SOURCES.items()) + ")",
    )
    group.add_argument("--batch-size", type=positive_int, default=32, metavar="N",
                       help="images per batch, of the pipelines and the steps (default: 32)")
    group.add_argument("--channels", type=int, choices=(1, 3), default=3,
                       help="channels of the images (default: 3, as the quickstart's model)")
    group.add_argument("--batches", type=positive_int, default=50, metavar="N",
                       help="timed batches per dataset, at most (default: 50)")
    group.add_argument("--images", type=positive_int, default=300, metavar="N",
                       help="images of the temporary folder and tfds dataset (default: 300)")
    group.add_argument("--image-size", type=positive_int, default=128, metavar="PX",
                       help="their side in pixels (default: 128)")
    group = parser.add_argument_group("the step it is compared with")
    group.add_argument("--model", default="sagan_refined", choices=zoo.list_models(),
                       metavar="MODEL", help="zoo model (default: sagan_refined)")
    group.add_argument("--ch", type=positive_int, default=16, metavar="N",
                       help="its width (default: 16, the quickstart's)")
    group.add_argument("--no-steps", action="store_true", help="time the pipelines only")
    group = parser.add_argument_group("timing")
    group.add_argument("--warmup", type=positive_int, default=3, metavar="N",
                       help="untimed batches (steps: 2) first (default: 3)")
    group.add_argument("--max-timing-s", type=cli.positive(float), default=20.0, metavar="S",
                       help="budget of each case's timed batches or steps (default: 20)")
    group.add_argument("--step-repeats", type=positive_int, default=5, metavar="N",
                       help="timed steps per resolution, at most (default: 5)")


_SETTINGS = ("sources", "resolutions", "batch_size", "channels", "batches", "images",
             "image_size", "model", "ch", "warmup", "max_timing_s", "step_repeats")  # fmt: skip


def settings(args):
    return {key: getattr(args, key) for key in _SETTINGS}


def pipeline_cases(args):
    cases = []
    for source in args.sources:
        for resolution in args.resolutions or [SOURCES[source][1]]:
            params = {
                "source": source, "resolution": resolution, "batch_size": args.batch_size,
                "channels": args.channels, "batches": args.batches, "warmup": args.warmup,
                "max_timing_s": args.max_timing_s, "images": args.images,
                "image_size": args.image_size,
            }  # fmt: skip
            cases.append(Case(PIPELINE_TARGET, params, f"{source} {resolution}px"))
    return cases


def step_cases(args, resolutions):
    return [
        Case(
            STEP_TARGET,
            {"model": args.model, "resolution": resolution, "batch_size": args.batch_size,
             "ch": args.ch, "repeats": args.step_repeats, "warmup": 2,
             "max_timing_s": args.max_timing_s},  # fmt: skip
            f"{args.model} step {resolution}px",
        )
        for resolution in sorted(resolutions)
    ]


def _describe(case, result):
    rate = result.metrics.get("images_per_s")
    return "" if rate is None else f"{rate:,.0f} images/s"


def measure(args, settings, run):
    """Every pipeline, then the step at each resolution read: the records and the steps."""
    cases = pipeline_cases(args)
    steps = [] if args.no_steps else step_cases(args, {c.params["resolution"] for c in cases})
    results = run(cases + steps, _describe)
    records = flat_records(cases, results[: len(cases)])
    return records, {"steps": flat_records(steps, results[len(cases) :])}


COMMAND = Command(
    "python -m benchmarks.pipeline", __doc__, add_arguments, settings, measure, report.render,
    stem="pipeline", memory_default_gb=8.0,
)  # fmt: skip


def main(argv=None):
    """Runs `python -m benchmarks.pipeline` with `argv`; returns the exit code."""
    return run_command(COMMAND, argv)


if __name__ == "__main__":
    sys.exit(main())
