"""The shipped models give the same P(dog) on TensorFlow, JAX and PyTorch.

`tests/data/shipped_p_dog.json` holds P(dog) of eight held-out photos (four
cats, four dogs of the test split) computed on TensorFlow; every backend's
run checks itself against those same numbers. To compute them again, on
TensorFlow with the photos at hand:

    KERAS_BACKEND=tensorflow python tests/test_shipped_backends.py
"""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest

REFERENCE = Path(__file__).parent / "data" / "shipped_p_dog.json"
TOLERANCE = 1e-5
# Four cats and four dogs of the held-out test split (validation/).
PHOTOS = tuple(
    f"validation/{kind}s/{kind}.{number}.jpg"
    for kind in ("cat", "dog")
    for number in (2000, 2137, 2290, 2499)
)


def p_dog(name: str, data_root: Path) -> list[float]:
    """P(dog) of `PHOTOS` by the shipped model `name`, on the active backend."""
    from modern_convnets.images import model_batch
    from modern_convnets.shipped import load_trained

    model = load_trained(name)
    batch = model_batch(model, [data_root / photo for photo in PHOTOS])
    probabilities = keras.ops.convert_to_numpy(model(batch, training=False))
    return [float(p) for p in probabilities[:, 0]]


def reference() -> dict[str, list[float]]:
    stored = json.loads(REFERENCE.read_text())
    assert stored["photos"] == list(PHOTOS)
    return stored["p_dog"]


@pytest.mark.parametrize(
    "name",
    [
        "small_convnet",
        "mini_xception",
        # The ImageNet base: its weights extracted, 23 M parameters at 299 × 299.
        pytest.param("xception_cats_vs_dogs", marks=pytest.mark.slow),
    ],
)
def test_the_same_p_dog_as_on_tensorflow(name, real_data):
    expected = reference()[name]
    got = p_dog(name, real_data)
    backend = keras.backend.backend()
    np.testing.assert_allclose(
        got, expected, rtol=0, atol=TOLERANCE, err_msg=f"{name} on {backend}"
    )
    # Photos every model classifies correctly: a wrong model cannot pass.
    assert [p > 0.5 for p in got] == [False] * 4 + [True] * 4


def main() -> None:
    """Compute the reference on TensorFlow and write it (atomically)."""
    import os
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import _real_data_root

    from modern_convnets.records import write_json
    from modern_convnets.shipped import TRAINED

    if keras.backend.backend() != "tensorflow":
        sys.exit("compute the reference on TensorFlow: KERAS_BACKEND=tensorflow")
    root = _real_data_root()
    if root is None:
        sys.exit("the photos are not here: set MODERN_CONVNETS_DATA")
    import tensorflow as tf

    payload = {
        "about": "P(dog) of the shipped models on held-out photos, on TensorFlow",
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "photos": list(PHOTOS),
        "p_dog": {name: [round(p, 8) for p in p_dog(name, root)] for name in TRAINED},
    }
    write_json(REFERENCE, payload)
    print(f"wrote {os.path.relpath(REFERENCE)}")


if __name__ == "__main__":
    main()
