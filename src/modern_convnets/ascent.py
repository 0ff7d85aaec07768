"""Gradient ascent on the input: one loop for filter patterns and feature visualisation.

Four roles, kept apart as in Lucid and Lucent:

- a parameterisation (`modern_convnets.parameterizations`) turns parameters
  into the images the model sees;
- random transformations (`modern_convnets.transforms`) move the images a
  little before each step;
- an objective (`modern_convnets.objectives`) scores each image on its own
  channel, and an optional penalty is subtracted;
- this module's `ascend` runs the loop: a Keras optimizer follows the
  gradient (`modern_convnets.autodiff`, on any backend) for a number of
  steps, batch by batch.

The lecture's recipe (`modern_convnets.filters`) and the preconditioned
recipe (`modern_convnets.preconditioned`) are two configurations of it.

Examples:
    ```python
    import keras
    from modern_convnets.ascent import GradientAscent, ascend
    from modern_convnets.objectives import ChannelMean
    from modern_convnets.parameterizations import PixelImage

    result = ascend(
        xception_base(), "block3_sepconv1", [0, 1],
        image=PixelImage(size=200), objective=ChannelMean(border=2),
        optimizer=GradientAscent(10.0), steps=30, seed=0,
    )
    result.objectives.shape  # (2, 31)
    ```
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from modern_convnets.autodiff import value_and_grad
from modern_convnets.graph import channel_indices, compiled, feature_extractor
from modern_convnets.images import input_size
from modern_convnets.transforms import step_values

if TYPE_CHECKING:
    import keras

    from modern_convnets.parameterizations import Parameterization


@dataclasses.dataclass(frozen=True)
class AscentResult:
    """Images that maximise channels of a layer, and how their objective rose.

    Attributes:
        channels: The channels, in the order of the other arrays.
        parameters: The final parameters, one set per channel.
        inputs: The final images as the model takes them, untransformed,
            float32 `(n, size, size, 3)`.
        images: The images as shown to a reader, uint8 (the
            parameterisation's `display`).
        objectives: Each channel's objective, float `(n, steps + 1)`: before
            each step, on the image as that step saw it (transformed, if the
            recipe transforms), and last on the final `inputs` (resized to a
            fixed-size model's input, as the transforms end).
    """

    channels: tuple[int, ...]
    parameters: np.ndarray
    inputs: np.ndarray
    images: np.ndarray
    objectives: np.ndarray

    @property
    def gain(self) -> np.ndarray:
        """The objective's rise from the first step to the final image, `(n,)`."""
        return self.objectives[:, -1] - self.objectives[:, 0]


@dataclasses.dataclass(frozen=True)
class GradientAscent:
    """The lecture's update: `x + learning_rate * gradient`, per-image unit norm.

    Each image's gradient is scaled to unit L2 norm first
    (`tf.math.l2_normalize`'s rule).

    Written out rather than taken from `keras.optimizers.SGD`: it runs in the
    same compiled function as the gradient, as the lecture's `tf.function`
    step does, and so rounds as that step does. Applied eagerly after the
    gradient, the same arithmetic differs in the last bit (fused in the graph,
    not outside it), and 30 steps of ascent on Xception grow that into
    differences of tens of grey levels.

    Attributes:
        learning_rate: The step size (the gradient has unit norm).
        normalize: Scale each image's gradient to unit L2 norm.
    """

    learning_rate: float
    normalize: bool = True

    def __call__(self, x: Any, grad: Any) -> Any:
        """The new images, from the images and the gradient of the objective."""
        if self.normalize:
            grad = _normalized(grad)
        return x + self.learning_rate * grad


def _check_count(name: str, value: Any, minimum: int, allow_none: bool = False) -> None:
    if allow_none and value is None:
        return
    if (
        not isinstance(value, int | np.integer)
        or isinstance(value, bool)
        or (value < minimum)
    ):
        valid = (
            f"None or an integer ≥ {minimum}"
            if allow_none
            else f"an integer ≥ {minimum}"
        )
        raise ValueError(f"{name}={value!r} must be {valid}")


def _gradient(
    model: keras.Model,
    layer_name: str,
    image: Parameterization,
    objective: Callable[..., Any],
    transform: Any,
    penalty: Callable[..., Any] | None,
    update: GradientAscent | None,
) -> tuple[keras.Model, Callable[..., Any]]:
    """The extractor and its compiled gradient (or step), once per model and recipe."""

    def build() -> tuple[keras.Model, Callable[..., Any]]:
        from keras import ops

        extractor = feature_extractor(model, layer_name)

        def total(parameters: Any, channels: Any, values: Any) -> tuple[Any, Any]:
            inputs = image.to_inputs(parameters)
            seen = inputs if transform is None else transform.apply(inputs, values)
            per_image = objective(extractor(seen, training=False), channels)
            value = ops.sum(per_image)
            if penalty is not None:
                value = value - ops.sum(penalty(inputs))
            return value, per_image

        return extractor, value_and_grad(total, extractor.variables, then=update)

    key = ("ascent", layer_name, image, objective, transform, penalty, update)
    return compiled(model, key, build)


def seen_size(image: Parameterization, transform: Any) -> int:
    """Height (= width) of the images the model sees after the transforms."""
    return image.size if transform is None else transform.output_size(image.size)


def check_input_size(
    model: keras.Model, image: Parameterization, transform: Any
) -> None:
    """Raise a ValueError if the transformed images do not fit a fixed-size model.

    Examples:
        ```python
        check_input_size(load_trained("small_convnet"), PixelImage(size=200), None)
        # ValueError: ... takes 180 × 180 images ...
        ```
    """
    fixed = input_size(model)
    size = seen_size(image, transform)
    if fixed is not None and fixed != (size, size):
        raise ValueError(
            f"model {model.name!r} takes {fixed[0]} × {fixed[1]} images, but the "
            f"ascent would show it {size} × {size}: use an image size of "
            f"{fixed[0]} (or transforms that end at that size)"
        )


def fit_to_model(model: keras.Model, images: Any) -> Any:
    """`images` resized (bilinear) to a fixed-size model's input, if they differ.

    Examples:
        ```python
        fit_to_model(load_trained("small_convnet"), np.zeros((1, 128, 128, 3))).shape
        # (1, 180, 180, 3)
        ```
    """
    from keras import ops

    images = ops.convert_to_tensor(images)
    fixed = input_size(model)
    if fixed is None or tuple(ops.shape(images)[1:3]) == fixed:
        return images
    return ops.image.resize(images, fixed, interpolation="bilinear", antialias=False)


def _normalized(grad: Any) -> Any:
    """Each image's gradient scaled to unit L2 norm (`tf.math.l2_normalize`'s rule)."""
    from keras import ops

    square_sum = ops.sum(ops.square(grad), axis=(1, 2, 3), keepdims=True)
    return grad * ops.rsqrt(ops.maximum(square_sum, 1e-12))


def ascend(
    model: keras.Model,
    layer_name: str,
    channels: Iterable[int],
    *,
    image: Parameterization,
    objective: Callable[..., Any],
    optimizer: GradientAscent | Callable[[], keras.optimizers.Optimizer],
    steps: int,
    transform: Any = None,
    penalty: Callable[..., Any] | None = None,
    seed: int | None = None,
    batch_size: int | None = None,
    progress: bool = False,
) -> AscentResult:
    """Maximise each channel's objective over its own image by gradient ascent.

    Every image of a batch maximises its own channel; each batch gets a fresh
    optimizer. At step `i`, every image is transformed the same way, with the
    random numbers `transforms.step_values(transform, seed, i)`, so a
    channel's image does not depend on which channels share its batch (up to
    float rounding).

    Args:
        model: A functional Keras model; truncated at `layer_name`, neither
            modified nor trained.
        layer_name: The layer whose channels are visualised (it may sit in a
            nested sub-model).
        channels: Its channels, each optimised on its own image.
        image: The parameterisation (`PixelImage`, `LucidImage`).
        objective: Per-image objective of the feature maps and channels
            (`ChannelMean`, `Neuron`).
        optimizer: A function making a fresh Keras optimizer, e.g.
            `lambda: keras.optimizers.Adam(0.05)`, which descends on the
            negated objective; or `GradientAscent(rate)`, the lecture's
            normalised step, compiled with the gradient.
        steps: Optimisation steps.
        transform: Applied to the images before each step (`Compose`), or
            None.
        penalty: Per-image penalty of the untransformed images, subtracted
            from the objective (`TotalVariation`), or None.
        seed: Seed of the starting parameters and of the transformations.
        batch_size: Channels optimised together; None: all of them.
        progress: Show a progress bar over the steps.

    Returns:
        The final parameters, inputs and displayed images, and each channel's
            objective at every step.

    Raises:
        ValueError: Unknown layer (valid ones listed), a channel out of range,
            no channels, `steps` < 1, a non-positive batch size, or images
            whose transformed size a fixed-size model does not take.

    Examples:
        ```python
        result = ascend(base, "block3_sepconv1", [0, 1], image=LucidImage(),
                        objective=ChannelMean(), transform=None, steps=64,
                        optimizer=lambda: keras.optimizers.Adam(0.05), seed=0)
        bool((result.gain > 0).all())
        # True
        ```
    """
    import keras
    from keras import ops

    _check_count("steps", steps, 1)
    _check_count("batch_size", batch_size, 1, allow_none=True)
    check_input_size(model, image, transform)
    update = optimizer if isinstance(optimizer, GradientAscent) else None
    extractor, gradient = _gradient(
        model, layer_name, image, objective, transform, penalty, update
    )
    indices = channel_indices(extractor, layer_name, channels)
    batch_size = batch_size or len(indices)
    values = [
        ops.convert_to_tensor(step_values(transform, seed, i))
        if transform is not None
        else ops.zeros((1,))
        for i in range(steps)
    ]
    bar = (
        keras.utils.Progbar(steps * len(indices), unit_name="step")
        if progress
        else None
    )
    parameters_out, objectives_out = [], []
    for start in range(0, len(indices), batch_size):
        chunk = indices[start : start + batch_size]
        parameters = keras.Variable(image.initial(chunk, seed), name="parameters")
        descent = None if update is not None else optimizer()
        chunk_t = ops.convert_to_tensor(np.asarray(chunk, "int32"))
        history = []
        for i in range(steps):
            _, per_image, result = gradient(parameters.value, chunk_t, values[i])
            if descent is None:  # `result` is the new parameters
                parameters.assign(result)
            else:  # `result` is the gradient: descend on the negated objective
                descent.apply([-result], [parameters])
            history.append(ops.convert_to_numpy(per_image))
            if bar is not None:
                bar.add(len(chunk))
        final_inputs = fit_to_model(model, image.to_inputs(parameters.value))
        final = extractor(final_inputs, training=False)
        history.append(ops.convert_to_numpy(objective(final, chunk_t)))
        parameters_out.append(ops.convert_to_numpy(parameters.value))
        objectives_out.append(np.stack(history, axis=1))
    final_parameters = np.concatenate(parameters_out)
    inputs = ops.convert_to_numpy(image.to_inputs(final_parameters))
    return AscentResult(
        channels=tuple(indices),
        parameters=final_parameters,
        inputs=np.asarray(inputs, "float32"),
        images=image.display(final_parameters),
        objectives=np.concatenate(objectives_out),
    )


__all__ = [
    "AscentResult",
    "GradientAscent",
    "ascend",
    "check_input_size",
    "fit_to_model",
    "seen_size",
]
