"""One printed line per finished benchmark case."""

from benchmarks.reporting.formatting import format_bytes


def progress_printer(total, describe):
    """An `on_result(case, result)` callback printing one line per finished case.

    Args:
        total: the number of cases of the run.
        describe: `describe(case, result)` -> the case's measurement as text (its time, ...).
    """
    count = 0

    def on_result(case, result):
        nonlocal count
        count += 1
        peak = format_bytes(result.metrics.get("peak_rss_bytes"))
        print(
            f"[{count}/{total}] {case.name}: {result.status} {describe(case, result)}, "
            f"peak RSS {peak}, {result.wall_s:.1f} s wall, load {result.load_before[0]:.2f}"
            + (f" -- {result.error.splitlines()[0]}" if result.error else ""),
            flush=True,
        )

    return on_result


def describe_ratios(case, result):
    """`"refined/none 1.03, softmax/refined 2.1"`: an interleaved comparison's median ratios."""
    ratios = result.metrics.get("ratios", {})
    return ", ".join(f"{name} {stats['median']:.3g}" for name, stats in ratios.items())
