"""The trained models shipped with the package, and how they were trained.

`load_trained` gives back a ready-to-use cats-vs-dogs classifier; its
manifest and history say how it was trained (configuration, data
fingerprint, wall time, hardware, accuracy per epoch).

Examples:
    ```python
    model = load_trained("mini_xception")
    trained_manifest("mini_xception")["test_accuracy"]
    ```
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import keras

TRAINED_DIR = Path(__file__).resolve().parent / "trained"
"""Where trained models ship: `NAME.keras`, `.manifest.json`, `.history.json`."""

TRAINED = ("small_convnet", "mini_xception", "xception_cats_vs_dogs")
"""Names accepted by `load_trained`: the two models `modern_convnets.train`
trains from scratch, and the transfer-learning classifier of
`modern_convnets.transfer` (only its head is stored)."""


def _trained_file(name: str, suffix: str) -> Path:
    if name not in TRAINED:
        raise ValueError(
            f"name={name!r} is not a trained model; valid: {', '.join(TRAINED)}"
        )
    path = TRAINED_DIR / f"{name}{suffix}"
    if not path.is_file():
        raise FileNotFoundError(
            f"The trained {name} is not in this copy of the package ({path} is "
            f"missing). Train it with `nox -s train -- {name}` and copy the run's "
            f"best.keras, manifest.json and history.json to {TRAINED_DIR}/{name}.*"
        )
    return path


def load_trained(name: str) -> keras.Model:
    """A trained cats-vs-dogs model shipped with the package, ready for inference.

    Each takes raw RGB pixels in [0, 255] and returns the probability of
    "dog": `small_convnet` and `mini_xception` at 180 × 180 (their
    augmentation block is inactive in `predict` and `evaluate`; pass
    `training=False` when calling them directly), `xception_cats_vs_dogs` at
    299 × 299 (the frozen ImageNet Xception base with Xception's
    preprocessing inside, and the trained head; the base's weights are found
    as in `modern_convnets.pretrained.xception_base`).

    Args:
        name: `"small_convnet"`, `"mini_xception"` or `"xception_cats_vs_dogs"`.

    Returns:
        The model, uncompiled.

    Raises:
        ValueError: `name` is not one of the trained models.
        FileNotFoundError: That model has not been trained and shipped yet.

    Examples:
        ```python
        model = load_trained("small_convnet")
        model.predict(photos)  # (n, 1) probabilities of "dog"
        ```
    """
    import keras

    stored = keras.models.load_model(_trained_file(name, ".keras"), compile=False)
    if name == "xception_cats_vs_dogs":
        from modern_convnets.transfer import classifier

        return classifier(stored)
    return stored


def trained_manifest(name: str) -> dict[str, Any]:
    """How a shipped model was trained: configuration, data, time, hardware, accuracy.

    Args:
        name: One of `TRAINED`.

    Returns:
        The manifest written by `modern_convnets.train.train`.

    Raises:
        ValueError: `name` is not one of the trainable models.
        FileNotFoundError: That model has not been trained and shipped yet.

    Examples:
        ```python
        trained_manifest("small_convnet")["test_accuracy"]
        ```
    """
    return json.loads(_trained_file(name, ".manifest.json").read_text())


def trained_history(name: str) -> dict[str, list[float]]:
    """Loss and accuracy per epoch of a shipped model's training run.

    Args:
        name: One of `TRAINED`.

    Returns:
        Metric name (`loss`, `accuracy`, `val_loss`, `val_accuracy`) → values.

    Raises:
        ValueError: `name` is not one of the trainable models.
        FileNotFoundError: That model has not been trained and shipped yet.

    Examples:
        ```python
        max(trained_history("small_convnet")["val_accuracy"])
        ```
    """
    return json.loads(_trained_file(name, ".history.json").read_text())
