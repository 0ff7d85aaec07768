"""What a convnet filter responds to: the lecture's gradient ascent, for many filters.

Start from a grey, slightly noisy image and repeatedly change it in the
direction that raises the mean activation of one filter: what emerges is a
pattern that filter responds to (a local optimum, reached from one noise
start in a fixed number of steps). This module is the lecture's recipe as a
configuration of the package's one ascent loop (`modern_convnets.ascent`):
raw pixels (`PixelImage`) started from uniform noise in [0.4, 0.6], each
filter's mean activation away from the borders (`ChannelMean(border=2)`),
and plain gradient ascent with each image's gradient normalised to unit
length (`ascent.GradientAscent`, compiled with the gradient, so that it rounds
as the lecture's `tf.function` step does). Each image in a
batch maximises its own filter, so one gradient step serves the whole batch.

Examples:
    ```python
    from modern_convnets.filters import filter_patterns
    from modern_convnets.pretrained import xception_base

    base = xception_base()
    patterns = filter_patterns(base, "block3_sepconv1", range(8), seed=0)
    patterns.shape, patterns.dtype  # ((8, 150, 150, 3), dtype('uint8'))
    ```
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from modern_convnets.ascent import AscentResult, GradientAscent, ascend
from modern_convnets.graph import feature_extractor
from modern_convnets.images import input_size
from modern_convnets.objectives import ChannelMean, TotalVariation
from modern_convnets.parameterizations import DISPLAY_CROP, PixelImage
from modern_convnets.transforms import Compose, RandomRoll, RandomUniformRotateScale

if TYPE_CHECKING:
    import keras

BORDER = 2
"""Activation pixels ignored on each side of the feature map (edge artefacts)."""

DEFAULT_IMAGE_SIZE = 200
"""The lecture's image size, used when the model takes any size."""


@dataclasses.dataclass(frozen=True)
class Regularizers:
    """Optional transformations and penalties that make patterns more legible.

    Plain gradient ascent happily exploits high frequencies that a network
    barely tolerates in real photos. Three classic remedies: randomly shift the
    image a few pixels before each step (jitter), randomly rescale and rotate it
    a little (so the pattern must work at several scales and angles), and
    penalise the total variation (the summed differences between neighbouring
    pixels). All are off by default, which reproduces the plain recipe.

    Attributes:
        jitter: Largest random shift, in pixels, along each axis.
        scale: Largest relative random rescaling, e.g. 0.05 for ±5%.
        rotation: Largest random rotation, in degrees.
        total_variation: Weight of the total-variation penalty, per pixel.
    """

    jitter: int = 0
    scale: float = 0.0
    rotation: float = 0.0
    total_variation: float = 0.0

    def __post_init__(self) -> None:
        for name in ("jitter", "scale", "rotation", "total_variation"):
            value = getattr(self, name)
            if value < 0:
                raise ValueError(f"Regularizers.{name}={value!r} must be ≥ 0")

    @property
    def active(self) -> bool:
        """Whether any regulariser is switched on."""
        return bool(self.jitter or self.scale or self.rotation or self.total_variation)

    def transform(self) -> Compose | None:
        """The random shift, then rescaling and rotation (reflected borders)."""
        steps: list[Any] = []
        if self.jitter:
            steps.append(RandomRoll(int(self.jitter)))
        if self.scale or self.rotation:
            steps.append(RandomUniformRotateScale(self.scale, self.rotation))
        return Compose(tuple(steps)) if steps else None

    def penalty(self) -> TotalVariation | None:
        """The total-variation penalty, if any."""
        return TotalVariation(self.total_variation) if self.total_variation else None


def _check_arguments(
    model: keras.Model,
    layer_name: str,
    filter_indices: list[int],
    image_size: int,
    learning_rate: float,
) -> None:
    extractor = feature_extractor(model, layer_name)
    channels = extractor.output_shape[-1]
    if not filter_indices:
        raise ValueError("filter_indices is empty: name at least one filter")
    for index in filter_indices:
        if not 0 <= index < channels:
            raise ValueError(
                f"filter index {index} is out of range for layer {layer_name!r}: "
                f"it has {channels} filters, so valid indices are 0 to {channels - 1}"
            )
    if not learning_rate > 0:
        raise ValueError(f"learning_rate={learning_rate!r} must be > 0")
    minimum = 2 * DISPLAY_CROP + 1
    if not isinstance(image_size, int | np.integer) or image_size < minimum:
        raise ValueError(
            f"image_size={image_size!r} is too small: patterns are cropped by "
            f"{DISPLAY_CROP} pixels on each side, so it must be an integer ≥ {minimum}"
        )
    fixed = input_size(model)
    if fixed is not None and fixed != (image_size, image_size):
        raise ValueError(
            f"image_size={image_size} does not fit model {model.name!r}, which takes "
            f"{fixed[0]} × {fixed[1]} images: leave image_size out to use its size"
        )
    _, height, width, _ = extractor.compute_output_shape((1, image_size, image_size, 3))
    if height is not None and (height <= 2 * BORDER or width <= 2 * BORDER):
        raise ValueError(
            f"image_size={image_size} gives a {height}×{width} feature map at "
            f"{layer_name!r}, too small once {BORDER} border pixels are dropped on "
            "each side; use a larger image_size"
        )


def default_image_size(model: keras.Model) -> int:
    """The model's own input size if it is fixed and square, else 200.

    Examples:
        ```python
        default_image_size(xception_base())  # any size: 200
        default_image_size(load_trained("small_convnet"))  # 180
        ```
    """
    fixed = input_size(model)
    if fixed is None:
        return DEFAULT_IMAGE_SIZE
    if fixed[0] != fixed[1]:
        raise ValueError(
            f"model {model.name!r} takes {fixed[0]} × {fixed[1]} images; filter "
            "patterns are square"
        )
    return fixed[0]


def default_batch_size(filters: int) -> int:
    """How many filters `ascend_filters` optimises together when not told.

    All of them on a GPU, where a batch keeps the device busy. On a CPU,
    four at a time: measured on 2 cores against the lecture's one-at-a-time
    loop, batches of 4 ran 1.20× faster, of 1 0.99× and of 16 0.90× (larger
    batches spill out of the caches); see `benchmarks/README.md`.

    Args:
        filters: How many filters are to be visualised.

    Returns:
        The batch size.

    Examples:
        ```python
        default_batch_size(64)  # 4 on a CPU, 64 on a GPU
        ```
    """
    import keras

    try:
        gpus = keras.distribution.list_devices("gpu")
    except (RuntimeError, ValueError):  # a backend without GPU support
        gpus = []
    return filters if gpus else min(4, filters)


def ascend_filters(
    model: keras.Model,
    layer_name: str,
    filter_indices: Iterable[int],
    *,
    image_size: int | None = None,
    steps: int = 30,
    learning_rate: float = 10.0,
    seed: int | None = None,
    batch_size: int | None = None,
    regularizers: Regularizers | None = None,
    progress: bool = False,
) -> AscentResult:
    """Gradient ascent on the input for many filters of one layer, batched.

    The recipe: start from uniform noise in [0.4, 0.6]; at each step, take the
    gradient of the filter's mean activation (ignoring `BORDER` pixels on each
    side of the feature map) with respect to the image, normalise it to unit
    L2 norm per image, and add `learning_rate` times it to the image.

    Args:
        model: A functional Keras model; it is truncated at `layer_name`, and
            neither modified nor trained.
        layer_name: The layer whose filters are visualised. A "filter" is an
            output channel of that layer (for a SeparableConv2D, of its 1 × 1
            pointwise convolution).
        filter_indices: Channels of that layer, each optimised on its own image.
        image_size: Height and width of the optimised images; None: the
            model's input size if fixed (e.g. 150 for the kitchenware
            classifier), else 200.
        steps: Gradient-ascent steps.
        learning_rate: Size of each step (the gradient has unit norm).
        seed: Seed of the starting noise and of the regularisers' randomness.
        batch_size: Filters optimised together; None: `default_batch_size`.
        regularizers: Optional jitter, scale, rotation and total variation.
        progress: Show a progress bar over the steps.

    Returns:
        The optimised images (`inputs`), their displayed versions (`images`,
            see `parameterizations.deprocess`) and each filter's mean
            activation at every step (`objectives`, `(n, steps + 1)`).

    Raises:
        ValueError: Unknown layer (valid ones listed), a layer without a
            channel axis, a filter index out of range, `image_size` too small
            or not the size a fixed-size model takes, `steps` < 1, a
            non-positive learning rate or batch size.

    Examples:
        ```python
        result = ascend_filters(base, "block3_sepconv1", [0, 1], steps=5)
        bool((result.objectives[:, -1] > result.objectives[:, 0]).all())
        # True
        ```
    """
    regularizers = regularizers or Regularizers()
    indices = [int(i) for i in filter_indices]
    image_size = default_image_size(model) if image_size is None else image_size
    _check_arguments(model, layer_name, indices, image_size, learning_rate)
    return ascend(
        model,
        layer_name,
        indices,
        image=PixelImage(size=int(image_size)),
        objective=ChannelMean(border=BORDER),
        optimizer=GradientAscent(float(learning_rate)),
        steps=steps,
        transform=regularizers.transform(),
        penalty=regularizers.penalty(),
        seed=seed,
        batch_size=default_batch_size(len(indices))
        if batch_size is None
        else batch_size,
        progress=progress,
    )


def filter_patterns(
    model: keras.Model,
    layer_name: str,
    filter_indices: Iterable[int],
    *,
    image_size: int | None = None,
    steps: int = 30,
    learning_rate: float = 10.0,
    seed: int | None = None,
    batch_size: int | None = None,
    regularizers: Regularizers | None = None,
    progress: bool = False,
) -> np.ndarray:
    """The patterns that excite each filter, as displayable uint8 images.

    `ascend_filters(...).images`; see `ascend_filters` for the arguments. Use
    `ascend_filters` directly to also get each filter's activation at every
    step.

    Returns:
        uint8 array `(n, image_size - 50, image_size - 50, 3)`.

    Examples:
        ```python
        grid = filter_patterns(base, "block3_sepconv1", range(64), seed=0)
        grid.shape
        # (64, 150, 150, 3)
        ```
    """
    return ascend_filters(
        model,
        layer_name,
        filter_indices,
        image_size=image_size,
        steps=steps,
        learning_rate=learning_rate,
        seed=seed,
        batch_size=batch_size,
        regularizers=regularizers,
        progress=progress,
    ).images
