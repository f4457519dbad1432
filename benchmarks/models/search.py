"""The largest batch of a model that fits under the memory cap: probes in fresh processes.

Each probe runs one training step (tracing included) of the model at a batch size in a fresh
process; `batch_search.search_largest_batch` chooses the sizes. The timed case of the sweep
answers for its own batch size.
"""

from benchmarks.harness.processes import Limits, run_case
from benchmarks.models import sweep
from benchmarks.models.batch_search import DOES_NOT_FIT, FITS, search_largest_batch
from benchmarks.reporting.formatting import format_bytes

# The children run TensorFlow, whatever the parent's environment holds.
CHILD_ENV = {"KERAS_BACKEND": "tensorflow"}


def limits_of(settings):
    """The `Limits` of a run's settings."""
    return Limits(settings["time_limit_s"], settings["memory_limit_bytes"])


def fits(status, peak_bytes, cap_bytes):
    """`FITS`, `DOES_NOT_FIT` or another status, from one step's outcome."""
    if status == "OK":
        # The parent polls; the child's own peak catches what grew between two polls.
        return FITS if peak_bytes <= cap_bytes else DOES_NOT_FIT
    return DOES_NOT_FIT if status == "OOM" else status


def _peak_rss(record):
    """The largest resident memory of a case: the parent's polls or the child's own peak."""
    return max(record["max_polled_rss_bytes"], record.get("peak_rss_bytes") or 0)


def _detail(batch_size, verdict, record, source):
    return {
        "batch_size": batch_size,
        "source": source,
        "verdict": verdict,
        "status": record["status"],
        "peak_rss_bytes": _peak_rss(record),
        "wall_s": record["wall_s"],
    }


def _probe(case, settings, known, details):
    """A `probe(batch_size)` running one step of `case` at that batch in a fresh process.

    Args:
        case: the timed case of the model and placement.
        settings: the run's settings (limits).
        known: `{batch_size: verdict}` already known; these sizes are not run again.
        details: a list to which each probe run appends its `_detail`.
    """
    cap = settings["memory_limit_bytes"]

    def probe(batch_size):
        if batch_size in known:
            return known[batch_size]
        params = {**case.params, "batch_size": batch_size, "repeats": 1, "warmup": 0}
        probe_case = sweep.training_step_case(**params)
        record = run_case(probe_case, limits_of(settings), env=CHILD_ENV).as_record()
        verdict = fits(record["status"], _peak_rss(record), cap)
        details.append(_detail(batch_size, verdict, record, "probe"))
        print(
            f"  probe {probe_case.name}: {verdict}, peak RSS "
            f"{format_bytes(_peak_rss(record))}, {record['wall_s']:.0f} s wall",
            flush=True,
        )
        return verdict

    return probe


def _timed_record(records, params):
    """The sweep's record of the model, resolution and placement of `params`, or None."""
    for record in records:
        same = all(record[key] == params[key] for key in ("model", "resolution", "model_args"))
        if same and sweep.option_of(record) == sweep.option_of(params):
            return record
    return None


def _search(config, case, settings, args, records):
    """The largest batch of one case's model and placement: a search record."""
    known, details = {}, []
    timed = _timed_record(records, case.params)
    if timed is not None:  # The timed case answers for its own batch size.
        verdict = fits(timed["status"], _peak_rss(timed), settings["memory_limit_bytes"])
        known[timed["batch_size"]] = verdict
        details.append(_detail(timed["batch_size"], verdict, timed, "timed case"))
    print(f"Searching the largest batch of {case.name}", flush=True)
    result = search_largest_batch(
        _probe(case, settings, known, details),
        start=args.batch_size,
        max_batch=args.max_batch,
        bisection_steps=args.bisection_steps,
        budget_s=args.search_budget_s,
    )
    fields = sweep.case_fields(config, case)
    del fields["batch_size"]
    return {
        **fields,
        "largest_fitting": result.largest_fitting,
        "smallest_failing": result.smallest_failing,
        "stopped_by": result.stopped_by,
        "probes": [list(probe) for probe in result.probes],
        "probe_details": sorted(details, key=lambda detail: detail["batch_size"]),
        "elapsed_s": result.elapsed_s,
    }


def run_searches(args, settings, records):
    """Searches the largest batch of every model at the search placements; returns the
    search records (each with the case's placement, the result and its probes)."""
    entries = sweep.sweep_entries(
        args.models, args.search_resolutions, args.search_configs,
        batch_size=args.batch_size, ch=args.ch, max_timing_s=args.max_timing_s,
    )  # fmt: skip
    return [_search(config, case, settings, args, records) for config, case in entries]
