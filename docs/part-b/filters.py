# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Visualising filters by gradient ascent
#
# Every filter of a convnet responds to some pattern. To see which, we can ask the
# question backwards: *what input image would excite this filter the most?* Start
# from a grey, slightly noisy image, compute how the filter's mean activation
# changes with each input pixel (its gradient), nudge the image in that
# direction, and repeat. What emerges is an image the filter responds to
# strongly: where a fixed number of fixed-size steps from one noisy start
# ends, not the best possible image and not necessarily an optimum (below,
# we check whether the activation has stopped rising).
#
# You will learn:
#
# - how to truncate a pretrained network at a layer and turn gradient ascent on
#   the input into a few lines of TensorFlow, JAX or PyTorch;
# - what the patterns of Xception's filters look like at three depths;
# - how to optimise 64 filters at once, and what simple regularisers change;
# - where the method falls short: filters that never wake up, patterns full of
#   high frequencies, one pattern per filter.

# %% [markdown]
# Cells marked **Copy this** are the lecture's code in plain Keras: they run
# as pasted, one after the other, in a fresh Python session. The listing that
# takes a gradient comes in three tabs, one per Keras backend (the lecture's
# TensorFlow, JAX and PyTorch), for a session started with `KERAS_BACKEND`
# set to that backend; the cells around it run on all three. The other cells
# use this package to check them and to go further.
#
# ## The convolution layers of Xception
#
# We use Xception with its ImageNet weights, without its classifier on top
# (`include_top=False`): no dense layer is left, so it accepts images of other
# sizes than its 299 × 299, down to the 71 × 71 that Keras checks for.
# `weights="imagenet"` downloads the weights the first time; this site is
# built offline, so the build names a local copy of the same weights in
# `MODERN_CONVNETS_XCEPTION_WEIGHTS`, and the cell falls back to the download
# when that variable is not set. Its convolution layers, named by block where
# Keras names them:

# %% tags=["copy"]
import os

import keras
import numpy as np

weights = os.environ.get("MODERN_CONVNETS_XCEPTION_WEIGHTS", "imagenet")
model = keras.applications.xception.Xception(
    weights=weights, include_top=False
)
conv_names = []
for layer in model.layers:
    if isinstance(
        layer, (keras.layers.Conv2D, keras.layers.SeparableConv2D)
    ):
        conv_names.append(layer.name)
print(len(conv_names), "convolution layers:", ", ".join(conv_names))

# %% tags=["prose"]
from IPython.display import Markdown

kinds = {name: model.get_layer(name) for name in conv_names}
plain_convs = [
    n for n, lay in kinds.items() if type(lay) is keras.layers.Conv2D
]
named = [n for n in plain_convs if n.startswith("block")]
shortcuts = [n for n in plain_convs if not n.startswith("block")]
separable = [
    n
    for n, lay in kinds.items()
    if isinstance(lay, keras.layers.SeparableConv2D)
]
shortcut_kernels = {kinds[n].kernel_size for n in shortcuts}
kernel_text = " or ".join(f"{h} × {w}" for h, w in sorted(shortcut_kernels))
Markdown(
    f"""Of the {len(conv_names)} layers, {len(separable)} are
`SeparableConv2D` and {len(plain_convs)} are regular `Conv2D`: the first block's
{len(named)} ({", ".join(f"`{n}`" for n in named)}) and {len(shortcuts)}
unnamed ones ({", ".join(f"`{n}`" for n in shortcuts)}), the {kernel_text}
convolutions on the residual shortcuts (see Part A), which Keras's Xception
leaves unnamed. This package's `xception_base()` builds the same model and
finds the weights offline (see
[Getting started](../../tutorials/getting-started/))."""
)

# %% [markdown]
# ## A feature extractor
#
# To study `block3_sepconv1` we do not need the rest of the network. The feature
# extractor is a model from Xception's input to that layer's output; it shares the
# layers and weights of `model` and leaves it unchanged.
#
# What is a "filter" of a `SeparableConv2D` layer? The layer is a 3 × 3
# depthwise convolution (one kernel per input channel) followed by a 1 × 1
# pointwise convolution that mixes the channels; a filter is one output
# channel of that pointwise convolution. In Xception each separable
# convolution is followed by its own batch normalisation
# (`block3_sepconv1_bn`), so the layer's output, and the activation we
# maximise, comes *before* batch normalisation and before the next ReLU.

# %% tags=["copy"]
layer_name = "block3_sepconv1"
layer = model.get_layer(name=layer_name)
feature_extractor = keras.Model(inputs=model.input, outputs=layer.output)
for layer in feature_extractor.layers:
    if layer.count_params():
        print(
            f"{layer.name:<24}{type(layer).__name__:<22}{layer.count_params():>8,}"
        )

# %% tags=["prose"]
sep = model.get_layer("block2_sepconv1")
depthwise, pointwise = (w.size for w in sep.get_weights()[:2])
kh, kw, c_in, _ = sep.get_weights()[0].shape
c_out = sep.get_weights()[1].shape[-1]
Markdown(
    f"""The separable convolutions are cheap: `block2_sepconv1` maps {c_in}
channels to {c_out} with {c_in} × {kh} × {kw} = {depthwise:,} depthwise
weights plus {c_in} × {c_out} = {pointwise:,} pointwise weights,
{depthwise + pointwise:,} in all, where a regular {kh} × {kw} convolution
would need {c_in} × {kh} × {kw} × {c_out} = {c_in * kh * kw * c_out:,}."""
)

# %% [markdown]
# ## Gradient ascent for one filter
#
# The recipe, for filter number 2 of `block3_sepconv1`:
#
# 1. Start from a 200 × 200 image of uniform noise between 0.4 and 0.6. The
#    image goes into the model as it is, without `preprocess_input`, which
#    maps a photo's 0 to 255 to the [−1, 1] that Xception was trained on; the
#    start is a light grey in the model's units (see below).
# 2. Compute the filter's mean activation, ignoring the two pixels along each
#    border of the feature map (their values are distorted by padding). This is
#    the quantity to *maximise*, computed by `compute_loss`.
# 3. Take its gradient with respect to the image, normalise it to unit
#    length (divide by its Euclidean norm, so every step has the same size
#    whatever the scale of the activations), and add 10 times it to the
#    image. Each backend takes the gradient its own way. TensorFlow records
#    the computation on a `tf.GradientTape` and `@tf.function` traces the
#    step into a graph once per filter index, instead of running it operation
#    by operation 30 times. JAX differentiates a function (`jax.grad`), which
#    must be pure: the model's weights go in as arguments of
#    `stateless_call`, and `jax.jit` compiles the step. PyTorch records the
#    computation on tensors that `requires_grad`, and `loss.backward()`
#    leaves the gradient in the image's `.grad`.
# 4. Repeat 30 times.
#
# For display, `deprocess_image` standardises the image, scales it to a
# standard deviation of 64 grey levels around 128, clips it to [0, 255] and
# crops 25 pixels from each side, where the pattern is least constrained. The
# lecture's four functions, with its names (`conv_names`, above, is ours):

# %% tags=["copy", "backend-tensorflow"]
import tensorflow as tf


def compute_loss(image, filter_index):
    activation = feature_extractor(image)
    filter_activation = activation[:, 2:-2, 2:-2, filter_index]
    return tf.reduce_mean(filter_activation)


@tf.function
def gradient_ascent_step(image, filter_index, learning_rate):
    with tf.GradientTape() as tape:
        tape.watch(image)
        loss = compute_loss(image, filter_index)
    grads = tape.gradient(loss, image)
    grads = tf.math.l2_normalize(grads)
    image += learning_rate * grads
    return image


img_width = 200
img_height = 200


def generate_filter_pattern(filter_index):
    iterations = 30
    learning_rate = 10.0
    image = tf.random.uniform(
        minval=0.4, maxval=0.6, shape=(1, img_width, img_height, 3)
    )
    for _ in range(iterations):
        image = gradient_ascent_step(image, filter_index, learning_rate)
    return image[0].numpy()


# %% tags=["copy", "backend-jax", "skip-execution"]
import jax
import jax.numpy as jnp

trainable = [v.value for v in feature_extractor.trainable_variables]
non_trainable = [v.value for v in feature_extractor.non_trainable_variables]


def compute_loss(image, filter_index, trainable, non_trainable):
    activation, _ = feature_extractor.stateless_call(
        trainable, non_trainable, image
    )
    filter_activation = activation[:, 2:-2, 2:-2, filter_index]
    return jnp.mean(filter_activation)


@jax.jit
def gradient_ascent_step(image, filter_index, learning_rate):
    grads = jax.grad(compute_loss)(
        image, filter_index, trainable, non_trainable
    )
    grads = grads / jnp.sqrt(jnp.maximum(jnp.sum(grads**2), 1e-12))
    image += learning_rate * grads
    return image


img_width = 200
img_height = 200


def generate_filter_pattern(filter_index, seed=0):
    iterations = 30
    learning_rate = 10.0
    image = jax.random.uniform(
        jax.random.key(seed),
        minval=0.4,
        maxval=0.6,
        shape=(1, img_width, img_height, 3),
    )
    for _ in range(iterations):
        image = gradient_ascent_step(image, filter_index, learning_rate)
    return np.array(image[0])


# %% tags=["copy", "backend-torch", "skip-execution"]
import torch


def compute_loss(image, filter_index):
    activation = feature_extractor(image)
    filter_activation = activation[:, 2:-2, 2:-2, filter_index]
    return torch.mean(filter_activation)


def gradient_ascent_step(image, filter_index, learning_rate):
    image = image.detach().requires_grad_(True)
    loss = compute_loss(image, filter_index)
    loss.backward()
    grads = image.grad
    grads = grads / torch.sqrt(torch.clamp(torch.sum(grads**2), min=1e-12))
    image = image + learning_rate * grads
    return image.detach()


img_width = 200
img_height = 200


def generate_filter_pattern(filter_index):
    iterations = 30
    learning_rate = 10.0
    image = torch.empty(1, img_width, img_height, 3).uniform_(0.4, 0.6)
    for _ in range(iterations):
        image = gradient_ascent_step(image, filter_index, learning_rate)
    return image[0].detach().cpu().numpy()


# %% [markdown]
# Whatever the backend, `generate_filter_pattern` returns a NumPy array, and
# the rest is NumPy and matplotlib: `deprocess_image` turns the pattern into
# an 8-bit picture.

# %% tags=["copy"]
import matplotlib.pyplot as plt


def deprocess_image(image):
    image -= image.mean()
    image /= image.std()
    image *= 64
    image += 128
    image = np.clip(image, 0, 255).astype("uint8")
    image = image[25:-25, 25:-25, :]
    return image


plt.axis("off")
plt.title("block3_sepconv1, filter 2")
plt.imshow(deprocess_image(generate_filter_pattern(filter_index=2)))
plt.show()

# %% [markdown]
# ## The same, with this package
#
# `ascend_filters` runs the same recipe and records the mean activation at
# every step. The lecture starts from fresh random noise each time; the
# package draws its noise from a seed (`PixelImage.initial`), so that both can
# start from the same image, and we compare where they are after 10 and after
# 30 steps.

# %%
from matplotlib.figure import Figure
from modern_convnets.filters import Regularizers, ascend_filters
from modern_convnets.grids import image_grid, show_image, tile
from modern_convnets.parameterizations import PixelImage

one = ascend_filters(model, "block3_sepconv1", [2], seed=0)
ten = ascend_filters(model, "block3_sepconv1", [2], seed=0, steps=10)
n_steps = one.objectives.shape[1] - 1  # the start, then one per step
n_early = ten.objectives.shape[1] - 1
image = tf.constant(PixelImage(size=200).initial([2], seed=0))
for step in range(1, n_steps + 1):
    image = gradient_ascent_step(image, 2, 10.0)
    if step == n_early:
        gap_10 = np.abs(image[0].numpy() - ten.inputs[0]).max()
gap = np.abs(image[0].numpy() - one.inputs[0]).max()
print(
    f"largest difference after {n_early} steps: {gap_10:.1e}, "
    f"after {n_steps}: {gap:.1e}"
)
print(f"pixel values span {np.ptp(one.inputs[0]):.1f}")
shown = deprocess_image(image[0].numpy()).astype(int)
worst = np.abs(shown - one.images[0]).max()
print(f"displayed images differ by at most {worst} grey levels")

# %% tags=["prose"]
if gap < 1e-4:
    agreement = (
        f"The two end at the same image: after {n_steps} steps no value "
        f"differs by more than {gap:.1e}."
    )
else:
    agreement = (
        f"After {n_early} steps the two agree to {gap_10:.1e}, float32 "
        f"rounding; after {n_steps} they differ by up to {gap:.1e}, and the "
        f"displayed images "
        f"by up to {worst} grey levels. The loop and the package compute the "
        "same steps, but not with bit-identical float32 arithmetic, and the "
        "ascent lets a rounding difference grow from step to step: a pattern "
        "depends on such details as well as on its start."
    )
Markdown(agreement)

# %% tags=["prose"]
final = one.inputs[0]
outside = np.mean((final < -1) | (final > 1))
Markdown(
    f"""The lecture feeds its image to Xception as it is. The model was trained
on photos passed through `xception.preprocess_input`, which maps pixel values
0 to 255 onto −1 to 1, so a photo's input spans at most 2. The starting noise,
0.4 to 0.6, is what a photo with pixel values {(0.4 + 1) * 127.5:.1f} to
{(0.6 + 1) * 127.5:.1f} becomes: a light grey. After {n_steps} steps the values run
from {final.min():.2f} to {final.max():.2f}, a span of {np.ptp(final):.1f},
and {outside:.0%} of them lie outside [−1, 1]: the image is free to leave the
range of any photo the model has seen."""
)

# %%
activation = one.objectives[0]
print(f"mean activation of filter 2: {activation[0]:.3f} at the start")
print(
    f"                             {activation[-1]:.3f} after "
    f"{len(activation) - 1} steps"
)

# %% tags=["collapse"]
fig = Figure(figsize=(9, 3.2), layout="constrained")
curve, picture = fig.subplots(1, 2, width_ratios=[1.6, 1])
curve.plot(activation, marker="o", markersize=3)
curve.set_xlabel("step")
curve.set_ylabel("mean activation")
curve.set_title("block3_sepconv1, filter 2")
curve.grid(alpha=0.3)
picture.imshow(one.images[0])
picture.set_axis_off()
picture.set_title("the pattern it found")
fig

# %% [markdown]
# ## The same listing on three backends
#
# The three versions of the lecture's listing above compute the same
# gradient ascent. To check, the page runs each in a fresh Python process
# with `KERAS_BACKEND` set (Keras picks its backend once per process): the
# copy cells of that backend, as a reader pastes them, then 30 steps of its
# `gradient_ascent_step` from one start image, drawn with NumPy (seed 0)
# so that all three start from the same pixels. The code each process runs
# is read from this page's source, so the table below comes from the
# listings shown.

# %%
import jupytext
from modern_convnets.listings import backend_code, run_listing

page = jupytext.read(
    os.environ.get("MODERN_CONVNETS_PAGE_SOURCE", "filters.py")
)
probe = """
image = keras.ops.convert_to_tensor(start)
for step in range(1, 31):
    image = gradient_ascent_step(image, 2, 10.0)
    if step in (1, 30):
        outputs[f"after_{step}"] = image
activation = feature_extractor(image)
outputs["loss"] = keras.ops.mean(activation[:, 2:-2, 2:-2, 2])
"""
rng = np.random.default_rng(0)
start = rng.uniform(0.4, 0.6, size=(1, 200, 200, 3)).astype("float32")
runs = {
    backend: run_listing(
        backend_code(page.cells, backend) + "\n" + probe,
        backend,
        {"start": start},
    )
    for backend in ("tensorflow", "jax", "torch")
}
for backend, run in runs.items():
    print(
        f"{backend:<11} mean activation after 30 steps: {run['loss']:.6f}"
    )

# %% tags=["prose"]
names = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}
pairs = [("tensorflow", "jax"), ("tensorflow", "torch"), ("jax", "torch")]
gaps = {
    pair: {
        key: np.abs(runs[pair[0]][key] - runs[pair[1]][key])
        for key in ("after_1", "after_30")
    }
    for pair in pairs
}
measures = {
    "median difference, 1 step": lambda g: f"{np.median(g['after_1']):.1e}",
    "largest difference, 1 step": lambda g: f"{g['after_1'].max():.1e}",
    "values off by more than 1e-5, 1 step": (
        lambda g: f"{np.mean(g['after_1'] > 1e-5):.1%}"
    ),
    "largest difference, 30 steps": lambda g: f"{g['after_30'].max():.2f}",
}
header = " | ".join(f"{names[a]} and {names[b]}" for a, b in pairs)
rows = "\n".join(
    f"| {measure} | "
    + " | ".join(cell(gaps[pair]) for pair in pairs)
    + " |"
    for measure, cell in measures.items()
)
losses = [float(runs[b]["loss"]) for b in names]
spread = (max(losses) - min(losses)) / max(losses)
eps = np.finfo(np.float32).eps
spacing = np.spacing(np.float32(0.5))
median_1 = max(np.median(g["after_1"]) for g in gaps.values())
Markdown(
    f"""| difference in pixel values | {header} |
|---|---|---|---|
{rows}

*Differences between the pixel values that the backends' listings reach
from the same start, filter 2 of `block3_sepconv1`.*

After one step most values agree to the rounding of float32: the median
difference is at most {median_1:.1e}, {median_1 / spacing:.1f} times the
gap between neighbouring float32 numbers near 0.5 ({spacing:.1e}).
Float32 keeps 24 significant bits, a relative rounding error of up to
{eps / 2:.1e} per operation, and its addition is not associative: a sum of
the same products in another order ends in other last bits. Each backend
computes the convolutions and their gradients its own way: JAX compiles
the whole step with XLA, TensorFlow runs its own kernels on the graph that
`tf.function` traced, PyTorch runs its kernels one operation at a time,
and PyTorch's convolutions take the channels first, so Keras transposes
the image around each of them. A few values, up
to {max(np.mean(g["after_1"] > 1e-5) for g in gaps.values()):.1%}, differ by
more, up to {max(g["after_1"].max() for g in gaps.values()):.1e}: the
gradient passes ReLUs and a max pooling, which route it by comparisons (is
a value above zero, which value of a window is the largest), and where
rounding flips a comparison, the gradient takes another path. Each step
starts from the last one's result, so the differences grow: after 30 steps
values differ by up to {max(g["after_30"].max() for g in gaps.values()):.2f},
in an image whose values span {np.ptp(runs["tensorflow"]["after_30"]):.1f}.
The three end at about the same mean activation, {min(losses):.3f} to
{max(losses):.3f}, {spread:.1%} apart: the same climb, along paths that
rounding has pulled apart."""
)

# %% [markdown]
# ## Sixty-four filters
#
# Optimising filters one by one repeats the same computation 64 times, and the
# lecture's step is traced again for every filter index. `ascend_filters` traces
# its step once and sends the images through the network in batches
# (`filters.default_batch_size`). On a CPU it takes four at a time: on the
# project's 2-core CPU, for 16 filters, batches of 4 ran at 1.20× the speed of
# the lecture's loop, batches of 1 at 0.99× and of 16 at 0.90× (measured on
# 2026-11-27, `benchmarks/README.md` in the repository).
# On a GPU it takes all of them at once, a default that has not been
# measured. Each image maximises its own filter (its loss picks its own
# channel) and each image's gradient is normalised separately, so every image
# follows the path it would follow alone, up to float32 rounding (which, as
# above, can grow over the steps). The lecture's step would not batch as it
# stands: `tf.math.l2_normalize(grads)` normalises over the whole tensor,
# batch axis included, so the images with the largest gradients would take
# most of each step. A batched version needs
# `tf.math.l2_normalize(grads, axis=(1, 2, 3))`, one unit-length step per
# image, which is what the package computes.

# %%
grid = ascend_filters(model, "block3_sepconv1", range(64), seed=0)
rising = (grid.objectives[:, -1] > grid.objectives[:, 0]).mean()
print(f"activation rose for {rising:.0%} of the 64 filters")
alone = np.abs(grid.inputs[2] - one.inputs[0]).max()
print(f"filter 2 in the batch vs alone: largest difference {alone:.1e}")
show_image(
    tile(grid.images, ncols=8, margin=5),
    title="block3_sepconv1, filters 0 to 63",
)

# %% tags=["prose"]
last_step = grid.objectives[:, -1] - grid.objectives[:, -2]
still_rising = int((last_step > 0).sum())
late = np.median(last_step / grid.gain)
n_filters = len(grid.gain)
converged = (
    f"The ascent had not converged: at step {n_steps} the activation still "
    f"rose for {still_rising} of the {n_filters} filters, by a median "
    f"{late:.1%} of the filter's whole gain, so more steps would change the "
    "images further."
    if still_rising > n_filters / 2
    else f"At step {n_steps} the activation rose for only {still_rising} of "
    f"the {n_filters} filters."
)
Markdown(
    f"""Each tile is where {n_steps} fixed-size steps of ascent from one noise
start (seed 0) ended for one filter: an image the filter responds to
strongly, not an optimum and not the image it responds to most of all.
{converged} Nothing holds the ascent at a maximum: the pixels are unbounded
(filter 2's image spans {np.ptp(final):.1f} after the last step, against 2
for any photo), and a network of convolutions, batch normalisation in
inference mode, ReLUs and max pooling is piecewise linear in its input, so
the activation need not level off at all. The ascent ends because its
{n_steps} steps of length 10 are spent. Another start would give another
image."""
)

# %% [markdown]
# ## Three depths
#
# The same method at three depths, eight filters each:

# %%
depths = ["block2_sepconv1", "block4_sepconv1", "block8_sepconv1"]
by_depth = {
    name: ascend_filters(model, name, range(8), seed=0) for name in depths
}
for name, result in by_depth.items():
    gain = np.median(result.objectives[:, -1] - result.objectives[:, 0])
    print(f"{name}: median activation gain {gain:.2f}")

# %% tags=["home"]
image_grid(
    np.concatenate([result.images for result in by_depth.values()]),
    ncols=8,
    titles=[
        f"{name.split('_')[0]} · {i}" for name in depths for i in range(8)
    ],
    caption="Patterns of the first eight filters at three depths",
)

# %% [markdown]
# By eye, and for these eight filters from one start each: in `block2` the
# patterns are parallel stripes of alternating colours or a fine, even grain;
# in `block4` a small motif (scales, dots, diagonal strokes) repeated across
# the image; in `block8` larger, less regular motifs, with no repeat as clear
# as in `block4`. The gains above are in each layer's own units, so they do
# not compare across layers.
#
# ## Regularised patterns
#
# Plain gradient ascent will use any trick that raises an activation, including
# pixel-level high frequencies that photos hold little of. Three standard
# remedies: shift the image by a few random pixels before each step (*jitter*;
# Mordvintsev, Olah and Tyka, 2015, "Inceptionism") and rescale and rotate it
# slightly (Olah, Mordvintsev and Schubert, 2017, "Feature Visualization"),
# both so that the pattern must keep working under small transformations; and
# penalise its total variation, the summed differences between neighbouring
# pixels, which favours smooth images (Mahendran and Vedaldi, 2015,
# "Understanding Deep Image Representations by Inverting Them"). They are off
# by default; here is their
# effect on the eight `block4_sepconv1` filters above. The random shift, scale
# and rotation of each step are drawn with NumPy from the seed and the step
# number, so a rerun gives the same images.

# %%
regularizers = Regularizers(
    jitter=4, scale=0.05, rotation=5, total_variation=10.0
)
plain_layer = "block4_sepconv1"
plain = by_depth[plain_layer]
regular = ascend_filters(
    model, plain_layer, range(8), seed=0, regularizers=regularizers
)


def roughness(images: np.ndarray) -> np.ndarray:
    """Mean absolute difference between horizontal neighbours, per image."""
    steps = np.abs(np.diff(images.astype("float32"), axis=2))
    return steps.mean(axis=(1, 2, 3))


rough_p, rough_r = roughness(plain.images), roughness(regular.images)
gain_p, gain_r = plain.gain, regular.gain
print(f"{plain_layer} (plain: the same run as in the depth figure)")
print(
    f"median roughness:  plain {np.median(rough_p):5.1f}   "
    f"regularised {np.median(rough_r):5.1f}   "
    f"({np.median(rough_r) / np.median(rough_p) - 1:+.0%})"
)
print(
    f"median gain:       plain {np.median(gain_p):5.2f}   "
    f"regularised {np.median(gain_r):5.2f}   "
    f"({np.median(gain_r) / np.median(gain_p) - 1:+.0%})"
)
print("gain per filter, plain:      ", np.round(gain_p, 2))
print("gain per filter, regularised:", np.round(gain_r, 2))
image_grid(
    np.concatenate([plain.images, regular.images]),
    ncols=8,
    titles=[f"plain {i}" for i in range(8)]
    + [f"regularised {i}" for i in range(8)],
    caption="The same eight filters without and with regularisers",
)


# %% tags=["prose"]
from math import comb


def sign_test(count: int, n: int) -> float:
    """Two-sided sign test: p of `count` or fewer (or more) of n by chance."""
    tail = min(count, n - count)
    return min(1.0, 2 * sum(comb(n, k) for k in range(tail + 1)) / 2**n)


smoother = int((rough_r < rough_p).sum())
weaker = int((gain_r < gain_p).sum())
p_rough, p_gain = sign_test(smoother, 8), sign_test(weaker, 8)


def verdict(count: int, p: float, fewer: str, more: str) -> str:
    if p < 0.05:
        word = fewer if count > 4 else more
        return f"{word} for {max(count, 8 - count)} of 8 filters"
    return (
        f"{fewer} for {count} of 8 filters and {more} for {8 - count}, "
        "no clear direction"
    )


Markdown(
    f"""Filter by filter, on `{plain_layer}`, the regularised pattern is
{verdict(smoother, p_rough, "smoother", "rougher")} (sign test, p =
{p_rough:.2f}; median roughness {np.median(rough_p):.1f} → {np.median(rough_r):.1f}
grey levels between neighbours) and its activation gain is
{verdict(weaker, p_gain, "lower", "higher")} (p = {p_gain:.2f}; median
{np.median(gain_p):.2f} → {np.median(gain_r):.2f}). Both runs start from the
same noise and take {len(regular.objectives[0]) - 1} steps; the penalty and the
random transforms pull each step away from the plain gradient. All three
regularisers were on together, so this run cannot say which of them made the
difference."""
)

# %% [markdown]
# ## What this shows, and where it falls short
#
# The patterns change with depth: parallel stripes in `block2`, a small
# repeated motif in `block4`, larger and less regular motifs in `block8`. That
# deeper filters *combine* the patterns of earlier ones is the usual reading
# (Olah, Mordvintsev and Schubert, 2017), but these images alone do not show
# it. A pattern is the answer to one narrow question, and the method has blind
# spots:
#
# - **Filters that never wake up.** Where the maximised value is itself a
#   ReLU's output, a channel that is zero everywhere on the starting image has
#   a zero gradient, so gradient ascent never moves it and its "pattern" is the
#   standardised starting noise. `block3_sepconv1` takes a ReLU's output as its
#   input (`block3_sepconv1_act`), but the value maximised here is the
#   convolution's own output, before batch normalisation and the next ReLU,
#   which is not clipped at zero; so no filter's gradient is cut off at its own
#   output. How far each filter is pushed varies:

# %%
gain = grid.gain
print(f"filters with a gain below 0.001: {int((gain < 1e-3).sum())} of 64")
low, mid, high = np.percentile(gain, [0, 50, 100])
print(f"gain per filter: min {low:.2f}, median {mid:.2f}, max {high:.2f}")
print(f"largest / smallest: {high / low:.1f}")

# %% tags=["prose"]
noise = np.random.default_rng(0).normal(size=(1, 200, 200, 3))
noise_rough = roughness(deprocess_image(noise[0])[None])[0]
Markdown(
    f"""- **High frequencies.** Without regularisation, neighbouring pixels of
  the eight `{plain_layer}` patterns differ by a median
  {np.median(rough_p):.1f} grey levels, against {noise_rough:.1f} for white
  noise shown the same way ({np.median(rough_p) / noise_rough:.0%} of it;
  2 · 64 / √π = {2 * 64 / np.sqrt(np.pi):.1f} before clipping to 0 to
  255). The regularisers above trade roughness against gain as measured there. The
  [next page](../feature-visualisation/) removes most of the detail with a
  better-conditioned recipe, and measures what changes.
- **One pattern per filter.** A filter may respond to several quite different
  things; gradient ascent from one starting image finds one image.
- **Not what the network uses.** A pattern says what excites a filter, not
  whether the network relies on that filter for a decision. Testing that
  takes an intervention: set the channel to zero (an ablation) and measure
  how much the class score changes. Grad-CAM, later in this part, answers a
  different question: where in one photo the evidence for a class lies."""
)

# %% [markdown]
# ## Check yourself

# %% tags=["prose"]
Markdown(
    f"""1. What is one "filter" of `block3_sepconv1`, and is the activation we
   maximise taken before or after batch normalisation?
2. Is a tile of the 64-filter grid the image its filter responds to most?
3. The lecture's starting noise lies between 0.4 and 0.6. What range does
   Xception expect, and where did the optimised image end up?
4. How many weights does `block2_sepconv1` have, and how many would a regular
   3 × 3 convolution with the same channels need?

<details><summary>Answers</summary>
<ol>
<li>One output channel of its 1 × 1 pointwise convolution; the activation is
the layer's output, before <code>block3_sepconv1_bn</code>.</li>
<li>No, and not an optimum either: it is where {n_steps} fixed-size steps
from one noise start ended; at the last step the activation still rose for
{still_rising} of the {n_filters} filters.</li>
<li>Photos reach Xception in [−1, 1] (<code>preprocess_input</code>); filter 2's image
ended between {final.min():.2f} and {final.max():.2f}, with {outside:.0%} of
its values outside that range.</li>
<li>{depthwise:,} depthwise plus {pointwise:,} pointwise weights,
{depthwise + pointwise:,} in all (no bias); a regular convolution would need
{c_in * kh * kw * c_out:,}.</li>
</ol>
</details>"""
)

# %% [markdown]
# ## Summary

# %% tags=["prose"]
batch_line = (
    "filter 2 ended at exactly the image it reaches alone"
    if alone == 0
    else f"filter 2 ended within {alone:.1e} of the image it reaches alone"
)
Markdown(
    f"""- Gradient ascent on the input finds an image each filter responds to
  strongly: where {n_steps} fixed-size steps from one noise start end, not an
  optimum (the activation still rose at the last step for {still_rising} of
  {n_filters} filters), in an input range ({final.min():.2f} to
  {final.max():.2f}) wider than any photo's. The feature extractor truncated
  at the layer keeps it cheap.
- Batching many filters, each maximising its own channel with its own normalised
  gradient, takes one compiled step; {batch_line}.
- By eye, the first eight filters of `block2_sepconv1`, `block4_sepconv1` and
  `block8_sepconv1` (one start each) go from parallel stripes to a small
  repeated motif to larger, less regular motifs.
- On `{plain_layer}`, jitter, small rotations and scalings and a
  total-variation penalty, applied together, made the patterns
  {verdict(smoother, p_rough, "smoother", "rougher")}, with a gain
  {verdict(weaker, p_gain, "lower", "higher")}; one run with all three cannot
  credit the change to any one of them. Filters that never wake up, high
  frequencies and one image per filter are the method's limits.

To see what the trained cats-vs-dogs models make of a photo of your own,
layer by layer, open [the lab](../../lab/)."""
)
