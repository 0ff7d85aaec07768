"""Filter patterns of block3_sepconv1: one filter at a time vs `filter_patterns`.

Usage: python benchmarks/filter_patterns.py [--filters 64] [--batch-sizes 64 16]

Both methods run in the same process on the same ImageNet Xception base, with
the lecture's settings (200 × 200 images, 30 steps, learning rate 10) and the
same starting images, one after the other. The loop is the lecture's code: a
feature extractor truncated at the layer and a `tf.function` step called with
the filter index as a Python int, so it is traced again for every filter.
Prints wall times, the speed-up, how closely the final activations agree, the
multiply-adds per step and the share of this machine's measured matmul
throughput that each method reaches.
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

from modern_convnets.filters import ascend_filters, feature_extractor, initial_images
from modern_convnets.pretrained import xception_base

LAYER = "block3_sepconv1"
SIZE, STEPS, RATE, SEED = 200, 30, 10.0, 0


def lecture_loop(model: keras.Model, filters: list[int]) -> tuple[np.ndarray, float]:
    """The lecture's recipe, one filter at a time (same start images)."""
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
        image = tf.constant(initial_images([index], SIZE, SEED))
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
        layer
        for layer in extractor.layers
        if isinstance(layer, keras.layers.Conv2D | keras.layers.SeparableConv2D)
    ]
    probe = keras.Model(extractor.inputs, [layer.output for layer in convs])
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filters", type=int, default=64)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 16])
    args = parser.parse_args()
    filters = list(range(args.filters))

    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}"
    )
    model = xception_base()
    macs = multiply_adds(model, SIZE)
    # Gradient ascent needs the forward pass and the gradient with respect to
    # each layer's input (not the weights): about twice the forward work.
    step_flops = 2 * 2 * macs
    work = step_flops * STEPS * len(filters)
    peak = matmul_gflops()
    print(
        f"extractor forward: {macs / 1e6:.0f} M multiply-adds per {SIZE}² image; "
        f"{work / 1e12:.2f} TFLOP for {len(filters)} filters × {STEPS} steps"
    )
    print(f"measured matmul throughput: {peak:.0f} GFLOP/s")

    loop_images, loop_s = lecture_loop(model, filters)
    loop_act = final_activation(model, loop_images, filters)
    print(
        f"\nlecture loop: {loop_s:.1f} s  ({work / loop_s / 1e9:.0f} GFLOP/s, "
        f"{work / loop_s / 1e9 / peak:.0%} of matmul throughput)"
    )

    for batch_size in args.batch_sizes:
        start = time.perf_counter()
        result = ascend_filters(
            model,
            LAYER,
            filters,
            image_size=SIZE,
            steps=STEPS,
            learning_rate=RATE,
            seed=SEED,
            batch_size=batch_size,
        )
        seconds = time.perf_counter() - start
        ours = result.losses[:, -1]
        rel = np.abs(ours - loop_act) / np.maximum(np.abs(loop_act), 1e-6)
        print(
            f"filter_patterns, batch {batch_size}: {seconds:.1f} s  "
            f"({work / seconds / 1e9:.0f} GFLOP/s, "
            f"{work / seconds / 1e9 / peak:.0%} of "
            f"matmul throughput); speed-up {loop_s / seconds:.2f}×; final activations "
            f"differ by median {np.median(rel):.2%}, max {rel.max():.2%}"
        )


if __name__ == "__main__":
    main()
