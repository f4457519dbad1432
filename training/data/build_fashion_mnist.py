"""Rebuild the bundled `fashion_mnist_test.npz` from Fashion-MNIST's IDX files.

Usage:

```
python -m training.data.build_fashion_mnist [--idx-dir /usr/share/datasets/fashion-mnist]
```

The IDX files come from Debian's `dataset-fashion-mnist` package or from
https://github.com/zalandoresearch/fashion-mnist (`t10k-*-ubyte.gz`).
"""

import argparse
import os

import numpy as np

from training.data import fashion_mnist_files


def build(idx_dir=fashion_mnist_files.DEBIAN_DIR, output=None):
    """Write the test split of Fashion-MNIST as a compressed npz of uint8 `images` and `labels`.

    Args:
        idx_dir: folder holding `t10k-images-idx3-ubyte.gz` and `t10k-labels-idx1-ubyte.gz`.
        output: file to write; defaults to the bundled file inside this package.

    Returns:
        The path written.
    """
    images_file, labels_file = fashion_mnist_files.IDX_FILES["test"]
    images = fashion_mnist_files.read_idx(os.path.join(idx_dir, images_file))
    labels = fashion_mnist_files.read_idx(os.path.join(idx_dir, labels_file))
    if images.dtype != np.uint8 or images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise ValueError(
            f"Expected uint8 images (n, 28, 28) and n labels. Received: images "
            f"{images.dtype} {images.shape}, labels {labels.shape}"
        )
    if output is None:
        output = os.path.join(os.path.dirname(__file__), fashion_mnist_files.EMBEDDED_FILE)
    np.savez_compressed(output, images=images, labels=labels.astype(np.uint8))
    return output


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--idx-dir", default=fashion_mnist_files.DEBIAN_DIR, help="folder of IDX files"
    )
    parser.add_argument("--output", default=None, help="npz to write (default: the bundled one)")
    args = parser.parse_args(argv)
    path = build(args.idx_dir, args.output)
    print(f"Wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
