"""The ablation study's records: gathered, summarised, and as shipped.

Each finished run of `modern_convnets.ablation` leaves a record, `run.json`:
variant, seed, recipe (`image_size`, `epochs`, `batch_size`,
`learning_rate`), `params`, `best_epoch`, `val_accuracy` (the best epoch's),
`test_accuracy` (on the 1,000 held-out photos), `wall_seconds`, `device`,
`backend` and `keras`. `collect` gathers them into one list, each with its
quickest epoch added; the guide's own study ships as `RESULTS`.

Examples:
    ```python
    from modern_convnets.ablation_results import load_results, summarise

    summarise(load_results())[0].test_mean
    ```
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from modern_convnets.shipped import TRAINED_DIR
from modern_convnets.variants import VARIANTS

RESULTS = TRAINED_DIR / "ablation.json"
"""The study's results as shipped with the package."""


def collect(out_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The records of every finished run in a study folder, in report order.

    Each record gains `fastest_epoch_seconds`, its quickest epoch (from the
    run's `history.json`): wall time counts whatever else ran on the machine,
    and epochs times the fastest epoch is what an undisturbed run would cost.

    Args:
        out_dir: The study's folder, holding `VARIANT/seed-N/run.json`.

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
        >>> runs = load_results()
        >>> len(runs), runs[0]["variant"], runs[0]["test_accuracy"]
        (15, 'mini_xception', 0.724)
    """
    return json.loads(Path(path).read_text())
