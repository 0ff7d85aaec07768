"""Explain photos on the command line: what the lab shows, as one PNG per photo.

    python -m modern_convnets explain my-cat.jpg my-dog.jpg --out explained/

For each photo, a panel with one row per shipped model: the photo as the
model sees it with P(dog), the Grad-CAM overlays for "dog" and "cat" at the
model's last feature map (both on one scale: the largest value of either
map), and the first layer's activations. The numbers and
the drawing are the lab page's (`modern_convnets.lab`) for the same decoded
pixels: both take what they show, and how, from `modern_convnets.panel`.
Photos are read by `modern_convnets.photos.read_photo`, as everywhere in the
package: turned upright by their EXIF orientation tag, transparent parts laid
over white, as the lab does. Files that cannot be read are reported and
skipped; each panel is written atomically.

Examples:
    ```python
    from modern_convnets.explain import explain_photos

    explain_photos(["cat.2000.jpg"], "explained")
    # [PosixPath('explained/cat.2000.png')]
    ```
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from modern_convnets._atomic import atomic_path
from modern_convnets.activation_plots import channel_mosaic
from modern_convnets.activations import activation_layers, get_activations
from modern_convnets.gradcam import gradcam
from modern_convnets.heatmaps import overlay
from modern_convnets.images import model_batch
from modern_convnets.panel import (
    CLASSES,
    COLORMAPS,
    GRADCAM_LAYERS,
    MODELS,
    MOSAIC_MARGIN,
    OVERLAY_ALPHA,
    mosaic_columns,
)
from modern_convnets.photos import read_photo
from modern_convnets.shipped import load_trained

if TYPE_CHECKING:
    import keras


@dataclass(frozen=True)
class Explanation:
    """What one model makes of one photo.

    Attributes:
        model: The model's name.
        p_dog: The probability of "dog" (class 1); P(cat) is one minus it.
        pixels: The photo as the model sees it, (height, width, 3) in [0, 255].
        gradcam_layer: The layer the heatmaps explain with.
        gradcam: Class name (`modern_convnets.panel.CLASSES`) → heatmap in
            [0, 1], both maps divided by the largest value of either
            (`gradcam(..., scale="shared")`): the class with the stronger
            evidence peaks at 1, the other is drawn as much dimmer as its
            evidence is weaker.
        first_layer: The name of the model's first convolution layer.
        activations: That layer's feature maps, (height, width, channels).
    """

    model: str
    p_dog: float
    pixels: np.ndarray
    gradcam_layer: str
    gradcam: Mapping[str, np.ndarray]
    first_layer: str
    activations: np.ndarray


def explain_pixels(name: str, model: keras.Model, pixels: np.ndarray) -> Explanation:
    """Run one model on decoded pixels: P(dog), Grad-CAM, first-layer activations.

    Args:
        name: The model's name in `modern_convnets.panel.GRADCAM_LAYERS`.
        model: The model (not modified).
        pixels: (height, width, 3) RGB pixels in [0, 255], any size.

    Examples:
        ```python
        result = explain_pixels("small_convnet", load_trained("small_convnet"),
                                read_photo("cat.2000.jpg"))
        round(result.p_dog, 3)
        ```
    """
    batch = model_batch(model, pixels)
    layer = GRADCAM_LAYERS[name][0]
    first = activation_layers(model)[0]
    # Every class's map in one gradient computation: one copy per class, on
    # one scale, so that a class's map is as bright as its evidence is strong.
    copies = np.repeat(batch, len(CLASSES), axis=0)
    maps = gradcam(
        model,
        copies,
        layer_name=layer,
        target=list(range(len(CLASSES))),
        scale="shared",
    )
    return Explanation(
        model=name,
        p_dog=float(model.predict(batch, verbose=0)[0, 0]),
        pixels=batch[0],
        gradcam_layer=layer,
        gradcam=dict(zip(CLASSES, maps, strict=True)),
        first_layer=first,
        activations=get_activations(model, batch, [first])[first][0],
    )


def plot_explanations(explanations: Sequence[Explanation], title: str = "") -> Figure:
    """One row per model: photo with P(dog), Grad-CAM for dog and cat, activations."""
    fig = Figure(figsize=(12, 3.2 * len(explanations)), layout="constrained")
    axes = fig.subplots(len(explanations), 4, squeeze=False)
    for row, result in zip(axes, explanations, strict=True):
        shown = np.clip(np.round(result.pixels), 0, 255).astype("uint8")
        row[0].imshow(shown)
        row[0].set_title(
            f"{result.model}\nP(dog) = {result.p_dog:.3f}, "
            f"P(cat) = {1 - result.p_dog:.3f}"
        )
        for ax, label in zip(row[1:3], CLASSES[::-1], strict=True):
            ax.imshow(
                overlay(
                    result.pixels,
                    result.gradcam[label],
                    alpha=OVERLAY_ALPHA,
                    cmap=COLORMAPS["gradcam"],
                )
            )
            ax.set_title(f"Grad-CAM: {label}\n({result.gradcam_layer})")
        channels = result.activations.shape[-1]
        mosaic, _ = channel_mosaic(
            result.activations,
            mosaic_columns(channels),
            cmap=COLORMAPS["activations"],
            margin=MOSAIC_MARGIN,
        )
        row[3].imshow(mosaic, interpolation="nearest")
        row[3].set_title(f"{result.first_layer}\n({channels} channels)")
        for ax in row:
            ax.set_axis_off()
    if title:
        fig.suptitle(title)
    verdicts = ", ".join(f"{r.model} P(dog) = {r.p_dog:.3f}" for r in explanations)
    fig.set_label(f"{title}: {verdicts}, with Grad-CAM maps and activations")
    return fig


def explain_photos(
    photos: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    log: Callable[[str], None] = print,
) -> list[Path]:
    """Write one explanation panel per readable photo into `out_dir`.

    Args:
        photos: Image files.
        out_dir: Folder for the PNG panels (created if needed), named after
            each photo (`cat.jpg` → `cat.png`).
        log: Receives one line per photo: its numbers, or why it was skipped.

    Returns:
        The panels written, in the order of `photos`.

    Raises:
        ValueError: Two photos would write the same panel name.
    """
    targets = [Path(out_dir) / f"{Path(p).stem}.png" for p in photos]
    clashes = {str(t) for t in targets if targets.count(t) > 1}
    if clashes:
        raise ValueError(
            f"photos would overwrite each other's panel: {sorted(clashes)}; "
            "give photos with different names"
        )
    models = {name: load_trained(name) for name in MODELS}
    written = []
    for photo, target in zip(photos, targets, strict=True):
        try:
            pixels = read_photo(photo)
        except (ValueError, FileNotFoundError) as error:
            log(f"skipped {photo}: {error}")
            continue
        results = [explain_pixels(n, m, pixels) for n, m in models.items()]
        fig = plot_explanations(results, title=Path(photo).name)
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as tmp:
            fig.savefig(tmp, dpi=100)
        written.append(target)
        verdicts = ", ".join(f"{r.model} P(dog) = {r.p_dog:.6f}" for r in results)
        log(f"{photo}: {verdicts} -> {target}")
    return written


def main(argv: list[str] | None = None) -> int:
    """`python -m modern_convnets explain PHOTO [PHOTO ...] --out DIR`.

    Returns:
        The exit status: 0 when every photo was explained, 1 when some were
            skipped.
    """
    parser = argparse.ArgumentParser(
        prog="python -m modern_convnets explain",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("photos", nargs="+", type=Path, help="image files")
    parser.add_argument(
        "--out", type=Path, required=True, help="folder for the PNG panels"
    )
    args = parser.parse_args(argv)
    written = explain_photos(args.photos, args.out)
    return 0 if len(written) == len(args.photos) else 1


__all__ = [
    "Explanation",
    "explain_photos",
    "explain_pixels",
    "plot_explanations",
]
