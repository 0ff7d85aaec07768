"""Grad-CAM for a batch of photos: the published per-image loop vs `gradcam`.

Usage: python benchmarks/gradcam.py [--images 32] [--repeats 3]

Both run in the same process, one after the other, on the same photos and
the same 299 × 299 Xception classifier (ImageNet base, a seeded 1,000-class
linear head, so both explain the same logit). The loop is the recipe of the
Keras code example: a `keras.Model` from the input to (last conv output,
predictions), one `GradientTape` per photo. `gradcam` explains the whole batch
with one tape, as one compiled TensorFlow graph; it also runs one photo at a
time to separate what the graph gains from what batching gains, and a plain
compiled forward pass of the same batch gives the floor (Grad-CAM needs that
pass and a short backward pass to the last feature map). The sides run
interleaved and repeated (see `timing.py`); prints the minimum and spread of
the wall times, the load average around them, the ratios and the largest
difference between the heatmaps.
"""

from __future__ import annotations

import argparse
import os
import platform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import tensorflow as tf
from timing import interleaved, load_average

from modern_convnets.data import find_dataset, split_files
from modern_convnets.gradcam import gradcam
from modern_convnets.images import image_batch
from modern_convnets.pretrained import xception_base

LAYER = "block14_sepconv2_act"
SIZE = 299


def classifier() -> keras.Model:
    """A flat (not nested) Xception classifier, so the published recipe works."""
    base = xception_base((SIZE, SIZE, 3))
    keras.utils.set_random_seed(0)
    x = keras.layers.GlobalAveragePooling2D()(base.output)
    logits = keras.layers.Dense(1000, name="logits")(x)
    inputs = keras.Input((SIZE, SIZE, 3))
    scaled = keras.layers.Rescaling(1 / 127.5, offset=-1)(inputs)
    flat = keras.Model(base.input, logits)
    return keras.Model(inputs, flat(scaled), name="xception_1000")


def published_loop(model: keras.Model, photos: np.ndarray) -> np.ndarray:
    """The Keras example's `make_gradcam_heatmap`, once per photo."""
    flat = model.layers[-1]
    grad_model = keras.Model(flat.input, [flat.get_layer(LAYER).output, flat.output])
    maps = []
    for photo in photos:
        img_array = photo[None] / 127.5 - 1
        with tf.GradientTape() as tape:
            last_conv_layer_output, preds = grad_model(img_array)
            pred_index = tf.argmax(preds[0])
            class_channel = preds[:, pred_index]
        grads = tape.gradient(class_channel, last_conv_layer_output)
        pooled_grads = tf.reduce_mean(grads, axis=(0, 1, 2))
        heatmap = last_conv_layer_output[0] @ pooled_grads[..., tf.newaxis]
        heatmap = tf.squeeze(heatmap)
        heatmap = tf.maximum(heatmap, 0) / tf.math.reduce_max(heatmap)
        maps.append(heatmap.numpy())
    return np.stack(maps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{platform.machine()}, {os.cpu_count()} CPUs, TensorFlow {tf.__version__}; "
        f"load average at start {load_average()}"
    )

    _, _, test = split_files(find_dataset())
    paths = test.paths[:: len(test.paths) // args.images][: args.images]
    photos = image_batch(list(paths), (SIZE, SIZE))
    model = classifier()
    batch = tf.constant(photos)
    forward = tf.function(lambda x: model(x, training=False), autograph=False)

    timings = interleaved(
        {
            "forward pass": lambda: forward(batch).numpy(),
            "gradcam, batch": lambda: gradcam(model, photos, layer_name=LAYER),
            "gradcam, 1 by 1": lambda: np.concatenate(
                [gradcam(model, photo[None], layer_name=LAYER) for photo in photos]
            ),
            "published loop": lambda: published_loop(model, photos),
        },
        repeats=args.repeats,
    )
    print(
        f"{args.images} photos at {SIZE} x {SIZE}, {args.repeats} interleaved runs "
        f"each (load average {timings.load_before} before, {timings.load_after} "
        "after)"
    )
    print(timings.row("forward pass"))
    for name in ("gradcam, batch", "gradcam, 1 by 1"):
        print(
            f"{timings.row(name, baseline='published loop')}; "
            f"{timings.best(name) / timings.best('forward pass'):.2f}× the "
            "forward pass"
        )
    print(timings.row("published loop"))
    loop_maps = timings.results["published loop"]
    for name in ("gradcam, batch", "gradcam, 1 by 1"):
        gap = np.abs(loop_maps - timings.results[name]).max()
        print(f"max |difference| from the loop's heatmaps, {name}: {gap:.2e}")
    print(f"load average at the end {load_average()}")


if __name__ == "__main__":
    main()
