"""Rebuild the standalone figures that the README shows.

Usage: python website/build_figures.py [--out docs/assets/figures]

Each figure is computed from the real pretrained weights and written
atomically. PNG metadata that changes between runs (the software version) is
left out, so the same library versions reproduce the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from modern_convnets._atomic import atomic_path
from modern_convnets.grids import image_grid
from modern_convnets.pretrained import xception_base

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "docs" / "assets" / "figures"


def xception_block1_filters() -> Figure:
    """The 32 first-layer filters of ImageNet Xception as RGB patches."""
    kernel = np.asarray(xception_base().get_layer("block1_conv1").kernel)
    return image_grid(
        np.moveaxis(kernel, -1, 0),
        ncols=16,
        normalise=True,
        interpolation="nearest",
        cell_size=0.6,
    )


FIGURES: dict[str, Callable[[], Figure]] = {
    "xception-block1-filters.png": xception_block1_filters,
}


def main(argv: list[str] | None = None) -> None:
    """Write every figure of `FIGURES` into `--out`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    for name, make in FIGURES.items():
        target = args.out / name
        with atomic_path(target) as tmp:
            make().savefig(tmp, dpi=150, metadata={"Software": None})
        digest = hashlib.sha256(target.read_bytes()).hexdigest()[:12]
        print(f"wrote {target} (sha256 {digest})")


if __name__ == "__main__":
    main()
