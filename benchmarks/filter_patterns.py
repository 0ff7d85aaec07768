"""Filter patterns of block3_sepconv1: one filter at a time vs `filter_patterns`.

Usage: python benchmarks/filter_patterns.py [--filters 1 4 16 64]
       [--batch-sizes default 1 4] [--repeats 3]

Both methods run in the same process on the same ImageNet Xception base, with
the lecture's settings (200 × 200 images, 30 steps, learning rate 10) and the
same starting images, interleaved and repeated (see `timing.py`). The loop is
the lecture's code: a feature extractor truncated at the layer and a
`tf.function` step called with the filter index as a Python int, so it is
traced again for every filter. Each side runs as in a fresh session (its step
traced anew). Prints the minimum and spread of the wall times, the load
average around each comparison, the speed-up and how closely the final
activations agree.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import tensorflow as tf
from timing import interleaved, load_average

from modern_convnets.filters import ascend_filters, default_batch_size
from modern_convnets.graph import feature_extractor
from modern_convnets.parameterizations import PixelImage
from modern_convnets.pretrained import xception_base

LAYER = "block3_sepconv1"
SIZE, STEPS, RATE, SEED = 200, 30, 10.0, 0


def lecture_loop(model: keras.Model, filters: list[int]) -> tuple[np.ndarray, float]:
    """The lecture's recipe, one filter at a time (same start images).

    Its step is defined afresh on every call, as in a new session, and traced
    again for every filter index (a Python int).
    """
    layer = model.get_layer(name=LAYER)
    extractor = keras.Model(inputs=model.input, outputs=layer.output)

    def compute_loss(image, filter_index):
        activation = extractor(image)
        return tf.reduce_mean(activation[:, 2:-2, 2:-2, filter_index])

    @tf.function
    def gradient_ascent_step(image, filter_index, learning_rate):
        with tf.GradientTape() as tape:
            tape.watch(image)
            loss = compute_loss(image, filter_index)
        grads = tape.gradient(loss, image)
        grads = tf.math.l2_normalize(grads)
        image += learning_rate * grads
        return image

    start = time.perf_counter()
    images = []
    for index in filters:
        image = tf.constant(PixelImage(size=SIZE).initial([index], SEED))
        for _ in range(STEPS):
            image = gradient_ascent_step(image, index, RATE)
        images.append(image[0].numpy())
    return np.stack(images), time.perf_counter() - start


def final_activation(
    model: keras.Model, images: np.ndarray, filters: list[int]
) -> np.ndarray:
    extractor = feature_extractor(model, LAYER)
    act = extractor.predict(images, batch_size=16, verbose=0)[:, 2:-2, 2:-2, :]
    return act[np.arange(len(filters)), :, :, filters].mean(axis=(1, 2))


def multiply_adds(model: keras.Model, size: int) -> int:
    """Forward multiply-adds of the extractor for one size × size image."""
    extractor = feature_extractor(model, LAYER)
    convs = [
        model.get_layer(layer.name)
        for layer in extractor.layers
        if isinstance(layer, keras.layers.Conv2D | keras.layers.SeparableConv2D)
    ]
    probe = keras.Model(model.inputs, [layer.output for layer in convs])
    shapes = probe.compute_output_shape((1, size, size, 3))
    total = 0
    for layer, (_, h, w, c_out) in zip(convs, shapes, strict=True):
        k = int(np.prod(layer.kernel_size))
        c_in = layer.input.shape[-1]
        if isinstance(layer, keras.layers.SeparableConv2D):
            total += h * w * (k * c_in + c_in * c_out)
        else:
            total += h * w * k * c_in * c_out
    return int(total)


def matmul_gflops(n: int = 2048, repeats: int = 10) -> float:
    """Measured float32 matmul throughput: this machine's practical peak."""
    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    tf.linalg.matmul(a, b).numpy()
    start = time.perf_counter()
    for _ in range(repeats):
        c = tf.linalg.matmul(a, b)
    c.numpy()
    return 2 * n**3 * repeats / (time.perf_counter() - start) / 1e9


def ours(model: keras.Model, filters: list[int], batch_size: int | None):
    """`ascend_filters` as a fresh session sees it: its step traced anew."""
    # A new model object over the same layers: the traced step is not reused.
    fresh = keras.Model(model.inputs, model.outputs)
    return ascend_filters(
        fresh,
        LAYER,
        filters,
        image_size=SIZE,
        steps=STEPS,
        learning_rate=RATE,
        seed=SEED,
        batch_size=batch_size,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filters", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument(
        "--batch-sizes",
        nargs="+",
        default=["default"],
        help="batch sizes of filter_patterns to time; 'default' is its own choice",
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    batch_sizes = [None if b == "default" else int(b) for b in args.batch_sizes]

    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}; "
        f"load average at start {load_average()}"
    )
    model = xception_base()
    macs = multiply_adds(model, SIZE)
    print(f"extractor forward: {macs / 1e6:.0f} M multiply-adds per {SIZE}² image")
    print(f"measured matmul throughput: {matmul_gflops():.0f} GFLOP/s")
    print(f"default batch size here: {default_batch_size(64)} (for 64 filters)")
    # Warm up TensorFlow itself (thread pools, oneDNN kernels) before timing.
    lecture_loop(model, [0])
    ours(model, [0], None)

    for n in args.filters:
        filters = list(range(n))
        sides = {"lecture loop": lambda f=filters: lecture_loop(model, f)[0]}
        for b in batch_sizes:
            label = "filter_patterns " + ("default" if b is None else f"batch {b}")
            sides[label] = lambda f=filters, b=b: ours(model, f, b).inputs
        timings = interleaved(sides, repeats=args.repeats, warm_up=False)
        loop_act = final_activation(model, timings.results["lecture loop"], filters)
        print(
            f"\n{n} filters (load average {timings.load_before} before, "
            f"{timings.load_after} after)"
        )
        for name in sides:
            line = timings.row(name, baseline="lecture loop")
            if name != "lecture loop":
                act = final_activation(model, timings.results[name], filters)
                rel = np.abs(act - loop_act) / np.maximum(np.abs(loop_act), 1e-6)
                line += f"; final activations differ by at most {rel.max():.2%}"
            print("  " + line)
    print(f"\nload average at the end {load_average()}")


if __name__ == "__main__":
    main()
