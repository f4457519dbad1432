"""`python -m training.study CONFIG`: the declared grid of training runs behind docs/results.md.

Runs every cell of the study file (task × attention kind × seed; see
`training.experiments.plan` for the format) that is not finished yet, one `python -m
training.run` (or `training.evaluate`) process at a time, and rewrites the report after each
cell. Finished runs are skipped and interrupted ones resumed from their checkpoints, so the
command can be stopped at any moment (Ctrl-C, SIGTERM, the end of a session) and started again
with the same arguments. Cells that failed are not retried unless `--retry-failed`. Each
finished cell writes `summary.json` (every scalar's curve, its configuration, commands and
evaluations): that is what git keeps, and the report is built from summaries alone. The raw runs
(event files, images, logs) stay in the study's `runs_dir`, ignored by git; checkpoints only
while something still needs them.
"""

import argparse
import os
import shlex
import signal
import sys
import time

from training import quiet

DESCRIPTION = __doc__.split("\n\n", 1)[1]
EPILOG = """\
examples:
  python -m training.study studies/results.json               # run (or continue) the study
  python -m training.study studies/results.json --list        # what is done, what is left
  python -m training.study studies/results.json --report-only # rewrite docs/results.md
  python -m training.study studies/results.json --write-summaries  # summarise older runs
"""


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m training.study",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("config", help="the study file (JSON)")
    parser.add_argument(
        "--task", action="append", metavar="NAME",
        help="run only this task's cells (repeatable; the report covers every task)",
    )
    parser.add_argument("--list", action="store_true", help="print each cell's status and exit")
    parser.add_argument(
        "--report-only", action="store_true", help="write the report from the finished cells"
    )
    parser.add_argument(
        "--write-summaries", action="store_true",
        help="write the summary of every finished cell that has none (runs made before "
        "summaries existed; needs their event files), then the report",
    )
    parser.add_argument("--retry-failed", action="store_true", help="run failed cells again")
    parser.add_argument(
        "--keep-checkpoints", action="store_true",
        help="keep the checkpoints of finished cells (by default they are deleted once no "
        "unfinished cell starts from them; logs and records stay)",
    )
    quiet.add_verbose_option(parser)
    return parser


def _say(message):
    print(message, flush=True)


def main(argv=None):
    """Runs `python -m training.study` with `argv`; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from training.experiments.plan import StudyError
    from training.experiments.plan import load_study

    try:
        study = load_study(args.config)
    except StudyError as error:
        parser.error(str(error))
    unknown = sorted(set(args.task or ()) - {task.name for task in study.tasks})
    if unknown:
        parser.error(f"--task {unknown[0]}: no such task in {args.config}; tasks: "
                     f"{', '.join(task.name for task in study.tasks)}")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    quiet.import_tensorflow(args.verbose)
    from training.experiments.execution import cell_status
    from training.experiments.report import write_report

    command = shlex.join(["python", "-m", "training.study", args.config])
    cells = study.cells()
    if args.list:
        for cell in cells:
            print(f"{cell_status(cell, args.retry_failed):8} {cell.name}")
        return 0
    if args.write_summaries:
        _write_summaries(cells)
    if args.report_only or args.write_summaries:
        print(f"Wrote {write_report(study, command)}")
        return 0
    return _run(study, cells, args, command)


def _write_summaries(cells):
    from training.experiments.execution import cell_finished
    from training.experiments.execution import read_record
    from training.experiments.summary import has_summary
    from training.experiments.summary import write_summary

    for cell in cells:
        if cell_finished(cell.directory) and not has_summary(cell.directory):
            _say(f"Wrote {write_summary(cell, read_record(cell))}")


def _run(study, cells, args, command):
    from training.experiments.execution import CellRunner
    from training.experiments.execution import cell_status
    from training.experiments.execution import prune_checkpoints
    from training.experiments.report import write_report

    runner = CellRunner(say=_say)
    previous = {number: signal.signal(number, lambda signum, frame: runner.stop(signum))
                for number in (signal.SIGINT, signal.SIGTERM)}
    chosen = [cell for cell in cells if not args.task or cell.task in args.task]
    conflicts = _data_conflicts(study, cells)
    failed = blocked = 0
    try:
        for index, cell in enumerate(chosen, 1):
            status = cell_status(cell, args.retry_failed)
            if status == "todo" and cell.task in conflicts:
                _say(f"[{index}/{len(chosen)}] {cell.name}: skipped, {conflicts[cell.task]}")
                blocked += 1
                continue
            if status != "todo":
                if status != "done":
                    _say(f"[{index}/{len(chosen)}] {cell.name}: {status}, skipped")
                continue
            _say(f"[{index}/{len(chosen)}] {cell.name}")
            start = time.perf_counter()
            finished = runner.run(cell)
            if runner.stopped is not None:
                break
            failed += not finished
            _say(f"  {'done' if finished else 'FAILED'} in {time.perf_counter() - start:.0f} s")
            if not args.keep_checkpoints:
                prune_checkpoints(cells)
            write_report(study, command)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    report = write_report(study, command)
    if runner.stopped is not None:
        _say(f"Stopped by signal {runner.stopped}; the run in progress saved a checkpoint. "
             f"Continue with: {command}")
        return 128 + runner.stopped
    left = [cell.name for cell in chosen if cell_status(cell) in ("todo", "waiting")]
    _say(f"Wrote {report}. {len(left)} cell(s) left, {failed} failed this time"
         + (f", {blocked} skipped for their data." if blocked else "."))
    return 1 if failed or blocked else 0


def _data_conflicts(study, cells):
    """`{task: message}` for tasks whose runs recorded another data source than this machine's.

    Cells of one task must see the same images: a machine that reads another copy of a dataset
    (the bundled Fashion-MNIST test images instead of Debian's files, say) must not add cells
    to a task begun elsewhere.
    """
    from training import data
    from training.experiments.execution import recorded_data_sources

    conflicts = {}
    for task in study.tasks:
        recorded = recorded_data_sources([cell for cell in cells if cell.task == task.name])
        if not recorded:
            continue
        name = task.options.get("dataset", "fashion_mnist")
        try:
            here = data.dataset_info(name, task.options.get("data_dir")).source
        except data.DatasetError as problem:
            conflicts[task.name] = f"dataset {name!r} cannot be read here: {problem}"
            continue
        others = {source: logdir for source, logdir in recorded.items() if source != here}
        if others:
            source, logdir = next(iter(others.items()))
            conflicts[task.name] = (
                f"its runs trained on {source} ({logdir}), but {name!r} reads {here} here; "
                "provide the same data (docs/data.md)"
            )
    return conflicts


if __name__ == "__main__":
    sys.exit(main())
