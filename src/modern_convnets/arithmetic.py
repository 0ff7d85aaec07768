"""Parameter counts, output sizes and multiply-adds of convolution layers, by formula.

Each function is the textbook formula written out, so a page can compute a
number by hand and check it against Keras's `count_params()`.

Examples:
    >>> conv2d_params(3, in_channels=3, filters=32)
    896
    >>> separable_conv2d_params(3, in_channels=5, filters=3, depthwise_bias=True)
    68
    >>> separable_conv2d_params(3, in_channels=5, filters=3)  # as in Keras
    63
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras


def _pair(value: int | tuple[int, int], name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and v > 0 for v in pair):
        raise ValueError(
            f"{name}={value!r} must be a positive integer or a pair of them"
        )
    return pair  # type: ignore[return-value]


def _positive(value: int, name: str) -> int:
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}={value!r} must be a positive integer")
    return value


@dataclasses.dataclass(frozen=True)
class ParamCount:
    """A layer's parameters, split as Keras's `summary()` splits them."""

    trainable: int
    non_trainable: int = 0

    @property
    def total(self) -> int:
        """All parameters, trainable or not."""
        return self.trainable + self.non_trainable


def conv2d_params(
    kernel_size: int | tuple[int, int],
    in_channels: int,
    filters: int,
    *,
    use_bias: bool = True,
) -> int:
    """Parameters of a `Conv2D`: f_h × f_w × C_in × C_out weights, plus C_out biases.

    Args:
        kernel_size: f, or (f_h, f_w).
        in_channels: Input channels C_in.
        filters: Output channels C_out.
        use_bias: Whether the layer has a bias per output channel.

    Returns:
        The parameter count.

    Raises:
        ValueError: A size or channel count is not a positive integer.

    Examples:
        >>> conv2d_params(3, in_channels=32, filters=64)
        18496
    """
    fh, fw = _pair(kernel_size, "kernel_size")
    weights = (
        fh * fw * _positive(in_channels, "in_channels") * _positive(filters, "filters")
    )
    return weights + (filters if use_bias else 0)


def batch_norm_params(channels: int) -> ParamCount:
    """Parameters of a `BatchNormalization` layer over `channels` channels.

    Four per channel: the scale γ and offset β are trained by gradient
    descent; the moving mean and variance are updated by averaging, and count
    as non-trainable.

    Args:
        channels: Channels normalised.

    Returns:
        2 × channels trainable, 2 × channels non-trainable.

    Examples:
        >>> batch_norm_params(32)
        ParamCount(trainable=64, non_trainable=64)
    """
    channels = _positive(channels, "channels")
    return ParamCount(trainable=2 * channels, non_trainable=2 * channels)


def separable_conv2d_params(
    kernel_size: int | tuple[int, int],
    in_channels: int,
    filters: int,
    *,
    depth_multiplier: int = 1,
    depthwise_bias: bool = False,
    pointwise_bias: bool = True,
) -> int:
    """Parameters of a depthwise separable convolution.

    Depthwise: one f_h × f_w filter per input channel (times the depth
    multiplier), optionally with a bias each. Pointwise: a 1 × 1 convolution
    from those channels to `filters`, with a bias per filter. Keras's
    `SeparableConv2D` has no depthwise bias.

    Args:
        kernel_size: f, or (f_h, f_w), of the depthwise step.
        in_channels: Input channels C_in.
        filters: Output channels of the pointwise step.
        depth_multiplier: Depthwise outputs per input channel.
        depthwise_bias: Count a bias per depthwise output (not in Keras).
        pointwise_bias: Count a bias per output filter (`use_bias` in Keras).

    Returns:
        The parameter count.

    Examples:
        >>> separable_conv2d_params(3, 64, 128, pointwise_bias=False)
        8768
    """
    fh, fw = _pair(kernel_size, "kernel_size")
    mid = _positive(in_channels, "in_channels") * _positive(
        depth_multiplier, "depth_multiplier"
    )
    depthwise = fh * fw * mid + (mid if depthwise_bias else 0)
    filters = _positive(filters, "filters")
    pointwise = mid * filters + (filters if pointwise_bias else 0)
    return depthwise + pointwise


def conv_output_size(
    n: int, kernel_size: int, *, padding: int | str = 0, strides: int = 1
) -> int:
    """Output length along one axis: ⌊(n + 2p − f) / s⌋ + 1.

    Args:
        n: Input length.
        kernel_size: Filter length f (a pooling window works the same way).
        padding: Pixels p added on each side, or Keras's `"valid"` (p = 0) or
            `"same"` (output ⌈n / s⌉).
        strides: Step s.

    Returns:
        The output length.

    Raises:
        ValueError: A non-positive size, an unknown padding, or an input too
            small for the filter (output length below 1).

    Examples:
        >>> conv_output_size(32, 3)
        30
        >>> conv_output_size(30, 1, strides=2, padding="same")
        15
    """
    n = _positive(n, "n")
    f = _positive(kernel_size, "kernel_size")
    s = _positive(strides, "strides")
    if padding == "same":
        return math.ceil(n / s)
    if padding == "valid":
        padding = 0
    if not isinstance(padding, int) or padding < 0:
        raise ValueError(
            f"padding={padding!r} must be a non-negative integer, 'valid' or 'same'"
        )
    out = (n + 2 * padding - f) // s + 1
    if out < 1:
        raise ValueError(
            f"n={n} is too small for kernel_size={f} with padding={padding}: "
            f"the output would be {out} long; n must be at least {f - 2 * padding}"
        )
    return out


def conv2d_multiply_adds(
    output_size: int | tuple[int, int],
    kernel_size: int | tuple[int, int],
    in_channels: int,
    filters: int,
) -> int:
    """Multiply-adds of a `Conv2D` for one image: H_out × W_out × f_h × f_w × C_in × C_out.

    Args:
        output_size: Output height and width.
        kernel_size: f, or (f_h, f_w).
        in_channels: C_in.
        filters: C_out.

    Returns:
        The count, biases left out.

    Examples:
        >>> conv2d_multiply_adds(30, 3, 32, 64)
        16588800
    """  # noqa: E501
    h, w = _pair(output_size, "output_size")
    fh, fw = _pair(kernel_size, "kernel_size")
    return (
        h
        * w
        * fh
        * fw
        * _positive(in_channels, "in_channels")
        * _positive(filters, "filters")
    )


def separable_conv2d_multiply_adds(
    output_size: int | tuple[int, int],
    kernel_size: int | tuple[int, int],
    in_channels: int,
    filters: int,
) -> int:
    """Multiply-adds of a depthwise separable convolution for one image.

    H_out × W_out × (f_h × f_w × C_in + C_in × C_out): the depthwise filters,
    then the 1 × 1 pointwise mix. Compared with a regular convolution this is
    a fraction 1/C_out + 1/(f_h × f_w) of the work.

    Args:
        output_size: Output height and width.
        kernel_size: f, or (f_h, f_w).
        in_channels: C_in.
        filters: C_out.

    Returns:
        The count, biases left out.

    Examples:
        >>> separable_conv2d_multiply_adds(30, 3, 32, 64)
        2102400
    """
    h, w = _pair(output_size, "output_size")
    fh, fw = _pair(kernel_size, "kernel_size")
    c_in = _positive(in_channels, "in_channels")
    return h * w * (fh * fw * c_in + c_in * _positive(filters, "filters"))


@dataclasses.dataclass(frozen=True)
class LayerCost:
    """What one layer costs per image, and what a regular convolution would.

    Attributes:
        layer: The layer's name.
        kind: Its class name.
        params: Its parameters (Keras's count).
        multiply_adds: Its multiply-adds for one image, biases left out.
        regular_params: Parameters of a regular `Conv2D` with the same kernel,
            filters and bias in its place (equal to `params` for a `Conv2D`
            or `Dense`).
        regular_multiply_adds: That `Conv2D`'s multiply-adds.
    """

    layer: str
    kind: str
    params: int
    multiply_adds: int
    regular_params: int
    regular_multiply_adds: int


def layer_costs(model: keras.Model) -> list[LayerCost]:
    """Parameters and multiply-adds of every Conv2D, SeparableConv2D and Dense layer.

    Computed with this module's formulas from each layer's configuration and
    output shape, so a separable layer can be priced against the regular
    convolution it replaces.

    Args:
        model: A built Keras model with fixed input height and width.

    Returns:
        One `LayerCost` per such layer, in model order.

    Raises:
        ValueError: A convolution's output height or width is unknown.

    Examples:
        >>> from modern_convnets.models import mini_xception
        >>> costs = layer_costs(mini_xception())
        >>> sum(c.params for c in costs), sum(c.regular_params for c in costs)
        (715841, 4896609)
    """
    from keras import layers

    costs = []
    for layer in model.layers:
        if isinstance(layer, layers.Dense):
            macs = int(layer.input.shape[-1]) * layer.units
            costs.append(
                LayerCost(
                    layer.name,
                    "Dense",
                    layer.count_params(),
                    macs,
                    layer.count_params(),
                    macs,
                )
            )
            continue
        if not isinstance(layer, (layers.SeparableConv2D, layers.Conv2D)):
            continue
        out_h, out_w = layer.output.shape[1:3]
        if out_h is None or out_w is None:
            raise ValueError(
                f"model has an unknown output size at layer {layer.name!r} "
                f"({tuple(layer.output.shape)}); build it with a fixed input size"
            )
        c_in, size = int(layer.input.shape[-1]), (int(out_h), int(out_w))
        regular = conv2d_params(
            layer.kernel_size, c_in, layer.filters, use_bias=layer.use_bias
        )
        regular_macs = conv2d_multiply_adds(
            size, layer.kernel_size, c_in, layer.filters
        )
        if isinstance(layer, layers.SeparableConv2D):
            macs = separable_conv2d_multiply_adds(
                size, layer.kernel_size, c_in, layer.filters
            )
        else:
            macs = regular_macs
        costs.append(
            LayerCost(
                layer.name,
                type(layer).__name__,
                layer.count_params(),
                macs,
                regular,
                regular_macs,
            )
        )
    return costs
