"""What a convnet filter responds to, found by gradient ascent on the input.

Start from a grey, slightly noisy image and repeatedly change it in the
direction that raises the mean activation of one filter: what emerges is the
pattern that filter looks for. This module does it for many filters at once.
Each image in a batch maximises its own filter, so one gradient step serves
the whole batch, and the step is traced once for every batch of the same
shape rather than once per filter.

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

import contextlib
import dataclasses
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from modern_convnets.graph import compiled, feature_map_layer, tap_model

if TYPE_CHECKING:
    import keras
    import tensorflow as tf

BORDER = 2
"""Activation pixels ignored on each side of the feature map (edge artefacts)."""

CROP = 25
"""Image pixels cropped on each side of a pattern when it is shown."""


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


@dataclasses.dataclass(frozen=True)
class AscentResult:
    """The outcome of gradient ascent on a batch of filters.

    Attributes:
        filter_indices: The filters, in the order of the other arrays.
        inputs: The optimised input images, float32 `(n, size, size, 3)`.
        losses: Mean activation of each filter (over non-border positions)
            before each step and after the last, float `(n, steps + 1)`.
    """

    filter_indices: tuple[int, ...]
    inputs: np.ndarray
    losses: np.ndarray

    @property
    def patterns(self) -> np.ndarray:
        """The inputs as displayable uint8 images (see `deprocess`)."""
        return np.stack([deprocess(image) for image in self.inputs])


def deprocess(image: np.ndarray, crop: int = CROP) -> np.ndarray:
    """Turn an optimised input into a displayable uint8 image.

    Standardise, scale to a standard deviation of 64 grey levels around 128,
    clip to [0, 255] and crop `crop` pixels from each side, where the pattern
    is least constrained.

    Args:
        image: One image, (height, width, 3).
        crop: Pixels removed from each side.

    Returns:
        uint8 array of shape (height - 2 crop, width - 2 crop, 3).

    Examples:
        >>> deprocess(np.random.default_rng(0).normal(size=(60, 60, 3))).shape
        (10, 10, 3)
    """
    image = np.asarray(image, dtype="float64")
    image = image - image.mean()
    image = image / max(image.std(), 1e-8)  # a constant image stays grey
    image = np.clip(image * 64 + 128, 0, 255).astype("uint8")
    return image[crop:-crop, crop:-crop, :] if crop else image


def feature_extractor(model: keras.Model, layer_name: str) -> keras.Model:
    """The model truncated at `layer_name`: input → that layer's feature map.

    The layer may sit inside a nested sub-model (the ImageNet base of a
    transfer-learning classifier, say); see `modern_convnets.graph`.

    Args:
        model: A Keras model.
        layer_name: The layer whose output is returned.

    Returns:
        A `keras.Model` sharing the original layers and weights; `model`
            itself is not modified.

    Raises:
        ValueError: The layer does not exist or its output is not a 4-D
            feature map (the message lists the layers whose output is).

    Examples:
        ```python
        extractor = feature_extractor(xception_base(), "block3_sepconv1")
        extractor.output_shape
        # (None, None, None, 256)
        ```
    """
    import keras

    layer = feature_map_layer(model, layer_name)
    name = f"{model.name}_to_{layer_name}"
    if layer in model.layers:  # the model's own graph reaches it: truncate
        return keras.Model(model.inputs, layer.output, name=name)
    # Inside a nested model: rebuild the forward pass through it.
    tapped = tap_model(model, [layer_name], include_output=False)
    return keras.Model(tapped.inputs, tapped.outputs[0], name=name)


def _check_arguments(
    extractor: keras.Model,
    layer_name: str,
    filter_indices: Sequence[int],
    image_size: int,
    steps: int,
    learning_rate: float,
    batch_size: int | None,
) -> None:
    channels = extractor.output_shape[-1]
    if not filter_indices:
        raise ValueError("filter_indices is empty: name at least one filter")
    for index in filter_indices:
        if not 0 <= index < channels:
            raise ValueError(
                f"filter index {index} is out of range for layer {layer_name!r}: "
                f"it has {channels} filters, so valid indices are 0 to {channels - 1}"
            )
    if not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"steps={steps!r} must be an integer ≥ 1")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate={learning_rate!r} must be > 0")
    if batch_size is not None and (
        not isinstance(batch_size, int | np.integer) or batch_size < 1
    ):
        raise ValueError(f"batch_size={batch_size!r} must be None or an integer ≥ 1")
    minimum = 2 * CROP + 1
    if not isinstance(image_size, int | np.integer) or image_size < minimum:
        raise ValueError(
            f"image_size={image_size!r} is too small: patterns are cropped by {CROP} "
            f"pixels on each side, so it must be an integer ≥ {minimum}"
        )
    _, height, width, _ = extractor.compute_output_shape((1, image_size, image_size, 3))
    if height is not None and (height <= 2 * BORDER or width <= 2 * BORDER):
        raise ValueError(
            f"image_size={image_size} gives a {height}×{width} feature map at "
            f"{layer_name!r}, too small once {BORDER} border pixels are dropped on "
            "each side; use a larger image_size"
        )


def initial_images(
    filter_indices: Iterable[int], image_size: int, seed: int | None
) -> np.ndarray:
    """The starting images: uniform noise in [0.4, 0.6], one per filter.

    Each filter's image depends only on `(seed, filter index)`, so a filter
    starts from the same image whatever batch it is optimised in.

    Args:
        filter_indices: The filters.
        image_size: Height and width.
        seed: Seed; None draws fresh entropy.

    Returns:
        float32 array `(n, image_size, image_size, 3)`.

    Examples:
        >>> initial_images([0, 1], 4, seed=0).shape
        (2, 4, 4, 3)
    """
    base = np.random.SeedSequence(seed).entropy
    return np.stack(
        [
            np.random.default_rng([base, int(i)])
            .uniform(0.4, 0.6, (image_size, image_size, 3))
            .astype("float32")
            for i in filter_indices
        ]
    )


def rotate_and_scale(
    images: tf.Tensor, scale: tf.Tensor, angle: tf.Tensor, fill_mode: str
) -> tf.Tensor:
    """Rotate by `angle` (radians) and zoom by `scale` about the image centre.

    The output keeps the input's size; pixels from outside the image are
    filled as `fill_mode` says ("REFLECT", or "CONSTANT" grey 0.5). The same
    transformation applies to every image of the batch, and its gradient
    reaches the images.

    Args:
        images: `(n, h, w, c)` float images.
        scale: Zoom factor (above 1 enlarges).
        angle: Rotation in radians.
        fill_mode: "REFLECT" or "CONSTANT" (grey 0.5).

    Returns:
        The transformed images, same shape.

    Examples:
        ```python
        rotate_and_scale(images, 1.1, 0.1, fill_mode="REFLECT").shape
        ```
    """
    import tensorflow as tf

    size = tf.cast(tf.shape(images)[1:3], tf.float32)
    cy, cx = (size[0] - 1) / 2, (size[1] - 1) / 2
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    # Output pixel (x, y) samples input (a0 x + a1 y + a2, b0 x + b1 y + b2).
    transform = tf.stack(
        [
            cos,
            -sin,
            cx - cos * cx + sin * cy,
            sin,
            cos,
            cy - sin * cx - cos * cy,
            0.0,
            0.0,
        ]
    )
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=tf.tile(transform[None], [tf.shape(images)[0], 1]),
        output_shape=tf.shape(images)[1:3],
        fill_value=0.5,
        interpolation="BILINEAR",
        fill_mode=fill_mode,
    )


def channel_indices(
    extractor: keras.Model, layer_name: str, channels: Iterable[int]
) -> list[int]:
    """`channels` as a list of integers, each checked against the layer's width.

    Args:
        extractor: The model truncated at the layer (`feature_extractor`).
        layer_name: The layer's name, for the error message.
        channels: The channels asked for.

    Returns:
        The channels, in order.

    Raises:
        ValueError: No channels, or one out of range (the valid range named).

    Examples:
        ```python
        extractor = feature_extractor(base, "block3_sepconv1")
        channel_indices(extractor, "block3_sepconv1", [0, 5])  # [0, 5]
        ```
    """
    indices = [int(c) for c in channels]
    available = extractor.output_shape[-1]
    if not indices:
        raise ValueError("channels is empty: name at least one channel")
    for index in indices:
        if not 0 <= index < available:
            raise ValueError(
                f"channel {index} is out of range for layer {layer_name!r}: it has "
                f"{available} channels, so valid ones are 0 to {available - 1}"
            )
    return indices


def _transform(images: tf.Tensor, regularizers: Regularizers, seed: tf.Tensor):
    """Apply the random jitter, scale and rotation of one step (same for all)."""
    import math

    import tensorflow as tf

    if regularizers.jitter:
        shift = tf.random.stateless_uniform(
            [2], seed, -regularizers.jitter, regularizers.jitter + 1, dtype=tf.int32
        )
        images = tf.roll(images, shift=shift, axis=[1, 2])
    if regularizers.scale or regularizers.rotation:
        u = tf.random.stateless_uniform([2], seed + 1, -1.0, 1.0)
        scale = 1.0 + regularizers.scale * u[0]
        angle = regularizers.rotation * math.pi / 180.0 * u[1]
        images = rotate_and_scale(images, scale, angle, fill_mode="REFLECT")
    return images


def _compiled(model: keras.Model, layer_name: str, regularizers: Regularizers):
    """The extractor and its traced step, once per model, layer, regularisers.

    Cached by `modern_convnets.graph.compiled`.
    """

    def build():
        extractor = feature_extractor(model, layer_name)
        return (extractor, *_make_step(extractor, regularizers))

    return compiled(model, ("filters", layer_name, regularizers), build)


class _IntendedRetracing(logging.Filter):
    """Drop TensorFlow's warning about retracing: here it is by design.

    Each layer and batch shape gets its own traced step, so a page that
    visualises several layers traces several times, which TensorFlow reports
    as if it were a mistake.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


@contextlib.contextmanager
def _quiet_retracing():
    tf_logger = logging.getLogger("tensorflow")
    quiet = _IntendedRetracing()
    tf_logger.addFilter(quiet)
    try:
        yield
    finally:
        tf_logger.removeFilter(quiet)


def _filter_means(activation: tf.Tensor, filter_indices: tf.Tensor) -> tf.Tensor:
    """The objective: each image's own filter's mean activation, borders left out.

    (batch, h, w, channels) feature maps and one filter index per image give
    (batch,) means over the inner (h - 2 BORDER) × (w - 2 BORDER) positions.
    """
    import tensorflow as tf

    inner = activation[:, BORDER:-BORDER, BORDER:-BORDER, :]
    if inner.shape[0] == 1:  # one image: a slice, whose gradient costs less
        chosen = inner[:, :, :, filter_indices[0]]
    else:
        chosen = tf.gather(inner, filter_indices, axis=3, batch_dims=1)
    return tf.reduce_mean(chosen, axis=[1, 2])


def _make_step(extractor: keras.Model, regularizers: Regularizers):
    """One gradient-ascent step for a batch, traced once per batch shape."""
    import tensorflow as tf

    # No tensor-dependent Python control flow inside: AutoGraph has nothing to do.
    @tf.function(autograph=False)
    def step(images, filter_indices, learning_rate, seed):
        with tf.GradientTape() as tape:
            tape.watch(images)
            seen = (
                _transform(images, regularizers, seed)
                if regularizers.active
                else images
            )
            losses = _filter_means(extractor(seen, training=False), filter_indices)
            objective = tf.reduce_sum(losses)
            if regularizers.total_variation:
                pixels = tf.cast(tf.reduce_prod(tf.shape(images)[1:]), tf.float32)
                objective -= regularizers.total_variation * tf.reduce_sum(
                    tf.image.total_variation(images) / pixels
                )
        grads = tape.gradient(objective, images)
        # Normalise each image's gradient on its own, as in the one-filter recipe.
        grads = tf.math.l2_normalize(grads, axis=[1, 2, 3])
        return images + learning_rate * grads, losses

    def score(images, filter_indices):
        """The filters' mean activations: one forward pass, run eagerly."""
        return _filter_means(extractor(images, training=False), filter_indices)

    return step, score


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
    import tensorflow as tf

    return filters if tf.config.list_physical_devices("GPU") else min(4, filters)


def ascend_filters(
    model: keras.Model,
    layer_name: str,
    filter_indices: Iterable[int],
    *,
    image_size: int = 200,
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
        layer_name: The layer whose filters are visualised.
        filter_indices: Channels of that layer, each optimised on its own image.
        image_size: Height and width of the optimised images.
        steps: Gradient-ascent steps.
        learning_rate: Size of each step (the gradient has unit norm).
        seed: Seed of the starting noise and of the regularisers' randomness.
        batch_size: Filters optimised together; None: `default_batch_size`.
        regularizers: Optional jitter, scale, rotation and total variation.
        progress: Show a progress bar over the steps.

    Returns:
        The optimised images and each filter's activation at every step.

    Raises:
        ValueError: Unknown layer (valid ones listed), a layer without a
            channel axis, a filter index out of range, `image_size` too small,
            `steps` < 1, a non-positive learning rate or batch size.

    Examples:
        ```python
        result = ascend_filters(base, "block3_sepconv1", [0, 1], steps=5)
        bool((result.losses[:, -1] > result.losses[:, 0]).all())
        # True
        ```
    """
    import keras
    import tensorflow as tf

    regularizers = regularizers or Regularizers()
    extractor, step, score = _compiled(model, layer_name, regularizers)
    indices = [int(i) for i in filter_indices]
    _check_arguments(
        extractor, layer_name, indices, image_size, steps, learning_rate, batch_size
    )
    batch_size = batch_size or default_batch_size(len(indices))
    images_out, losses_out = [], []
    bar = (
        keras.utils.Progbar(steps * len(indices), unit_name="step")
        if progress
        else None
    )
    seed_value = 0 if seed is None else int(seed)
    rate = tf.constant(learning_rate, tf.float32)
    for start in range(0, len(indices), batch_size):
        chunk = indices[start : start + batch_size]
        images = tf.constant(initial_images(chunk, image_size, seed))
        chunk_t = tf.constant(chunk, tf.int32)
        history = []
        for i in range(steps):
            step_seed = tf.constant([seed_value, i], tf.int32)
            with _quiet_retracing():
                images, losses = step(images, chunk_t, rate, step_seed)
            history.append(losses.numpy())
            if bar is not None:
                bar.add(len(chunk))
        history.append(score(images, chunk_t).numpy())
        images_out.append(images.numpy())
        losses_out.append(np.stack(history, axis=1))
    return AscentResult(
        tuple(indices), np.concatenate(images_out), np.concatenate(losses_out)
    )


def filter_patterns(
    model: keras.Model,
    layer_name: str,
    filter_indices: Iterable[int],
    *,
    image_size: int = 200,
    steps: int = 30,
    learning_rate: float = 10.0,
    seed: int | None = None,
    batch_size: int | None = None,
    regularizers: Regularizers | None = None,
    progress: bool = False,
) -> np.ndarray:
    """The patterns that excite each filter, as displayable uint8 images.

    `ascend_filters` followed by `deprocess`; see `ascend_filters` for the
    arguments. Use `ascend_filters` directly to also get each filter's
    activation at every step.

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
    ).patterns
