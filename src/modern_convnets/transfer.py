"""A cats-vs-dogs classifier on the frozen ImageNet Xception base.

The base never changes, so its features are computed once per photo (no
augmentation) and only a small head is trained on them: global-average-pooled
2,048-channel features → dropout → one logistic unit. The head is a few KB;
`classifier` puts it on top of the base again, behind Xception's
preprocessing, as one model taking raw pixels at 299 × 299 — the kind of
nested transfer-learning model Grad-CAM recipes often fail on.

Command line (also `nox -s train -- xception_cats_vs_dogs`):

    python -m modern_convnets.transfer --out runs/xception_cats_vs_dogs

Examples:
    ```python
    result = train_head("runs/xception_cats_vs_dogs")
    result["test_accuracy"]
    ```
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from modern_convnets._atomic import atomic_path
from modern_convnets._seeding import seeded_layers
from modern_convnets.data import find_dataset, make_dataset, split_files
from modern_convnets.records import (
    dataset_fingerprint,
    hardware,
    save_model,
    write_json,
)

if TYPE_CHECKING:
    import keras

NAME = "xception_cats_vs_dogs"
IMAGE_SIZE = 299
FEATURES = 2048
BASE_NAME = "xception"


def head(seed: int = 1337, dropout: float = 0.5) -> keras.Model:
    """The trainable part: 2,048 pooled features → dropout → P(dog).

    Examples:
        >>> head().count_params()
        2049
    """
    import keras

    inputs = keras.Input((FEATURES,), name="features")
    with seeded_layers(seed):
        x = keras.layers.Dropout(dropout, name="dropout")(inputs)
        outputs = keras.layers.Dense(1, activation="sigmoid", name="predictions")(x)
    return keras.Model(inputs, outputs, name="head")


def _feature_model() -> keras.Model:
    """Pixels → preprocessing → frozen base → pooled features."""
    import keras

    from modern_convnets.pretrained import xception_base

    base = xception_base((IMAGE_SIZE, IMAGE_SIZE, 3))
    base.name = BASE_NAME
    base.trainable = False
    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), name="pixels")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1, name="xception_preprocess")(inputs)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return keras.Model(inputs, x, name="xception_features")


def classifier(head_model: keras.Model) -> keras.Model:
    """The full classifier: raw pixels (299 × 299, [0, 255]) → P(dog).

    Layers: `pixels` → `xception_preprocess` (scale to [-1, 1]) → `xception`
    (the frozen ImageNet base, a nested model) → `avg_pool` → `dropout` →
    `predictions`.

    Args:
        head_model: A trained `head()`.

    Returns:
        The model, with a copy of `head_model`'s weights.

    Examples:
        ```python
        model = classifier(keras.models.load_model("head.keras"))
        model.predict(model_batch(model, "dog.2000.jpg"))
        ```
    """
    import keras

    features = _feature_model()
    trained = head_model.get_layer("dropout"), head_model.get_layer("predictions")
    # Fresh layers with copies of the weights: reusing the head's own layers
    # would tie the two models' graphs together.
    dropout = keras.layers.Dropout(trained[0].rate, name="dropout")
    dense = keras.layers.Dense(1, activation="sigmoid", name="predictions")
    outputs = dense(dropout(features.output))
    dense.set_weights(trained[1].get_weights())
    return keras.Model(features.input, outputs, name=NAME)


def extract_features(
    root: str | os.PathLike[str] | None = None,
    *,
    batch_size: int = 16,
    seed: int = 1337,
    verbose: int = 1,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Pooled Xception features and labels of the train, validation and test photos.

    Args:
        root: Where the photos are (see `modern_convnets.data.find_dataset`).
        batch_size: Photos per forward pass.
        seed: Seeds the train/validation split (as in Part A).
        verbose: 1 shows a progress bar per split.

    Returns:
        Split name → (features (n, 2048) float32, labels (n,) 0 cat / 1 dog).
    """
    model = _feature_model()
    splits = dict(
        zip(
            ("train", "validation", "test"),
            split_files(find_dataset(root), seed=seed),
            strict=True,
        )
    )
    result = {}
    for name, split in splits.items():
        dataset = make_dataset(
            split, image_size=(IMAGE_SIZE, IMAGE_SIZE), batch_size=batch_size
        )
        features = model.predict(dataset.map(lambda x, y: x), verbose=verbose)
        result[name] = (features.astype("float32"), np.asarray(split.labels, "int64"))
    return result


def train_head(
    out_dir: str | os.PathLike[str],
    data: str | os.PathLike[str] | None = None,
    *,
    epochs: int = 30,
    learning_rate: float = 1e-3,
    seed: int = 1337,
    verbose: int = 1,
) -> dict[str, Any]:
    """Extract features once (cached in `out_dir`), train the head, write a manifest.

    Writes `features.npz` (the cache, with the time extraction took),
    `head.keras` (the head at the best validation epoch, without optimizer
    state), `history.json` and `manifest.json`, each atomically.

    Args:
        out_dir: Run folder.
        data: Where the photos are.
        epochs: Passes over the 1,600 training features (batch 32, Adam).
        learning_rate: Adam's step size.
        seed: Seeds the split, the initial weights, dropout and the shuffle.
        verbose: Keras progress output.

    Returns:
        The manifest: configuration, data fingerprint, best epoch, accuracy on
            the 1,000 held-out photos, wall time, hardware.
    """
    import keras

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    root = find_dataset(data)
    cache = out / "features.npz"
    cached = cache.is_file()
    if cached:
        stored = np.load(cache)
        features = {
            name: (stored[f"{name}_x"], stored[f"{name}_y"])
            for name in ("train", "validation", "test")
        }
        extracted = float(stored["seconds"])  # what extraction took back then
    else:
        features = extract_features(root, seed=seed, verbose=verbose)
        extracted = time.perf_counter() - started
        with atomic_path(cache) as tmp, open(tmp, "wb") as file:
            np.savez(
                file,
                seconds=np.float64(extracted),
                **{f"{n}_x": x for n, (x, _) in features.items()},
                **{f"{n}_y": y for n, (_, y) in features.items()},
            )

    head_started = time.perf_counter()
    model = head(seed)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    best_path = out / "head.keras"
    with atomic_path(best_path) as tmp:
        checkpoint = keras.callbacks.ModelCheckpoint(
            str(tmp),
            monitor="val_accuracy",
            save_best_only=True,
        )
        (x_train, y_train), validation = features["train"], features["validation"]
        history = model.fit(
            x_train,
            y_train,
            validation_data=validation,
            epochs=epochs,
            batch_size=32,
            callbacks=[checkpoint],
            verbose=verbose,
        ).history
    best = keras.models.load_model(best_path, compile=False)
    save_model(best, best_path)  # again, without the optimizer state
    best.compile(loss="binary_crossentropy", metrics=["accuracy"])
    x_test, y_test = features["test"]
    _, test_accuracy = best.evaluate(x_test, y_test, verbose=0)
    val_accuracy = history["val_accuracy"]
    best_epoch = int(np.argmax(val_accuracy)) + 1
    history_json = {k: [float(v) for v in values] for k, values in history.items()}
    manifest = {
        "model": NAME,
        "config": {
            "image_size": IMAGE_SIZE,
            "epochs": epochs,
            "batch_size": 32,
            "optimizer": "adam",
            "learning_rate": learning_rate,
            "augment": False,
            "validation_fraction": 0.2,
            "seed": seed,
            "base": "ImageNet Xception, frozen, global average pooled",
        },
        "epochs": epochs,
        "best_epoch": best_epoch,
        "best_val_accuracy": float(val_accuracy[best_epoch - 1]),
        "test_accuracy": float(test_accuracy),
        "test_photos": len(y_test),
        "dataset_fingerprint": dataset_fingerprint(root),
        "feature_seconds": round(extracted, 1),
        "features_cached": cached,
        "head_seconds": round(time.perf_counter() - head_started, 1),
        "hardware": hardware(),
        "keras": keras.__version__,
    }
    write_json(out / "history.json", history_json)
    write_json(out / "manifest.json", manifest)
    return manifest


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: `python -m modern_convnets.transfer ...`."""
    parser = argparse.ArgumentParser(
        prog="python -m modern_convnets.transfer",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--data", help="folder holding cats_and_dogs_filtered/")
    parser.add_argument("--out", default=f"runs/{NAME}", help="run folder")
    parser.add_argument("--verbose", type=int, choices=(0, 1, 2), default=2)
    args = parser.parse_args(argv)
    manifest = train_head(
        args.out,
        args.data,
        epochs=args.epochs,
        learning_rate=args.learning_rate,
        seed=args.seed,
        verbose=args.verbose,
    )
    print(
        f"best epoch {manifest['best_epoch']}: validation accuracy "
        f"{manifest['best_val_accuracy']:.4f}, test accuracy "
        f"{manifest['test_accuracy']:.4f} ({args.out})"
    )


if __name__ == "__main__":
    main()
