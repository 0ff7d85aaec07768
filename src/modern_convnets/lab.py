"""The lab's files: the guide's trained models, ready for the browser.

The site's lab page runs `small_convnet` and `mini_xception` on a reader's
own photo with TensorFlow.js. `export_lab` writes everything the page reads
besides TensorFlow.js itself:

- each model as a TensorFlow.js layers model (`modern_convnets.export`);
- `lab.json`, the manifest: the class names; for each model its input size,
  held-out accuracy and download size, the layers whose activations the page
  offers (`lab_layers`, each with its mosaic's columns) and the layers it
  explains with Grad-CAM; how to draw (overlay alpha, colour maps as
  matplotlib's 256-entry tables, mosaic margin, the colour of blank
  channels); the sample photos;
- a few held-out photos (from `validation/`, never seen in training) for
  readers without a photo at hand.

What the page shows, and how it draws it, comes from `modern_convnets.panel`,
as for `python -m modern_convnets explain`. The page computes what the
package computes: the same resizing (bilinear, half-pixel centres),
activations and Grad-CAM on the logit, the same overlays
(`modern_convnets.heatmaps.overlay`) and mosaics
(`modern_convnets.activation_plots.channel_mosaic`), so its numbers and pixels can be
checked against Python's for the same decoded pixels.

Examples:
    ```python
    from modern_convnets.lab import export_lab

    export_lab("site/lab")  # models/, samples/ and lab.json
    ```
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from modern_convnets._atomic import atomic_path
from modern_convnets.activation_plots import BLANK_COLOUR
from modern_convnets.activations import activation_layers
from modern_convnets.data import find_dataset
from modern_convnets.export import export_tfjs
from modern_convnets.images import input_size
from modern_convnets.panel import (
    CLASSES,
    COLORMAPS,
    GRADCAM_LAYERS,
    MODELS,
    MOSAIC_MARGIN,
    OVERLAY_ALPHA,
    mosaic_columns,
)
from modern_convnets.records import write_json
from modern_convnets.shipped import load_trained, trained_manifest

if TYPE_CHECKING:
    import keras

SAMPLE_PHOTOS = (
    "cats/cat.2002.jpg",
    "cats/cat.2043.jpg",
    "cats/cat.2118.jpg",
    "dogs/dog.2004.jpg",
    "dogs/dog.2027.jpg",
    "dogs/dog.2114.jpg",
)
"""Held-out photos offered on the page, relative to `validation/`."""

MANIFEST = "lab.json"


def lab_layers(model: keras.Model) -> list[str]:
    """The layers whose activations the lab offers, in model order.

    The convolution and pooling layers (`activation_layers`) and the outputs
    of residual blocks (`Add` layers), where a block's result is seen.

    Examples:
        ```python
        lab_layers(load_trained("mini_xception"))[:4]
        # ['stem_conv', 'block1_sepconv1', 'block1_sepconv2', 'block1_pool']
        ```
    """
    import keras

    wanted = set(activation_layers(model))
    return [
        layer.name
        for layer in model.layers
        if layer.name in wanted or isinstance(layer, keras.layers.Add)
    ]


def colormap_table(name: str) -> list[list[float]]:
    """A matplotlib colour map as its 256 RGB rows, floats in [0, 1].

    Exactly matplotlib's values, unrounded: the page blends them over the
    photo as `modern_convnets.heatmaps.overlay` does, to the same pixels.

    Raises:
        ValueError: `name` is not a matplotlib colour map.

    Examples:
        >>> colormap_table("gray")[255]
        [1.0, 1.0, 1.0]
    """
    import matplotlib

    try:
        colours = matplotlib.colormaps[name]
    except KeyError:
        raise ValueError(
            f"name={name!r} is not a matplotlib colour map, e.g. 'viridis', 'jet'"
        ) from None
    table = colours(np.linspace(0.0, 1.0, 256))[:, :3]
    return table.tolist()


def _model_entry(name: str, model: keras.Model, folder: Path) -> dict[str, Any]:
    record = trained_manifest(name)
    layers = []
    for layer in lab_layers(model):
        shape = list(model.get_layer(layer).output.shape[1:])
        layers.append(
            {"name": layer, "shape": shape, "mosaic_columns": mosaic_columns(shape[-1])}
        )
    return {
        "name": name,
        "path": f"models/{name}/model.json",
        "download_bytes": sum(f.stat().st_size for f in folder.iterdir()),
        "test_accuracy": record["test_accuracy"],
        "test_photos": record["test_photos"],
        "input_size": list(input_size(model)),
        "layers": layers,
        "gradcam_layers": list(GRADCAM_LAYERS[name]),
    }


def export_lab(
    out_dir: str | os.PathLike[str], data: str | os.PathLike[str] | None = None
) -> Path:
    """Write the lab's models, sample photos and manifest into `out_dir`.

    Every file is written atomically; the shipped models are only read.

    Args:
        out_dir: The lab page's folder in the built site (created if needed).
        data: Where the photos are, as for `modern_convnets.data.find_dataset`
            (default: `MODERN_CONVNETS_DATA`); never downloaded.

    Returns:
        The path of the manifest, `lab.json`.

    Examples:
        ```python
        export_lab("site/lab", data="/data")
        ```
    """
    from matplotlib.colors import to_rgb

    out = Path(out_dir)
    validation = find_dataset(data, download=False) / "validation"
    models = []
    for name in MODELS:
        model = load_trained(name)
        export_tfjs(model, out / "models" / name)
        models.append(_model_entry(name, model, out / "models" / name))
    samples = []
    for relative in SAMPLE_PHOTOS:
        source = validation / relative
        target = out / "samples" / Path(relative).name
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
        samples.append(
            {"path": f"samples/{target.name}", "label": source.parent.name[:-1]}
        )
    manifest = out / MANIFEST
    write_json(
        manifest,
        {
            "classes": list(CLASSES),
            "models": models,
            "samples": samples,
            "drawing": {
                "overlay_alpha": OVERLAY_ALPHA,
                "mosaic_margin": MOSAIC_MARGIN,
                "blank_colour": list(to_rgb(BLANK_COLOUR)),
                "colormaps": {
                    use: {"name": name, "table": colormap_table(name)}
                    for use, name in COLORMAPS.items()
                },
            },
        },
    )
    return manifest


__all__ = [
    "SAMPLE_PHOTOS",
    "colormap_table",
    "export_lab",
    "lab_layers",
]
