"""The lab's files: the guide's trained models, ready for the browser.

The site's lab page runs `small_convnet` and `mini_xception` on a reader's
own photo with TensorFlow.js. `export_lab` writes everything the page reads
besides TensorFlow.js itself:

- each model as a TensorFlow.js layers model (`modern_convnets.export`);
- `lab.json`, the manifest: for each model its input size, class names, the
  layers whose activations the page offers (`lab_layers`) and the layers it
  explains with Grad-CAM (`GRADCAM_LAYERS`); the colour maps of the guide's
  figures as 256-entry tables; the sample photos;
- a few held-out photos (from `validation/`, never seen in training) for
  readers without a photo at hand.

The page computes what the package computes: the same resizing (bilinear,
half-pixel centres), activations and Grad-CAM on the logit, so its numbers
can be checked against `modern_convnets.activations` and
`modern_convnets.gradcam` for the same decoded pixels.

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
from modern_convnets.activations import activation_layers
from modern_convnets.data import CLASS_NAMES, find_dataset
from modern_convnets.export import export_tfjs
from modern_convnets.images import input_size
from modern_convnets.records import write_json
from modern_convnets.shipped import load_trained

if TYPE_CHECKING:
    import keras

LAB_MODELS = ("small_convnet", "mini_xception")
"""The shipped models the lab runs, in page order."""

GRADCAM_LAYERS: dict[str, tuple[str, ...]] = {
    "small_convnet": ("block5_conv", "block4_conv"),
    "mini_xception": ("block5_add", "block4_add", "block3_add"),
}
"""The layers the lab explains with: the last feature map first, then earlier
blocks, whose finer maps show where the evidence sits before it is pooled."""

SAMPLE_PHOTOS = (
    "cats/cat.2002.jpg",
    "cats/cat.2043.jpg",
    "cats/cat.2118.jpg",
    "dogs/dog.2004.jpg",
    "dogs/dog.2027.jpg",
    "dogs/dog.2114.jpg",
)
"""Held-out photos offered on the page, relative to `validation/`."""

CLASSES = tuple(name.removesuffix("s") for name in CLASS_NAMES)
"""The class names the lab shows, by class index: ("cat", "dog")."""

COLORMAPS = {"activations": "viridis", "gradcam": "jet"}
"""The matplotlib colour maps of the guide's activation plots and overlays."""

GRADCAM_ALPHA = 0.4
"""Weight of the coloured map in an overlay, as `modern_convnets.heatmaps.overlay`."""

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


def colormap_table(name: str) -> list[list[int]]:
    """A matplotlib colour map as 256 RGB rows of integers in [0, 255].

    Raises:
        ValueError: `name` is not a matplotlib colour map.

    Examples:
        >>> colormap_table("gray")[255]
        [255, 255, 255]
    """
    import matplotlib

    try:
        colours = matplotlib.colormaps[name]
    except KeyError:
        raise ValueError(
            f"name={name!r} is not a matplotlib colour map, e.g. 'viridis', 'jet'"
        ) from None
    table = colours(np.linspace(0.0, 1.0, 256))[:, :3]
    return np.round(table * 255).astype(int).tolist()


def _model_entry(name: str, model: keras.Model) -> dict[str, Any]:
    layers = lab_layers(model)
    return {
        "name": name,
        "path": f"models/{name}/model.json",
        "input_size": list(input_size(model)),
        "layers": [
            {"name": layer, "shape": list(model.get_layer(layer).output.shape[1:])}
            for layer in layers
        ],
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
    out = Path(out_dir)
    validation = find_dataset(data, download=False) / "validation"
    models = []
    for name in LAB_MODELS:
        model = load_trained(name)
        export_tfjs(model, out / "models" / name)
        models.append(_model_entry(name, model))
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
            "colormaps": {
                use: {"name": name, "table": colormap_table(name)}
                for use, name in COLORMAPS.items()
            },
            "gradcam_alpha": GRADCAM_ALPHA,
        },
    )
    return manifest


__all__ = [
    "CLASSES",
    "GRADCAM_LAYERS",
    "LAB_MODELS",
    "SAMPLE_PHOTOS",
    "colormap_table",
    "export_lab",
    "lab_layers",
]
