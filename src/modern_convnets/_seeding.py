"""Seeded model construction that leaves the caller's random streams alone."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator


@contextlib.contextmanager
def seeded_layers(seed: int) -> Iterator[None]:
    """Create Keras layers inside this block with weights fixed by `seed`.

    Keras 3 draws the seed of every default initializer, dropout and random
    augmentation layer from Python's `random` module when the layer is
    created. Inside the block that module is seeded with `seed`, so the
    layers get exactly the weights `keras.utils.set_random_seed(seed)` would
    give them; afterwards its previous state is restored, so the caller's
    random streams (Python's, NumPy's, TensorFlow's) go on untouched.

    Args:
        seed: The seed.

    Yields:
        Nothing; create the layers inside the block.

    Examples:
        >>> import keras
        >>> with seeded_layers(0):
        ...     a = keras.layers.Dense(2)
        >>> with seeded_layers(0):
        ...     b = keras.layers.Dense(2)
        >>> a.kernel_initializer.seed == b.kernel_initializer.seed
        True
    """
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)
