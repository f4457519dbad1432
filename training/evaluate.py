"""`python -m training.evaluate --logdir RUN`: FID and KID of a trained GAN, into its TensorBoard.

Samples `--num-samples` images from the run's moving-average generator (or the raw one with
`--no-ema`), compares them with as many real images of the run's dataset (`--reference` split, at
the run's resolution), prints FID and KID and writes them to the run's TensorBoard as `eval/fid`,
`eval/kid` and `eval/kid_std` at the checkpoint's step. The real images' statistics are cached per
dataset, split, resolution, channels, number of images and resize mode (`--cache-dir`).

`--attention KIND` evaluates the same weights with every attention block in another form (the
forms share their variables): the FID of a softmax run right after its conversion to refined or
efficient. Nothing is written to the run's TensorBoard then; `--json FILE` keeps the result.

FID depends on the number of images: compare runs only at the same `--num-samples` (and resize).
See docs/evaluation.md.
"""

import argparse
import json
import os
import sys

from training import quiet
from training.arguments import integer_at_least
from training.arguments import positive_int

DESCRIPTION = __doc__.split("\n\n", 1)[1]
EPILOG = """\
examples:
  python -m training.evaluate --logdir runs/sagan_refined
  python -m training.evaluate --logdir runs/sagan_refined --num-samples 5000 --reference train
  python -m training.evaluate --logdir runs/sagan_softmax --attention refined --json fid.json
"""


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m training.evaluate",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--logdir", required=True, help="the run's directory")
    parser.add_argument(
        "--checkpoint", help="checkpoint path prefix (default: the newest in the logdir)"
    )
    parser.add_argument(
        "--num-samples", type=integer_at_least(2), default=1000, metavar="N",
        help="generated and real images each (default: 1000)",
    )
    parser.add_argument(
        "--reference", choices=("test", "train"),
        help="split of the real images (default: test where the dataset has one, else train)",
    )
    parser.add_argument(
        "--cache-dir", metavar="DIR",
        help="where real statistics are cached (default: ~/.cache/keras-refined-sa/fid-stats)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the latents and KID subsets")
    parser.add_argument(
        "--batch-size", type=positive_int, default=32, metavar="N",
        help="images per generator and Inception call (default: 32)",
    )
    parser.add_argument(
        "--resize", choices=("clean", "legacy-tf"), default="clean",
        help="filter that brings images to 299×299 (default: clean)",
    )
    parser.add_argument(
        "--no-ema", action="store_true", help="the raw generator, not its moving average"
    )
    parser.add_argument(
        "--attention", metavar="KIND",
        help="evaluate the run's weights with every attention block converted to KIND "
        "(softmax, refined, efficient: the same variables); implies --no-summary",
    )
    parser.add_argument(
        "--no-summary", action="store_true", help="print only; write nothing to TensorBoard"
    )
    parser.add_argument(
        "--json", metavar="FILE", help="also write the result (fid, kid, kid_std, step) as JSON"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    quiet.add_verbose_option(parser)
    return parser


def write_summaries(logdir, result, step):
    """Writes `eval/fid`, `eval/kid`, `eval/kid_std` at `step` to the run's TensorBoard."""
    import tensorflow as tf

    writer = tf.summary.create_file_writer(logdir)
    with writer.as_default():
        for key in ("fid", "kid", "kid_std"):
            tf.summary.scalar(f"eval/{key}", result[key], step=step)
    writer.flush()
    writer.close()


def main(argv=None):
    """Runs `python -m training.evaluate` with `argv`; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not os.path.isdir(args.logdir):
        parser.error(f"--logdir {args.logdir} is not a folder")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    quiet.import_tensorflow(args.verbose)  # before the imports below, which start TensorFlow
    from training import data
    from training import evaluation
    from training.runtime import CheckpointError
    from training.runtime import load_saved_run

    try:
        run = load_saved_run(
            args.logdir, args.checkpoint, ema=not args.no_ema, attention=args.attention
        )
    except (CheckpointError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not run.family.generates_images:
        print(f"error: FID evaluates generators; {args.logdir} holds a {run.family.name} run",
              file=sys.stderr)
        return 2
    progress = None
    if not args.no_progress:
        from tqdm import tqdm

        bar = tqdm(desc="FID images", unit="image", file=sys.stderr, leave=False)
        progress = bar.update
    try:
        result = run.family.generated_image_metrics(
            run.network, run.model, run.config, num_images=args.num_samples, reference=args.reference, cache_dir=args.cache_dir,
            seed=args.seed, batch_size=args.batch_size, resize=args.resize, progress=progress,
        )
    except (evaluation.EvaluationError, data.DatasetError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        if progress is not None:
            bar.close()
    step = run.step
    print(f"FID: {result['fid']:.4f}")
    print(f"KID: {result['kid']:.6f} ± {result['kid_std']:.6f}")
    print(
        f"({args.num_samples} generated vs {args.num_samples} real {result['split']} images of "
        f"{run.config.dataset} at {run.config.resolution} px, resize {args.resize}, step {step}"
        f"{', real statistics from the cache' if result['cached'] else ''})"
    )
    if args.json:
        record = {key: float(result[key]) for key in ("fid", "kid", "kid_std")}
        record.update(
            step=step,
            num_samples=args.num_samples,
            attention=args.attention,
            reference=f"{result['split']} split of {run.config.dataset}",
        )
        with open(args.json, "w") as file:
            json.dump(record, file, indent=2)
    if not (args.no_summary or args.attention):
        write_summaries(args.logdir, result, step)
        print(f"Wrote eval/fid, eval/kid, eval/kid_std at step {step} to {args.logdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
