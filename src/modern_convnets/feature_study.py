"""The study behind the guide's page on feature visualisation, and its results.

The same channels of ImageNet Xception, seen through several recipes: the
lecture's (`modern_convnets.filters`); the preconditioned one
(`modern_convnets.preconditioned`) at about the lecture's compute and for
longer; the centre-neuron objective; the preconditioned recipe with one
ingredient removed at a time and stopped early; and the photos of the data set
that excite each channel most (`modern_convnets.dataset_examples`).

It takes minutes of CPU, too long for a page build, so it runs on its own
(`nox -s feature-study`, or `python -m modern_convnets.feature_study`) and
writes two files atomically beside the trained models: `feature_study.npz`
(every image and objective curve) and `feature_study.json` (the settings,
seeds, library versions, wall times and dataset examples). The page loads them
with `load` and recomputes one run to check that they are not stale.

Examples:
    ```python
    from modern_convnets.feature_study import load

    study = load()
    study.images("block8_sepconv1", "long").shape  # (4, 128, 128, 3)
    ```
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from modern_convnets._atomic import atomic_path
from modern_convnets.data import find_dataset
from modern_convnets.dataset_examples import Example, top_examples_by_layer
from modern_convnets.filters import ascend_filters
from modern_convnets.preconditioned import Recipe, visualize
from modern_convnets.records import dataset_fingerprint, hardware, write_json
from modern_convnets.shipped import TRAINED_DIR

if TYPE_CHECKING:
    import keras

LAYERS = ("block3_sepconv1", "block8_sepconv1", "block13_sepconv1")
"""An early, a middle and a late block of Xception."""

CHANNELS = (0, 1, 2, 3)
"""The channels shown for every layer: the first four, not chosen for looks."""

SEED = 0
"""The seed of every run."""

INGREDIENT_LAYER = "block8_sepconv1"
"""The layer of the runs that remove one ingredient, or stop early."""

TOP = 16
"""Dataset examples kept per channel."""

IMAGES = TRAINED_DIR / "feature_study.npz"
MANIFEST = TRAINED_DIR / "feature_study.json"


@dataclasses.dataclass(frozen=True)
class Run:
    """One recipe on one layer's `CHANNELS`.

    Attributes:
        name: The run's name within its layer ("lecture", "long", ...).
        layer: The layer.
        recipe: The preconditioned recipe; None for the lecture's.
        steps: The lecture recipe's steps (unused with a `recipe`).
    """

    name: str
    layer: str
    recipe: Recipe | None = None
    steps: int = 30

    def settings(self) -> dict[str, Any]:
        """The run's settings as the manifest holds them (JSON types)."""
        if self.recipe is None:
            return {
                "recipe": "lecture",
                "steps": self.steps,
                "image_size": 200,
                "learning_rate": 10.0,
            }
        settings = {"recipe": "preconditioned", **dataclasses.asdict(self.recipe)}
        return json.loads(json.dumps(settings))  # tuples become lists


def runs() -> list[Run]:
    """Every run of the study, in the order it computes them.

    Per layer: the lecture's recipe ("lecture", 30 steps at 200 px, as the
    lecture wrote it), the preconditioned recipe at about the same compute
    ("equal-compute", 64 steps at 128 px) and for four times longer
    ("long", 256 steps), and the centre-neuron objective ("neuron", 256).
    At `INGREDIENT_LAYER` also the lecture's recipe run for 256 steps, the
    long run without each ingredient, and the preconditioned recipe stopped
    after 16, 32 and 128 steps.

    Examples:
        >>> [run.name for run in runs()][:4]
        ['lecture', 'equal-compute', 'long', 'neuron']
    """
    long = Recipe(steps=256)
    plan = []
    for layer in LAYERS:
        plan += [
            Run("lecture", layer),
            Run("equal-compute", layer, Recipe(steps=64)),
            Run("long", layer, long),
            Run("neuron", layer, dataclasses.replace(long, objective="neuron")),
        ]
    layer = INGREDIENT_LAYER
    plan += [
        Run("lecture-256", layer, steps=256),
        Run("pixels", layer, dataclasses.replace(long, parameterization="pixels")),
        Run("no-decorrelation", layer, dataclasses.replace(long, decorrelate=False)),
        Run("no-transforms", layer, dataclasses.replace(long, transforms=None)),
        *(Run(f"steps-{n}", layer, Recipe(steps=n)) for n in (16, 32, 128)),
    ]
    return plan


def compute_run(model: keras.Model, run: Run) -> tuple[np.ndarray, np.ndarray]:
    """One run's displayed images (uint8) and objective curves (float32).

    Every curve has `steps + 1` values (`ascent.AscentResult.objectives`): the
    objective before each step, as that step saw the image, and on the final
    image.

    Examples:
        ```python
        images, objectives = compute_run(xception_base(), runs()[1])
        ```
    """
    if run.recipe is None:
        result = ascend_filters(
            model, run.layer, CHANNELS, steps=run.steps, seed=SEED, batch_size=4
        )
    else:
        result = visualize(model, run.layer, CHANNELS, recipe=run.recipe, seed=SEED)
    return result.images, result.objectives.astype("float32")


def _example_record(example: Example, root: Path) -> dict[str, Any]:
    return {
        "path": example.path.relative_to(root).as_posix(),
        "activation": example.activation,
        "peak": list(example.peak),
        "box": list(example.box),
    }


def study_photos(root: str | os.PathLike[str]) -> list[Path]:
    """The photos scanned for dataset examples: all of the data set, sorted.

    Args:
        root: The `cats_and_dogs_filtered` folder.

    Examples:
        ```python
        len(study_photos(find_dataset()))  # 3000
        ```
    """
    return sorted(Path(root).glob("*/*/*.jpg"))


def run_study(
    model: keras.Model,
    data: str | os.PathLike[str] | None = None,
    *,
    images_path: str | os.PathLike[str] = IMAGES,
    manifest_path: str | os.PathLike[str] = MANIFEST,
    plan: Sequence[Run] | None = None,
    log: Callable[[str], object] = print,
) -> dict[str, Any]:
    """Compute every run and the dataset examples; write both files.

    Args:
        model: ImageNet Xception without its top (`pretrained.xception_base`).
        data: Folder holding `cats_and_dogs_filtered` (see
            `data.find_dataset`); None: the usual places.
        images_path: The `.npz` to write.
        manifest_path: The `.json` to write.
        plan: The runs; None: `runs()`.
        log: Called with a line of progress after each part.

    Returns:
        The manifest written.
    """
    root = find_dataset(data)
    plan = runs() if plan is None else list(plan)
    started = time.perf_counter()
    arrays, records = {}, []
    for run in plan:
        tic = time.perf_counter()
        images, objectives = compute_run(model, run)
        seconds = time.perf_counter() - tic
        arrays[f"{run.layer}/{run.name}/images"] = images
        arrays[f"{run.layer}/{run.name}/objectives"] = objectives
        records.append(
            {
                "layer": run.layer,
                "name": run.name,
                "channels": list(CHANNELS),
                "seed": SEED,
                "settings": run.settings(),
                "wall_seconds": round(seconds, 2),
            }
        )
        log(f"{run.layer} {run.name}: {seconds:.1f} s")

    photos = study_photos(root)
    tic = time.perf_counter()
    widths = {layer: model.get_layer(layer).output.shape[-1] for layer in LAYERS}
    examples = top_examples_by_layer(
        model,
        {layer: range(width) for layer, width in widths.items()},
        photos,
        top=TOP,
        progress=True,
    )
    scan_seconds = time.perf_counter() - tic
    log(f"dataset examples, {len(photos)} photos: {scan_seconds:.1f} s")

    manifest = {
        "runs": records,
        "dataset_examples": {
            "photos": len(photos),
            "image_size": 299,
            "top": TOP,
            "dataset_sha256": dataset_fingerprint(root),
            "wall_seconds": round(scan_seconds, 2),
            "examples": {
                layer: {
                    str(c): [_example_record(e, root) for e in examples[layer][c]]
                    for c in CHANNELS
                }
                for layer in LAYERS
            },
            # Every channel's dogs among its TOP photos: how class-specific
            # the layer is, beyond the channels shown.
            "dogs_among_top": {
                layer: [
                    sum(e.path.parent.name == "dogs" for e in examples[layer][c])
                    for c in range(widths[layer])
                ]
                for layer in LAYERS
            },
        },
        "hardware": hardware(),
        "numpy": np.__version__,
        "wall_seconds": round(time.perf_counter() - started, 2),
    }
    with atomic_path(images_path) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    write_json(manifest_path, manifest)
    return manifest


@dataclasses.dataclass(frozen=True)
class FeatureStudy:
    """The study's results, as `load` reads them.

    Attributes:
        manifest: Settings, seeds, versions, wall times, dataset examples.
        arrays: `"{layer}/{run}/images"` and `"{layer}/{run}/objectives"`.
    """

    manifest: dict[str, Any]
    arrays: dict[str, np.ndarray]

    def _get(self, layer: str, name: str, kind: str) -> np.ndarray:
        key = f"{layer}/{name}/{kind}"
        if key not in self.arrays:
            known = sorted({k.rsplit("/", 1)[0] for k in self.arrays})
            raise KeyError(
                f"no run {name!r} for layer {layer!r}; the study has: "
                + ", ".join(known)
            )
        return self.arrays[key]

    def images(self, layer: str, name: str) -> np.ndarray:
        """A run's images as displayed, uint8 `(len(CHANNELS), h, w, 3)`."""
        return self._get(layer, name, "images")

    def objectives(self, layer: str, name: str) -> np.ndarray:
        """A run's objective curves, float32 `(len(CHANNELS), steps)`."""
        return self._get(layer, name, "objectives")

    def run(self, layer: str, name: str) -> dict[str, Any]:
        """A run's manifest record: settings, seed, wall time."""
        for record in self.manifest["runs"]:
            if record["layer"] == layer and record["name"] == name:
                return record
        self._get(layer, name, "images")  # raises, naming the runs
        raise AssertionError("unreachable")

    def examples(self, layer: str, channel: int) -> list[dict[str, Any]]:
        """A channel's dataset examples, strongest first: path, activation, box."""
        return self.manifest["dataset_examples"]["examples"][layer][str(channel)]


def load(
    images_path: str | os.PathLike[str] = IMAGES,
    manifest_path: str | os.PathLike[str] = MANIFEST,
) -> FeatureStudy:
    """The study's results as shipped (or as written elsewhere by `run_study`).

    Examples:
        ```python
        study = load()
        study.run("block3_sepconv1", "long")["wall_seconds"]
        ```
    """
    with np.load(images_path) as data:
        arrays = {key: data[key] for key in data.files}
    return FeatureStudy(json.loads(Path(manifest_path).read_text()), arrays)


def main(argv: list[str] | None = None) -> None:
    """Command line: `python -m modern_convnets.feature_study [--data DIR]`."""
    parser = argparse.ArgumentParser(
        prog="python -m modern_convnets.feature_study",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--data", help="folder holding cats_and_dogs_filtered/")
    parser.add_argument("--images", type=Path, default=IMAGES)
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    args = parser.parse_args(argv)
    from modern_convnets.pretrained import xception_base

    manifest = run_study(
        xception_base(),
        args.data,
        images_path=args.images,
        manifest_path=args.manifest,
        log=lambda line: print(line, flush=True),
    )
    print(f"wrote {args.images} and {args.manifest} in {manifest['wall_seconds']} s")


if __name__ == "__main__":
    main()
