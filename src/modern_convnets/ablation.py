"""What each Mini-Xception ingredient buys: an ablation study over seeds.

Five variants, each trained with the shipped recipe (augmentation, RMSprop
1e-3, batch 32, the same 1,600 / 400 split, best epoch by validation
accuracy), with several seeds each:

- `mini_xception`: the full model;
- `no_residual`: without the residual connections;
- `no_batchnorm`: without batch normalisation (the convolutions get biases);
- `regular_conv`: regular `Conv2D`s instead of depthwise separable ones, same
  widths;
- `small_convnet`: the plain convnet, as the baseline.

A seed sets the initial weights, the shuffle, dropout and augmentation; the
split stays fixed. Each run is a folder `OUT/VARIANT/seed-N/` holding
`best.keras` (the best epoch, without optimizer state), `history.json` and,
written last and atomically, `run.json`: a run whose `run.json` exists is
finished and skipped when the study runs again. `evaluate` then adds the
accuracy on the 1,000 held-out photos to each `run.json`, and `collect`
gathers the records into one JSON file; the guide's own study goes to
`RESULTS`, inside the package, once it has run.

The photos are read into memory as NumPy arrays (`data.load_arrays`), so the
study runs on any Keras backend: TensorFlow here, JAX on a GPU machine.

Command line (also `nox -s ablation -- ...`):

    python -m modern_convnets.ablation train --out runs/ablation --seeds 1 2 3
    python -m modern_convnets.ablation evaluate --out runs/ablation
    python -m modern_convnets.ablation collect --out runs/ablation --to ablation.json

Examples:
    ```python
    from modern_convnets.ablation import StudyConfig, train_run

    record = train_run("no_residual", 1, StudyConfig(epochs=2), "runs/demo")
    record["val_accuracy"]
    ```
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from modern_convnets import models
from modern_convnets._atomic import atomic_path
from modern_convnets.data import augmentation, find_dataset, load_arrays, split_files
from modern_convnets.records import hardware, save_model, write_json
from modern_convnets.shipped import TRAINED_DIR
from modern_convnets.train import check_recipe

if TYPE_CHECKING:
    import keras

VARIANTS: dict[str, str] = {
    "mini_xception": "Mini-Xception",
    "no_residual": "without residual connections",
    "no_batchnorm": "without batch normalisation",
    "regular_conv": "regular instead of separable convolutions",
    "small_convnet": "small convnet (baseline)",
}
"""The variants, in the order the study runs and reports them, and what each is."""

RESULTS = TRAINED_DIR / "ablation.json"
"""The study's results as shipped with the package."""


def _check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ValueError(
            f"variant={variant!r} is not a variant of the study; "
            f"valid: {', '.join(VARIANTS)}"
        )


def build_variant(
    variant: str,
    input_shape: Sequence[int] = (180, 180, 3),
    augmentation: keras.Layer | None = None,
) -> keras.Model:
    """The uncompiled model of one variant of the study.

    Args:
        variant: One of `VARIANTS`.
        input_shape: (height, width, 3).
        augmentation: Optional augmentation block applied first.

    Returns:
        The model, with Keras's default (unseeded) initial weights unless the
            caller seeded Keras.

    Raises:
        ValueError: `variant` is not one of `VARIANTS`.

    Examples:
        >>> build_variant("regular_conv").count_params()
        4902625
        >>> build_variant("no_residual").count_params()
        546753
    """
    _check_variant(variant)
    if variant == "small_convnet":
        return models.small_convnet(input_shape, augmentation)
    switches = {
        "mini_xception": {},
        "no_residual": {"residual": False},
        "no_batchnorm": {"batch_norm": False},
        "regular_conv": {"separable": False},
    }
    return models.mini_xception(input_shape, augmentation, **switches[variant])


@dataclasses.dataclass(frozen=True)
class StudyConfig:
    """The training recipe every run of the study shares.

    Attributes:
        image_size: Input height and width.
        epochs: Passes over the training photos.
        batch_size: Photos per step.
        learning_rate: RMSprop's step size.
        validation_fraction: Share of `train/` held out for validation.
        split_seed: Seed of the validation split, the same for every run.
    """

    image_size: int = 180
    epochs: int = 100
    batch_size: int = 32
    learning_rate: float = 1e-3
    validation_fraction: float = 0.2
    split_seed: int = 1337

    def __post_init__(self) -> None:
        check_recipe(self)


def run_dir(out_dir: str | os.PathLike[str], variant: str, seed: int) -> Path:
    """The folder of one run: `out_dir/VARIANT/seed-N`."""
    return Path(out_dir) / variant / f"seed-{seed}"


def _arrays(
    root: Path, config: StudyConfig, which: str, cache: Path | None
) -> tuple[np.ndarray, np.ndarray]:
    """One subset of the photos as arrays, through an optional `.npy` cache.

    A cache hit needs no photos at all: images and labels are both stored.
    """
    stem = (
        f"{which}-{config.image_size}px-{config.validation_fraction}"
        f"-{config.split_seed}"
    )
    if cache is not None and (cache / f"{stem}-labels.npy").is_file():
        images = np.load(cache / f"{stem}-images.npy", mmap_mode="r")
        return images, np.load(cache / f"{stem}-labels.npy")
    splits = split_files(
        root, validation_fraction=config.validation_fraction, seed=config.split_seed
    )
    split = splits[("train", "validation", "test").index(which)]
    images, labels = load_arrays(
        split, image_size=(config.image_size, config.image_size)
    )
    if cache is not None:  # images first: the labels file marks a complete entry
        for suffix, array in (("images", images), ("labels", labels)):
            with atomic_path(cache / f"{stem}-{suffix}.npy") as tmp:
                np.save(tmp, array)
    return images, labels


def _device() -> str:
    info = hardware()
    if info["gpus"]:
        return info["gpus"][0]
    return f"CPU ({info['cpu_count']} cores, {info['machine']})"


def train_run(
    variant: str,
    seed: int,
    config: StudyConfig,
    out_dir: str | os.PathLike[str],
    data: str | os.PathLike[str] | None = None,
    *,
    deadline: float | None = None,
    cache: str | os.PathLike[str] | None = None,
    verbose: int = 0,
) -> dict[str, Any] | None:
    """Train one variant with one seed, unless that run has finished already.

    Seeds Keras's global random generators with `seed` (this is a training
    entry point: it owns the process's randomness while it runs).

    Args:
        variant: One of `VARIANTS`.
        seed: Seed of the initial weights, shuffle, dropout and augmentation.
        config: The recipe.
        out_dir: The study's folder; the run goes into `run_dir(...)`.
        data: Where the photos are (see `modern_convnets.data.find_dataset`).
        deadline: A `time.time()` after which training stops at the end of
            the current epoch; the run is then left unfinished (no `run.json`)
            and `None` is returned.
        cache: Folder for decoded photos shared by several runs (`.npy`).
        verbose: Keras progress output: 0 silent, 2 one line per epoch.

    Returns:
        The run's record (also in `run.json`), or `None` if it stopped at
            the deadline.

    Raises:
        ValueError: `variant` is not one of `VARIANTS`.

    Examples:
        ```python
        train_run("no_batchnorm", 2, StudyConfig(), "runs/ablation")
        ```
    """
    import keras

    folder = run_dir(out_dir, variant, seed)
    if (folder / "run.json").is_file():
        return json.loads((folder / "run.json").read_text())
    _check_variant(variant)  # before minutes of decoding photos
    root = find_dataset(data)
    cache_dir = None if cache is None else Path(cache)
    x, y = _arrays(root, config, "train", cache_dir)
    x_val, y_val = _arrays(root, config, "validation", cache_dir)

    keras.utils.set_random_seed(seed)
    shape = (config.image_size, config.image_size, 3)
    model = build_variant(variant, shape, augmentation(seed=seed))
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=config.learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    history: dict[str, list[float]] = {}
    best: dict[str, Any] = {"epoch": 0, "val_accuracy": -1.0, "weights": None}
    epoch_seconds: list[float] = []

    class KeepBest(keras.callbacks.Callback):
        """Keep the best epoch's weights in memory; stop at the deadline."""

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            epoch_seconds.append(time.perf_counter() - self.started)
            for key, value in (logs or {}).items():
                history.setdefault(key, []).append(float(value))
            if history["val_accuracy"][-1] > best["val_accuracy"]:
                best.update(
                    epoch=epoch + 1,
                    val_accuracy=history["val_accuracy"][-1],
                    weights=self.model.get_weights(),
                )
            if deadline is not None and time.time() > deadline:
                self.model.stop_training = True

    started = time.perf_counter()
    model.fit(
        x,
        y,
        batch_size=config.batch_size,
        epochs=config.epochs,
        validation_data=(x_val, y_val),
        shuffle=True,
        callbacks=[KeepBest()],
        verbose=verbose,
    )
    wall = time.perf_counter() - started
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / "history.json", {**history, "epoch_seconds": epoch_seconds})
    if len(epoch_seconds) < config.epochs:
        return None

    # Save the best epoch in a fresh, uncompiled copy: no optimizer state.
    copy = build_variant(variant, shape, augmentation(seed=seed))
    copy.set_weights(best["weights"])
    save_model(copy, folder / "best.keras")
    record = {
        "variant": variant,
        "seed": seed,
        "image_size": config.image_size,
        "epochs": config.epochs,
        "batch_size": config.batch_size,
        "learning_rate": config.learning_rate,
        "params": model.count_params(),
        "best_epoch": best["epoch"],
        "val_accuracy": best["val_accuracy"],
        "test_accuracy": None,
        "wall_seconds": round(wall, 1),
        "device": _device(),
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
    }
    write_json(folder / "run.json", record)
    return record


def _runs(variants: Sequence[str], seeds: Sequence[int]) -> list[tuple[str, int]]:
    # Seed-major, so that a study cut short has every variant at equal depth.
    return [(variant, seed) for seed in seeds for variant in variants]


def train_study(
    out_dir: str | os.PathLike[str],
    config: StudyConfig,
    *,
    variants: Sequence[str] = tuple(VARIANTS),
    seeds: Sequence[int] = (1, 2, 3),
    data: str | os.PathLike[str] | None = None,
    workers: int = 1,
    deadline: float | None = None,
    verbose: int = 0,
    log: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Train every (variant, seed) run that has not finished yet.

    With `workers` > 1 the runs go to that many processes at a time (each
    `python -m modern_convnets.ablation train` for one run, its output in the
    run folder's `log.txt`): on a GPU, several small models in flight keep it
    busier than one. The decoded photos are cached once in `out_dir/.cache`.

    Args:
        out_dir: The study's folder.
        config: The recipe.
        variants: Which variants (of `VARIANTS`).
        seeds: Which seeds.
        data: Where the photos are.
        workers: Runs in flight at a time.
        deadline: A `time.time()` after which no run starts and running ones
            stop at the end of their epoch, unfinished.
        verbose: Keras progress output of runs trained in this process: 0
            silent, 2 one line per epoch (worker processes always log it).
        log: Where progress lines go.

    Returns:
        The records of the finished runs among those asked for.

    Raises:
        ValueError: A variant is unknown, `workers` is not positive, or a
            variant cannot take `config.image_size` (checked before any run).

    Examples:
        ```python
        train_study("runs/ablation", StudyConfig(image_size=90, epochs=30))
        ```
    """
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise ValueError(
            f"variants={unknown!r} are not variants of the study; "
            f"valid: {', '.join(VARIANTS)}"
        )
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers={workers!r} must be a positive integer")
    # Every variant must accept the image size before hours of training start.
    shape = (config.image_size, config.image_size, 3)
    for variant in variants:
        try:
            build_variant(variant, shape)
        except ValueError as error:
            raise ValueError(
                f"image_size={config.image_size} does not suit variant "
                f"{variant!r}: {error}"
            ) from error
    root = find_dataset(data)
    cache = Path(out_dir) / ".cache"
    todo = [
        (v, s)
        for v, s in _runs(variants, seeds)
        if not (run_dir(out_dir, v, s) / "run.json").is_file()
    ]
    log(f"{len(todo)} of {len(variants) * len(seeds)} runs to train")
    # Decode the photos once, before the workers share them.
    for which in ("train", "validation"):
        _arrays(root, config, which, cache)
    if workers == 1:
        for variant, seed in todo:
            if deadline is not None and time.time() > deadline:
                break
            record = train_run(
                variant,
                seed,
                config,
                out_dir,
                root,
                deadline=deadline,
                cache=cache,
                verbose=verbose,
            )
            log(_progress(variant, seed, record))
    else:
        _train_in_processes(out_dir, config, todo, root, cache, workers, deadline, log)
    return [
        json.loads((run_dir(out_dir, v, s) / "run.json").read_text())
        for v, s in _runs(variants, seeds)
        if (run_dir(out_dir, v, s) / "run.json").is_file()
    ]


def _progress(variant: str, seed: int, record: dict[str, Any] | None) -> str:
    if record is None:
        return f"{variant} seed {seed}: stopped at the deadline, unfinished"
    return (
        f"{variant} seed {seed}: best epoch {record['best_epoch']}, validation "
        f"{record['val_accuracy']:.4f}, {record['wall_seconds']:.0f} s"
    )


def _train_in_processes(
    out_dir: str | os.PathLike[str],
    config: StudyConfig,
    todo: list[tuple[str, int]],
    root: Path,
    cache: Path,
    workers: int,
    deadline: float | None,
    log: Callable[[str], None],
) -> None:
    running: list[tuple[subprocess.Popen, str, int, Any]] = []
    queue = list(todo)
    while queue or running:
        while queue and len(running) < workers:
            if deadline is not None and time.time() > deadline:
                queue.clear()
                break
            variant, seed = queue.pop(0)
            folder = run_dir(out_dir, variant, seed)
            folder.mkdir(parents=True, exist_ok=True)
            command = [
                sys.executable,
                "-m",
                "modern_convnets.ablation",
                "train",
                "--out",
                str(out_dir),
                "--variants",
                variant,
                "--seeds",
                str(seed),
                "--data",
                str(root),
                "--verbose",
                "2",
                *_config_arguments(config),
            ]
            if deadline is not None:
                command += ["--deadline", repr(deadline)]
            output = open(folder / "log.txt", "w")  # noqa: SIM115 (closed below)
            running.append(
                (
                    subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT),
                    variant,
                    seed,
                    output,
                )
            )
        time.sleep(1.0)
        for entry in list(running):
            process, variant, seed, output = entry
            if process.poll() is None:
                continue
            running.remove(entry)
            output.close()
            path = run_dir(out_dir, variant, seed) / "run.json"
            if process.returncode != 0:
                log(f"{variant} seed {seed}: failed (exit {process.returncode})")
            else:
                record = json.loads(path.read_text()) if path.is_file() else None
                log(_progress(variant, seed, record))


def _config_arguments(config: StudyConfig) -> list[str]:
    return [
        "--image-size",
        str(config.image_size),
        "--epochs",
        str(config.epochs),
        "--batch-size",
        str(config.batch_size),
        "--learning-rate",
        repr(config.learning_rate),
    ]


def evaluate_study(
    out_dir: str | os.PathLike[str],
    data: str | os.PathLike[str] | None = None,
    *,
    log: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Add the held-out accuracy to every finished run that lacks it.

    Each run's `best.keras` is evaluated on the 1,000 photos of
    `validation/`, decoded at the run's image size; `run.json` is rewritten
    atomically with `test_accuracy`.

    Args:
        out_dir: The study's folder.
        data: Where the photos are.
        log: Where progress lines go.

    Returns:
        Every finished run's record, evaluated.

    Examples:
        ```python
        evaluate_study("runs/ablation")
        ```
    """
    import keras

    root = find_dataset(data)
    records = []
    test_sets: dict[tuple[int, float, int], tuple[np.ndarray, np.ndarray]] = {}
    for path in sorted(Path(out_dir).glob("*/seed-*/run.json")):
        record = json.loads(path.read_text())
        if record.get("test_accuracy") is None:
            config = StudyConfig(image_size=record["image_size"])
            key = (config.image_size, config.validation_fraction, config.split_seed)
            if key not in test_sets:
                test_sets[key] = _arrays(root, config, "test", None)
            x, y = test_sets[key]
            model = keras.models.load_model(path.parent / "best.keras", compile=False)
            probabilities = model.predict(x, batch_size=64, verbose=0)[:, 0]
            record["test_accuracy"] = float(np.mean((probabilities > 0.5) == y))
            write_json(path, record)
            log(
                f"{record['variant']} seed {record['seed']}: held-out "
                f"{record['test_accuracy']:.4f}"
            )
        records.append(record)
    return records


def collect(out_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The records of every finished run in a study folder, in report order.

    Each record gains `fastest_epoch_seconds`, its quickest epoch: wall time
    counts whatever else ran on the machine, and epochs times the fastest
    epoch is what an undisturbed run would cost.

    Args:
        out_dir: The study's folder.

    Returns:
        Records sorted by variant (in `VARIANTS` order), then seed.

    Examples:
        ```python
        write_json("ablation.json", collect("runs/ablation"))
        ```
    """
    records = []
    for path in Path(out_dir).glob("*/seed-*/run.json"):
        record = json.loads(path.read_text())
        history = json.loads((path.parent / "history.json").read_text())
        record["fastest_epoch_seconds"] = round(min(history["epoch_seconds"]), 1)
        records.append(record)
    order = list(VARIANTS)
    return sorted(records, key=lambda r: (order.index(r["variant"]), r["seed"]))


@dataclasses.dataclass(frozen=True)
class VariantSummary:
    """Mean and spread of one variant's runs.

    Attributes:
        variant: One of `VARIANTS`.
        runs: How many runs.
        val_mean: Mean best validation accuracy.
        val_std: Its sample standard deviation (0 for one run).
        test_mean: Mean held-out accuracy.
        test_std: Its sample standard deviation.
        wall_mean: Mean wall time of a run, in seconds.
    """

    variant: str
    runs: int
    val_mean: float
    val_std: float
    test_mean: float
    test_std: float
    wall_mean: float


def summarise(records: Sequence[dict[str, Any]]) -> list[VariantSummary]:
    """Mean ± sample standard deviation per variant, in `VARIANTS` order.

    Args:
        records: Run records (from `collect` or `load_results`), each with a
            held-out accuracy.

    Returns:
        One summary per variant present.

    Raises:
        ValueError: A record has no held-out accuracy yet.

    Examples:
        >>> runs = [
        ...     {"variant": "no_residual", "seed": s, "val_accuracy": v,
        ...      "test_accuracy": t, "wall_seconds": 10.0}
        ...     for s, v, t in [(1, 0.8, 0.7), (2, 0.9, 0.8)]
        ... ]
        >>> s = summarise(runs)[0]
        >>> s.runs, round(s.val_mean, 3), round(s.test_std, 4)
        (2, 0.85, 0.0707)
    """
    missing = [r for r in records if r.get("test_accuracy") is None]
    if missing:
        raise ValueError(
            f"{len(missing)} run(s) have no held-out accuracy yet (e.g. "
            f"{missing[0]['variant']} seed {missing[0]['seed']}); run "
            "`python -m modern_convnets.ablation evaluate` first"
        )

    def spread(values: list[float]) -> float:
        return statistics.stdev(values) if len(values) > 1 else 0.0

    summaries = []
    for variant in VARIANTS:
        runs = [r for r in records if r["variant"] == variant]
        if not runs:
            continue
        val = [r["val_accuracy"] for r in runs]
        test = [r["test_accuracy"] for r in runs]
        summaries.append(
            VariantSummary(
                variant,
                len(runs),
                statistics.fmean(val),
                spread(val),
                statistics.fmean(test),
                spread(test),
                statistics.fmean(r["wall_seconds"] for r in runs),
            )
        )
    return summaries


def load_results(path: str | os.PathLike[str] = RESULTS) -> list[dict[str, Any]]:
    """The study's run records as shipped (or from another `collect` file).

    Args:
        path: A JSON list of run records.

    Returns:
        The records.

    Examples:
        ```python
        summarise(load_results())
        ```
    """
    return json.loads(Path(path).read_text())


def main(argv: list[str] | None = None) -> None:
    """Command line: `python -m modern_convnets.ablation {train,evaluate,collect}`."""
    parser = argparse.ArgumentParser(
        prog="python -m modern_convnets.ablation", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train the runs not finished yet")
    defaults = StudyConfig()
    train.add_argument("--variants", nargs="+", default=list(VARIANTS))
    train.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    train.add_argument("--image-size", type=int, default=defaults.image_size)
    train.add_argument("--epochs", type=int, default=defaults.epochs)
    train.add_argument("--batch-size", type=int, default=defaults.batch_size)
    train.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    train.add_argument("--workers", type=int, default=1)
    train.add_argument(
        "--deadline",
        type=float,
        help="time.time() after which no run starts and running ones stop",
    )
    train.add_argument("--verbose", type=int, default=0, choices=(0, 2))
    evaluate = commands.add_parser("evaluate", help="add held-out accuracies")
    gather = commands.add_parser("collect", help="gather the records into one file")
    gather.add_argument("--to", type=Path, required=True, help="JSON file to write")
    for command in (train, evaluate, gather):
        command.add_argument("--out", type=Path, default=Path("runs/ablation"))
        command.add_argument("--data", help="folder holding cats_and_dogs_filtered/")
    args = parser.parse_args(argv)

    if args.command == "train":
        config = StudyConfig(
            image_size=args.image_size,
            epochs=args.epochs,
            batch_size=args.batch_size,
            learning_rate=args.learning_rate,
        )
        if len(args.variants) == 1 and len(args.seeds) == 1 and args.workers == 1:
            # One run: what each worker process of a parallel study executes.
            record = train_run(
                args.variants[0],
                args.seeds[0],
                config,
                args.out,
                args.data,
                deadline=args.deadline,
                cache=args.out / ".cache",
                verbose=args.verbose,
            )
            print(_progress(args.variants[0], args.seeds[0], record))
            return
        train_study(
            args.out,
            config,
            variants=args.variants,
            seeds=args.seeds,
            data=args.data,
            workers=args.workers,
            deadline=args.deadline,
            verbose=args.verbose,
        )
    elif args.command == "evaluate":
        evaluate_study(args.out, args.data)
    else:
        records = collect(args.out)
        write_json(args.to, records)
        print(f"{len(records)} runs written to {args.to}")


if __name__ == "__main__":
    main()
