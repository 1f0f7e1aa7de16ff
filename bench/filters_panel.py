#!/usr/bin/python3
"""Side-by-side receptive-field mosaics of several rgflow models (one panel per model).

Each panel shows the first N columns of /rbm/weights as 28×28 (or √n_visible square) tiles, each
tile scaled symmetrically to its own largest |w|. Needs Debian's python3-h5py and
python3-matplotlib (/usr/bin/python3). Used for docs/img/mnist-gaussian-filters.png:

    /usr/bin/python3 bench/filters_panel.py --out docs/img/mnist-gaussian-filters.png \\
        bench/results/mnist-gaussian/{cd1,pcd1,tap2,tap2-np}.h5
"""
import argparse
import math
import os
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def die(message):
    print(f"filters_panel: {message}", file=sys.stderr)
    sys.exit(2)


def mosaic(weights, count, cols):
    n_visible, n_hidden = weights.shape
    side = math.isqrt(n_visible)
    if side * side != n_visible:
        die(f"{n_visible} visible units are not a square image")
    count = min(count, n_hidden)
    rows = math.ceil(count / cols)
    out = np.full((rows * (side + 1) + 1, cols * (side + 1) + 1), np.nan)
    for k in range(count):
        w = weights[:, k].reshape(side, side)
        scale = np.abs(w).max() or 1.0
        r, c = divmod(k, cols)
        out[1 + r * (side + 1):1 + r * (side + 1) + side, 1 + c * (side + 1):1 + c * (side + 1) + side] = w / scale
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=64, help="filters per model")
    ap.add_argument("--cols", type=int, default=8)
    ap.add_argument("--titles", help="comma-separated panel titles (default: file names)")
    a = ap.parse_args()
    titles = a.titles.split(",") if a.titles else [os.path.splitext(os.path.basename(m))[0] for m in a.models]
    if len(titles) != len(a.models):
        die("--titles needs one title per model")
    fig, axes = plt.subplots(1, len(a.models), figsize=(3.2 * len(a.models), 3.5), squeeze=False)
    cmap = plt.get_cmap("gray").copy()
    cmap.set_bad("white")
    for ax, path, title in zip(axes[0], a.models, titles):
        try:
            with h5py.File(path, "r") as f:
                weights = np.asarray(f["rbm/weights"], dtype=np.float64)
        except (OSError, KeyError) as e:
            die(f"{path}: {e}")
        ax.imshow(mosaic(weights, a.count, a.cols), cmap=cmap, vmin=-1, vmax=1, interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    fig.tight_layout()
    tmp = a.out + ".tmp.png"
    fig.savefig(tmp, dpi=80)
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
