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

from collections.abc import Sequence
from typing import TYPE_CHECKING

from modern_convnets.blocks import xception_block

if TYPE_CHECKING:
    import keras

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
