"""The package's gradient work on each Keras backend: TensorFlow, JAX, PyTorch.

Two jobs, the same on every backend:

- ten steps of the lecture's filter ascent on Xception's `block3_sepconv1`
  (4 filters at once, 200 × 200, `filters.ascend_filters`), reported per step;
- Grad-CAM of 16 held-out photos on the shipped Mini-Xception
  (`gradcam.gradcam`, its last feature map).

A process runs one Keras backend, so each backend runs in its own worker
process, given by a Python interpreter whose environment has that backend.
The backends take turns, round after round (TF, JAX, torch, TF, ...), each
worker compiling first and then timing; the report gives each backend's
minimum over rounds, the spread, and the ratio to TensorFlow, with the load
average before and after.

Usage:
    python benchmarks/backends.py --data DIR \\
        --python tensorflow=.nox/tests/bin/python jax=.nox/backends-jax/bin/python \\
        torch=.nox/backends-torch/bin/python --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from timing import load_average

ROOT = Path(__file__).resolve().parents[1]
LAYER, FILTERS, SIZE, STEPS = "block3_sepconv1", 4, 200, 10
PHOTOS = 16


def worker(data: str) -> dict[str, float]:
    """Time both jobs on this process's backend (after compiling each)."""
    import numpy as np

    from modern_convnets.filters import ascend_filters
    from modern_convnets.gradcam import gradcam
    from modern_convnets.images import model_batch
    from modern_convnets.pretrained import xception_base
    from modern_convnets.shipped import load_trained

    base = xception_base()
    kwargs = {"image_size": SIZE, "batch_size": FILTERS, "seed": 0}
    ascend_filters(base, LAYER, range(FILTERS), steps=2, **kwargs)  # compile
    start = time.perf_counter()
    result = ascend_filters(base, LAYER, range(FILTERS), steps=STEPS, **kwargs)
    ascent = (time.perf_counter() - start) / STEPS

    root = Path(data) / "cats_and_dogs_filtered" / "validation"
    paths = [root / "cats" / f"cat.{2000 + i}.jpg" for i in range(PHOTOS // 2)]
    paths += [root / "dogs" / f"dog.{2000 + i}.jpg" for i in range(PHOTOS // 2)]
    model = load_trained("mini_xception")
    batch = model_batch(model, paths)
    maps = gradcam(model, batch)  # compile
    times = []
    for _ in range(3):
        start = time.perf_counter()
        maps = gradcam(model, batch)
        times.append(time.perf_counter() - start)
    return {
        "ascent_step": ascent,
        "gradcam": min(times),
        "final_objective": float(np.mean(result.objectives[:, -1])),
        "map_sum": float(maps.sum()),
    }


def run_worker(backend: str, python: str, data: str) -> dict[str, float]:
    env = {
        **os.environ,
        "KERAS_BACKEND": backend,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONPATH": str(ROOT / "src"),
    }
    out = subprocess.run(
        [python, __file__, "--worker", "--data", data],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{backend} worker failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("MODERN_CONVNETS_DATA"))
    parser.add_argument("--python", nargs="+", default=[f"tensorflow={sys.executable}"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.data)))
        return
    pythons = dict(item.split("=", 1) for item in args.python)
    before = load_average()
    rounds: dict[str, list[dict[str, float]]] = {b: [] for b in pythons}
    for _ in range(max(3, args.rounds)):
        for backend, python in pythons.items():
            rounds[backend].append(run_worker(backend, python, args.data))
    after = load_average()
    print(f"load average before: {before}; after: {after}")
    for job in ("ascent_step", "gradcam"):
        reference = (
            min(r[job] for r in rounds.get("tensorflow", []))
            if ("tensorflow" in rounds)
            else None
        )
        for backend, results in rounds.items():
            times = [r[job] for r in results]
            best = min(times)
            spread = (max(times) - best) / best
            ratio = f", {best / reference:.1f}× TensorFlow" if reference else ""
            print(
                f"{job:>12} {backend:>10}: min {best * 1000:8.1f} ms, "
                f"spread {spread:.0%}{ratio}"
            )
    for backend, results in rounds.items():
        print(
            f"{backend}: final mean objective {results[-1]['final_objective']:.6f}, "
            f"Grad-CAM map sum {results[-1]['map_sum']:.4f}"
        )


if __name__ == "__main__":
    main()
