"""Scoring a binary classifier on a dataset: predictions, confusion matrix.

Drawing the results is `modern_convnets.charts.plot_confusion_matrices`.

Examples:
    >>> import numpy as np
    >>> confusion_matrix([0, 0, 1, 1], [0.2, 0.7, 0.9, 0.4]).tolist()
    [[1, 1], [1, 1]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras
    import tensorflow as tf


@dataclass(frozen=True)
class Predictions:
    """A model's outputs on a labelled dataset, in dataset order.

    Attributes:
        labels: True labels, int 0 or 1, shape (n,).
        probabilities: The model's probability of class 1, shape (n,).
        file_paths: The photos, when the dataset names them (else empty).
    """

    labels: np.ndarray
    probabilities: np.ndarray
    file_paths: tuple[str, ...] = ()

    @property
    def accuracy(self) -> float:
        """Share of photos classified correctly at the 0.5 threshold."""
        return float(np.mean((self.probabilities > 0.5) == (self.labels == 1)))


def predict(
    model: keras.Model,
    dataset: tf.data.Dataset | tuple[np.ndarray, np.ndarray],
    *,
    batch_size: int = 64,
) -> Predictions:
    """Run a sigmoid classifier over labelled photos, batch by batch.

    The model runs in inference mode (augmentation and dropout off), one
    batch at a time. This is the package's one accuracy computation: the
    trainer's held-out accuracy and the pages' confusion matrices both come
    from it.

    Args:
        model: A model with one sigmoid output, e.g. from
            `modern_convnets.shipped.load_trained`.
        dataset: Batches of `(images, labels)`, e.g. the test split of
            `modern_convnets.data.cats_vs_dogs`; or, as `model.fit` takes
            them, one `(images, labels)` pair of NumPy arrays (from
            `modern_convnets.data.load_arrays`), cut into batches here.
        batch_size: Photos per batch when `dataset` is a pair of arrays.

    Returns:
        Labels and probabilities in dataset order.

    Raises:
        ValueError: The model does not output one probability per image, or
            `batch_size` is not a positive integer.

    Examples:
        ```python
        _, _, test = cats_vs_dogs()
        predict(load_trained("small_convnet"), test).accuracy  # 0.81
        ```
    """
    from keras import ops

    if tuple(model.output_shape[1:]) != (1,):
        raise ValueError(
            f"model outputs shape {model.output_shape}; predict needs one sigmoid "
            "probability per image, shape (None, 1)"
        )
    pair = isinstance(dataset, tuple) and len(dataset) == 2
    if pair and all(isinstance(a, np.ndarray) for a in dataset):
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size={batch_size!r} must be a positive integer")
        x, y = dataset
        dataset = [
            (x[i : i + batch_size], y[i : i + batch_size])
            for i in range(0, len(x), batch_size)
        ]
    labels, probabilities = [], []
    for images, batch_labels in dataset:
        probabilities.append(
            ops.convert_to_numpy(model(images, training=False)).reshape(-1)
        )
        labels.append(np.asarray(batch_labels).reshape(-1))
    return Predictions(
        labels=np.concatenate(labels).astype("int64"),
        probabilities=np.concatenate(probabilities).astype("float64"),
        file_paths=tuple(getattr(dataset, "file_paths", ())),
    )


def confusion_matrix(
    labels: Sequence[int] | np.ndarray,
    probabilities: Sequence[float] | np.ndarray,
    *,
    threshold: float = 0.5,
) -> np.ndarray:
    """Counts of (true class, predicted class) for a binary classifier.

    Args:
        labels: True labels, 0 or 1.
        probabilities: Predicted probabilities of class 1, same length.
        threshold: A probability above it predicts class 1.

    Returns:
        A 2 × 2 int array: rows the true class, columns the predicted one, so
            `[0, 1]` counts class-0 photos taken for class 1.

    Raises:
        ValueError: Lengths differ, a label is not 0 or 1, or `threshold` is
            outside (0, 1).

    Examples:
        >>> confusion_matrix([0, 1, 1], [0.1, 0.2, 0.8]).tolist()
        [[1, 0], [1, 1]]
    """
    labels = np.asarray(labels).reshape(-1)
    probabilities = np.asarray(probabilities, dtype="float64").reshape(-1)
    if labels.shape != probabilities.shape:
        raise ValueError(
            f"labels has {labels.size} entries and probabilities "
            f"{probabilities.size}; give one probability per label"
        )
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(
            f"labels holds {sorted(set(labels.tolist()) - {0, 1})}; valid labels "
            "are 0 and 1"
        )
    if not 0 < threshold < 1:
        raise ValueError(f"threshold={threshold!r} must lie in (0, 1)")
    predicted = (probabilities > threshold).astype("int64")
    matrix = np.zeros((2, 2), dtype="int64")
    np.add.at(matrix, (labels.astype("int64"), predicted), 1)
    return matrix
