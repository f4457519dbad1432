"""Compares finished runs side by side: `python -m training.compare RUN_DIR [RUN_DIR ...]`.

Reads each run's `config.json` and TensorBoard event files and prints a markdown table with,
per run, the model, the steps trained, the median steps/s and, for every scalar asked for, the
last value and the best one (the highest for PSNR / SSIM, the lowest for anything else), or
`missing` for a tag the run never logged and `diverged at step N` for one that became NaN;
`--plot FILE.png` also draws each tag against the step, one line per run. This is how
`docs/quality.md` compares softmax, refined and no attention: from the runs' own logs.

Example:

    python -m training.compare runs/quality/autoencoder_softmax runs/quality/autoencoder_refined \
        --tags eval/psnr eval/ssim losses/reconstruction --plot psnr.png
"""

import argparse
import glob
import os
import sys

import numpy as np

from training import config as config_lib
from training import quiet

DEFAULT_TAGS = ("eval/psnr", "eval/ssim")
SPEED_TAG = "speed/steps_per_sec"
# Tags whose larger values are better; every other tag counts as a loss.
HIGHER_IS_BETTER = ("psnr", "ssim")
# Table cells of a tag a run never logged, and of one whose values became NaN or infinite.
MISSING = "missing"
DIVERGED = "diverged"


def read_scalars(logdir):
    """`{tag: [(step, value), ...]}` of every scalar in the run's event files, by step."""
    import tensorflow as tf

    scalars = {}
    for path in sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*"))):
        for record in tf.data.TFRecordDataset(path):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                number = _scalar(value)
                if number is not None:
                    scalars.setdefault(value.tag, []).append((event.step, number))
    return {tag: sorted(points) for tag, points in scalars.items()}


def _scalar(value):
    """The number a summary value holds, or None for images, text and other tensors."""
    import tensorflow as tf

    if not value.HasField("tensor"):
        return float(value.simple_value) if value.HasField("simple_value") else None
    array = tf.make_ndarray(value.tensor)
    if array.ndim or array.dtype.kind not in "fiu":
        return None
    return float(array)


def summarise(logdir, tags):
    """One table row of a run: its name, steps, steps/s and `(last, best)` of each tag."""
    config = config_lib.load_config(logdir)
    scalars = read_scalars(logdir)
    speeds = [value for _, value in scalars.get(SPEED_TAG, [])]
    row = {
        "run": os.path.basename(os.path.normpath(logdir)),
        "model": config.model,
        "steps": max((step for points in scalars.values() for step, _ in points), default=0),
        "steps_per_sec": float(np.median(speeds)) if speeds else float("nan"),
    }
    row["missing"], row["diverged"] = set(), {}
    for tag in tags:
        points = scalars.get(tag, [])
        if not points:
            row["missing"].add(tag)
            row[tag] = (float("nan"), float("nan"))
            continue
        values = [value for _, value in points]
        finite = [value for value in values if np.isfinite(value)]
        if len(finite) < len(values):
            # The first non-finite step: the run diverged there (training.run stops at it).
            row["diverged"][tag] = next(step for step, value in points if not np.isfinite(value))
        pool = finite or values
        best = max(pool) if any(key in tag for key in HIGHER_IS_BETTER) else min(pool)
        row[tag] = (values[-1], best)
    return row


def markdown_table(rows, tags):
    """The rows as a markdown table: `last (best)` per tag.

    A tag the run never logged shows `missing`; a tag that became NaN or infinite shows
    `diverged at step N` with the best finite value.
    """
    header = ["run", "model", "steps", "steps/s"] + [f"{tag} last (best)" for tag in tags]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [row["run"], row["model"], str(row["steps"]), f"{row['steps_per_sec']:.2f}"]
        cells += [_cell(row, tag) for tag in tags]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(row, tag):
    if tag in row.get("missing", ()):
        return MISSING
    last, best = row[tag]
    if tag in row.get("diverged", {}):
        return f"{DIVERGED} at step {row['diverged'][tag]} (best {best:.4f})"
    return f"{last:.4f} ({best:.4f})"


def plot_curves(logdirs, tags, path):
    """Writes a PNG with one panel per tag and one line per run, against the step."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(1, len(tags), figsize=(5 * len(tags), 3.6), squeeze=False)
    for logdir in logdirs:
        scalars = read_scalars(logdir)
        label = os.path.basename(os.path.normpath(logdir))
        for axis, tag in zip(axes[0], tags):
            points = scalars.get(tag, [])
            if points:
                steps, values = zip(*points)
                axis.plot(steps, values, marker="o", markersize=3, label=label)
    for axis, tag in zip(axes[0], tags):
        axis.set_title(tag)
        axis.set_xlabel("step")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m training.compare",
        description="Compare finished training runs from their TensorBoard logs.",
    )
    parser.add_argument("logdirs", nargs="+", help="run directories written by training.run")
    parser.add_argument(
        "--tags",
        nargs="+",
        default=list(DEFAULT_TAGS),
        help="scalar tags to compare (default: %(default)s)",
    )
    parser.add_argument("--plot", metavar="FILE.png", help="also plot the tags against the step")
    quiet.add_verbose_option(parser)
    args = parser.parse_args(argv)
    for logdir in args.logdirs:
        if not os.path.isfile(os.path.join(logdir, config_lib.CONFIG_FILENAME)):
            parser.error(
                f"{logdir} holds no {config_lib.CONFIG_FILENAME}: not a run directory of "
                "python -m training.run."
            )
    quiet.import_tensorflow(args.verbose)  # before `read_scalars` imports it
    rows = [summarise(logdir, args.tags) for logdir in args.logdirs]
    print(markdown_table(rows, args.tags))
    if args.plot:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(args.plot)), exist_ok=True)
            plot_curves(args.logdirs, args.tags, args.plot)
        except OSError as error:
            print(f"error: cannot write {args.plot}: {error.strerror or error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
