"""Intermediate activations: the feature maps a convnet computes for a photo.

`activation_model` turns a trained model into one that returns the output of
every convolution and pooling layer in a single forward pass; its layers may
sit in a nested sub-model (a pretrained base inside a classifier).
`get_activations` runs it on photos; `sparsity` and `sparsity_over` measure
how many activations are zero and how many channels stay blank, per layer.
Drawing them is `modern_convnets.activation_plots`.

Examples:
    >>> import keras
    >>> model = keras.Sequential([
    ...     keras.Input((16, 16, 3)),
    ...     keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
    ...     keras.layers.MaxPooling2D(2, name="pool"),
    ... ])
    >>> maps = get_activations(model, np.ones((16, 16, 3)))
    >>> {name: value.shape for name, value in maps.items()}
    {'conv': (1, 14, 14, 4), 'pool': (1, 7, 7, 4)}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from modern_convnets.graph import tap_model, walk_layers
from modern_convnets.images import ImageLike, model_batch
from modern_convnets.inference import infer

if TYPE_CHECKING:
    import keras


def _default_types() -> tuple[type, ...]:
    import keras

    layers = keras.layers
    return (
        layers.Conv2D,
        layers.SeparableConv2D,
        layers.DepthwiseConv2D,
        layers.MaxPooling2D,
        layers.AveragePooling2D,
    )


def activation_layers(model: keras.Model) -> list[str]:
    """The convolution and pooling layers of a model, in model order.

    Conv2D, SeparableConv2D, DepthwiseConv2D, MaxPooling2D and
    AveragePooling2D layers count, nested sub-models included: these are the
    layers whose outputs are spatial feature maps worth looking at.

    Args:
        model: A built Keras model.

    Returns:
        Their names (nine for the guide's `small_convnet`).

    Examples:
        ```python
        activation_layers(load_trained("small_convnet"))
        # ['block1_conv', 'block1_pool', ..., 'block5_conv']
        ```
    """
    types = _default_types()
    return [layer.name for _, layer in walk_layers(model) if isinstance(layer, types)]


def _names(model: keras.Model, layer_names: Sequence[str] | None) -> list[str]:
    if layer_names is None:
        layer_names = activation_layers(model)
        if not layer_names:
            raise ValueError(
                f"model {model.name!r} has no convolution or pooling layer "
                "(Conv2D, SeparableConv2D, DepthwiseConv2D, MaxPooling2D, "
                "AveragePooling2D); pass layer_names= to choose other layers"
            )
    elif isinstance(layer_names, str):
        raise ValueError(
            f"layer_names={layer_names!r} must be a list of names, e.g. "
            f"[{layer_names!r}]"
        )
    return list(layer_names)


def activation_model(
    model: keras.Model, layer_names: Sequence[str] | None = None
) -> keras.Model:
    """A model returning the chosen layers' outputs in one forward pass.

    Args:
        model: A built Functional or Sequential model, taking images.
        layer_names: The layers to return, in this order. Default: every
            convolution and pooling layer (`activation_layers`).

    Returns:
        A model sharing `model`'s layers and weights, with one output per
            layer. `model` is not modified.

    Raises:
        ValueError: A name is unknown (the message lists the valid ones), or
            the model has no convolution or pooling layer.

    Examples:
        ```python
        act_model = activation_model(load_trained("small_convnet"))
        len(act_model.outputs)
        # 9
        ```
    """
    return tap_model(model, _names(model, layer_names), include_output=False)


def get_activations(
    model: keras.Model,
    images: ImageLike | Sequence[ImageLike],
    layer_names: Sequence[str] | None = None,
    *,
    batch_size: int = 32,
) -> dict[str, np.ndarray]:
    """Layer name → activations for some photos, in model order.

    Args:
        model: A built model taking images.
        images: One photo or several: file paths, PIL images or arrays of raw
            pixels (see `modern_convnets.images.to_rgb`); resized to the
            model's input size.
        layer_names: As in `activation_model`.
        batch_size: Photos per forward pass.

    Returns:
        One float32 array of shape (n, height, width, channels) per layer
            (whatever the layer's output shape is for non-spatial layers).

    Examples:
        ```python
        maps = get_activations(load_trained("small_convnet"), "cat.2000.jpg")
        maps["block1_conv"].shape
        # (1, 178, 178, 32)
        ```
    """
    names = _names(model, layer_names)
    act_model = tap_model(model, names, include_output=False)
    batch = model_batch(model, images)
    outputs = infer(act_model, batch, batch_size=batch_size)
    return dict(zip(names, outputs, strict=True))


@dataclasses.dataclass(frozen=True)
class LayerSparsity:
    """How sparse one layer's activations are over a set of photos.

    Attributes:
        layer: The layer's name.
        images: Photos measured.
        channels: Channels of the layer.
        zero_fraction: Share of all activation values that are zero.
        blank_fraction: Share of (photo, channel) feature maps that are zero
            everywhere: the filter found nothing in that photo.
        dead_channels: Channels blank on every photo.
    """

    layer: str
    images: int
    channels: int
    zero_fraction: float
    blank_fraction: float
    dead_channels: int


class _Counter:
    """Running zero counts of one layer, batch after batch."""

    def __init__(self, name: str, atol: float) -> None:
        self.name, self.atol = name, atol
        self.images = self.zeros = self.values = self.blank = 0
        self.ever_active: np.ndarray | None = None

    def add(self, activation: np.ndarray) -> None:
        activation = np.asarray(activation)
        if activation.ndim != 4:
            raise ValueError(
                f"layer {self.name!r} outputs shape {activation.shape}; sparsity "
                "needs 4-D feature maps (batch, height, width, channels)"
            )
        zero = np.abs(activation) <= self.atol
        blank = zero.all(axis=(1, 2))  # (batch, channels)
        self.images += activation.shape[0]
        self.zeros += int(zero.sum())
        self.values += zero.size
        self.blank += int(blank.sum())
        active = ~blank.all(axis=0)
        self.ever_active = (
            active if self.ever_active is None else self.ever_active | active
        )

    def result(self) -> LayerSparsity:
        channels = 0 if self.ever_active is None else self.ever_active.size
        maps = self.images * channels
        return LayerSparsity(
            layer=self.name,
            images=self.images,
            channels=channels,
            zero_fraction=self.zeros / self.values if self.values else 0.0,
            blank_fraction=self.blank / maps if maps else 0.0,
            dead_channels=int(channels - self.ever_active.sum()) if channels else 0,
        )


def sparsity(
    activations: Mapping[str, np.ndarray], *, atol: float = 0.0
) -> list[LayerSparsity]:
    """Zero and blank-channel fractions of activations already computed.

    Args:
        activations: Layer name → array (n, height, width, channels), as
            returned by `get_activations`.
        atol: Values with absolute value at most this count as zero. ReLU
            outputs are exactly zero, hence the default 0.

    Returns:
        One `LayerSparsity` per layer, in the mapping's order.

    Raises:
        ValueError: A layer's activations are not 4-D.

    Examples:
        >>> maps = np.zeros((1, 2, 2, 2))
        >>> maps[0, 0, 0, 1] = 3.0  # channel 1 fires once, channel 0 never
        >>> stats = sparsity({"conv": maps})[0]
        >>> stats.zero_fraction, stats.blank_fraction, stats.dead_channels
        (0.875, 0.5, 1)
    """
    results = []
    for name, value in activations.items():
        counter = _Counter(name, atol)
        counter.add(value)
        results.append(counter.result())
    return results


def sparsity_over(
    model: keras.Model,
    batches: Iterable[np.ndarray] | Iterable[tuple[np.ndarray, np.ndarray]],
    layer_names: Sequence[str] | None = None,
    *,
    atol: float = 0.0,
) -> list[LayerSparsity]:
    """Sparsity per layer over many photos, one batch at a time.

    Memory stays at one batch of activations, so a whole held-out set fits.

    Args:
        model: A built model taking images.
        batches: Batches of raw pixels at the model's input size, or
            `(pixels, labels)` pairs such as a `tf.data.Dataset` from
            `modern_convnets.data.cats_vs_dogs`.
        layer_names: As in `activation_model`.
        atol: As in `sparsity`.

    Returns:
        One `LayerSparsity` per layer, in model order.

    Raises:
        ValueError: `batches` is empty, or a layer's output is not 4-D.

    Examples:
        ```python
        _, _, test = cats_vs_dogs()
        stats = sparsity_over(load_trained("small_convnet"), test)
        [round(s.zero_fraction, 2) for s in stats]
        ```
    """
    from keras import ops

    names = _names(model, layer_names)
    act_model = tap_model(model, names, include_output=False)
    counters = [_Counter(name, atol) for name in names]
    for batch in batches:
        pixels = batch[0] if isinstance(batch, tuple | list) else batch
        outputs = act_model(pixels, training=False)
        if not isinstance(outputs, list | tuple):
            outputs = [outputs]
        for counter, output in zip(counters, outputs, strict=True):
            counter.add(ops.convert_to_numpy(output))
    if not counters or counters[0].images == 0:
        raise ValueError("batches is empty: give at least one batch of photos")
    return [counter.result() for counter in counters]


def channel_maps(activation: np.ndarray, layer_name: str = "activation") -> np.ndarray:
    """One photo's feature maps as (height, width, channels), checked.

    Accepts (height, width, channels) or a batch of one photo.

    Raises:
        ValueError: Any other shape, naming it.

    Examples:
        >>> channel_maps(np.zeros((1, 7, 7, 256))).shape
        (7, 7, 256)
    """
    maps = np.asarray(activation)
    if maps.ndim == 4 and maps.shape[0] == 1:
        maps = maps[0]
    if maps.ndim != 3:
        raise ValueError(
            f"{layer_name} has shape {maps.shape}; a channel plot needs one "
            "photo's 4-D feature map (1, height, width, channels) or "
            "(height, width, channels)"
        )
    return maps


__all__ = [
    "LayerSparsity",
    "activation_layers",
    "activation_model",
    "channel_maps",
    "get_activations",
    "sparsity",
    "sparsity_over",
]
