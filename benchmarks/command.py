"""The skeleton every benchmark command runs: parse -> measure (or `--render` a JSON) -> report.

A command supplies a `Command`: its own options, settings, cases and report; `run_command` does
the rest. The shared options (`--time-limit-s`, `--memory-limit-gb`, `--output-dir`, `--name`,
`--render`, `--verbose`) come from `benchmarks.cli`.

Example, a command's `__main__.py` (after `cli.quiet_start`, before anything imports Keras):

    COMMAND = Command(PROGRAM, __doc__, add_arguments, settings, measure, report.render,
                      stem="layer", memory_default_gb=14.0)

    def main(argv=None):
        return run_command(COMMAND, argv)
"""

import argparse
import dataclasses
import sys
from collections.abc import Callable

from benchmarks import cli
from benchmarks.harness.environment import describe_environment
from benchmarks.harness.processes import exit_on_sigterm, run_cases
from benchmarks.harness.results import assemble_payload, failed_cases
from benchmarks.reporting import files
from benchmarks.reporting.progress import progress_printer
from training import quiet


@dataclasses.dataclass(frozen=True)
class Command:
    """What one benchmark command adds to the skeleton.

    Attributes:
        program: the command, e.g. `"python -m benchmarks.layers"`.
        doc: its module docstring: the help's description is the second paragraph, its
            epilog the part after `Examples:`.
        add_arguments: `add_arguments(parser)` adds the command's own options.
        settings: `settings(args)`, the run's settings (the skeleton appends the limits).
        measure: `measure(args, settings, run)` runs the cases through
            `run(cases, describe)` (each case in a child, one progress line each, see
            `progress_printer`) and returns `(records, parts)`: the payload's records and its
            other parts (comparisons, ...); it may add to `settings`.
        render: `render(payload, output_dir, name)` writes `name.json`, `name.md` and any
            plot; returns the markdown.
        stem: the file stem when `--name` is not given is `{stem}_{cpu|gpu}_{backend}`.
        memory_default_gb: the default of `--memory-limit-gb`.
        backend: the Keras backend the command sets for itself and its children (the
            TensorFlow-only commands); None: Keras's (`KERAS_BACKEND`).
        written: `written(name)`, what the report writes besides the JSON.
        check: `check(parser, args)` rejects, with `parser.error`, what cannot run; called
            before measuring (never with `--render`).
    """

    program: str
    doc: str
    add_arguments: Callable
    settings: Callable
    measure: Callable
    render: Callable
    stem: str
    memory_default_gb: float
    backend: str | None = "tensorflow"
    written: Callable = lambda name: ".md"
    check: Callable | None = None

    def parser(self):
        """The `ArgumentParser`: the command's options, then the limits and the output."""
        parser = argparse.ArgumentParser(
            prog=self.program,
            description=self.doc.split("\n\n")[1],
            epilog="examples:\n" + self.doc.split("Examples:\n\n", 1)[1],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        quiet.add_verbose_option(parser)
        self.add_arguments(parser)
        cli.add_limit_arguments(parser, memory_default_gb=self.memory_default_gb)
        backend = self.backend or "{backend}"
        cli.add_output_arguments(parser, default_name=f"{self.stem}_{{cpu|gpu}}_{backend}")
        return parser


def exit_code(payload):
    """0, or 1 with the failures on stderr when every measured case of `payload` failed."""
    failures = failed_cases(payload)
    if not failures:
        return 0
    shown = "\n  ".join(failures[:5])
    print(f"error: every case failed ({len(failures)}), for example:\n  {shown}", file=sys.stderr)
    return 1


def measure_payload(command, args, argv):
    """Runs `command.measure` under the limits of `args`; returns the run's payload."""
    limits = cli.limits_of(args)
    settings = {**command.settings(args), **cli.limit_settings(limits)}
    environment = describe_environment(command.program, argv, own_backend=bool(command.backend))
    env = {"KERAS_BACKEND": command.backend} if command.backend else None

    def run(cases, describe):
        on_result = progress_printer(len(cases), describe)
        return run_cases(cases, limits, env=env, on_result=on_result)

    records, parts = command.measure(args, settings, run)
    return assemble_payload(environment, settings, records, **parts)


def run_command(command, argv=None):
    """Parses `argv`, measures (or, with `--render`, reads the JSON), writes and prints the
    report; returns the exit code (see `exit_code`). A SIGTERM stops the run and its child."""
    argv = sys.argv[1:] if argv is None else argv
    parser = command.parser()
    args = parser.parse_args(argv)
    if args.render is not None:
        payload = files.read_json(args.render)
        output_dir, name = args.render.parent, args.render.stem
    else:
        if command.check is not None:
            command.check(parser, args)
        exit_on_sigterm()
        payload = measure_payload(command, args, argv)
        backend = payload["environment"]["keras_backend"]
        output_dir = args.output_dir
        name = args.name or f"{command.stem}_{payload['device_kind']}_{backend}"
    print(command.render(payload, output_dir, name))
    print(f"Wrote {output_dir / name}.json, {command.written(name)}.")
    return exit_code(payload)
