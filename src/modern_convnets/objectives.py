"""What gradient ascent maximises: a channel's mean, a neuron, minus penalties.

An objective maps a layer's feature maps `(n, h, w, channels)` and one
channel per image `(n,)` to one number per image `(n,)`. Each image's
gradient then comes from its own number only, so a batch of images, each
maximising its own channel, follows the same paths as one image at a time.
A penalty maps the images themselves to one number per image and is
subtracted, weighted, from the objective during the ascent (it is not part
of the activation that the ascent reports).

Examples:
    >>> import keras
    >>> maps = keras.ops.reshape(keras.ops.arange(2 * 6 * 6 * 2, dtype="float32"),
    ...                          (2, 6, 6, 2))
    >>> tuple(ChannelMean(border=2)(maps, keras.ops.convert_to_tensor([0, 1])).shape)
    (2,)
"""

from __future__ import annotations

import dataclasses
from typing import Any

OBJECTIVES = ("channel", "neuron")
"""The objectives by name, as `objective(name)` takes them."""


def _chosen(activation: Any, channels: Any) -> Any:
    """Each image's own channel: `(n, h, w, c)` and `(n,)` give `(n, h, w)`."""
    from keras import ops

    if activation.shape[0] == 1:  # one image: a slice, whose gradient costs less
        return activation[:, :, :, channels[0]]
    index = ops.reshape(ops.cast(channels, "int32"), (-1, 1, 1, 1))
    return ops.take_along_axis(activation, index, axis=3)[..., 0]


@dataclasses.dataclass(frozen=True)
class ChannelMean:
    """A channel's mean over the feature map, `border` positions left out each side.

    The lecture leaves out 2 positions along each border, where padding
    distorts the values; feature visualisation keeps them all (border 0).

    Attributes:
        border: Positions ignored along each side.
    """

    border: int = 0

    def __call__(self, activation: Any, channels: Any) -> Any:
        """`(n,)` means."""
        from keras import ops

        b = self.border
        if b:
            activation = activation[:, b:-b, b:-b, :]
        return ops.mean(_chosen(activation, channels), axis=(1, 2))


@dataclasses.dataclass(frozen=True)
class Neuron:
    """A channel's value at the centre position of the feature map."""

    def __call__(self, activation: Any, channels: Any) -> Any:
        """`(n,)` centre values."""
        chosen = _chosen(activation, channels)
        height, width = chosen.shape[1], chosen.shape[2]
        return chosen[:, height // 2, width // 2]


def objective(name: str) -> ChannelMean | Neuron:
    """The objective called `name`: "channel" (mean) or "neuron" (centre).

    Raises:
        ValueError: Another name, listing the valid ones.

    Examples:
        >>> objective("neuron")
        Neuron()
    """
    if name == "channel":
        return ChannelMean()
    if name == "neuron":
        return Neuron()
    raise ValueError(
        f"objective={name!r} is not one of {', '.join(map(repr, OBJECTIVES))}"
    )


@dataclasses.dataclass(frozen=True)
class TotalVariation:
    """Summed absolute differences between neighbouring pixels, per pixel value.

    The same sum as `tf.image.total_variation`, divided by height × width ×
    channels, times `weight`.

    Attributes:
        weight: Its weight against the objective.
    """

    weight: float

    def __call__(self, images: Any) -> Any:
        """`(n,)` weighted penalties."""
        from keras import ops

        down = ops.sum(ops.abs(images[:, 1:] - images[:, :-1]), axis=(1, 2, 3))
        right = ops.sum(ops.abs(images[:, :, 1:] - images[:, :, :-1]), axis=(1, 2, 3))
        shape = images.shape
        return self.weight * (down + right) / float(shape[1] * shape[2] * shape[3])


__all__ = [
    "OBJECTIVES",
    "ChannelMean",
    "Neuron",
    "TotalVariation",
    "objective",
]
