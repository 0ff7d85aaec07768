"""The building blocks of modern convnets, as functions on Keras tensors.

Each function takes a Keras tensor and returns the block's output tensor, with
layer names prefixed by `name` so that `model.summary()` reads like the
architecture (`block1_conv1`, `block1_residual`, `block1_add`, ...), in the
style of Keras's own applications.

Examples:
    >>> import keras
    >>> inputs = keras.Input((32, 32, 3))
    >>> x = keras.layers.Conv2D(32, 3, activation="relu", name="stem")(inputs)
    >>> x = residual_block(x, 64, name="block1")
    >>> tuple(x.shape)
    (None, 30, 30, 64)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras


def _check_positive(value: int, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name}={value!r} must be a positive integer")


def residual_block(
    x: keras.KerasTensor,
    filters: int,
    *,
    convs: int = 2,
    kernel_size: int = 3,
    pooling: bool = False,
    name: str = "block",
) -> keras.KerasTensor:
    """Convolutions with a residual connection around them.

    `convs` 3 × 3 ReLU convolutions with "same" padding; then, when `pooling`,
    2 × 2 max pooling. The block's input is added back to its output. When the
    shapes differ, the residual is projected to match:

    - the number of filters changes → a 1 × 1 convolution on the residual;
    - the block ends in max pooling → that 1 × 1 convolution has stride 2.

    Args:
        x: Input tensor (batch, height, width, channels).
        filters: Output channels of every convolution in the block.
        convs: Convolutions in the main branch.
        kernel_size: Size of those convolutions.
        pooling: End the main branch with 2 × 2 max pooling.
        name: Prefix of the layer names.

    Returns:
        The block's output: `name_add` of main branch and residual.

    Raises:
        ValueError: `filters`, `convs` or `kernel_size` is not a positive integer.

    Examples:
        >>> import keras
        >>> x = keras.Input((30, 30, 32))
        >>> tuple(residual_block(x, 64, convs=1, pooling=True).shape)
        (None, 15, 15, 64)
    """
    from keras import layers

    for value, arg in (
        (filters, "filters"),
        (convs, "convs"),
        (kernel_size, "kernel_size"),
    ):
        _check_positive(value, arg)
    residual = x
    for i in range(1, convs + 1):
        x = layers.Conv2D(
            filters,
            kernel_size,
            activation="relu",
            padding="same",
            name=f"{name}_conv{i}",
        )(x)
    if pooling:
        x = layers.MaxPooling2D(2, padding="same", name=f"{name}_pool")(x)
        residual = layers.Conv2D(filters, 1, strides=2, name=f"{name}_residual")(
            residual
        )
    elif residual.shape[-1] != filters:
        residual = layers.Conv2D(filters, 1, name=f"{name}_residual")(residual)
    return layers.add([x, residual], name=f"{name}_add")


def conv_bn(
    x: keras.KerasTensor,
    filters: int,
    kernel_size: int = 3,
    *,
    strides: int = 1,
    padding: str = "valid",
    activation: str | None = "relu",
    name: str = "conv",
) -> keras.KerasTensor:
    """A convolution without bias, batch normalisation, then an activation.

    The batch normalisation subtracts each channel's mean and adds its own
    learned offset β, so a bias in the convolution would be cancelled: it is
    left out.

    Args:
        x: Input tensor.
        filters: Output channels.
        kernel_size: Convolution size.
        strides: Convolution stride.
        padding: `"valid"` or `"same"`.
        activation: Activation after the normalisation, or None.
        name: Layer names are `name`, `name_bn` and `name_act`.

    Returns:
        The output tensor.

    Raises:
        ValueError: `filters`, `kernel_size` or `strides` is not a positive integer.

    Examples:
        >>> import keras
        >>> x = conv_bn(keras.Input((32, 32, 3)), 32, name="stem")
        >>> tuple(x.shape)
        (None, 30, 30, 32)
    """
    from keras import layers

    for value, arg in (
        (filters, "filters"),
        (kernel_size, "kernel_size"),
        (strides, "strides"),
    ):
        _check_positive(value, arg)
    x = layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        use_bias=False,
        name=name,
    )(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_act")(x)
    return x


def bn_relu_sepconv(
    x: keras.KerasTensor,
    filters: int,
    kernel_size: int = 3,
    *,
    name: str = "sepconv",
) -> keras.KerasTensor:
    """Batch normalisation, ReLU, then a depthwise separable convolution.

    The "pre-activation" order of Mini-Xception: each separable convolution
    sees normalised, rectified inputs, and has no bias (the next batch
    normalisation supplies the offset).

    Args:
        x: Input tensor.
        filters: Output channels.
        kernel_size: Depthwise filter size; padding is "same".
        name: Layer names are `name_bn`, `name_act` and `name`.

    Returns:
        The output tensor.

    Raises:
        ValueError: `filters` or `kernel_size` is not a positive integer.

    Examples:
        >>> import keras
        >>> x = bn_relu_sepconv(keras.Input((44, 44, 32)), 64, name="block2_sepconv1")
        >>> tuple(x.shape)
        (None, 44, 44, 64)
    """
    _check_positive(filters, "filters")
    _check_positive(kernel_size, "kernel_size")
    return _relu_conv(x, filters, kernel_size, name=name)


def _relu_conv(
    x: keras.KerasTensor,
    filters: int,
    kernel_size: int,
    *,
    name: str,
    batch_norm: bool = True,
    separable: bool = True,
) -> keras.KerasTensor:
    """[BatchNormalization], ReLU, then a "same" convolution named `name`."""
    from keras import layers

    if batch_norm:
        x = layers.BatchNormalization(name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_act")(x)
    conv = layers.SeparableConv2D if separable else layers.Conv2D
    # Without normalisation nothing else supplies the offset: keep the bias.
    return conv(
        filters, kernel_size, padding="same", use_bias=not batch_norm, name=name
    )(x)


def xception_block(
    x: keras.KerasTensor,
    filters: int,
    *,
    name: str = "block",
    residual: bool = True,
    batch_norm: bool = True,
    separable: bool = True,
) -> keras.KerasTensor:
    """One Mini-Xception block: two separable convolutions, pooling, residual.

    `bn_relu_sepconv` twice, 3 × 3 max pooling with stride 2, and a strided
    1 × 1 convolution (no bias) that brings the block's input to the same
    shape so it can be added back.

    The three switches remove one ingredient each, for ablation studies; the
    layer names stay the same, so the variants line up layer by layer.

    Args:
        x: Input tensor.
        filters: Output channels.
        name: Layer-name prefix: `name_sepconv1`, `name_sepconv2`, `name_pool`,
            `name_residual`, `name_add`.
        residual: Add the strided 1 × 1 projection of the input back (without
            it, the block ends at `name_pool`).
        batch_norm: Normalise before each ReLU. Without it the convolutions
            get a bias, since no normalisation supplies the offset.
        separable: Depthwise separable convolutions; `False` uses regular
            3 × 3 `Conv2D`s of the same width.

    Returns:
        The output tensor, half the input's height and width (rounded up).

    Examples:
        >>> import keras
        >>> tuple(xception_block(keras.Input((176, 176, 32)), 32).shape)
        (None, 88, 88, 32)
        >>> inputs = keras.Input((8, 8, 4))
        >>> y = xception_block(inputs, 4, name="b", residual=False)
        >>> [layer.name for layer in keras.Model(inputs, y).layers][-2:]
        ['b_sepconv2', 'b_pool']
    """
    from keras import layers

    _check_positive(filters, "filters")
    shortcut = x
    for i in (1, 2):
        x = _relu_conv(
            x,
            filters,
            3,
            name=f"{name}_sepconv{i}",
            batch_norm=batch_norm,
            separable=separable,
        )
    x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"{name}_pool")(x)
    if not residual:
        return x
    shortcut = layers.Conv2D(
        filters, 1, strides=2, padding="same", use_bias=False, name=f"{name}_residual"
    )(shortcut)
    return layers.add([x, shortcut], name=f"{name}_add")
