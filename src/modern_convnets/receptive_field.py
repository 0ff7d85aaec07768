"""Which input pixels a feature-map position sees, from the architecture.

A position of a layer's feature map depends on a square of input pixels, its
receptive field. Walking the graph from the input, each convolution or
pooling of kernel k (dilated to k_eff), stride s and padding p turns the
field of its input (size r, jump j between neighbouring positions, centre of
position 0 at c) into

    r' = r + (k_eff - 1) j,   j' = j s,   c' = c + ((k_eff - 1) / 2 - p) j,

where p is the padding before the first row: TensorFlow's "same" padding
puts the odd pixel after, so with a stride of 2 it depends on whether the
input size is even, and the field is computed for one input size.

Layers that keep positions in place (batch normalisation, activations,
rescaling) keep the field. Where branches merge (`Add`, `Concatenate`), the
field is the widest of the branches: on Xception's residual connections
that is the separable-convolution branch, not the 1 × 1 shortcut.

Examples:
    ```python
    from modern_convnets.pretrained import xception_base
    from modern_convnets.receptive_field import receptive_field

    receptive_field(xception_base(), "block3_sepconv1", 299)
    ```
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from modern_convnets._keras_internals import model_graph
from modern_convnets.graph import find_layer

if TYPE_CHECKING:
    import keras


@dataclasses.dataclass(frozen=True)
class ReceptiveField:
    """The input pixels seen by the positions of one feature map.

    Attributes:
        size: Side of the square of input pixels one position depends on.
        jump: Input pixels between neighbouring positions (the total stride).
        centre: Input coordinate of the centre of position 0 (may be < 0:
            "same" padding centres the first position off the image).
    """

    size: int
    jump: int
    centre: float

    def box(self, row: int, column: int, image_size: tuple[int, int]) -> tuple:
        """The field of position `(row, column)` as an input-pixel box.

        Args:
            row: Position along the feature map's height.
            column: Position along its width.
            image_size: (height, width) of the input, to clip the box to.

        Returns:
            `(top, left, bottom, right)`, bottom and right exclusive.

        Examples:
            >>> ReceptiveField(size=5, jump=2, centre=2.0).box(1, 0, (10, 10))
            (2, 0, 7, 5)
        """
        half = self.size / 2
        top = round(self.centre + row * self.jump - half + 0.5)
        left = round(self.centre + column * self.jump - half + 0.5)
        height, width = image_size
        return (
            max(top, 0),
            max(left, 0),
            min(top + self.size, height),
            min(left + self.size, width),
        )


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def _spatial(layer: keras.Layer) -> tuple[int, int, str] | None:
    """(effective kernel, stride, padding) of a layer that moves positions."""
    config = layer.get_config()
    if "kernel_size" in config:
        kernel = _pair(config["kernel_size"])
        dilation = _pair(config.get("dilation_rate", 1))
        effective = [(k - 1) * d + 1 for k, d in zip(kernel, dilation, strict=True)]
    elif "pool_size" in config:
        effective = list(_pair(config["pool_size"]))
    else:
        return None
    strides = _pair(config.get("strides") or effective)
    if len(set(effective)) != 1 or len(set(strides)) != 1:
        raise ValueError(
            f"layer {layer.name!r} has a non-square kernel {effective} or stride "
            f"{strides}: receptive fields here are squares"
        )
    return effective[0], strides[0], config.get("padding", "valid")


def receptive_field(
    model: keras.Model, layer_name: str, image_size: int
) -> ReceptiveField:
    """The receptive field of `layer_name`'s feature map in `model`'s input.

    Args:
        model: A functional or Sequential Keras model (the layer may not sit
            in a nested sub-model).
        layer_name: A layer with a feature-map output.
        image_size: Height and width of the (square) input.

    Returns:
        Its receptive field.

    Raises:
        ValueError: Unknown layer (valid ones listed), a layer inside a
            nested model, or a non-square kernel or stride on the way.

    Examples:
        >>> import keras
        >>> model = keras.Sequential([
        ...     keras.Input((32, 32, 3)),
        ...     keras.layers.Conv2D(4, 3, name="a"),
        ...     keras.layers.MaxPooling2D(2, name="b"),
        ...     keras.layers.Conv2D(4, 3, padding="same", name="c"),
        ... ])
        >>> receptive_field(model, "c", 32)
        ReceptiveField(size=8, jump=2, centre=1.5)
    """
    if not isinstance(image_size, int) or image_size < 1:
        raise ValueError(f"image_size={image_size!r} must be a positive integer")

    path, _ = find_layer(model, layer_name)
    if path:
        raise ValueError(
            f"layer {layer_name!r} sits inside the nested model {path[-1]!r}: "
            "pass that model instead"
        )
    # Each layer's field and the side of its feature map.
    pixels = (ReceptiveField(size=1, jump=1, centre=0.0), image_size)
    fields: dict[str, tuple[ReceptiveField, int]] = {}
    for entry in model_graph(model).layers:
        name = entry.name
        if entry.class_name == "InputLayer":
            fields[name] = pixels
        else:
            # A Sequential model built without an Input starts on the pixels.
            parents = [fields[p] for p in entry.inbound if p in fields] or [pixels]
            field, side = max(parents, key=lambda f: f[0].size)
            spatial = _spatial(model.get_layer(name))
            if spatial is not None:
                kernel, stride, padding = spatial
                if padding == "same":
                    out = -(-side // stride)
                    pad = max((out - 1) * stride + kernel - side, 0) // 2
                else:
                    out, pad = (side - kernel) // stride + 1, 0
                field = ReceptiveField(
                    size=field.size + (kernel - 1) * field.jump,
                    jump=field.jump * stride,
                    centre=field.centre + ((kernel - 1) / 2 - pad) * field.jump,
                )
                side = out
            fields[name] = (field, side)
        if name == layer_name:
            return fields[name][0]
    raise AssertionError(f"{layer_name!r} was found but not reached")  # unreachable
