"""Grad-CAM: where in a photo the evidence for a class lies.

For a class score y and the feature maps A of a late convolution layer,
Grad-CAM (Selvaraju et al., 2017) weighs each channel k by the average
gradient of y over the map, then keeps the positive part of the weighted sum:

    weight_k = mean over (i, j) of dy / dA_ij^k
    heatmap  = ReLU(sum_k weight_k A^k), divided by its maximum

A map divided by its own maximum peaks at 1 whatever the class's
probability: it shows where the evidence for a class lies, not how strong it
is. `scale="shared"` divides every map of a batch by the batch's largest
value instead: given copies of one photo, one per class, the classes' maps
are on one scale, and a class with weaker evidence is drawn dimmer.

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
`rank_correlation`, `randomised_copy` and `faithfulness_curves` check that a
map means something.

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
from typing import TYPE_CHECKING, Any, Literal

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
from modern_convnets.images import ImageLike, model_batch
from modern_convnets.inference import infer

if TYPE_CHECKING:
    import keras

logger = logging.getLogger(__name__)

# What `gradcam` divides maps by: each map's own maximum, or the batch's.
_SCALES = ("each", "shared")


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
    scale: Literal["each", "shared"] = "each",
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
        scale: "each" (the default) divides each map by its own maximum;
            "shared" divides every map by the largest value of any map in
            the batch, so that the maps of one photo's copies, one per
            class, show how strong each class's evidence is.

    Returns:
        Heatmaps (n, height, width) at the layer's resolution, in [0, 1]:
            divided by their maximum (`scale`), all zeros where no position
            has positive evidence.

    Raises:
        ValueError: Unknown layer (the valid ones are listed), a layer that is
            not a 4-D feature map, a target out of range or of the wrong
            length, a `scale` other than "each" or "shared", or images that
            cannot be read as RGB photos.

    Examples:
        ```python
        model = load_trained("xception_cats_vs_dogs")
        maps = gradcam(model, ["cat.2000.jpg", "dog.2000.jpg"])
        maps.shape
        # (2, 10, 10)
        gradcam(model, ["cat.2000.jpg", "dog.2000.jpg"], target=[0, 1])  # cat, dog
        # One photo as "cat" and as "dog", on one scale: the weaker is dimmer.
        gradcam(model, ["cat.2000.jpg"] * 2, target=[0, 1], scale="shared")
        ```
    """
    if scale not in _SCALES:
        raise ValueError(
            f"scale={scale!r} is not one of {', '.join(map(repr, _SCALES))}: "
            "'each' divides each map by its own maximum, 'shared' every map "
            "by the batch's largest value"
        )
    if layer_name is None:
        layer_name = last_feature_layer(model)
        logger.info("Grad-CAM on layer %r of model %r", layer_name, model.name)
    step, classes = _compiled(model, layer_name)
    batch = model_batch(model, images)
    requested = _requested(target, classes, len(batch))
    cams = step(batch, requested)
    axes = (1, 2) if scale == "each" else (0, 1, 2)
    peak = cams.max(axis=axes, keepdims=True)
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


def randomised_copy(
    model: keras.Model, seed: int = 0, *, top: int | None = None
) -> keras.Model:
    """The same architecture with freshly initialised weights, all or the top ones.

    The model-randomisation test of Adebayo et al. (2018): a map that barely
    changes when the learned weights are thrown away does not explain what
    the model learned. With `top`, only the last `top` layers that hold
    weights (nested models included, in model order) are re-initialised and
    the others keep their trained weights: their cascading randomisation,
    from the output down.

    Args:
        model: The trained model. It is not modified.
        seed: Seeds the fresh weights.
        top: How many weighted layers, counted from the output, to
            re-initialise; None for all of them.

    Returns:
        A new model named `<name>_randomised`.

    Raises:
        ValueError: `top` is not None or a positive integer.

    Examples:
        ```python
        random = randomised_copy(model)
        rank_correlation(gradcam(model, photo)[0], gradcam(random, photo)[0])
        head_only = randomised_copy(model, top=1)  # the Dense layer only
        ```
    """
    import keras

    from modern_convnets.graph import walk_layers

    if top is not None and (not isinstance(top, int) or top < 1):
        raise ValueError(
            f"top={top!r} must be None (every layer) or a positive integer"
        )
    with seeded_layers(seed):
        copy = keras.models.clone_model(model)
    copy.name = f"{model.name}_randomised"
    if top is not None:
        pairs = [
            (old, new)
            for (_, old), (_, new) in zip(
                walk_layers(model), walk_layers(copy), strict=True
            )
            if old.weights and not isinstance(old, keras.Model)
        ]
        for old, new in pairs[: max(len(pairs) - top, 0)]:
            new.set_weights(old.get_weights())
    return copy


def blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of photos, (n, h, w, c) or (h, w, c), in NumPy.

    Separable, with the kernel renormalised at the borders (no dark or
    mirrored edge).

    Args:
        images: Pixels.
        sigma: Standard deviation of the Gaussian, in pixels (> 0).

    Returns:
        float32 pixels of the same shape.

    Raises:
        ValueError: `sigma` <= 0.

    Examples:
        >>> blur(np.eye(3)[..., None], sigma=100.0)[..., 0].round(2)
        array([[0.33, 0.33, 0.33],
               [0.33, 0.33, 0.33],
               [0.33, 0.33, 0.33]], dtype=float32)
    """
    if not sigma > 0:
        raise ValueError(f"sigma={sigma!r} must be positive")
    images = np.asarray(images, dtype="float32")

    def matrix(n: int) -> np.ndarray:
        x = np.arange(n, dtype="float64")
        weights = np.exp(-((x[:, None] - x[None, :]) ** 2) / (2 * sigma**2))
        return (weights / weights.sum(axis=1, keepdims=True)).astype("float32")

    rows, cols = matrix(images.shape[-3]), matrix(images.shape[-2])
    down = np.einsum("ij,...jwc->...iwc", rows, images, optimize=True)
    return np.einsum("lk,...hkc->...hlc", cols, down, optimize=True).astype("float32")


def _area(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Trapezoidal area under each row of y(x)."""
    return ((y[..., 1:] + y[..., :-1]) / 2 * np.diff(x)).sum(axis=-1)


@dataclasses.dataclass(frozen=True)
class FaithfulnessCurves:
    """The explained class's probability as a map's cells are deleted or inserted.

    The "probability" is the model's output for the class (for a one-unit
    sigmoid, P or 1 − P): a probability when the model ends in a sigmoid or
    softmax, a logit when it ends in neither.

    Attributes:
        fractions: Share of the map's cells changed at each point, 0 to 1.
        deletion: (n, points): probability as the highest cells are replaced,
            first, by the blurred photo.
        insertion: (n, points): probability as the highest cells of the
            photo are put, first, into the blurred photo.
    """

    fractions: np.ndarray
    deletion: np.ndarray
    insertion: np.ndarray

    @property
    def deletion_area(self) -> np.ndarray:
        """Area under each deletion curve (lower: a more faithful map)."""
        return _area(self.fractions, self.deletion)

    @property
    def insertion_area(self) -> np.ndarray:
        """Area under each insertion curve (higher: a more faithful map)."""
        return _area(self.fractions, self.insertion)


def _class_probabilities(
    model: keras.Model, batch: np.ndarray, target: np.ndarray, batch_size: int
) -> np.ndarray:
    output = infer(model, batch, batch_size=batch_size)[0].astype("float64")
    if output.shape[-1] == 1:
        return np.where(target == 1, output[:, 0], 1 - output[:, 0])
    return output[np.arange(len(output)), target]


def faithfulness_curves(
    model: keras.Model,
    images: np.ndarray,
    maps: np.ndarray,
    target: int | Sequence[int],
    *,
    steps: int = 6,
    sigma: float = 10.0,
    seed: int = 0,
    batch_size: int = 32,
) -> FaithfulnessCurves:
    """Deletion and insertion curves of maps, at the maps' own resolution.

    The causal metrics of Petsiuk et al. (2018). Deletion: the cells of a
    map, highest first, are replaced by the same place in a blurred copy of
    the photo, and the probability of the explained class is measured; a
    faithful map makes it fall fast. Insertion: the blurred photo gets the
    photo's cells back, highest first; a faithful map makes it rise fast.
    A map of h' × w' cells changes the photo in blocks of about (h / h') ×
    (w / w') pixels: no finer than what the map can say. Ties (the zeros of
    a ReLU) are broken at random. Compare with random maps of the same shape
    (`np.random.default_rng(0).random(maps.shape)`) for the chance level.

    Args:
        model: The classifier the maps explain.
        images: (n, h, w, 3) photos at the model's input size, raw pixels.
        maps: (n, h', w') maps, higher meaning "more evidence"; h' and w'
            at most h and w.
        target: The explained class per photo (one index for all, or one
            per photo; for a one-unit sigmoid model, 1 or 0).
        steps: Points on each curve after the start.
        sigma: Standard deviation of the blur, in pixels (`blur`).
        seed: Seeds the tie-breaking.
        batch_size: Photos per model call.

    Returns:
        Both curves, for every photo, at `steps + 1` fractions from 0 to 1.

    Raises:
        ValueError: `steps` < 1, or shapes that do not fit.

    Examples:
        ```python
        curves = faithfulness_curves(model, photos, gradcam(model, photos), 1)
        curves.deletion_area.mean(), curves.insertion_area.mean()
        ```
    """
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps={steps!r} must be a positive integer")
    images = np.asarray(images, dtype="float32")
    maps = np.asarray(maps, dtype="float64")
    if images.ndim != 4 or maps.ndim != 3 or len(maps) != len(images):
        raise ValueError(
            f"images {images.shape} and maps {maps.shape}: expected "
            "(n, height, width, 3) and (n, map height, map width)"
        )
    n, height, width = images.shape[:3]
    rows, cols = maps.shape[1:]
    if rows > height or cols > width:
        raise ValueError(f"maps of {rows} × {cols} cells are finer than the photos")
    targets = np.broadcast_to(np.asarray(target, dtype="int64").reshape(-1), (n,))
    blurred = blur(images, sigma)
    # The cell that holds each pixel, as nearest-neighbour upsampling would.
    cell = (np.arange(height) * rows // height)[:, None] * cols + (
        np.arange(width) * cols // width
    )[None, :]
    rng = np.random.default_rng(seed)
    cells = rows * cols
    counts = np.rint(np.linspace(0, 1, steps + 1) * cells).astype(int)
    # rank[i, c]: position of cell c in photo i's order, highest first.
    flat = maps.reshape(n, cells)
    order = np.stack([np.lexsort((rng.permutation(cells), -row)) for row in flat])
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(cells)[None, :].repeat(n, 0), axis=1)
    points = len(counts)
    probabilities = np.empty((2, n, points))
    # A few photos at a time: all their curves' images in one batch.
    chunk = max(1, batch_size // (2 * points))
    for start in range(0, n, chunk):
        part = slice(start, start + chunk)
        # changed: (photos, points, h, w), the cells changed at each point.
        changed = rank[part][:, cell][:, None] < counts[None, :, None, None]
        mask = changed[..., None]
        photo, fill = images[part, None], blurred[part, None]
        both = np.concatenate(
            [np.where(mask, fill, photo), np.where(mask, photo, fill)]
        )
        wanted = np.tile(np.repeat(targets[part], points), 2)
        probabilities[:, part] = _class_probabilities(
            model, both.reshape(-1, height, width, 3), wanted, batch_size
        ).reshape(2, -1, points)
    return FaithfulnessCurves(counts / cells, probabilities[0], probabilities[1])


__all__ = [
    "FaithfulnessCurves",
    "blur",
    "faithfulness_curves",
    "gradcam",
    "last_feature_layer",
    "randomised_copy",
    "rank_correlation",
]
