"""Training throughput: the real JPEG pipeline vs the same photos already in memory.

Usage: python benchmarks/training_throughput.py [--steps 10] [--batch-size 32]

For each model (with augmentation, as trained), in one process: train for
`--steps` steps on `cats_vs_dogs`'s training pipeline, first pass (decoding and
resizing JPEGs on the fly, as in the first epoch), then on the same photos
decoded beforehand into one in-memory array. Both runs start after a warm-up
step, so tracing is not timed. The difference is the pipeline's overhead.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

from modern_convnets.data import cats_vs_dogs
from modern_convnets.train import TrainConfig, build


def images_per_second(model, dataset, steps: int, batch_size: int) -> float:
    """Time `steps` training steps after one warm-up step."""
    iterator = iter(dataset)
    model.train_on_batch(*next(iterator))  # traces the step
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(*next(iterator))
    return steps * batch_size / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--models", nargs="+", default=["small_convnet", "mini_xception"]
    )
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, TensorFlow {tf.__version__}")
    for name in args.models:
        train, _, _ = cats_vs_dogs(batch_size=args.batch_size)
        model = build(TrainConfig(name, batch_size=args.batch_size))
        pipeline = images_per_second(model, train, args.steps, args.batch_size)

        # The same photos, decoded and resized once, then served from memory.
        batches = list(train.take(args.steps + 1))
        images = np.concatenate([b[0].numpy() for b in batches])
        labels = np.concatenate([b[1].numpy() for b in batches])
        memory = tf.data.Dataset.from_tensor_slices((images, labels)).batch(
            args.batch_size
        )
        model = build(TrainConfig(name, batch_size=args.batch_size))
        in_memory = images_per_second(model, memory, args.steps, args.batch_size)
        print(
            f"{name}: JPEG pipeline {pipeline:.1f} images/s, in memory "
            f"{in_memory:.1f} images/s; pipeline overhead "
            f"{1 - pipeline / in_memory:+.1%} of throughput"
        )


if __name__ == "__main__":
    main()
