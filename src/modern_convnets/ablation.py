"""What each Mini-Xception ingredient buys: an ablation study over seeds.

The five variants of `modern_convnets.variants`, each trained by the
package's trainer (`modern_convnets.train`) with the shipped recipe
(augmentation, RMSprop 1e-3, batch 32, the same 1,600 / 400 split, best
epoch by validation accuracy), with several seeds each. A seed sets the
initial weights, the shuffle, dropout and augmentation; the split stays
fixed.

Each run is a training run folder, `OUT/VARIANT/seed-N/` (see
`modern_convnets.train`), plus the study's record of it, `run.json`, written
last and atomically: a run whose `run.json` exists is finished and skipped
when the study runs again, and an interrupted run resumes after its last
completed epoch. The record takes the held-out accuracy from the trainer;
`evaluate` adds it to records that lack it (runs trained before the trainer
measured it), and `collect` gathers the records into one JSON file
(`modern_convnets.ablation_results`); the guide's own study ships as
`ablation_results.RESULTS`.

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
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from modern_convnets.ablation_results import collect
from modern_convnets.data import find_dataset, load_arrays, split_files
from modern_convnets.evaluation import predict
from modern_convnets.records import write_json
from modern_convnets.train import TrainConfig, train
from modern_convnets.variants import VARIANTS, build_variant


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
        """Check the recipe as the trainer does, naming a bad setting."""
        self.run_config("mini_xception", 1)

    def run_config(self, variant: str, seed: int) -> TrainConfig:
        """The trainer's configuration of one run.

        Args:
            variant: One of `VARIANTS`.
            seed: Seed of the initial weights, shuffle, dropout and
                augmentation.

        Returns:
            The recipe with RMSprop and augmentation, for this variant and seed.

        Examples:
            >>> StudyConfig(image_size=80).run_config("no_residual", 2).split_seed
            1337
        """
        return TrainConfig(
            variant,
            epochs=self.epochs,
            batch_size=self.batch_size,
            image_size=self.image_size,
            optimizer="rmsprop",
            learning_rate=self.learning_rate,
            augment=True,
            validation_fraction=self.validation_fraction,
            seed=seed,
            split_seed=self.split_seed,
        )


def run_dir(out_dir: str | os.PathLike[str], variant: str, seed: int) -> Path:
    """The folder of one run: `out_dir/VARIANT/seed-N`."""
    return Path(out_dir) / variant / f"seed-{seed}"


def _record(manifest: dict[str, Any]) -> dict[str, Any]:
    """The study's record of a run, from the trainer's manifest."""
    config, machine = manifest["config"], manifest["hardware"]
    if machine["gpus"]:
        device = machine["gpus"][0]
    else:
        device = f"CPU ({machine['cpu_count']} cores, {machine['machine']})"
    return {
        "variant": config["model"],
        "seed": config["seed"],
        "image_size": config["image_size"],
        "epochs": config["epochs"],
        "batch_size": config["batch_size"],
        "learning_rate": config["learning_rate"],
        "params": manifest["params"],
        "best_epoch": manifest["best_epoch"],
        "val_accuracy": manifest["best_val_accuracy"],
        "test_accuracy": manifest["test_accuracy"],
        "wall_seconds": manifest["wall_seconds"],
        "device": device,
        "backend": machine["backend"],
        "keras": manifest["keras"],
    }


def train_run(
    variant: str,
    seed: int,
    config: StudyConfig,
    out_dir: str | os.PathLike[str],
    data: str | os.PathLike[str] | None = None,
    *,
    deadline: float | None = None,
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
            the current epoch; the run is then left unfinished (no
            `run.json`), to resume later, and `None` is returned.
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
    folder = run_dir(out_dir, variant, seed)
    if (folder / "run.json").is_file():
        return json.loads((folder / "run.json").read_text())
    result = train(
        config.run_config(variant, seed),
        folder,
        data,
        deadline=deadline,
        verbose=verbose,
    )
    if result is None:
        return None
    record = _record(json.loads((folder / "manifest.json").read_text()))
    write_json(folder / "run.json", record)
    return record


def _runs(variants: Sequence[str], seeds: Sequence[int]) -> list[tuple[str, int]]:
    # Seed-major, so that a study cut short has every variant at equal depth.
    return [(variant, seed) for seed in seeds for variant in variants]


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.time() > deadline


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
    busier than one.

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
    todo = [
        (v, s)
        for v, s in _runs(variants, seeds)
        if not (run_dir(out_dir, v, s) / "run.json").is_file()
    ]
    log(f"{len(todo)} of {len(variants) * len(seeds)} runs to train")
    if workers == 1:
        for variant, seed in todo:
            if _past(deadline):
                break
            record = train_run(
                variant,
                seed,
                config,
                out_dir,
                root,
                deadline=deadline,
                verbose=verbose,
            )
            log(_progress(variant, seed, record))
    else:
        _train_in_processes(out_dir, config, todo, root, workers, deadline, log)
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
    workers: int,
    deadline: float | None,
    log: Callable[[str], None],
) -> None:
    """Run each (variant, seed) as `python -m modern_convnets.ablation train`."""
    recipe = [
        *("--image-size", str(config.image_size), "--epochs", str(config.epochs)),
        *("--batch-size", str(config.batch_size)),
        *("--learning-rate", repr(config.learning_rate)),
        *("--data", str(root), "--verbose", "2"),
        *(() if deadline is None else ("--deadline", repr(deadline))),
    ]
    running: dict[subprocess.Popen, tuple[str, int, IO[str]]] = {}
    queue = list(todo)
    while queue or running:
        while queue and len(running) < workers and not _past(deadline):
            variant, seed = queue.pop(0)
            folder = run_dir(out_dir, variant, seed)
            folder.mkdir(parents=True, exist_ok=True)
            output = open(folder / "log.txt", "w")  # noqa: SIM115 (closed below)
            command = [
                *(sys.executable, "-m", "modern_convnets.ablation", "train"),
                *("--out", str(out_dir), "--variants", variant, "--seeds", str(seed)),
                *recipe,
            ]
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
            running[process] = (variant, seed, output)
        if _past(deadline):
            queue.clear()
        time.sleep(1.0)
        for process in [p for p in running if p.poll() is not None]:
            variant, seed, output = running.pop(process)
            output.close()
            path = run_dir(out_dir, variant, seed) / "run.json"
            if process.returncode != 0:
                log(f"{variant} seed {seed}: failed (exit {process.returncode})")
            else:
                record = json.loads(path.read_text()) if path.is_file() else None
                log(_progress(variant, seed, record))


def evaluate_study(
    out_dir: str | os.PathLike[str],
    data: str | os.PathLike[str] | None = None,
    *,
    log: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Add the held-out accuracy to every finished run that lacks it.

    Each such run's `best.keras` is scored by `evaluation.predict` on the
    1,000 photos of `validation/`, decoded at the run's image size, as the
    trainer scores it; `run.json` is rewritten atomically with
    `test_accuracy`.

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

    paths = sorted(Path(out_dir).glob("*/seed-*/run.json"))
    records = [json.loads(path.read_text()) for path in paths]
    missing = [
        (path, record)
        for path, record in zip(paths, records, strict=True)
        if record.get("test_accuracy") is None
    ]
    if missing:
        _, _, test = split_files(find_dataset(data))
    test_sets: dict[int, tuple[Any, Any]] = {}
    for path, record in missing:
        size = record["image_size"]
        if size not in test_sets:
            test_sets[size] = load_arrays(test, image_size=(size, size))
        model = keras.models.load_model(path.parent / "best.keras", compile=False)
        record["test_accuracy"] = predict(model, test_sets[size]).accuracy
        write_json(path, record)
        log(
            f"{record['variant']} seed {record['seed']}: held-out "
            f"{record['test_accuracy']:.4f}"
        )
    return records


def main(argv: list[str] | None = None) -> None:
    """Command line: `python -m modern_convnets.ablation {train,evaluate,collect}`."""
    parser = argparse.ArgumentParser(
        prog="python -m modern_convnets.ablation", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train_parser = commands.add_parser("train", help="train the runs not finished yet")
    defaults = StudyConfig()
    train_parser.add_argument("--variants", nargs="+", default=list(VARIANTS))
    train_parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    train_parser.add_argument("--image-size", type=int, default=defaults.image_size)
    train_parser.add_argument("--epochs", type=int, default=defaults.epochs)
    train_parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    train_parser.add_argument(
        "--learning-rate", type=float, default=defaults.learning_rate
    )
    train_parser.add_argument("--workers", type=int, default=1)
    train_parser.add_argument(
        "--deadline",
        type=float,
        help="time.time() after which no run starts and running ones stop",
    )
    train_parser.add_argument("--verbose", type=int, default=0, choices=(0, 2))
    evaluate = commands.add_parser("evaluate", help="add held-out accuracies")
    gather = commands.add_parser("collect", help="gather the records into one file")
    gather.add_argument("--to", type=Path, required=True, help="JSON file to write")
    for command in (train_parser, evaluate, gather):
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
