"""Gradient ascent in a better-conditioned space: Fourier, decorrelated colour.

The lecture's recipe (`modern_convnets.filters`) changes pixels directly,
and plain gradient ascent then favours high frequencies that a network barely
meets in photos: deep layers give noise. Three changes, from Olah, Mordvintsev
and Schubert, "Feature Visualization" (Distill, 2017) and Mordvintsev et al.,
"Differentiable Image Parameterizations" (Distill, 2018), as in Lucid:

- **Fourier parameterisation**: optimise the image's spectrum, each
  frequency scaled by 1/frequency, so that the images start with, and equal
  steps change, the 1/f statistics of photos rather than white noise: the
  *image statistics* are whitened, which preconditions the problem;
- **decorrelated colour**: optimise in a colour space whose channels are
  uncorrelated over ImageNet, mapped back by a fixed 3 × 3 matrix, and
  squash to [0, 1] with a sigmoid;
- **transformation robustness**: pad, shift, rescale and rotate the image
  randomly at every step, so that only patterns that survive small
  transformations grow.

This module is that recipe as a configuration of the package's one ascent
loop (`modern_convnets.ascent`): `LucidImage`, Lucid's transforms
(`modern_convnets.transforms`), a channel or neuron objective, and Keras's
Adam. Every channel of a batch gets the same random transformation at a
step, drawn from `(seed, step)` with NumPy, so a channel's image does not
depend on which channels share its batch, nor on the Keras backend (up to
float rounding, which hundreds of steps on a deep layer can grow to a few
grey levels). For a model with a fixed input size (the guide's cats-vs-dogs
models take 180 × 180), the transforms end by resizing to it.

Examples:
    ```python
    from modern_convnets.preconditioned import Recipe, visualize
    from modern_convnets.pretrained import xception_base

    result = visualize(xception_base(), "block8_sepconv1", [0, 1], seed=0)
    result.images.shape, result.images.dtype  # ((2, 128, 128, 3), dtype('uint8'))
    ```
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from modern_convnets import objectives
from modern_convnets.ascent import AscentResult, ascend, fit_to_model, seen_size
from modern_convnets.graph import feature_extractor
from modern_convnets.images import input_size
from modern_convnets.parameterizations import LucidImage
from modern_convnets.transforms import (
    Compose,
    Pad,
    RandomCrop,
    RandomRotateScale,
    Resize,
)

if TYPE_CHECKING:
    import keras

PARAMETERIZATIONS = ("fourier", "pixels")

ADAM_EPSILON = 1e-8
"""Adam's epsilon, as in Lucid (Keras's default is 1e-7)."""


@dataclasses.dataclass(frozen=True)
class Transforms:
    """The random transformations applied to the image before every step.

    Lucid's standard set: pad with grey, shift, rescale, rotate, shift again.
    A shift of `d` crops `d` pixels from the image at a random offset.

    Attributes:
        pad: Grey pixels added on each side.
        jitter: Pixels cropped by the first random shift.
        scales: Rescaling factors, one drawn per step.
        rotations: Rotations in degrees, one drawn per step.
        final_jitter: Pixels cropped by the second random shift.
    """

    pad: int = 12
    jitter: int = 8
    scales: tuple[float, ...] = tuple(1 + (i - 5) / 50 for i in range(11))
    rotations: tuple[float, ...] = tuple(float(a) for a in range(-10, 11))
    final_jitter: int = 4

    def __post_init__(self) -> None:
        for name in ("pad", "jitter", "final_jitter"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 0:
                raise ValueError(f"Transforms.{name}={value!r} must be an integer ≥ 0")
        if not self.scales or min(self.scales) <= 0:
            raise ValueError(
                f"Transforms.scales={self.scales!r} must be a non-empty tuple of "
                "positive factors"
            )
        if not self.rotations:
            raise ValueError("Transforms.rotations is empty: use (0.0,) for none")

    def compose(self) -> Compose:
        """The transforms as one chain (`modern_convnets.transforms.Compose`).

        Examples:
            >>> Transforms().compose().output_size(128)
            140
        """
        return Compose(
            (
                Pad(self.pad, 0.5),
                RandomCrop(self.jitter),
                RandomRotateScale(self.scales, self.rotations, "constant", 0.5),
                RandomCrop(self.final_jitter),
            )
        )


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How the images are parameterised, transformed and optimised.

    The defaults are the preconditioned recipe; switching one ingredient off
    shows what it contributes.

    Attributes:
        parameterization: "fourier" (1/f-scaled spectrum) or "pixels".
        decorrelate: Map the three optimised channels through
            `parameterizations.COLOR_CORRELATION_SVD_SQRT` before the sigmoid.
        transforms: Random transformations per step; None for none.
        objective: "channel", the channel's mean over all positions, or
            "neuron", its value at the centre position.
        learning_rate: Adam's step size.
        steps: Optimisation steps.
        image_size: Height and width of the images.
    """

    parameterization: Literal["fourier", "pixels"] = "fourier"
    decorrelate: bool = True
    transforms: Transforms | None = Transforms()
    objective: Literal["channel", "neuron"] = "channel"
    learning_rate: float = 0.05
    steps: int = 128
    image_size: int = 128

    def __post_init__(self) -> None:
        if self.parameterization not in PARAMETERIZATIONS:
            raise ValueError(
                f"parameterization={self.parameterization!r} is not one of "
                f"{', '.join(map(repr, PARAMETERIZATIONS))}"
            )
        objectives.objective(self.objective)  # raises for an unknown name
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate={self.learning_rate!r} must be > 0")
        if not isinstance(self.steps, int | np.integer) or self.steps < 1:
            raise ValueError(f"steps={self.steps!r} must be an integer ≥ 1")
        if not isinstance(self.image_size, int | np.integer) or self.image_size < 16:
            raise ValueError(f"image_size={self.image_size!r} must be an integer ≥ 16")

    def image(self, input_range: tuple[float, float] = (-1.0, 1.0)) -> LucidImage:
        """The parameterisation, mapping to `input_range`.

        Examples:
            >>> Recipe(parameterization="pixels").image().fourier
            False
        """
        return LucidImage(
            size=int(self.image_size),
            fourier=self.parameterization == "fourier",
            decorrelate=self.decorrelate,
            input_range=input_range,
        )

    def transform(self, model_size: tuple[int, int] | None = None) -> Compose | None:
        """The transforms, ending at `model_size` (a fixed-size model's input).

        Examples:
            >>> Recipe().transform((180, 180)).output_size(128)
            180
        """
        chain = self.transforms.compose() if self.transforms is not None else None
        if model_size is None:
            return chain
        if model_size[0] != model_size[1]:
            raise ValueError(
                f"the model takes {model_size[0]} × {model_size[1]} images; "
                "feature visualisation makes square ones"
            )
        size = seen_size(self.image(), chain)
        if size == model_size[0]:
            return chain
        steps = chain.transforms if chain is not None else ()
        return Compose((*steps, Resize(model_size[0])))


def visualize(
    model: keras.Model,
    layer_name: str,
    channels: Iterable[int],
    *,
    recipe: Recipe | None = None,
    seed: int | None = None,
    input_range: tuple[float, float] = (-1.0, 1.0),
    batch_size: int | None = None,
) -> AscentResult:
    """Optimise one image per channel of a layer with a preconditioned recipe.

    Args:
        model: A functional Keras model; truncated at `layer_name`, neither
            modified nor trained. A fixed input size is met by resizing the
            transformed images to it.
        layer_name: The layer whose channels are visualised.
        channels: Its channels, each optimised on its own image.
        recipe: Parameterisation, transformations, objective and schedule;
            None: `Recipe()`, the preconditioned recipe.
        seed: Seed of the starting parameters and of the transformations.
        input_range: The model's input range, to which images in [0, 1]
            are mapped ((-1, 1) for Xception, (0, 255) for the guide's
            cats-vs-dogs models).
        batch_size: Channels optimised together; None: all of them.

    Returns:
        The displayed images (`images`, uint8), and each channel's objective
            before each step (on the transformed image) and on the final
            image (`objectives`, `(n, steps + 1)`).

    Raises:
        ValueError: Unknown layer (valid ones listed), a channel out of range,
            no channels, a non-positive batch size, or an empty input range.

    Examples:
        ```python
        result = visualize(base, "block3_sepconv1", [0, 1], seed=0)
        bool((result.objectives[:, -1] > result.objectives[:, 0]).all())
        # True
        ```
    """
    import keras

    recipe = recipe or Recipe()
    low, high = (float(v) for v in input_range)
    if not high > low:
        raise ValueError(
            f"input_range={input_range!r}: the high end must exceed the low"
        )
    image = recipe.image((low, high))
    return ascend(
        model,
        layer_name,
        channels,
        image=image,
        objective=objectives.objective(recipe.objective),
        optimizer=functools.partial(
            keras.optimizers.Adam, recipe.learning_rate, epsilon=ADAM_EPSILON
        ),
        steps=recipe.steps,
        transform=recipe.transform(input_size(model)),
        seed=seed,
        batch_size=batch_size,
    )


def displayed_activation(
    model: keras.Model,
    layer_name: str,
    channels: Sequence[int],
    images: np.ndarray,
    *,
    objective: Literal["channel", "neuron"] = "channel",
    input_range: tuple[float, float] = (-1.0, 1.0),
) -> np.ndarray:
    """Each channel's objective on its image as displayed (uint8, no transform).

    What a reader sees is what counts: the images are rounded to grey levels
    and mapped back to the model's input range before they are scored.

    Args:
        model: The model the images were made for.
        layer_name: The layer.
        channels: One channel per image.
        images: uint8 `(n, h, w, 3)`.
        objective: "channel" (mean) or "neuron" (centre position).
        input_range: The model's input range.

    Returns:
        float array `(n,)`.

    Examples:
        ```python
        result = visualize(base, "block3_sepconv1", [0, 1], seed=0)
        displayed_activation(base, "block3_sepconv1", [0, 1], result.images)
        ```
    """
    from keras import ops

    score = objectives.objective(objective)
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or len(images) != len(channels):
        raise ValueError(
            f"images has shape {images.shape}: expected (n, height, width, 3) with "
            f"n = len(channels) = {len(channels)}"
        )
    extractor = feature_extractor(model, layer_name)
    low, high = input_range
    x = low + (high - low) * images.astype("float32") / 255.0
    activation = extractor(fit_to_model(model, x), training=False)
    chosen = ops.convert_to_tensor(np.asarray(list(channels), "int32"))
    return ops.convert_to_numpy(score(activation, chosen))


def high_frequency_share(images: np.ndarray) -> np.ndarray:
    """The share of each image's spectral energy above half the Nyquist frequency.

    Energy of the grey-level image, mean removed, at radial frequencies above
    0.25 cycles per pixel. Photos put little there; noise, about 80%.

    Args:
        images: `(n, h, w, 3)` or `(h, w, 3)`, any numeric type.

    Returns:
        float array `(n,)` (or a float for one image) in [0, 1].

    Examples:
        >>> flat = np.full((8, 8, 3), 128, np.uint8)
        >>> float(high_frequency_share(flat))
        0.0
    """
    array = np.asarray(images, dtype="float64")
    single = array.ndim == 3
    if single:
        array = array[None]
    if array.ndim != 4 or array.shape[-1] != 3:
        raise ValueError(
            f"images has shape {np.shape(images)}: expected (n, h, w, 3) or (h, w, 3)"
        )
    grey = array.mean(axis=-1)
    grey = grey - grey.mean(axis=(1, 2), keepdims=True)
    power = np.abs(np.fft.fft2(grey)) ** 2
    _, h, w = grey.shape
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[None, :]
    high = np.sqrt(fx * fx + fy * fy) > 0.25
    total = power.sum(axis=(1, 2))
    share = np.where(
        total > 0, (power * high).sum(axis=(1, 2)) / np.maximum(total, 1e-30), 0.0
    )
    return float(share[0]) if single else share
