"""Gradient ascent in a better-conditioned space: Fourier, decorrelated colour.

The lecture's recipe (`modern_convnets.filters`) changes pixels directly,
and plain gradient ascent then favours high frequencies that a network barely
meets in photos: deep layers give noise. Three changes, from Olah, Mordvintsev
and Schubert, "Feature Visualization" (Distill, 2017) and Mordvintsev et al.,
"Differentiable Image Parameterizations" (Distill, 2018), as in Lucid:

- **Fourier parameterisation**: optimise the image's spectrum, each
  frequency scaled by 1/frequency, so that a step changes low frequencies as
  readily as high ones (the gradient is whitened, roughly);
- **decorrelated colour**: optimise in a colour space whose channels are
  uncorrelated over ImageNet, mapped back by a fixed 3 × 3 matrix, and
  squash to [0, 1] with a sigmoid;
- **transformation robustness**: pad, shift, rescale and rotate the image
  randomly at every step, so that only patterns that survive small
  transformations grow.

Each channel's image is optimised with Adam. Every channel of a batch gets
the same random transformation at a step, drawn from `(seed, step)`, so a
channel's image does not depend on which channels share its batch (up to
float rounding, which hundreds of steps on a deep layer can grow to a few
grey levels); the step is traced once per batch shape, its randomness passed
in as a tensor.

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
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from modern_convnets.filters import channel_indices, feature_extractor, rotate_and_scale
from modern_convnets.graph import compiled

if TYPE_CHECKING:
    import keras
    import tensorflow as tf

COLOR_CORRELATION_SVD_SQRT = np.array(
    [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], dtype="float32"
)
"""Square root of ImageNet's RGB colour correlation matrix, by its SVD.

From Lucid, `lucid/optvis/param/color.py` (Apache-2.0): mapping uncorrelated
channels through this matrix gives colours correlated as in photos.
"""

PARAMETERIZATIONS = ("fourier", "pixels")
OBJECTIVES = ("channel", "neuron")


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


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How the images are parameterised, transformed and optimised.

    The defaults are the preconditioned recipe; switching one ingredient off
    shows what it contributes.

    Attributes:
        parameterization: "fourier" (1/f-scaled spectrum) or "pixels".
        decorrelate: Map the three optimised channels through
            `COLOR_CORRELATION_SVD_SQRT` before the sigmoid.
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
        if self.objective not in OBJECTIVES:
            raise ValueError(
                f"objective={self.objective!r} is not one of "
                f"{', '.join(map(repr, OBJECTIVES))}"
            )
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate={self.learning_rate!r} must be > 0")
        if not isinstance(self.steps, int | np.integer) or self.steps < 1:
            raise ValueError(f"steps={self.steps!r} must be an integer ≥ 1")
        if not isinstance(self.image_size, int | np.integer) or self.image_size < 16:
            raise ValueError(f"image_size={self.image_size!r} must be an integer ≥ 16")


@dataclasses.dataclass(frozen=True)
class Visualization:
    """Images that maximise channels of a layer, and how the objective rose.

    Attributes:
        channels: The channels, in the order of the other arrays.
        images: The images as displayed, uint8 `(n, size, size, 3)`.
        objectives: Each channel's objective before each step (on the
            transformed image the step saw), float `(n, steps)`.
    """

    channels: tuple[int, ...]
    images: np.ndarray
    objectives: np.ndarray


def spectrum_scale(height: int, width: int, decay_power: float = 1.0) -> np.ndarray:
    """The factor applied to each rfft2d coefficient: 1/frequency^decay, × √(hw).

    Frequencies below 1/max(height, width) (the constant term) are treated as
    that lowest frequency, as in Lucid's `fft_image`.

    Args:
        height: Image height.
        width: Image width.
        decay_power: Exponent of the 1/frequency decay.

    Returns:
        float32 array `(height, width // 2 + 1)`.

    Examples:
        >>> spectrum_scale(4, 4).shape
        (4, 3)
    """
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    frequency = np.sqrt(fx * fx + fy * fy)
    scale = 1.0 / np.maximum(frequency, 1.0 / max(height, width)) ** decay_power
    return (scale * np.sqrt(height * width)).astype("float32")


def initial_parameters(
    channels: Iterable[int], recipe: Recipe, seed: int | None
) -> np.ndarray:
    """The starting parameters: small normal noise (sd 0.01), one set per channel.

    Each channel's start depends only on `(seed, channel)`.

    Args:
        channels: The channels.
        recipe: Gives the parameterisation and image size.
        seed: Seed; None draws fresh entropy.

    Returns:
        float32 array: `(n, 2, 3, size, size // 2 + 1)` (real and imaginary
        parts of the spectrum) for "fourier", `(n, size, size, 3)` for
        "pixels".

    Examples:
        >>> initial_parameters([0, 5], Recipe(image_size=16), seed=0).shape
        (2, 2, 3, 16, 9)
    """
    size = recipe.image_size
    shape = (
        (2, 3, size, size // 2 + 1)
        if recipe.parameterization == "fourier"
        else (size, size, 3)
    )
    base = np.random.SeedSequence(seed).entropy
    return np.stack(
        [np.random.default_rng([base, int(c)]).normal(0, 0.01, shape) for c in channels]
    ).astype("float32")


def to_images(parameters: tf.Tensor, recipe: Recipe) -> tf.Tensor:
    """Parameters to RGB images in [0, 1], `(n, size, size, 3)`.

    Args:
        parameters: As made by `initial_parameters`.
        recipe: The parameterisation, colour decorrelation and image size.

    Returns:
        float32 tensor of images.
    """
    import tensorflow as tf

    size = recipe.image_size
    if recipe.parameterization == "fourier":
        scale = tf.constant(spectrum_scale(size, size))
        spectrum = tf.complex(parameters[:, 0] * scale, parameters[:, 1] * scale)
        # (n, 3, size, size) → channels last; Lucid's constant 4 tempers the start.
        image = tf.signal.irfft2d(spectrum, fft_length=[size, size])
        image = tf.transpose(image, (0, 2, 3, 1)) / 4.0
    else:
        image = parameters
    if recipe.decorrelate:
        norm = np.max(np.linalg.norm(COLOR_CORRELATION_SVD_SQRT, axis=0))
        matrix = tf.constant((COLOR_CORRELATION_SVD_SQRT / norm).T)
        image = tf.tensordot(image, matrix, axes=[[3], [0]])
    return tf.sigmoid(image)


def parameters_from_images(images: np.ndarray, recipe: Recipe) -> np.ndarray:
    """The parameters whose images are `images`: `to_images` inverted.

    Useful to start the ascent from a photo instead of noise, and to check
    the parameterisation: `to_images(parameters_from_images(x))` gives `x`
    back, up to float32 rounding, for any images strictly inside (0, 1).

    Args:
        images: `(n, size, size, 3)` in (0, 1); values at 0 or 1 are
            moved 1e-6 inside, where the sigmoid can reach them.
        recipe: The parameterisation, colour decorrelation and image size.

    Returns:
        float32 parameters shaped as by `initial_parameters`.

    Raises:
        ValueError: `images` is not `(n, size, size, 3)` for the recipe's size.

    Examples:
        >>> recipe = Recipe(image_size=16)
        >>> grey = np.full((1, 16, 16, 3), 0.5)
        >>> float(np.abs(parameters_from_images(grey, recipe)).max())
        0.0
    """
    size = recipe.image_size
    array = np.asarray(images, dtype="float64")
    if array.ndim != 4 or array.shape[1:] != (size, size, 3):
        raise ValueError(
            f"images has shape {array.shape}: expected (n, {size}, {size}, 3) for "
            f"image_size={size}"
        )
    array = np.clip(array, 1e-6, 1 - 1e-6)
    x = np.log(array / (1 - array))  # the sigmoid's inverse
    if recipe.decorrelate:
        norm = np.max(np.linalg.norm(COLOR_CORRELATION_SVD_SQRT, axis=0))
        matrix = (COLOR_CORRELATION_SVD_SQRT / norm).T.astype("float64")
        x = x @ np.linalg.inv(matrix)
    if recipe.parameterization == "fourier":
        spectrum = np.fft.rfft2(np.moveaxis(x, 3, 1) * 4.0) / spectrum_scale(size, size)
        x = np.stack([spectrum.real, spectrum.imag], axis=1)
    return x.astype("float32")


def _choose(values: Sequence[float], seed: tf.Tensor) -> tf.Tensor:
    import tensorflow as tf

    index = tf.random.stateless_uniform([], seed, 0, len(values), dtype=tf.int32)
    return tf.gather(tf.constant(values, tf.float32), index)


def _crop(images: tf.Tensor, amount: int, seed: tf.Tensor) -> tf.Tensor:
    """Crop `amount` pixels in total along each axis, at a random offset."""
    import tensorflow as tf

    if not amount:
        return images
    offset = tf.random.stateless_uniform([2], seed, 0, amount + 1, dtype=tf.int32)
    shape = tf.shape(images)
    return tf.slice(
        images,
        tf.stack([0, offset[0], offset[1], 0]),
        tf.stack([shape[0], shape[1] - amount, shape[2] - amount, shape[3]]),
    )


def transform(images: tf.Tensor, transforms: Transforms, seed: tf.Tensor) -> tf.Tensor:
    """One step's random transformation, the same for every image of the batch.

    Args:
        images: `(n, h, w, 3)` in [0, 1].
        transforms: What to apply.
        seed: Two int32 values; the same seed gives the same transformation.

    Returns:
        The transformed images: `2 pad - jitter - final_jitter` pixels larger
        along each axis than `images`.
    """
    import math

    import tensorflow as tf

    t = transforms
    images = tf.pad(
        images, [[0, 0], [t.pad, t.pad], [t.pad, t.pad], [0, 0]], constant_values=0.5
    )
    images = _crop(images, t.jitter, seed)
    scale = _choose(t.scales, seed + 1)
    angle = _choose(t.rotations, seed + 2) * math.pi / 180.0
    images = rotate_and_scale(images, scale, angle, fill_mode="CONSTANT")
    return _crop(images, t.final_jitter, seed + 3)


def _objective(activation: tf.Tensor, channels: tf.Tensor, kind: str) -> tf.Tensor:
    """Each image's own channel: its mean, or its value at the centre position."""
    import tensorflow as tf

    chosen = tf.gather(activation, channels, axis=3, batch_dims=1)
    if kind == "neuron":
        shape = tf.shape(chosen)
        return chosen[:, shape[1] // 2, shape[2] // 2]
    return tf.reduce_mean(chosen, axis=[1, 2])


def _make_step(extractor: keras.Model, recipe: Recipe, input_range):
    """One Adam step on a batch of parameters, traced once per batch shape."""
    import tensorflow as tf

    low, high = input_range
    beta1, beta2, epsilon = 0.9, 0.999, 1e-8

    @tf.function(autograph=False)
    def step(parameters, m, v, t, channels, seed):
        with tf.GradientTape() as tape:
            tape.watch(parameters)
            images = to_images(parameters, recipe)
            if recipe.transforms is not None:
                images = transform(images, recipe.transforms, seed)
            activation = extractor(low + (high - low) * images, training=False)
            objectives = _objective(activation, channels, recipe.objective)
            total = tf.reduce_sum(objectives)
        # Maximise: Adam descends on the negated objective, per image.
        grads = -tape.gradient(total, parameters)
        m = beta1 * m + (1 - beta1) * grads
        v = beta2 * v + (1 - beta2) * tf.square(grads)
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        parameters = parameters - recipe.learning_rate * m_hat / (
            tf.sqrt(v_hat) + epsilon
        )
        return parameters, m, v, objectives

    return step


def visualize(
    model: keras.Model,
    layer_name: str,
    channels: Iterable[int],
    *,
    recipe: Recipe | None = None,
    seed: int | None = None,
    input_range: tuple[float, float] = (-1.0, 1.0),
    batch_size: int | None = None,
) -> Visualization:
    """Optimise one image per channel of a layer with a preconditioned recipe.

    Args:
        model: A functional Keras model; truncated at `layer_name`, neither
            modified nor trained.
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
        The displayed images and each channel's objective at every step.

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
    import tensorflow as tf

    recipe = recipe or Recipe()
    low, high = (float(v) for v in input_range)
    if not high > low:
        raise ValueError(
            f"input_range={input_range!r}: the high end must exceed the low"
        )

    def build():
        extractor = feature_extractor(model, layer_name)
        return extractor, _make_step(extractor, recipe, (low, high))

    extractor, step = compiled(
        model, ("preconditioned", layer_name, recipe, low, high), build
    )
    indices = channel_indices(extractor, layer_name, channels)
    if batch_size is not None and (
        not isinstance(batch_size, int | np.integer) or batch_size < 1
    ):
        raise ValueError(f"batch_size={batch_size!r} must be None or an integer ≥ 1")
    batch_size = batch_size or len(indices)
    seed_value = 0 if seed is None else int(seed)
    images_out, objectives_out = [], []
    for start in range(0, len(indices), batch_size):
        chunk = indices[start : start + batch_size]
        parameters = tf.constant(initial_parameters(chunk, recipe, seed))
        m = tf.zeros_like(parameters)
        v = tf.zeros_like(parameters)
        chunk_t = tf.constant(chunk, tf.int32)
        history = []
        for i in range(recipe.steps):
            parameters, m, v, objectives = step(
                parameters,
                m,
                v,
                tf.constant(i + 1, tf.float32),
                chunk_t,
                tf.constant([seed_value, 4 * i], tf.int32),
            )
            history.append(objectives.numpy())
        images = to_images(parameters, recipe).numpy()
        images_out.append(np.round(images * 255).astype("uint8"))
        objectives_out.append(np.stack(history, axis=1))
    return Visualization(
        tuple(indices), np.concatenate(images_out), np.concatenate(objectives_out)
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
    import tensorflow as tf

    if objective not in OBJECTIVES:
        raise ValueError(
            f"objective={objective!r} is not one of {', '.join(map(repr, OBJECTIVES))}"
        )
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or len(images) != len(channels):
        raise ValueError(
            f"images has shape {images.shape}: expected (n, height, width, 3) with "
            f"n = len(channels) = {len(channels)}"
        )
    extractor = feature_extractor(model, layer_name)
    low, high = input_range
    x = low + (high - low) * images.astype("float32") / 255.0
    activation = extractor(tf.constant(x), training=False)
    return _objective(
        activation, tf.constant(list(channels), tf.int32), objective
    ).numpy()


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
