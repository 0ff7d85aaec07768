"""The photos that excite a channel most, cropped to what the channel sees.

An image optimised for a channel shows what the channel could respond to;
the photos of a data set that excite it most show what it does respond to.
For each channel this module streams the photos through the model, keeps
the `top` highest mean activations, and for each the box of input pixels
(the receptive field, from `modern_convnets.receptive_field`) around the
position where the channel fires most.

Examples:
    ```python
    from modern_convnets.data import find_dataset
    from modern_convnets.dataset_examples import top_examples
    from modern_convnets.pretrained import xception_base

    photos = sorted((find_dataset() / "train").rglob("*.jpg"))
    examples = top_examples(xception_base(), "block8_sepconv1", [0, 1], photos)
    examples[0][0].path, examples[0][0].box
    ```
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from modern_convnets.graph import channel_indices, feature_extractor, tap_model
from modern_convnets.photos import load_photo
from modern_convnets.receptive_field import ReceptiveField, receptive_field

if TYPE_CHECKING:
    import keras


@dataclasses.dataclass(frozen=True)
class Example:
    """One photo among a channel's strongest.

    Attributes:
        path: The photo.
        activation: The channel's mean over the feature map.
        peak: (row, column) of the feature-map position where it is largest.
        box: The receptive field of that position in the resized photo,
            `(top, left, bottom, right)`, bottom and right exclusive.
    """

    path: Path
    activation: float
    peak: tuple[int, int]
    box: tuple[int, int, int, int]


def photo(path: str | os.PathLike[str], image_size: int) -> np.ndarray:
    """A photo as the model sees it here: RGB, resized to a square, float32.

    Args:
        path: An image file.
        image_size: Height and width after resizing
            (`modern_convnets.photos.load_photo`, as `make_dataset`).

    Returns:
        float32 `(image_size, image_size, 3)` in [0, 255].

    Examples:
        ```python
        photo("cat.0.jpg", 299).shape
        # (299, 299, 3)
        ```
    """
    return load_photo(path, (image_size, image_size))


def crop(image: np.ndarray, box: Sequence[int]) -> np.ndarray:
    """The pixels of `image` inside `box` = (top, left, bottom, right).

    Examples:
        >>> crop(np.zeros((10, 10, 3)), (2, 3, 7, 9)).shape
        (5, 6, 3)
    """
    top, left, bottom, right = box
    return image[top:bottom, left:right]


def top_examples(
    model: keras.Model,
    layer_name: str,
    channels: Iterable[int],
    paths: Iterable[str | os.PathLike[str]],
    *,
    top: int = 9,
    image_size: int = 299,
    input_range: tuple[float, float] = (-1.0, 1.0),
    batch_size: int = 16,
    progress: bool = False,
) -> dict[int, list[Example]]:
    """The `top` photos with the highest mean activation of each channel.

    One layer's `top_examples_by_layer`; see it for the arguments.

    Returns:
        For each channel, its examples, strongest first. Ties keep the
        order of `paths`.

    Examples:
        ```python
        examples = top_examples(base, "block3_sepconv1", [0], photos, top=3)
        [example.path.name for example in examples[0]]
        ```
    """
    return top_examples_by_layer(
        model,
        {layer_name: channels},
        paths,
        top=top,
        image_size=image_size,
        input_range=input_range,
        batch_size=batch_size,
        progress=progress,
    )[layer_name]


def top_examples_by_layer(
    model: keras.Model,
    channels: Mapping[str, Iterable[int]],
    paths: Iterable[str | os.PathLike[str]],
    *,
    top: int = 9,
    image_size: int = 299,
    input_range: tuple[float, float] = (-1.0, 1.0),
    batch_size: int = 16,
    progress: bool = False,
) -> dict[str, dict[int, list[Example]]]:
    """The strongest photos of channels of several layers, in one pass.

    Each photo is read, resized and run through the model once, whatever the
    number of layers: scanning three layers costs about what the deepest
    one costs alone.

    Args:
        model: A functional Keras model; neither modified nor trained.
        channels: For each layer (a layer of `model` itself, not of a nested
            model: its receptive field is computed from `model`'s graph), its
            channels.
        paths: The photos, read and resized one batch at a time.
        top: Photos kept per channel.
        image_size: Side of the square the photos are resized to.
        input_range: The model's input range, to which [0, 255] is mapped.
        batch_size: Photos per forward pass.
        progress: Show a progress bar over the photos.

    Returns:
        For each layer, for each channel, its examples, strongest first.
        Ties keep the order of `paths`.

    Raises:
        ValueError: No layers, an unknown layer, a channel out of range, no
            photos, or a non-positive `top` or `batch_size`.

    Examples:
        ```python
        examples = top_examples_by_layer(
            base, {"block3_sepconv1": [0], "block8_sepconv1": [0, 1]}, photos
        )
        examples["block8_sepconv1"][1][0].box
        ```
    """
    import keras

    if not channels:
        raise ValueError("channels is empty: name at least one layer")
    layers = list(channels)
    fields, indices = {}, {}
    for layer_name in layers:
        extractor = feature_extractor(model, layer_name)
        fields[layer_name] = receptive_field(model, layer_name, image_size)
        indices[layer_name] = channel_indices(
            extractor, layer_name, channels[layer_name]
        )
    for name, value in (("top", top), ("batch_size", batch_size)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}={value!r} must be an integer ≥ 1")
    files = [Path(p) for p in paths]
    if not files:
        raise ValueError("paths is empty: give at least one photo")

    tapped = tap_model(model, layers, include_output=False)
    low, high = input_range
    means = {
        n: np.empty((len(files), len(indices[n])), dtype="float64") for n in layers
    }
    peaks = {
        n: np.empty((len(files), len(indices[n]), 2), dtype="int64") for n in layers
    }
    bar = keras.utils.Progbar(len(files), unit_name="photo") if progress else None
    for start in range(0, len(files), batch_size):
        chunk = files[start : start + batch_size]
        batch = np.stack([photo(path, image_size) for path in chunk])
        inputs = (low + (high - low) * batch / 255.0).astype("float32")
        outputs = tapped(inputs, training=False)
        if not isinstance(outputs, list | tuple):  # one tapped layer
            outputs = [outputs]
        for layer_name, output in zip(layers, outputs, strict=True):
            maps = keras.ops.convert_to_numpy(output)[..., indices[layer_name]]
            rows = slice(start, start + len(chunk))
            means[layer_name][rows] = maps.mean(axis=(1, 2))
            flat = maps.reshape(len(chunk), -1, maps.shape[-1]).argmax(axis=1)
            peaks[layer_name][rows] = np.stack(
                np.unravel_index(flat, maps.shape[1:3]), axis=-1
            )
        if bar is not None:
            bar.add(len(chunk))

    return {
        n: _ranked(files, indices[n], means[n], peaks[n], fields[n], top, image_size)
        for n in layers
    }


def _ranked(
    files: list[Path],
    indices: list[int],
    means: np.ndarray,
    peaks: np.ndarray,
    field: ReceptiveField,
    top: int,
    image_size: int,
) -> dict[int, list[Example]]:
    examples = {}
    for column, channel in enumerate(indices):
        # A stable sort on the negated means: ties keep the photos' order.
        order = np.argsort(-means[:, column], kind="stable")[:top]
        examples[channel] = [
            Example(
                path=files[i],
                activation=float(means[i, column]),
                peak=(int(peaks[i, column, 0]), int(peaks[i, column, 1])),
                box=field.box(
                    int(peaks[i, column, 0]),
                    int(peaks[i, column, 1]),
                    (image_size, image_size),
                ),
            )
            for i in order
        ]
    return examples
