"""Grad-CAM: where in a photo the evidence for a class lies.

For a class score y and the feature maps A of a late convolution layer,
Grad-CAM (Selvaraju et al., 2017) weighs each channel k by the average
gradient of y over the map, then keeps the positive part of the weighted sum:

    weight_k = mean over (i, j) of dy / dA_ij^k
    heatmap  = ReLU(sum_k weight_k A^k), divided by its maximum

This implementation differs from the usual published recipe where it breaks:

- the score is the *logit* (the last layer without its softmax or sigmoid),
  because a confident softmax saturates and its gradients vanish;
- binary sigmoid models explain class 1 with the logit and class 0 with its
  negation;
- the layer may sit inside a nested base model (`graph.tap_model`), and by
  default the last layer with a 4-D output is used, wherever it is;
- a whole batch is explained with one gradient computation;
- a map with no positive evidence is all zeros, not NaN.

`modern_convnets.heatmaps.overlay` draws a map on its photo;
`rank_correlation`, `randomised_copy` and `deletion_curve` check that a map
means something.

Examples:
    >>> import keras
    >>> keras.utils.set_random_seed(0)
    >>> model = keras.Sequential([
    ...     keras.Input((16, 16, 3)),
    ...     keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
    ...     keras.layers.GlobalAveragePooling2D(),
    ...     keras.layers.Dense(3, activation="softmax"),
    ... ])
    >>> maps = gradcam(model, np.ones((2, 16, 16, 3)))
    >>> maps.shape, bool(maps.min() >= 0), bool(maps.max() <= 1)
    ((2, 14, 14), True, True)
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from modern_convnets._seeding import seeded_layers
from modern_convnets.autodiff import value_and_grad
from modern_convnets.graph import (
    compiled,
    feature_extractor,
    feature_map_layer,
    feature_map_layers,
    tap_model,
)
from modern_convnets.heatmaps import resize_heatmap
from modern_convnets.images import ImageLike, model_batch

if TYPE_CHECKING:
    import keras

logger = logging.getLogger(__name__)


def last_feature_layer(model: keras.Model) -> str:
    """The last layer whose output is a 4-D feature map, nested models included.

    Raises:
        ValueError: The model has no such layer.

    Examples:
        ```python
        last_feature_layer(kitchenware_classifier()[0])
        # 'block14_sepconv2_act'
        ```
    """
    names = feature_map_layers(model)
    if not names:
        raise ValueError(
            f"model {model.name!r} has no layer with a 4-D output (batch, height, "
            "width, channels), so there is no feature map to explain"
        )
    return names[-1]


def _compiled(model: keras.Model, layer_name: str) -> tuple[Any, int]:
    """The Grad-CAM computation, built (and compiled) once per model and layer.

    The layer is checked when it is built, not on every call. Returns the
    function and the number of classes (2 for a one-unit sigmoid).
    """
    return compiled(model, ("gradcam", layer_name), lambda: _build(model, layer_name))


def _build(model: keras.Model, layer_name: str) -> tuple[Any, int]:
    from keras import ops

    feature_map_layer(model, layer_name)
    # A zero added to the layer's output: its gradient is the feature maps'.
    grad_model = tap_model(model, [layer_name], logits=True, shift_inputs=True)
    extractor = feature_extractor(model, layer_name)
    units = grad_model.outputs[1].shape[-1]

    def scores(shift: Any, batch: Any, requested: Any) -> tuple[Any, Any]:
        # requested: one class per image, -1 for "the top class".
        features, logits = grad_model([batch, shift], training=False)
        if units == 1:  # sigmoid: class 1 is the logit, class 0 minus it
            top = ops.cast(logits[:, 0] > 0, "int32")
            chosen = ops.where(requested >= 0, requested, top)
            sign = ops.where(chosen == 1, 1.0, -1.0)
            per_image = logits[:, 0] * ops.cast(sign, logits.dtype)
        else:
            top = ops.cast(ops.argmax(logits, axis=-1), "int32")
            chosen = ops.where(requested >= 0, requested, top)
            per_image = ops.take_along_axis(logits, chosen[:, None], axis=1)[:, 0]
        # Images are independent (inference mode), so the gradient of the
        # summed scores holds each image's own gradient.
        return ops.sum(per_image), features

    gradient = value_and_grad(scores, grad_model.variables)

    def step(batch: np.ndarray, requested: np.ndarray) -> np.ndarray:
        shape = extractor.compute_output_shape(batch.shape)
        shift = ops.zeros(shape, dtype=grad_model.inputs[1].dtype)
        _, features, grads = gradient(
            shift, ops.convert_to_tensor(batch), ops.convert_to_tensor(requested)
        )
        weights = ops.mean(grads, axis=(1, 2), keepdims=True)
        cams = ops.relu(ops.sum(weights * features, axis=-1))
        return ops.convert_to_numpy(cams)

    return step, 2 if units == 1 else int(units)


def _requested(target: int | Sequence[int] | None, classes: int, n: int) -> np.ndarray:
    """One class per image, -1 meaning "the top class"; range-checked."""
    if target is None:
        return np.full(n, -1, dtype="int32")
    values = np.asarray(target)
    if values.dtype.kind not in "iu" or values.ndim > 1 or values.size not in (1, n):
        raise ValueError(
            f"target={target!r} must be None (each image's top class), one "
            f"class index, or one per image ({n} images)"
        )
    indices = np.broadcast_to(values.astype("int32").reshape(-1), (n,))
    if np.any((indices < 0) | (indices >= classes)):
        raise ValueError(
            f"target={target!r} is out of range: the model has "
            f"{classes} classes, valid: 0 to {classes - 1}"
        )
    return indices.copy()


def gradcam(
    model: keras.Model,
    images: ImageLike | Sequence[ImageLike],
    *,
    layer_name: str | None = None,
    target: int | Sequence[int] | None = None,
) -> np.ndarray:
    """Grad-CAM heatmaps for a batch of photos, in one pass.

    Args:
        model: A classifier taking images (softmax, sigmoid or plain logits at
            the end). It is not modified.
        images: Photos: paths, PIL images or arrays of raw pixels, resized to
            the model's input size (see `modern_convnets.images`).
        layer_name: The feature maps to explain with. Default: the last layer
            with a 4-D output (`last_feature_layer`), logged at INFO level.
        target: The class to explain, by index: one for all photos, a
            sequence of one per photo, or None (the default) for each photo's
            predicted class. For a one-unit sigmoid model, 1 is the positive
            class and 0 the negative one.

    Returns:
        Heatmaps (n, height, width) at the layer's resolution, each in [0, 1]:
            divided by its maximum, all zeros where no position has positive
            evidence.

    Raises:
        ValueError: Unknown layer (the valid ones are listed), a layer that is
            not a 4-D feature map, a target out of range or of the wrong
            length, or images that cannot be read as RGB photos.

    Examples:
        ```python
        model = load_trained("xception_cats_vs_dogs")
        maps = gradcam(model, ["cat.2000.jpg", "dog.2000.jpg"])
        maps.shape
        # (2, 10, 10)
        gradcam(model, ["cat.2000.jpg", "dog.2000.jpg"], target=[0, 1])  # cat, dog
        ```
    """
    if layer_name is None:
        layer_name = last_feature_layer(model)
        logger.info("Grad-CAM on layer %r of model %r", layer_name, model.name)
    step, classes = _compiled(model, layer_name)
    batch = model_batch(model, images)
    requested = _requested(target, classes, len(batch))
    cams = step(batch, requested)
    peak = cams.max(axis=(1, 2), keepdims=True)
    return np.divide(cams, peak, out=np.zeros_like(cams), where=peak > 0)


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation of two maps of the same shape.

    1 means the same ordering of positions, 0 none. NaN if either map is
    constant.

    Examples:
        >>> rank_correlation(np.array([1, 2, 3]), np.array([10, 20, 25]))
        1.0
    """
    a, b = np.asarray(a, "float64").ravel(), np.asarray(b, "float64").ravel()
    if a.shape != b.shape:
        raise ValueError(f"maps of different sizes: {a.size} and {b.size} values")

    def ranks(x: np.ndarray) -> np.ndarray:
        order = np.argsort(x, kind="stable")
        r = np.empty_like(x)
        r[order] = np.arange(x.size)
        # Ties share their average rank.
        _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
        sums = np.bincount(inverse, weights=r)
        return sums[inverse] / counts[inverse]

    ra, rb = ranks(a), ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denominator = np.sqrt((ra**2).sum() * (rb**2).sum())
    return float((ra * rb).sum() / denominator) if denominator else float("nan")


def randomised_copy(model: keras.Model, seed: int = 0) -> keras.Model:
    """The same architecture with freshly initialised weights.

    The model-randomisation test of Adebayo et al. (2018): a map that barely
    changes when the learned weights are thrown away does not explain what
    the model learned.

    Examples:
        ```python
        random = randomised_copy(model)
        rank_correlation(gradcam(model, photo)[0], gradcam(random, photo)[0])
        ```
    """
    import keras

    with seeded_layers(seed):
        copy = keras.models.clone_model(model)
    copy.name = f"{model.name}_randomised"
    return copy


def _area(x: np.ndarray, y: np.ndarray) -> float:
    """Trapezoidal area under y(x)."""
    return float(((y[1:] + y[:-1]) / 2 * np.diff(x)).sum())


@dataclasses.dataclass(frozen=True)
class DeletionCurve:
    """The class probability as pixels are deleted.

    Attributes:
        fractions: Share of pixels deleted at each point, 0 to 1.
        heatmap_order: Probability when the most highlighted pixels go first.
        random_order: The same with pixels deleted in a random order.
    """

    fractions: np.ndarray
    heatmap_order: np.ndarray
    random_order: np.ndarray

    @property
    def heatmap_area(self) -> float:
        """Area under the heatmap-order curve (lower: a more faithful map)."""
        return _area(self.fractions, self.heatmap_order)

    @property
    def random_area(self) -> float:
        """Area under the random-order curve."""
        return _area(self.fractions, self.random_order)


def _probabilities(model: keras.Model, batch: np.ndarray, target: int) -> np.ndarray:
    output = np.asarray(model.predict(batch, verbose=0, batch_size=16))
    if output.shape[-1] == 1:
        return output[:, 0] if target == 1 else 1 - output[:, 0]
    return output[:, target]


def deletion_curve(
    model: keras.Model,
    image: np.ndarray,
    heatmap: np.ndarray,
    target: int,
    *,
    steps: int = 16,
    seed: int = 0,
) -> DeletionCurve:
    """Delete pixels in heatmap order and in random order; track the class.

    Deleted pixels take the photo's mean colour. A faithful heatmap makes the
    probability fall faster than a random order does (Petsiuk et al., 2018).

    Args:
        model: The classifier the heatmap explains.
        image: The photo at the model's input size, (h, w, 3), raw pixels.
        heatmap: Its Grad-CAM map (any resolution; resized to the photo with
            `modern_convnets.heatmaps.resize_heatmap`).
        target: The explained class's index (for a sigmoid model, 1 or 0).
        steps: Points on each curve after the start.
        seed: Seeds the random order.

    Returns:
        Both curves at `steps + 1` fractions from 0 to 1.

    Raises:
        ValueError: `steps` < 1 or shapes that do not fit.

    Examples:
        ```python
        curve = deletion_curve(model, photo, maps[0], target=1)
        curve.heatmap_area, curve.random_area
        ```
    """
    if steps < 1:
        raise ValueError(f"steps={steps!r} must be a positive integer")
    image = np.asarray(image, dtype="float32")
    if image.ndim != 3:
        raise ValueError(f"image has shape {image.shape}; expected (height, width, 3)")
    height, width = image.shape[:2]
    saliency = resize_heatmap(np.asarray(heatmap, "float32"), (height, width)).ravel()
    rng = np.random.default_rng(seed)
    # Ties (large zero regions) are broken at random, not by position.
    heat_order = np.lexsort((rng.permutation(saliency.size), -saliency))
    random_order = rng.permutation(saliency.size)
    fractions = np.linspace(0, 1, steps + 1)
    fill = image.reshape(-1, 3).mean(axis=0)

    def degraded(order: np.ndarray) -> np.ndarray:
        batch = np.repeat(image.reshape(1, -1, 3), len(fractions), axis=0)
        for row, fraction in enumerate(fractions):
            batch[row, order[: int(np.rint(fraction * order.size))]] = fill
        return batch.reshape(len(fractions), height, width, 3)

    return DeletionCurve(
        fractions,
        _probabilities(model, degraded(heat_order), target),
        _probabilities(model, degraded(random_order), target),
    )
