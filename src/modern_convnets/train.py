"""Train the guide's cats-vs-dogs models: seeded, checkpointed, resumable.

A run writes into one folder:

- `best.keras`: the model at the epoch with the best validation accuracy,
  without optimizer state (what `load_trained` ships);
- `last.keras`: the model and optimizer after the latest epoch, to resume from;
- `history.json`: loss and accuracy per epoch, and each epoch's seconds
  (`epoch_seconds`);
- `state.json`: epochs done and the best epoch so far;
- `manifest.json` (at the end): configuration, parameter count, data
  fingerprint, wall time, hardware and accuracy on the held-out test photos.

Every file is written atomically, so an interrupted run leaves the previous
complete version of each. Run it again with the same folder to resume.

The photos are decoded into memory as NumPy arrays (`data.load_arrays`), so
training runs on any Keras backend: TensorFlow here, JAX on a GPU machine.
The model is any of `modern_convnets.variants.VARIANTS`: the two convnets of
the guide and the ablation study's variants (`modern_convnets.ablation`
trains those through this module).

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

from modern_convnets.data import augmentation, find_dataset, load_arrays, split_files
from modern_convnets.evaluation import predict
from modern_convnets.records import (
    dataset_fingerprint,
    hardware,
    save_model,
    write_json,
)
from modern_convnets.variants import VARIANTS, build_variant

if TYPE_CHECKING:
    import keras

OPTIMIZERS = ("rmsprop", "adam")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What to train and how.

    Attributes:
        model: One of `modern_convnets.variants.VARIANTS`, e.g.
            `"small_convnet"` or `"mini_xception"`.
        epochs: Passes over the training photos.
        batch_size: Photos per step.
        image_size: Input height and width.
        optimizer: `"rmsprop"` or `"adam"`.
        learning_rate: The optimizer's step size.
        augment: Put the augmentation block first in the model.
        validation_fraction: Share of the training photos held out for
            validation (and for choosing the best epoch).
        seed: Seeds the shuffle, the initial weights, dropout and
            augmentation, and the split unless `split_seed` is set.
        split_seed: Seed of the validation split; `None` uses `seed`. Runs
            compared over seeds (the ablation study) fix it, so that only the
            training's randomness changes between them.
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
    split_seed: int | None = None

    def __post_init__(self) -> None:
        """Check every setting, naming a bad one.

        Examples:
            >>> TrainConfig("small_convnet", epochs=0)
            Traceback (most recent call last):
            ...
            ValueError: epochs=0 must be a positive integer
        """
        if self.model not in VARIANTS:
            raise ValueError(
                f"model={self.model!r} is not one of {', '.join(VARIANTS)}"
            )
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"optimizer={self.optimizer!r} is not one of {', '.join(OPTIMIZERS)}"
            )
        for name in ("epochs", "batch_size", "image_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r} must be a positive integer")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate={self.learning_rate!r} must be > 0")


def _untrained(config: TrainConfig) -> keras.Model:
    """The uncompiled model, with Keras's current random state."""
    size = (config.image_size, config.image_size, 3)
    block = augmentation(seed=config.seed) if config.augment else None
    return build_variant(config.model, size, block)


def _settings_of(previous: dict[str, Any]) -> dict[str, Any]:
    """A recorded configuration, with the defaults of fields added since."""
    defaults = {
        f.name: f.default
        for f in dataclasses.fields(TrainConfig)
        if f.default is not dataclasses.MISSING
    }
    return {**defaults, **previous}


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
    model = _untrained(config)
    optimizer = {"rmsprop": keras.optimizers.RMSprop, "adam": keras.optimizers.Adam}[
        config.optimizer
    ](learning_rate=config.learning_rate)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


def train(
    config: TrainConfig,
    out_dir: str | os.PathLike[str],
    data: str | os.PathLike[str] | None = None,
    *,
    deadline: float | None = None,
    verbose: int = 1,
) -> TrainResult | None:
    """Train `config.model` on the cats-vs-dogs photos, resuming if possible.

    If `out_dir` holds a `last.keras` and `state.json` from the same
    configuration, training continues after the last completed epoch.
    Resumed runs reach the same epochs but not bit-identical weights: the
    shuffle and augmentation random streams restart.

    Args:
        config: What to train and how.
        out_dir: Folder for checkpoints, history and manifest.
        data: Where the photos are (see `modern_convnets.data.find_dataset`).
        deadline: A `time.time()` after which training stops at the end of
            the current epoch, leaving the run to resume later.
        verbose: Keras progress output: 0 silent, 1 progress bar, 2 one line
            per epoch.

    Returns:
        The folder, the best epoch (1-based), its validation accuracy, and the
            best model's accuracy on the held-out test photos; `None` if the
            run stopped at the deadline, unfinished (no manifest yet).

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
    split_seed = config.seed if config.split_seed is None else config.split_seed
    train_split, validation_split, test_split = split_files(
        root, validation_fraction=config.validation_fraction, seed=split_seed
    )
    size = (config.image_size, config.image_size)

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
        if _settings_of(previous["config"]) != settings:
            raise ValueError(
                f"out_dir={str(out)!r} holds a run with config {previous['config']}, "
                f"not {settings}; choose another folder or delete it to start over"
            )
        state = {**previous, "config": settings}
        history = json.loads(history_file.read_text()) if history_file.is_file() else {}
        # A run killed between writing its history and its state has one
        # epoch too many in the history: the state says what was completed.
        history = {key: v[: state["epochs_done"]] for key, v in history.items()}
        keras.utils.set_random_seed(config.seed + state["epochs_done"])
        model = keras.models.load_model(out / "last.keras")
        if verbose:
            print(f"Resuming {config.model} after epoch {state['epochs_done']}")
    if model is None:
        model = build(config)

    started = time.perf_counter() - state.get("wall_seconds", 0.0)

    class Checkpoint(keras.callbacks.Callback):
        """Save the last and the best model, history and state, atomically."""

        def on_epoch_begin(
            self, epoch: int, logs: dict[str, float] | None = None
        ) -> None:
            self.epoch_started = time.perf_counter()

        def on_epoch_end(
            self, epoch: int, logs: dict[str, float] | None = None
        ) -> None:
            logs = logs or {}
            for key, value in logs.items():
                history.setdefault(key, []).append(float(value))
            seconds = time.perf_counter() - self.epoch_started
            history.setdefault("epoch_seconds", []).append(seconds)
            state["epochs_done"] = epoch + 1
            state["wall_seconds"] = time.perf_counter() - started
            if logs.get("val_accuracy", -1.0) > state["best_val_accuracy"]:
                state["best_val_accuracy"] = float(logs["val_accuracy"])
                state["best_epoch"] = epoch + 1
                # A fresh, uncompiled copy: no optimizer state shipped.
                best = _untrained(config)
                best.set_weights(self.model.get_weights())
                save_model(best, out / "best.keras")
            save_model(self.model, out / "last.keras")
            write_json(history_file, history)
            write_json(state_file, state)
            if deadline is not None and time.time() > deadline:
                self.model.stop_training = True

    if state["epochs_done"] < config.epochs:
        x, y = load_arrays(train_split, image_size=size)
        model.fit(
            x,
            y,
            batch_size=config.batch_size,
            epochs=config.epochs,
            initial_epoch=state["epochs_done"],
            validation_data=load_arrays(validation_split, image_size=size),
            shuffle=True,
            callbacks=[Checkpoint()],
            verbose=verbose,
        )
        del x, y  # the test photos take their place in memory
        if state["epochs_done"] < config.epochs:
            return None

    best = keras.models.load_model(out / "best.keras", compile=False)
    test = load_arrays(test_split, image_size=size)
    test_accuracy = predict(best, test, batch_size=config.batch_size).accuracy
    manifest = {
        "model": config.model,
        "config": settings,
        "params": best.count_params(),
        "epochs": state["epochs_done"],
        "best_epoch": state["best_epoch"],
        "best_val_accuracy": state["best_val_accuracy"],
        "test_accuracy": test_accuracy,
        "test_photos": len(test_split.paths),
        "dataset_fingerprint": dataset_fingerprint(root),
        "wall_seconds": round(state["wall_seconds"], 1),
        "hardware": hardware(),
        "keras": keras.__version__,
    }
    write_json(out / "manifest.json", manifest)
    return TrainResult(
        out, state["best_epoch"], state["best_val_accuracy"], test_accuracy
    )


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: `python -m modern_convnets.train MODEL ...`."""
    parser = argparse.ArgumentParser(
        prog="python -m modern_convnets.train", description=__doc__.splitlines()[0]
    )
    parser.add_argument("model", choices=list(VARIANTS))
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
    assert result is not None  # without a deadline, a run always finishes
    print(
        f"best epoch {result.best_epoch}: validation accuracy "
        f"{result.best_val_accuracy:.4f}, test accuracy {result.test_accuracy:.4f} "
        f"({result.out_dir})"
    )


if __name__ == "__main__":
    main()
