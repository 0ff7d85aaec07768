"""Train the guide's cats-vs-dogs models: seeded, checkpointed, resumable.

A run writes into one folder:

- `best.keras`: the model at the epoch with the best validation accuracy,
  without optimizer state (what `load_trained` ships);
- `last.keras`: the model and optimizer after the latest epoch, to resume from;
- `history.json`: loss and accuracy per epoch;
- `state.json`: epochs done and the best epoch so far;
- `manifest.json` (at the end): configuration, data fingerprint, wall time,
  hardware and accuracy on the held-out test photos.

Every file is written atomically, so an interrupted run leaves the previous
complete version of each. Run it again with the same folder to resume.

Command line (also `nox -s train -- ...`):

    python -m modern_convnets.train small_convnet --epochs 100 --out runs/small_convnet

Examples:
    ```python
    from modern_convnets.train import TrainConfig, train

    result = train(TrainConfig("small_convnet", epochs=1), "runs/demo")
    ```
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modern_convnets import models
from modern_convnets.data import augmentation, cats_vs_dogs, find_dataset
from modern_convnets.records import (
    dataset_fingerprint,
    hardware,
    save_model,
    write_json,
)

if TYPE_CHECKING:
    import keras

BUILDERS = {
    "small_convnet": models.small_convnet,
    "mini_xception": models.mini_xception,
}
OPTIMIZERS = ("rmsprop", "adam")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What to train and how.

    Attributes:
        model: `"small_convnet"` or `"mini_xception"`.
        epochs: Passes over the training photos.
        batch_size: Photos per step.
        image_size: Input height and width.
        optimizer: `"rmsprop"` or `"adam"`.
        learning_rate: The optimizer's step size.
        augment: Put the augmentation block first in the model.
        validation_fraction: Share of the training photos held out for
            validation (and for choosing the best epoch).
        seed: Seeds the split, the shuffle, the initial weights, dropout and
            augmentation.
    """

    model: str
    epochs: int = 100
    batch_size: int = 32
    image_size: int = 180
    optimizer: str = "rmsprop"
    learning_rate: float = 1e-3
    augment: bool = True
    validation_fraction: float = 0.2
    seed: int = 1337

    def __post_init__(self) -> None:
        if self.model not in BUILDERS:
            raise ValueError(
                f"model={self.model!r} is not one of {', '.join(sorted(BUILDERS))}"
            )
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"optimizer={self.optimizer!r} is not one of {', '.join(OPTIMIZERS)}"
            )
        check_recipe(self)


def check_recipe(config: Any) -> None:
    """Check the settings every training recipe shares, naming a bad one.

    Args:
        config: Anything with `epochs`, `batch_size`, `image_size` and
            `learning_rate` attributes (`TrainConfig`, the ablation's
            `StudyConfig`).

    Raises:
        ValueError: A count is not a positive integer, or the learning rate
            is not positive.

    Examples:
        >>> check_recipe(TrainConfig("small_convnet"))
        >>> TrainConfig("small_convnet", epochs=0)
        Traceback (most recent call last):
        ...
        ValueError: epochs=0 must be a positive integer
    """
    for name in ("epochs", "batch_size", "image_size"):
        value = getattr(config, name)
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}={value!r} must be a positive integer")
    if not config.learning_rate > 0:
        raise ValueError(f"learning_rate={config.learning_rate!r} must be > 0")


@dataclasses.dataclass(frozen=True)
class TrainResult:
    """Where a finished run left its files, and how well it did."""

    out_dir: Path
    best_epoch: int
    best_val_accuracy: float
    test_accuracy: float


def build(config: TrainConfig) -> keras.Model:
    """The compiled model for `config`, with seeded initial weights.

    Args:
        config: The run's configuration.

    Returns:
        A compiled `keras.Model` (binary cross-entropy, accuracy).

    Examples:
        ```python
        build(TrainConfig("mini_xception")).count_params()
        # 721857
        ```
    """
    import keras

    keras.utils.set_random_seed(config.seed)
    size = (config.image_size, config.image_size, 3)
    block = augmentation(seed=config.seed) if config.augment else None
    model = BUILDERS[config.model](size, augmentation=block)
    optimizer = {"rmsprop": keras.optimizers.RMSprop, "adam": keras.optimizers.Adam}[
        config.optimizer
    ](learning_rate=config.learning_rate)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _inference_copy(model: keras.Model, config: TrainConfig) -> keras.Model:
    """The same weights in a fresh, uncompiled model: no optimizer state saved."""
    size = (config.image_size, config.image_size, 3)
    block = augmentation(seed=config.seed) if config.augment else None
    copy = BUILDERS[config.model](size, augmentation=block)
    copy.set_weights(model.get_weights())
    return copy


def train(
    config: TrainConfig,
    out_dir: str | os.PathLike[str],
    data: str | os.PathLike[str] | None = None,
    *,
    verbose: int = 1,
) -> TrainResult:
    """Train `config.model` on the cats-vs-dogs photos, resuming if possible.

    If `out_dir` holds a `last.keras` and `state.json` from the same
    configuration, training continues after the last completed epoch.
    Resumed runs reach the same epochs but not bit-identical weights: the
    shuffle and augmentation random streams restart.

    Args:
        config: What to train and how.
        out_dir: Folder for checkpoints, history and manifest.
        data: Where the photos are (see `modern_convnets.data.find_dataset`).
        verbose: Keras progress output: 0 silent, 1 progress bar, 2 one line
            per epoch.

    Returns:
        The folder, the best epoch (1-based), its validation accuracy, and the
            best model's accuracy on the held-out test photos.

    Raises:
        ValueError: `out_dir` holds a run with a different configuration.

    Examples:
        ```python
        train(TrainConfig("small_convnet", epochs=100), "runs/small_convnet")
        ```
    """
    import keras

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state_file, history_file = out / "state.json", out / "history.json"
    settings = dataclasses.asdict(config)

    root = find_dataset(data)
    train_ds, val_ds, test_ds = cats_vs_dogs(
        root,
        image_size=(config.image_size, config.image_size),
        batch_size=config.batch_size,
        validation_fraction=config.validation_fraction,
        seed=config.seed,
    )

    state = {
        "config": settings,
        "epochs_done": 0,
        "best_epoch": 0,
        "best_val_accuracy": -1.0,
    }
    history: dict[str, list[float]] = {}
    model = None
    if state_file.is_file() and (out / "last.keras").is_file():
        previous = json.loads(state_file.read_text())
        if previous["config"] != settings:
            raise ValueError(
                f"out_dir={str(out)!r} holds a run with config {previous['config']}, "
                f"not {settings}; choose another folder or delete it to start over"
            )
        state = previous
        history = json.loads(history_file.read_text()) if history_file.is_file() else {}
        keras.utils.set_random_seed(config.seed + state["epochs_done"])
        model = keras.models.load_model(out / "last.keras")
        if verbose:
            print(f"Resuming {config.model} after epoch {state['epochs_done']}")
    if model is None:
        model = build(config)

    started = time.perf_counter() - state.get("wall_seconds", 0.0)

    class Checkpoint(keras.callbacks.Callback):
        """Save the last and the best model, history and state, atomically."""

        def on_epoch_end(
            self, epoch: int, logs: dict[str, float] | None = None
        ) -> None:
            logs = logs or {}
            for key, value in logs.items():
                history.setdefault(key, []).append(float(value))
            state["epochs_done"] = epoch + 1
            state["wall_seconds"] = time.perf_counter() - started
            if logs.get("val_accuracy", -1.0) > state["best_val_accuracy"]:
                state["best_val_accuracy"] = float(logs["val_accuracy"])
                state["best_epoch"] = epoch + 1
                save_model(_inference_copy(self.model, config), out / "best.keras")
            save_model(self.model, out / "last.keras")
            write_json(history_file, history)
            write_json(state_file, state)

    if state["epochs_done"] < config.epochs:
        model.fit(
            train_ds,
            validation_data=val_ds,
            epochs=config.epochs,
            initial_epoch=state["epochs_done"],
            callbacks=[Checkpoint()],
            shuffle=False,  # the training dataset reshuffles itself every epoch
            verbose=verbose,
        )

    best = keras.models.load_model(out / "best.keras", compile=False)
    best.compile(loss="binary_crossentropy", metrics=["accuracy"])
    _, test_accuracy = best.evaluate(test_ds, verbose=0)
    manifest = {
        "model": config.model,
        "config": settings,
        "epochs": state["epochs_done"],
        "best_epoch": state["best_epoch"],
        "best_val_accuracy": state["best_val_accuracy"],
        "test_accuracy": float(test_accuracy),
        "test_photos": len(test_ds.file_paths),
        "dataset_fingerprint": dataset_fingerprint(root),
        "wall_seconds": round(state["wall_seconds"], 1),
        "hardware": hardware(),
        "keras": keras.__version__,
    }
    write_json(out / "manifest.json", manifest)
    return TrainResult(
        out, state["best_epoch"], state["best_val_accuracy"], float(test_accuracy)
    )


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: `python -m modern_convnets.train MODEL ...`."""
    parser = argparse.ArgumentParser(
        prog="python -m modern_convnets.train", description=__doc__.splitlines()[0]
    )
    parser.add_argument("model", choices=sorted(BUILDERS))
    defaults = TrainConfig("small_convnet")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--image-size", type=int, default=defaults.image_size)
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default=defaults.optimizer)
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--no-augment", dest="augment", action="store_false")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--data", help="folder holding cats_and_dogs_filtered/")
    parser.add_argument("--out", type=Path, help="run folder (default runs/MODEL)")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2))
    args = parser.parse_args(argv)
    config = TrainConfig(
        args.model,
        epochs=args.epochs,
        batch_size=args.batch_size,
        image_size=args.image_size,
        optimizer=args.optimizer,
        learning_rate=args.learning_rate,
        augment=args.augment,
        seed=args.seed,
    )
    result = train(
        config, args.out or Path("runs") / args.model, args.data, verbose=args.verbose
    )
    print(
        f"best epoch {result.best_epoch}: validation accuracy "
        f"{result.best_val_accuracy:.4f}, test accuracy {result.test_accuracy:.4f} "
        f"({result.out_dir})"
    )


if __name__ == "__main__":
    main()
