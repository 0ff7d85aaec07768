"""A model's outputs on a NumPy batch, in inference mode, chunk by chunk.

`model.predict` compiles a function for every model it is given. The package
builds tapped models on the fly (`modern_convnets.graph.tap_model`), so
`predict` would compile again for each, and TensorFlow warns about
retracing. Calling the model eagerly in fixed-size chunks compiles nothing,
runs the same on every backend, and keeps augmentation and dropout off
(`training=False`).

Examples:
    >>> import keras
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> [out.shape for out in infer(model, np.ones((5, 4)), batch_size=2)]
    [(5, 2)]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras


def infer(
    model: keras.Model, batch: np.ndarray, *, batch_size: int = 32
) -> list[np.ndarray]:
    """Every output of `model` on `batch`, called in chunks with `training=False`.

    Args:
        model: A built model with one input.
        batch: The inputs, first axis the batch.
        batch_size: Inputs per call.

    Returns:
        One float array per model output, each with `len(batch)` rows.

    Raises:
        ValueError: `batch_size` is not a positive integer, or `batch` is
            empty.

    Examples:
        ```python
        p_dog = infer(load_trained("small_convnet"), photos)[0][:, 0]
        ```
    """
    from keras import ops

    if (
        not isinstance(batch_size, int)
        or isinstance(batch_size, bool)
        or batch_size < 1
    ):
        raise ValueError(f"batch_size={batch_size!r} must be a positive integer")
    if len(batch) == 0:
        raise ValueError("batch is empty: infer needs at least one input")
    chunks: list[list[np.ndarray]] = []
    for start in range(0, len(batch), batch_size):
        out = model(
            ops.convert_to_tensor(batch[start : start + batch_size]), training=False
        )
        outs = out if isinstance(out, list | tuple) else [out]
        chunks.append([ops.convert_to_numpy(o) for o in outs])
    return [np.concatenate(parts) for parts in zip(*chunks, strict=True)]
