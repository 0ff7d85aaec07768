"""Training throughput: the real JPEG pipeline vs the same photos already in memory.

Usage: python benchmarks/training_throughput.py [--steps 10] [--repeats 3]

For each model (with augmentation, as trained), in one process: train for
`--steps` steps on a fresh `cats_vs_dogs` training pipeline, first pass
(decoding and resizing JPEGs on the fly, as in the first epoch), and on the
same photos decoded beforehand into one in-memory array, interleaved and
repeated (see `timing.py`), after a warm-up step so tracing is not timed.
The difference is the pipeline's overhead.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf
from timing import interleaved, load_average

from modern_convnets.data import cats_vs_dogs
from modern_convnets.train import TrainConfig, build


def train_steps(model, dataset, steps: int) -> None:
    """`steps` training steps on the dataset's first batches."""
    for images, labels in dataset.take(steps):
        model.train_on_batch(images, labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--models", nargs="+", default=["small_convnet", "mini_xception"]
    )
    args = parser.parse_args()
    print(
        f"{os.cpu_count()} CPUs, TensorFlow {tf.__version__}; "
        f"load average at start {load_average()}"
    )
    # The same photos, decoded and resized once, then served from memory.
    train, _, _ = cats_vs_dogs(batch_size=args.batch_size)
    batches = list(train.take(args.steps))
    images = np.concatenate([b[0].numpy() for b in batches])
    labels = np.concatenate([b[1].numpy() for b in batches])
    memory = tf.data.Dataset.from_tensor_slices((images, labels)).batch(args.batch_size)
    photos = args.steps * args.batch_size
    for name in args.models:
        model = build(TrainConfig(name, batch_size=args.batch_size))
        model.train_on_batch(images[: args.batch_size], labels[: args.batch_size])

        def first_pass(model=model):
            # A new pipeline each time: decoding and resizing on the fly.
            fresh, _, _ = cats_vs_dogs(batch_size=args.batch_size)
            train_steps(model, fresh, args.steps)

        timings = interleaved(
            {
                "JPEG pipeline": first_pass,
                "in memory": lambda model=model: train_steps(model, memory, args.steps),
            },
            repeats=args.repeats,
            warm_up=False,
        )
        pipeline = photos / timings.best("JPEG pipeline")
        in_memory = photos / timings.best("in memory")
        print(
            f"\n{name} (load average {timings.load_before} before, "
            f"{timings.load_after} after)"
        )
        for side in ("JPEG pipeline", "in memory"):
            print("  " + timings.row(side))
        print(
            f"  {pipeline:.1f} vs {in_memory:.1f} images/s: pipeline overhead "
            f"{1 - pipeline / in_memory:+.1%} of throughput"
        )


if __name__ == "__main__":
    main()
