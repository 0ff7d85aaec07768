"""The guide's two cats-vs-dogs convnets.

Both take raw RGB pixels in [0, 255] (they rescale them to [0, 1] themselves)
and output the probability that the photo shows a dog.

- `small_convnet`: five plain 3 × 3 convolutions with max pooling, a Flatten
  and a dropout: 991,041 parameters. Part B looks at its activations.
- `mini_xception`: a 5 × 5 stem, then five blocks of batch-normalised
  depthwise separable convolutions with residual connections, global average
  pooling and dropout: 721,857 parameters.

Examples:
    >>> model = mini_xception()
    >>> model.count_params()
    721857
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modern_convnets.blocks import xception_block

if TYPE_CHECKING:
    import keras

TRAINED_DIR = Path(__file__).resolve().parent / "trained"
"""Where trained models ship: `NAME.keras`, `.manifest.json`, `.history.json`."""

TRAINABLE = ("small_convnet", "mini_xception")
"""The models `modern_convnets.train` trains from scratch."""

TRAINED = (*TRAINABLE, "xception_cats_vs_dogs")
"""Names accepted by `load_trained`: the above, and the transfer-learning
classifier of `modern_convnets.transfer` (only its head is stored)."""

SMALL_CONVNET_FILTERS = (32, 64, 128, 256, 256)
MINI_XCEPTION_SIZES = (32, 64, 128, 256, 512)


def _check_input_shape(
    input_shape: Sequence[int], minimum: int, model: str
) -> tuple[int, int, int]:
    shape = tuple(input_shape)
    if (
        len(shape) != 3
        or shape[2] != 3
        or not all(isinstance(s, int) and s > 0 for s in shape)
    ):
        raise ValueError(
            f"input_shape={input_shape!r} must be (height, width, 3) with positive "
            "integer height and width"
        )
    if min(shape[:2]) < minimum:
        raise ValueError(
            f"input_shape={input_shape!r} is too small for {model}: its downsampling "
            f"needs a height and width of at least {minimum}"
        )
    return shape  # type: ignore[return-value]


def _small_convnet_minimum() -> int:
    """Smallest input size whose last convolution still outputs one pixel.

    Walks the layers backwards from a 1-pixel output: a 3 × 3 "valid"
    convolution needs 2 more pixels than it outputs, a 2 × 2 pooling twice as
    many.
    """
    n = 1
    for i in reversed(range(len(SMALL_CONVNET_FILTERS))):
        n += 2
        if i > 0:
            n *= 2
    return n


def _inputs_and_rescale(
    input_shape: tuple[int, int, int], augmentation: keras.Layer | None
):
    import keras
    from keras import layers

    inputs = keras.Input(input_shape, name="pixels")
    x = inputs if augmentation is None else augmentation(inputs)
    return inputs, layers.Rescaling(1.0 / 255, name="rescaling")(x)


def small_convnet(
    input_shape: Sequence[int] = (180, 180, 3),
    augmentation: keras.Layer | None = None,
) -> keras.Model:
    """The plain cats-vs-dogs convnet.

    Rescaling(1/255); Conv2D 32, 64, 128, 256, 256 (3 × 3, ReLU, "valid"),
    with 2 × 2 max pooling after the first four; Flatten; Dropout(0.5);
    Dense(1, sigmoid). Its convolution and pooling layers are named
    `block1_conv` … `block5_conv` and `block1_pool` … `block4_pool`.

    Args:
        input_shape: (height, width, 3).
        augmentation: Optional augmentation block applied first (active only
            in training), e.g. `modern_convnets.data.augmentation()`.

    Returns:
        An uncompiled `keras.Model` named `small_convnet`; 991,041 parameters
            at 180 × 180.

    Raises:
        ValueError: `input_shape` is not (h, w, 3) or smaller than 78 × 78.

    Examples:
        >>> small_convnet().count_params()
        991041
    """
    import keras
    from keras import layers

    shape = _check_input_shape(input_shape, _small_convnet_minimum(), "small_convnet")
    inputs, x = _inputs_and_rescale(shape, augmentation)
    for i, filters in enumerate(SMALL_CONVNET_FILTERS, start=1):
        x = layers.Conv2D(filters, 3, activation="relu", name=f"block{i}_conv")(x)
        if i < len(SMALL_CONVNET_FILTERS):
            x = layers.MaxPooling2D(2, name=f"block{i}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(0.5, name="dropout")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    return keras.Model(inputs, outputs, name="small_convnet")


def mini_xception(
    input_shape: Sequence[int] = (180, 180, 3),
    augmentation: keras.Layer | None = None,
    *,
    residual: bool = True,
    batch_norm: bool = True,
    separable: bool = True,
) -> keras.Model:
    """Mini-Xception for cats vs. dogs.

    Rescaling(1/255); a regular 5 × 5 convolution with 32 filters and no bias
    (`stem_conv`: RGB channels are strongly correlated, so the first layer is
    not separable); five `xception_block`s of 32, 64, 128, 256 and 512
    filters (`block1` … `block5`); GlobalAveragePooling2D; Dropout(0.5);
    Dense(1, sigmoid).

    Args:
        input_shape: (height, width, 3).
        augmentation: Optional augmentation block applied first.
        residual: Keep the residual connections (see `xception_block`).
        batch_norm: Keep batch normalisation; without it the convolutions,
            the stem's included, get a bias.
        separable: Depthwise separable convolutions; `False` uses regular
            `Conv2D`s of the same widths (4,902,625 parameters).

    Returns:
        An uncompiled `keras.Model` named `mini_xception`; 721,857 parameters
            with every ingredient.

    Raises:
        ValueError: `input_shape` is not (h, w, 3) or smaller than 5 × 5.

    Examples:
        >>> mini_xception().get_layer("block5_add").output.shape
        (None, 6, 6, 512)
    """
    import keras
    from keras import layers

    shape = _check_input_shape(input_shape, 5, "mini_xception")
    inputs, x = _inputs_and_rescale(shape, augmentation)
    x = layers.Conv2D(32, 5, use_bias=not batch_norm, name="stem_conv")(x)
    for i, size in enumerate(MINI_XCEPTION_SIZES, start=1):
        x = xception_block(
            x,
            size,
            name=f"block{i}",
            residual=residual,
            batch_norm=batch_norm,
            separable=separable,
        )
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(0.5, name="dropout")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    return keras.Model(inputs, outputs, name="mini_xception")


def layer_graph(model: keras.Model) -> str:
    """A plain-text table of a functional model's layers and how they connect.

    One row per layer: name, type, output shape, parameters, and the layers
    whose outputs it takes, so a branch and its merge read off directly
    (unlike `model.summary()`, it needs no wide terminal or rich display).

    Args:
        model: A functional Keras model.

    Returns:
        The table, one line per layer, with a header.

    Examples:
        >>> import keras
        >>> inputs = keras.Input((8, 8, 3), name="in")
        >>> x = keras.layers.Conv2D(4, 3, name="conv")(inputs)
        >>> print(layer_graph(keras.Model(inputs, x)))
        layer  type        output shape         params  takes
        in     InputLayer  (None, 8, 8, 3)           0
        conv   Conv2D      (None, 6, 6, 4)         112  in
    """
    from modern_convnets.diagram import inbound_layer_names

    rows = [("layer", "type", "output shape", "params", "takes")]
    for layer in model.layers:
        inbound = inbound_layer_names(layer)
        shape = str(tuple(layer.output.shape))
        rows.append(
            (
                layer.name,
                type(layer).__name__,
                shape,
                f"{layer.count_params():,}",
                ", ".join(inbound),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for name, kind, shape, params, takes in rows:
        line = (
            f"{name:<{widths[0]}}  {kind:<{widths[1]}}  {shape:<{widths[2]}}  "
            f"{params:>{widths[3]}}  {takes}"
        )
        lines.append(line.rstrip())
    return "\n".join(lines)


def _trained_file(name: str, suffix: str) -> Path:
    if name not in TRAINED:
        raise ValueError(
            f"name={name!r} is not a trained model; valid: {', '.join(TRAINED)}"
        )
    path = TRAINED_DIR / f"{name}{suffix}"
    if not path.is_file():
        raise FileNotFoundError(
            f"The trained {name} is not in this copy of the package ({path} is "
            f"missing). Train it with `nox -s train -- {name}` and copy the run's "
            f"best.keras, manifest.json and history.json to {TRAINED_DIR}/{name}.*"
        )
    return path


def load_trained(name: str) -> keras.Model:
    """A trained cats-vs-dogs model shipped with the package, ready for inference.

    Each takes raw RGB pixels in [0, 255] and returns the probability of
    "dog": `small_convnet` and `mini_xception` at 180 × 180 (their
    augmentation block is inactive in `predict` and `evaluate`; pass
    `training=False` when calling them directly), `xception_cats_vs_dogs` at
    299 × 299 (the frozen ImageNet Xception base with Xception's
    preprocessing inside, and the trained head; the base's weights are found
    as in `modern_convnets.pretrained.xception_base`).

    Args:
        name: `"small_convnet"`, `"mini_xception"` or `"xception_cats_vs_dogs"`.

    Returns:
        The model, uncompiled.

    Raises:
        ValueError: `name` is not one of the trained models.
        FileNotFoundError: That model has not been trained and shipped yet.

    Examples:
        ```python
        model = load_trained("small_convnet")
        model.predict(photos)  # (n, 1) probabilities of "dog"
        ```
    """
    import keras

    stored = keras.models.load_model(_trained_file(name, ".keras"), compile=False)
    if name == "xception_cats_vs_dogs":
        from modern_convnets.transfer import classifier

        return classifier(stored)
    return stored


def trained_manifest(name: str) -> dict[str, Any]:
    """How a shipped model was trained: configuration, data, time, hardware, accuracy.

    Args:
        name: One of `TRAINED`.

    Returns:
        The manifest written by `modern_convnets.train.train`.

    Raises:
        ValueError: `name` is not one of the trainable models.
        FileNotFoundError: That model has not been trained and shipped yet.

    Examples:
        ```python
        trained_manifest("small_convnet")["test_accuracy"]
        ```
    """
    return json.loads(_trained_file(name, ".manifest.json").read_text())


def trained_history(name: str) -> dict[str, list[float]]:
    """Loss and accuracy per epoch of a shipped model's training run.

    Args:
        name: One of `TRAINED`.

    Returns:
        Metric name (`loss`, `accuracy`, `val_loss`, `val_accuracy`) → values.

    Raises:
        ValueError: `name` is not one of the trainable models.
        FileNotFoundError: That model has not been trained and shipped yet.

    Examples:
        ```python
        max(trained_history("small_convnet")["val_accuracy"])
        ```
    """
    return json.loads(_trained_file(name, ".history.json").read_text())
