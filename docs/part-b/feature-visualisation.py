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
# # What filters want
#
# The [lecture's recipe](../filters/) finds a filter's favourite pattern by
# plain gradient ascent on the pixels; its images put more of their energy
# in fine detail than photos do (measured below). Olah, Mordvintsev
# and Schubert's
# [Feature Visualization](https://distill.pub/2017/feature-visualization/)
# (Distill, 2017), with its library
# [Lucid](https://github.com/tensorflow/lucid), describe three changes that
# keep such images from filling up with high-frequency detail, and argue that
# the photos a channel responds to most complement any optimised image; the
# random shifts go back to Mordvintsev, Olah and Tyka's
# [Inceptionism](https://research.google/blog/inceptionism-going-deeper-into-neural-networks/)
# (2015). This page tries both on ImageNet Xception and measures the
# statistics of the result; whether a person recognises the patterns is not
# measured.
#
# You will learn:
#
# - the three changes, in a few cells of plain Keras with the gradient step
#   in TensorFlow, JAX or PyTorch: optimise the image's spectrum scaled by
#   1/frequency, in decorrelated colours, and make the pattern survive small
#   random shifts (plus a fourth difference from the lecture's recipe:
#   pixels bounded by a sigmoid);
# - whether the three backends reach the same image from the same start;
# - what the three changes give on the same channels of ImageNet Xception
#   as the lecture's recipe, for 64 and for 256 steps (with their measured
#   cost), from `block3` to `block13`, beside the photos of the data set
#   that excite each channel most;
# - how to measure the result instead of judging it: the activation of the
#   image *as displayed*, in units of the channel's spread over photos; the
#   share of its energy at high frequencies; and how often a channel's
#   strongest photos are almost all cats or almost all dogs;
# - what each ingredient contributes, and what still does not work.

# %% [markdown]
# The **Copy this** cells are plain Keras: they run as pasted, one after the
# other, in a fresh Python session (they read the ImageNet weights as the
# [filters page](../filters/) does). Two pieces depend on the Keras backend,
# the inverse Fourier transform and the gradient step; each comes in three
# tabs, TensorFlow, JAX and PyTorch, for a session started with
# `KERAS_BACKEND` set to that backend, and the cells around them run on all
# three. The other cells use this package.
#
# ## Three changes, in plain Keras
#
# 1. **Optimise the spectrum, not the pixels.** Plain gradient ascent changes
#    every pixel independently, and nothing stops it from piling up detail at
#    the highest frequencies, which photos hold little of but the network
#    readily reacts to (Olah et al., 2017). Instead, optimise the image's
#    Fourier coefficients, each scaled by 1/frequency. Photos have roughly
#    this 1/f amplitude spectrum (Field, 1987), so
#    random parameters already give an image with photo-like statistics, and
#    a step of a given size in the parameters changes coarse structure as
#    readily as fine detail: the parameterisation whitens the *image
#    statistics*.
# 2. **Decorrelate the colours.** In photos, red, green and blue move
#    together. Optimise three uncorrelated channels instead, mapped to RGB by
#    a fixed 3 × 3 matrix (the square root of ImageNet's colour correlation,
#    from Lucid).
# 3. **Demand robustness.** Shift the image by a few random pixels before
#    every step; patterns that survive the shift are favoured. (The package
#    also rescales and rotates it slightly, as Lucid does.) The optimisation
#    thus scores transformed copies of the image; what is displayed is the
#    image itself, untransformed.
#
# The first two change the variables the optimiser works in, without
# changing which images it can reach; Olah et al. (2017) call this
# preconditioning, and this page calls the whole the **preconditioned**
# recipe. A fourth difference from the lecture's recipe is not a change of
# variables: Lucid squashes the result to [0, 1] with a **sigmoid**, so every
# image the optimisation produces is a valid one, with no clipping or
# rescaling for display, whereas the lecture's pixels are unbounded. The
# study below never removes the sigmoid, so every comparison between the two
# recipes mixes the three changes with this bound on the pixels.
#
# Here is `block8_sepconv1`, filter 1, with Adam as the optimiser, as in the
# references. First the model, the 1/frequency scale of the spectrum and the
# colour matrix:

# %% tags=["copy"]
import os

import keras
import matplotlib.pyplot as plt
import numpy as np

weights = os.environ.get("MODERN_CONVNETS_XCEPTION_WEIGHTS", "imagenet")
model = keras.applications.xception.Xception(
    weights=weights, include_top=False
)
layer = model.get_layer("block8_sepconv1")
feature_extractor = keras.Model(model.inputs, layer.output)
feature_extractor.trainable = False  # only the image is optimised

size = 128
fy = np.fft.fftfreq(size)[:, None]
fx = np.fft.rfftfreq(size)[None, :]
frequency = np.sqrt(fx**2 + fy**2)
# 1/frequency (the constant term counts as the lowest frequency), × √(h·w)
scale = keras.ops.convert_to_tensor(
    size / np.maximum(frequency, 1 / size), "float32"
)
colors = np.array(
    [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]]
)
colors = keras.ops.convert_to_tensor(
    (colors / np.linalg.norm(colors, axis=0).max()).T, "float32"
)

# %% [markdown]
# The image is the inverse Fourier transform of the scaled spectrum.
# `keras.ops` has a one-dimensional inverse real FFT (`irfft`) but no
# two-dimensional one. It can be built from one-dimensional transforms (the
# package does, below), but each backend has it in one line, so for brevity
# each backend's own comes in a tab; the three take the real and imaginary
# parts of a half spectrum, `(…, size, size // 2 + 1)`, and return
# `(…, size, size)`:

# %% tags=["copy", "backend-tensorflow"]
import tensorflow as tf


def irfft2(real, imag):
    return tf.signal.irfft2d(tf.complex(real, imag))


# %% tags=["copy", "backend-jax", "skip-execution"]
import jax
import jax.numpy as jnp


def irfft2(real, imag):
    return jnp.fft.irfft2(real + 1j * imag)


# %% tags=["copy", "backend-torch", "skip-execution"]
import torch


def irfft2(real, imag):
    return torch.fft.irfft2(torch.complex(real, imag))


# %% [markdown]
# The rest of the image, the random shift, the start and the optimiser are
# the same on every backend. The start and the shifts come from NumPy's
# random generator (seed 0), so every backend starts from the same spectrum
# and shifts the image the same way at every step:


# %% tags=["copy"]
def to_rgb(spectrum):
    """Real and imaginary parts, (2, 3, size, size // 2 + 1) → RGB image."""
    image = irfft2(spectrum[0] * scale, spectrum[1] * scale)
    image = keras.ops.transpose(image, (1, 2, 0)) / 4.0
    return keras.ops.sigmoid(keras.ops.tensordot(image, colors, 1))


def jitter(image, offset):
    """Pad with grey, then crop back at `offset` (dy, dx, 0): a shift."""
    image = keras.ops.pad(
        image, [[8, 8], [8, 8], [0, 0]], constant_values=0.5
    )
    return keras.ops.slice(image, offset, (size, size, 3))


rng = np.random.default_rng(0)  # the same image every run
start = rng.normal(0, 0.01, (2, 3, size, size // 2 + 1)).astype("float32")
spectrum = keras.Variable(start, name="spectrum")
optimizer = keras.optimizers.Adam(learning_rate=0.05)
optimizer.build([spectrum])

# %% [markdown]
# The step scores the shifted image and moves the spectrum along the
# gradient, each backend its own way. TensorFlow records the computation on
# a `tf.GradientTape`, and `@tf.function` traces the step into a graph once:
# the shift comes in as a tensor, so a new shift does not trace it again.
# JAX differentiates a pure function (`jax.value_and_grad`): the model's
# weights go in through `stateless_call`, the optimiser's state through
# `stateless_apply`, and `jax.jit` compiles the step; the function around it
# writes the new values back. PyTorch records the computation on the
# spectrum's tensor, and `loss.backward()` leaves the gradient in its
# `.grad`. All three minimise minus the mean activation with the same Keras
# Adam:


# %% tags=["copy", "backend-tensorflow"]
@tf.function
def ascent_step(offset, filter_index):
    with tf.GradientTape() as tape:
        image = jitter(to_rgb(spectrum), offset)
        # Xception expects inputs in [-1, 1]
        activation = feature_extractor(image[None] * 2 - 1)
        loss = -tf.reduce_mean(activation[..., filter_index])
    gradient = tape.gradient(loss, spectrum)
    optimizer.apply([gradient], [spectrum])
    return -loss


# %% tags=["copy", "backend-jax", "skip-execution"]
trainable = [v.value for v in feature_extractor.trainable_variables]
non_trainable = [v.value for v in feature_extractor.non_trainable_variables]


def compute_loss(values, offset, filter_index):
    image = jitter(to_rgb(values), offset)
    # Xception expects inputs in [-1, 1]
    activation, _ = feature_extractor.stateless_call(
        trainable, non_trainable, image[None] * 2 - 1
    )
    return -jnp.mean(activation[..., filter_index])


@jax.jit
def update(values, adam, offset, filter_index):
    loss, gradient = jax.value_and_grad(compute_loss)(
        values, offset, filter_index
    )
    (values,), adam = optimizer.stateless_apply(adam, [gradient], [values])
    return values, adam, -loss


def ascent_step(offset, filter_index):
    adam = [v.value for v in optimizer.variables]
    values, adam, activation = update(
        spectrum.value, adam, offset, filter_index
    )
    spectrum.assign(values)
    for variable, value in zip(optimizer.variables, adam, strict=True):
        variable.assign(value)
    return activation


# %% tags=["copy", "backend-torch", "skip-execution"]
def ascent_step(offset, filter_index):
    image = jitter(to_rgb(spectrum), offset)
    # Xception expects inputs in [-1, 1]
    activation = feature_extractor(image[None] * 2 - 1)
    loss = -torch.mean(activation[..., filter_index])
    spectrum.value.grad = None  # backward() adds to what is there
    loss.backward()
    optimizer.apply([spectrum.value.grad], [spectrum])
    return -loss.detach()


# %% [markdown]
# The loop draws each step's shift, −8 to 8 pixels down and across, and is
# the same on every backend:

# %% tags=["copy"]
for _ in range(128):
    dy, dx = rng.integers(0, 17, size=2)
    offset = keras.ops.convert_to_tensor([dy, dx, 0], "int32")
    activation = ascent_step(offset, 1)
print(f"mean activation after 128 steps: {float(activation):.2f}")
plt.imshow(keras.ops.convert_to_numpy(to_rgb(spectrum)))
plt.title("block8_sepconv1, filter 1")
plt.axis("off")
plt.show()

# %% [markdown]
# Compare it with the lecture's image of the same channel, in the `block8`
# figure below: nothing in the loop knows what the channel responds to; the
# network does.
#
# ## The same, with this package
#
# `modern_convnets.preconditioned` implements the same parameterisation
# (`LucidImage`, from `modern_convnets.parameterizations`), the full set of
# Lucid's transformations (`Transforms`: pad, jitter, scale, rotate, jitter
# again, from `modern_convnets.transforms`) and the objectives (`Recipe`),
# and optimises a batch of channels with the package's one ascent loop
# (`modern_convnets.ascent`). Its inverse Fourier transform is built from
# the one-dimensional transforms of `keras.ops`
# (`modern_convnets.parameterizations.irfft2`), so one implementation serves
# every backend. On the same spectrum it computes this image:

# %%
from modern_convnets.preconditioned import Recipe

ours = Recipe().image().to_unit(keras.ops.convert_to_numpy(spectrum)[None])
listing = keras.ops.convert_to_numpy(to_rgb(spectrum))
gap = np.abs(keras.ops.convert_to_numpy(ours)[0] - listing).max()
print(f"largest difference from to_rgb: {gap:.1e} (pixel values in [0, 1])")

# %% tags=["prose"]
from IPython.display import Markdown

Markdown(
    f"""The largest difference, {gap:.1e} on a scale of 0 to 1, is {
        "below half a grey level (1/510): the same image once displayed"
        if gap < 1 / 510
        else "more than half a grey level: the two images differ visibly"
    }."""
)

# %% [markdown]
# ## The same listing on three backends
#
# The three versions of the listing compute the same ascent. To check, the
# page runs each in a fresh Python process with `KERAS_BACKEND` set (Keras
# picks its backend once per process): the copy cells of that backend, as a
# reader pastes them, read from this page's source, so the numbers below
# come from the listings shown. The three start from the same spectrum and
# shift the image the same way at every step, since NumPy draws both from
# seed 0. A few lines run before the loop wrap `ascent_step` to keep what
# the first step saw and did: the mean activation of the start, the
# spectrum and the image after it.

# %%
import jupytext
from modern_convnets.listings import backend_code, run_listing

page = jupytext.read(
    os.environ.get(
        "MODERN_CONVNETS_PAGE_SOURCE", "feature-visualisation.py"
    )
)
loop = next(
    i
    for i, cell in enumerate(page.cells)
    if "copy" in cell.metadata.get("tags", [])
    and "ascent_step(offset, 1)" in cell.source
)
before_loop = """
import time

listing_step = ascent_step


def ascent_step(offset, filter_index):
    activation = listing_step(offset, filter_index)
    if "after_1" not in outputs:
        outputs["activation_0"] = keras.ops.convert_to_numpy(activation)
        outputs["spectrum_1"] = keras.ops.convert_to_numpy(spectrum)
        outputs["after_1"] = keras.ops.convert_to_numpy(to_rgb(spectrum))
    return activation


started = time.perf_counter()
"""
after_loop = """
outputs["seconds"] = time.perf_counter() - started
outputs["after_128"] = to_rgb(spectrum)
outputs["activation"] = activation
"""
backend_runs = {
    backend: run_listing(
        backend_code(page.cells[:loop], backend)
        + before_loop
        + backend_code(page.cells[loop:], backend)
        + after_loop,
        backend,
        {},
    )
    for backend in ("tensorflow", "jax", "torch")
}
print(
    "mean activation   at the start   after 128 steps   "
    "(the loop's time on this machine, compiling included)"
)
for backend, run in backend_runs.items():
    print(
        f"{backend:<11} {run['activation_0']:20.7f} {run['activation']:17.4f}"
        f"   ({run['seconds']:.0f} s)"
    )

# %% [markdown]
# How far apart can rounding alone push the gradient? A check on
# TensorFlow, in this page's session: the gradient of the listing's
# objective (unshifted) at its start, and again after moving every value of
# the start to the neighbouring float32 number, up or down at random.


# %%
def objective_and_gradient(values):
    """Mean activation of filter 1 on the unshifted image; its gradient."""
    values = tf.constant(values)
    with tf.GradientTape() as tape:
        tape.watch(values)
        image = jitter(to_rgb(values), tf.constant([8, 8, 0]))
        activation = feature_extractor(image[None] * 2 - 1)
        objective = tf.reduce_mean(activation[..., 1])
    return float(objective), tape.gradient(objective, values).numpy()


signs = np.random.default_rng(1).choice([-1, 1], start.shape)
towards = (signs * np.inf).astype("float32")
neighbour = np.nextafter(start, towards)  # the next float32, up or down
objective_0, gradient_0 = objective_and_gradient(start)
objective_1, gradient_1 = objective_and_gradient(neighbour)
nudge_objective = abs(objective_1 - objective_0) / abs(objective_0)
nudge_gradient = np.median(np.abs(gradient_1 - gradient_0)) / np.median(
    np.abs(gradient_0)
)
nudge_flips = np.mean(gradient_0 * gradient_1 < 0)
repeatable = np.array_equal(objective_and_gradient(start)[1], gradient_0)
print(f"values moved: {np.mean(neighbour != start):.0%}")
print(f"the same start twice gives the same gradient: {repeatable}")
print(f"mean activation changed by {nudge_objective:.1e} of its size")
print(
    f"gradient changed by a median {nudge_gradient:.1e} of its median size; "
    f"{nudge_flips:.4%} of its values changed sign"
)

# %% tags=["prose"]
backend_names = {
    "tensorflow": "TensorFlow",
    "jax": "JAX",
    "torch": "PyTorch",
}
backend_pairs = [
    ("tensorflow", "jax"),
    ("tensorflow", "torch"),
    ("jax", "torch"),
]
backend_gaps = {
    (a, b): {
        key: np.abs(backend_runs[a][key] - backend_runs[b][key])
        for key in ("after_1", "after_128")
    }
    for a, b in backend_pairs
}
# Adam's first step of each spectrum coefficient, on each backend.
first_moves = {
    backend: run["spectrum_1"] - start
    for backend, run in backend_runs.items()
}
flipped = {
    (a, b): np.mean(first_moves[a] * first_moves[b] < 0)
    for a, b in backend_pairs
}
half_grey = 1 / 510
backend_measures = {
    "largest difference, 1 step": lambda g, _: f"{g['after_1'].max():.1e}",
    "median difference, 1 step": (
        lambda g, _: f"{np.median(g['after_1']):.1e}"
    ),
    "coefficients moved the other way, step 1": lambda _, f: f"{f:.2%}",
    "largest difference, 128 steps": (
        lambda g, _: f"{g['after_128'].max():.2f}"
    ),
    "median difference, 128 steps": (
        lambda g, _: f"{np.median(g['after_128']):.3f}"
    ),
    "off by more than half a grey level, 128 steps": (
        lambda g, _: f"{np.mean(g['after_128'] > half_grey):.0%}"
    ),
}
header = " | ".join(
    f"{backend_names[a]} and {backend_names[b]}" for a, b in backend_pairs
)
rows = "\n".join(
    f"| {measure} | "
    + " | ".join(
        cell(backend_gaps[pair], flipped[pair]) for pair in backend_pairs
    )
    + " |"
    for measure, cell in backend_measures.items()
)
largest_1 = max(g["after_1"].max() for g in backend_gaps.values())
largest_128 = max(g["after_128"].max() for g in backend_gaps.values())
median_128 = min(np.median(g["after_128"]) for g in backend_gaps.values())
starts = [float(run["activation_0"]) for run in backend_runs.values()]
start_gap = (max(starts) - min(starts)) / abs(np.mean(starts))
finals = [float(run["activation"]) for run in backend_runs.values()]
final_gap = (max(finals) - min(finals)) / np.mean(finals)
closest = min(backend_pairs, key=lambda pair: flipped[pair])
eps = np.finfo(np.float32).eps
learning_rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
step_share = np.median(np.abs(first_moves["tensorflow"])) / learning_rate
first_step = (
    f"After one step the images differ by at most {largest_1:.1e}, "
    + (
        "less than half a grey level: the same image once displayed."
        if largest_1 < half_grey
        else f"{largest_1 * 255:.1f} grey levels: close, but more than "
        "float32 rounding of the image itself."
    )
)
later = (
    "the same image once displayed"
    if largest_128 < half_grey
    else "the same image with some pixels a grey level or more apart"
    if median_128 < half_grey
    else "three different images"
)
Markdown(
    f"""| | {header} |
|---|---|---|---|
{rows}

*Differences between the pixel values (0 to 1) that the backends' listings
reach from the same start with the same shifts, and the share of spectrum
coefficients that the first step moved up on one backend and down on the
other.*

{first_step} The forward passes agree {
        "to float32 rounding" if start_gap < 1e-5 else "less closely"
    }: the three mean
activations of the start differ by {start_gap:.1e} of their size. Float32
keeps 24 significant bits, its addition is not associative, and each
backend sums in its own order with its own FFT and convolution kernels.
{
        "The gradients differ by more: enough to send some coefficients "
        "different ways (the third row of the table)."
        if max(flipped.values()) > 0
        else "The gradients agree closely enough that no coefficient's first "
        "step went different ways."
    } Up to
`block8` the network is linear between
its comparisons (convolutions, batch normalisation with fixed statistics,
sums), and its ReLUs and max poolings route the gradient by comparisons:
is a value above zero, which value of a window is the largest. Where
rounding flips a comparison, the gradient takes another path. The check
above shows how much that weighs on TensorFlow alone: moving every value of
the start to its neighbouring float32 number {
        "leaves the mean activation exactly as it was"
        if nudge_objective == 0
        else f"changes the mean activation by {nudge_objective:.1e} of its size"
    } but changes the gradient by a median
{nudge_gradient:.1e} of its median size, and turns the sign of
{nudge_flips:.4%} of its values. Were no comparison flipped, the gradient
would change only through the sigmoid's slope and the rounding in the
Fourier transform, by a small multiple of float32's relative precision,
{eps:.1e}. {
        "Computed twice from the same start, the gradient comes out identical: "
        "the change is the nudge's doing, not the machine's."
        if repeatable
        else "Computed twice from the same start, the gradient is not identical "
        "either: TensorFlow's kernels are not deterministic here, so this check "
        "mixes the nudge with that."
    }

Adam then divides each coefficient's step by the size of its own gradient:
the first step moved the median coefficient by {step_share:.0%} of the
learning rate, and moves every coefficient by almost the whole learning
rate whatever the size of its gradient, unless the gradient is as small as
{optimizer.epsilon / np.sqrt(1 - optimizer.beta_2):.0e} (Adam's ε divided
by √(1 − β₂), on the first step) or smaller. Small differences in a
gradient's size thus hardly change the step, but a difference in its sign
does: a coefficient whose gradient is near zero can have it positive on one
backend and negative on another, and then moves up on one and down on the
other. The table counts them ({backend_names[closest[0]]} and
{backend_names[closest[1]]} agree most). Each step starts from the last
one's result, so the differences grow: after 128 steps they are up to
{largest_128:.2f} on a scale of 0 to 1: {later}. The mean activations after
128 steps ({
        ", ".join(
            f"{backend_names[b]} {a:.2f}"
            for b, a in zip(backend_runs, finals, strict=True)
        )
    }) are {final_gap:.1%} apart{
        ": about the same height, reached along paths that rounding has "
        "pulled apart"
        if final_gap < 0.05
        else ": rounding changed how far the ascent climbed, not only where "
        "it went"
    }."""
)

# %% [markdown]
# ## The study
#
# Comparing recipes fairly takes many runs: the same channels, the same
# seeds, several layers, up to 256 steps each. That is too long for a page
# build, so the study runs on its own (`nox -s feature-study`, see
# `modern_convnets.feature_study`) and ships its images with a manifest of
# settings, seeds, library versions and wall times.

# %%
import html

from IPython.display import HTML
from modern_convnets import feature_study
from modern_convnets.pretrained import xception_base

study = feature_study.load()
hardware = study.manifest["hardware"]
scan = study.manifest["dataset_examples"]
provenance = (
    f"Keras {hardware['keras']}, {hardware['backend']} "
    f"{hardware['backend_version']}, {hardware['cpu_count']} CPU cores: "
    f"{study.manifest['wall_seconds'] / 60:.0f} minutes in all\n"
    f"dataset examples: top {scan['top']} of {scan['photos']} photos "
    f"per channel, {scan['wall_seconds'] / 60:.0f} minutes"
)


def folded(summary, text):
    """Bookkeeping for the curious, folded out of the reading path."""
    return HTML(
        f"<details class='mc-collapse'><summary>{html.escape(summary)}</summary>"
        f"<pre>{html.escape(text)}</pre></details>"
    )


folded("How the study was run", provenance)

# %% tags=["prose"]
first = list(feature_study.CHANNELS) == list(
    range(len(feature_study.CHANNELS))
)
Markdown(
    f"""The channels are {
        f"the first {len(feature_study.CHANNELS)} of each layer"
        if first
        else f"channels {feature_study.CHANNELS} of each layer"
    }, not chosen for looks."""
)

# %% [markdown]
# What does each recipe cost? Two measures, both per run of four channels:
# the study's **wall time**, and the **pixel-steps**, the number of input
# pixels the network processes per image and step, times the steps. The
# preconditioned recipe's random transformations pad its 128 px image, so
# the network sees a larger one.

# %%
from modern_convnets.preconditioned import Transforms


def seen_side(settings):
    """Side of the image the network sees at each step of a run."""
    if settings["recipe"] == "lecture" or settings["transforms"] is None:
        return settings["image_size"]
    t = settings["transforms"]
    transforms = Transforms(
        pad=t["pad"],
        jitter=t["jitter"],
        scales=tuple(t["scales"]),
        rotations=tuple(t["rotations"]),
        final_jitter=t["final_jitter"],
    )
    return transforms.compose().output_size(settings["image_size"])


def cost(layer, name):
    """(wall seconds, pixel-steps) of one run."""
    record = study.run(layer, name)
    settings = record["settings"]
    side = seen_side(settings)
    return record["wall_seconds"], settings["steps"] * side * side


rows = [
    "layer             run              wall s  pixel-steps  (× lecture)"
]
for layer in feature_study.LAYERS:
    lecture_s, lecture_px = cost(layer, "lecture")
    for name in ("lecture", "equal-compute", "long"):
        seconds, pixels = cost(layer, name)
        rows.append(
            f"{layer:17} {name:15} {seconds:7.1f} {pixels / 1e6:9.2f} M"
            f"   {seconds / lecture_s:.2f}, {pixels / lecture_px:.2f}"
        )
folded("The cost of every run: wall time and pixel-steps", "\n".join(rows))

# %% tags=["prose"]
time_ratio = np.array(
    [
        cost(layer, "equal-compute")[0] / cost(layer, "lecture")[0]
        for layer in feature_study.LAYERS
    ]
)
pixel_ratio = (
    cost("block8_sepconv1", "equal-compute")[1]
    / cost("block8_sepconv1", "lecture")[1]
)
long_ratio = (
    cost("block8_sepconv1", "long")[1]
    / cost("block8_sepconv1", "lecture")[1]
)
side = seen_side(study.run("block8_sepconv1", "long")["settings"])
short_settings = study.run("block8_sepconv1", "equal-compute")["settings"]
lecture_settings = study.run("block8_sepconv1", "lecture")["settings"]
Markdown(
    f"""The preconditioned recipe's {short_settings["steps"]} steps at {
        short_settings["image_size"]
    } px (seen at {side} px)
cost {pixel_ratio:.2f} times the lecture's pixel-steps ({
        lecture_settings["steps"]
    } steps at {lecture_settings["image_size"]} px),
and its 256 steps {long_ratio:.2f} times. In wall time the 64-step run took
{time_ratio.min():.2f} to {time_ratio.max():.2f} times as long as the
lecture's run of the same layer (one timed run each; each step also computes
an inverse Fourier transform, the random transformations and Adam's update).
So 64 steps take {abs(pixel_ratio - 1):.0%} {
        "more" if pixel_ratio > 1 else "fewer"
    } pixel-steps than the lecture's run."""
)

# %% [markdown]
# A collapsed cell recomputes one run of the study on this machine and stops
# the build if the shipped images are stale.

# %% tags=["collapse"]
# Recompute block3_sepconv1, 64 steps, four channels, and compare it with
# the shipped run and, for scale, with the shipped 256-step run of the same
# channels: what a changed recipe would look like. On the machine that ran
# the study the images are bit-identical; on a CPU with other vector
# instructions, rounding in the last bits grows over 64 steps into a few
# grey levels. A changed recipe differs by tens: the build fails above 15.
from modern_convnets.preconditioned import visualize

base = xception_base()
again = visualize(
    base,
    "block3_sepconv1",
    feature_study.CHANNELS,
    recipe=Recipe(steps=64),
    seed=feature_study.SEED,
)


def compare(images, reference):
    """Per channel: mean absolute difference (grey levels), correlation."""
    return [
        (
            np.abs(a.astype(float) - b).mean(),
            np.corrcoef(a.ravel(), b.ravel())[0, 1],
        )
        for a, b in zip(images, reference.astype(float), strict=True)
    ]


same = compare(
    again.images, study.images("block3_sepconv1", "equal-compute")
)
longer = compare(again.images, study.images("block3_sepconv1", "long"))
print("channel  vs shipped: difference, correlation   vs 256 steps")
for channel, (d, c), (d_long, c_long) in zip(
    feature_study.CHANNELS, same, longer, strict=True
):
    print(f"{channel:>7} {d:16.1f} {c:12.2f} {d_long:14.1f} {c_long:6.2f}")
assert max(d for d, _ in same) < 15, "the shipped study is stale: rerun it"

# %% [markdown]
# ## Measured, not judged
#
# Three numbers describe each image.
#
# - The **displayed activation** is the channel's mean activation on the
#   image exactly as shown: rounded to grey levels, mapped back to the
#   model's input range, no transformation. A raw activation has no common
#   scale across channels and layers, so it is reported in units of the
#   channel's spread over photos *of the same size as the image*:
#   (activation − its mean over photos) / its standard deviation over
#   photos. 0 is a typical photo; 3 is three standard deviations above one.
#   The size matters because the activation is a mean over the positions of
#   a feature map, and a smaller input gives fewer, less averaged positions.
# - The **high-frequency share** is the fraction of the energy of the
#   image's grey levels above half the Nyquist frequency
#   (`high_frequency_share`). The Nyquist frequency, half a cycle per pixel,
#   is the highest a grid of pixels can hold: a pattern that alternates at
#   every pixel. The share counts what lies above a quarter of a cycle per
#   pixel. It is measured on the grey image (the mean of red, green and
#   blue), so detail that lies only in colour does not count.
# - The **contrast** is the standard deviation of the grey levels.

# %%
from modern_convnets.data import find_dataset
from modern_convnets.dataset_examples import photo
from modern_convnets.filters import BORDER
from modern_convnets.graph import tap_model
from modern_convnets.photos import read_photo
from modern_convnets.preconditioned import (
    displayed_activation,
    high_frequency_share,
)

STRIDE = 30  # every 30th photo of the data set: 100 photos
root = find_dataset()
channels = list(feature_study.CHANNELS)
photos = feature_study.study_photos(root)[::STRIDE]
tapped = tap_model(base, feature_study.LAYERS, include_output=False)
# The size the dataset examples were scored at, and the lecture's image size.
photo_size = scan["image_size"]
lecture_size = lecture_settings["image_size"]


def mean_activations(images, border=0):
    """Each layer's channel means, (n, channels), for photos in [0, 255].

    `border` feature-map positions on each side are left out, as the
    lecture's objective leaves them out.
    """
    means = {layer: [] for layer in feature_study.LAYERS}
    for start in range(0, len(images), 10):  # 10 at a time: bounded memory
        batch = np.asarray(images[start : start + 10]) / 127.5 - 1
        outputs = tapped(batch.astype("float32"), training=False)
        for layer, output in zip(
            feature_study.LAYERS, outputs, strict=True
        ):
            output = np.asarray(output)
            if border:
                output = output[:, border:-border, border:-border]
            means[layer].append(output.mean(axis=(1, 2)))
    return {layer: np.concatenate(m) for layer, m in means.items()}


# Every size an image is scored at: the optimised images as displayed, and
# the photos of the dataset examples.
scored_sizes = sorted(
    {
        study.images("block8_sepconv1", name).shape[1]
        for name in ("lecture", "long")
    }
    | {photo_size}
)
photo_means = {
    size: mean_activations([photo(p, size) for p in photos])
    for size in scored_sizes
}
spread = {
    (layer, size): (m[:, channels].mean(axis=0), m[:, channels].std(axis=0))
    for size, by_layer in photo_means.items()
    for layer, m in by_layer.items()
}
print(f"{len(photos)} photos; standard deviation of channels {channels}:")
for layer in feature_study.LAYERS:
    print(
        f"{layer:>16}: "
        + ", ".join(
            f"{size} px {spread[layer, size][1].min():.2f}"
            f"–{spread[layer, size][1].max():.2f}"
            for size in scored_sizes
        )
    )


def normalised_activation(layer, images):
    """Displayed activation of channel i on image i, in photo spreads.

    The spread is that of photos resized to the images' own size.
    """
    mean, std = spread[layer, np.shape(images)[1]]
    return (
        displayed_activation(base, layer, channels, images) - mean
    ) / std


def contrast(images):
    """Standard deviation of each image's grey levels."""
    return np.asarray(images, "float64").mean(axis=-1).std(axis=(1, 2))


small_size = study.images("block8_sepconv1", "long").shape[1]
small = np.stack([photo(p, small_size) for p in photos])
real = high_frequency_share(small)
# The same photos downsized with antialiasing, for comparison.
smooth = np.stack(
    [
        tf.image.resize(
            read_photo(p), (small_size, small_size), antialias=True
        ).numpy()
        for p in photos
    ]
)
real_smooth = high_frequency_share(smooth)
noise = np.random.default_rng(0).integers(
    0, 256, (len(photos), small_size, small_size, 3)
)
white = high_frequency_share(noise)
print(
    f"{len(photos)} photos at {small_size} px: high-frequency share mean "
    f"{real.mean():.3f}, max {real.max():.3f} (antialiased resize: "
    f"{real_smooth.mean():.3f}); contrast mean "
    f"{contrast(small).mean():.0f} grey levels\n"
    f"white noise at {small_size} px: high-frequency share {white.mean():.3f}"
)

RECIPES = [
    ("lecture", "lecture"),
    ("equal-compute", "64 steps"),
    ("long", "256 steps"),
]
measures = {}
for layer in feature_study.LAYERS:
    for name, _ in RECIPES:
        images = study.images(layer, name)
        measures[layer, name] = {
            "activation": normalised_activation(layer, images),
            "share": high_frequency_share(images),
            "contrast": contrast(images),
        }

# %% tags=["prose"]
big, little = max(scored_sizes), min(scored_sizes)
deep = "block8_sepconv1"
n_all = f"{scan['photos']:,}"
Markdown(
    f"""The photos are every {STRIDE}th of the data set ({len(photos)} of {
        n_all
    }), resized to each size an image is scored at: {
        ", ".join(f"{size} px" for size in scored_sizes)
    }. Their spread depends
on the size: at `block8` the four channels' standard deviation over photos is
{spread[deep, big][1].min():.2f} to {spread[deep, big][1].max():.2f} at {
        big
    } px
but {spread[deep, little][1].min():.2f} to {
        spread[deep, little][1].max():.2f}
at {little} px, so each optimised image is scored against photos of its own
size. For scale on the high-frequency share: white noise puts {
        white.mean():.2f} of its energy above half the Nyquist frequency,
photos at {small_size} px {real.mean():.3f}. The photos are downsized
bilinearly without antialiasing, as the training pipeline resizes them; with
antialiasing their share is {real_smooth.mean():.3f}."""
)

# %% tags=["collapse"]
rows = [
    "| Recipe | "
    + " | ".join(f"`{n.split('_')[0]}`" for n in feature_study.LAYERS)
    + " |",
    "|---|" + "---:|" * len(feature_study.LAYERS),
]
for name, title in RECIPES:
    cells = [
        " · ".join(
            f"{measures[layer, name][key].mean():.2f}"
            for key in ("activation", "share")
        )
        + f" · {measures[layer, name]['contrast'].mean():.0f}"
        for layer in feature_study.LAYERS
    ]
    rows.append(f"| {title} | " + " | ".join(cells) + " |")
Markdown(
    f"Mean over the {len(channels)} channels: displayed activation (photo "
    "spreads) · high-frequency share · contrast (grey levels). The lecture's "
    "contrast is set by its display, which standardises each image to a "
    "fixed spread of grey levels before clipping, so only the preconditioned "
    "runs' contrasts compare like with like. The centre-neuron images shown "
    "below are not measured.\n\n" + "\n".join(rows)
)

# %% [markdown]
# ## Side by side

# %% tags=["prose"]
long_settings = study.run("block8_sepconv1", "long")["settings"]
Markdown(
    f"""For each layer, {len(channels)} channels (rows) and, left to right:
the lecture's recipe ({lecture_settings["steps"]} steps at {
        lecture_settings["image_size"]
    } px, as the lecture wrote it); the
preconditioned recipe for {short_settings["steps"]} and for {
        long_settings["steps"]
    } steps at {long_settings["image_size"]} px; for
the deep layers, the same with the *centre-neuron* objective, which maximises
the channel at the central position only instead of its mean over all
positions; and the three photos of the data set (all {
        scan["photos"]:,}, cats
and dogs, resized to {photo_size} px) with the highest mean activation.

Which part of a photo drives the channel? The *theoretical* receptive field
of a position, every input pixel that can affect it, follows from the
architecture:"""
)

# %%
from modern_convnets.receptive_field import receptive_field

fields = {
    layer: receptive_field(base, layer, photo_size)
    for layer in feature_study.LAYERS
}
for layer, field in fields.items():
    print(
        f"{layer}: {field.size} × {field.size} pixels, "
        f"positions {field.jump} pixels apart"
    )

# %% [markdown]
# Where on a photo does a channel fire? The values studied here are those of
# the separable convolution, before the layer's batch normalisation; the next
# layer receives them after that normalisation and a ReLU. So a channel
# passes a signal on where γ (x − μ) / √(σ² + ε) + β > 0: for γ > 0, where its
# value x exceeds the threshold μ − β √(σ² + ε) / γ, set by the normalisation's
# learned scale γ and offset β and its moving mean μ and variance σ². The
# threshold is not 0:

# %%
norms = {}
for layer in feature_study.LAYERS:
    bn = base.get_layer(f"{layer}_bn")
    after = base.get_layer(f"{layer.split('_')[0]}_sepconv2_act")
    assert bn.input is base.get_layer(layer).output, layer
    assert after.input is bn.output, layer
    assert after.get_config()["activation"] == "relu", layer
    gamma, beta, mu, variance = (
        np.asarray(w)
        for w in (bn.gamma, bn.beta, bn.moving_mean, bn.moving_variance)
    )
    scale = gamma / np.sqrt(variance + bn.epsilon)
    norms[layer] = (scale, beta - mu * scale)
    threshold = mu - beta / scale
    print(
        f"{layer:>16}: "
        + ", ".join(
            f"ch {c} fires {'above' if scale[c] > 0 else 'below'} "
            f"{threshold[c]:.2f}"
            for c in channels
        )
    )

# %% tags=["prose"]
wider = [
    layer for layer, field in fields.items() if field.size >= photo_size
]
Markdown(
    f"""{
        "In "
        + " and ".join(f"`{layer.split('_')[0]}`" for layer in wider)
        + f" the theoretical field is already wider than the {photo_size} px "
        "photo"
        if wider
        else f"No layer's theoretical field covers the {photo_size} px photo"
    }. Luo et al. (2016, "Understanding the Effective Receptive Field in Deep
Convolutional Neural Networks") found that in the networks they studied the
*effective* receptive field, the pixels whose change measurably moves the
position, is roughly Gaussian and much smaller than the theoretical one, and
that skip connections and training change its size; this page does not
measure it for Xception. {
        "There, a crop to the theoretical field would show the whole photo. "
        if wider
        else ""
    }So at every layer the photos are shown whole, each pixel
dimmed where the channel does not fire: its map after the batch normalisation
and the ReLU (zero below the threshold above), divided by its maximum and
resized to the photo, gives each pixel a brightness of a quarter plus three
quarters of the map's square root."""
)

# %% tags=["collapse"]
import tensorflow as tf
from modern_convnets.grids import image_grid

top_paths = {
    (layer, channel): [
        root / e["path"] for e in study.examples(layer, channel)[:3]
    ]
    for layer in feature_study.LAYERS
    for channel in channels
}
unique = sorted({p for paths in top_paths.values() for p in paths})
example_photos = np.stack([photo(p, 299) for p in unique])
example_maps = []
for start in range(0, len(unique), 10):
    batch = example_photos[start : start + 10] / 127.5 - 1
    example_maps.append(
        [
            np.asarray(o)
            for o in tapped(batch.astype("float32"), training=False)
        ]
    )
example_maps = {
    layer: np.concatenate([m[i] for m in example_maps])
    for i, layer in enumerate(feature_study.LAYERS)
}


def activation_map(layer, channel, path):
    """The channel's map on a photo after its batch normalisation and ReLU,
    scaled to [0, 1]."""
    scale, offset = norms[layer]
    amap = np.maximum(
        example_maps[layer][unique.index(path), :, :, channel]
        * scale[channel]
        + offset[channel],
        0,
    )
    return amap / max(amap.max(), 1e-8)


def overlay(layer, channel, path):
    amap = activation_map(layer, channel, path)
    # The square root keeps weak but non-zero activation visible.
    light = np.sqrt(tf.image.resize(amap[..., None], (299, 299)).numpy())
    return (
        example_photos[unique.index(path)] * (0.25 + 0.75 * light)
    ).astype("uint8")


def side_by_side(layer, runs):
    images, titles = [], []
    for row, channel in enumerate(channels):
        for name, title in runs:
            images.append(study.images(layer, name)[row])
            titles.append(f"{title} · {channel}")
        for i, path in enumerate(top_paths[layer, channel]):
            images.append(overlay(layer, channel, path))
            titles.append(f"photo {i + 1} · {channel}")
    return image_grid(
        images,
        ncols=len(runs) + 3,
        titles=titles,
        cell_size=1.3,
        caption=f"{layer}: each recipe's image for channels 0 to 3, and the "
        "three photos that excite each channel most, dimmed where its output "
        "after batch normalisation and ReLU is low",
    )


# Where a channel fires on its strongest photos: the share of positions at
# or above half the maximum of its map after batch normalisation and ReLU.
firing = {
    layer: np.mean(
        [
            (activation_map(layer, c, p) >= 0.5).mean()
            for c in channels
            for p in top_paths[layer, c]
        ]
    )
    for layer in feature_study.LAYERS
}
for layer, share in firing.items():
    print(f"{layer}: {share:.0%} of positions at ≥ half the peak")


def layer_prose(layer):
    """The recipes' high-frequency share and contrast at one layer, in words."""
    lecture, short, long = (
        measures[layer, n] for n in ("lecture", "equal-compute", "long")
    )
    lower = int((short["share"] < lecture["share"]).sum())
    up = int((long["share"] > short["share"]).sum())
    brighter = int((long["contrast"] > short["contrast"]).sum())
    return (
        f"In `{layer.split('_')[0]}` the lecture's images put "
        f"{lecture['share'].mean():.2f} of their energy above half the "
        f"Nyquist frequency, the preconditioned recipe's "
        f"{short['share'].mean():.2f} after 64 steps (lower in {lower} of 4 "
        f"channels) and {long['share'].mean():.2f} after 256; photos, "
        f"{real.mean():.3f}. Running "
        f"{long_settings['steps'] / short_settings['steps']:.0f} times as "
        "many steps "
        + (
            f"raises the share in {up} of 4 channels"
            if up >= 2
            else f"lowers the share in {4 - up} of 4 channels"
        )
        + f" and the contrast in {brighter} of 4, from "
        f"{short['contrast'].mean():.0f} to {long['contrast'].mean():.0f} grey "
        "levels. On their three strongest photos the "
        f"{len(channels)} channels' maps after batch normalisation and ReLU "
        f"reach half their peak or more at {firing[layer]:.0%} of the "
        "positions (mean)."
    )


NEURON = [("neuron", "neuron")]
side_by_side("block3_sepconv1", RECIPES)

# %% tags=["prose"]
Markdown(layer_prose("block3_sepconv1"))

# %% tags=["home"]
side_by_side("block8_sepconv1", RECIPES + NEURON)

# %% tags=["prose"]
gaps = {
    layer: (
        measures[layer, "lecture"]["share"]
        - measures[layer, "equal-compute"]["share"]
    ).mean()
    for layer in feature_study.LAYERS
}
widest = max(gaps, key=gaps.get)
spread_of_gaps = max(gaps.values()) - min(gaps.values())
Markdown(
    layer_prose("block8_sepconv1")
    + f""" The lecture's share exceeds the 64-step run's by {
        gaps["block8_sepconv1"]:.2f} here, against {
        gaps["block3_sepconv1"]:.2f} in `block3` and {
        gaps["block13_sepconv1"]:.2f} in `block13`: {
        "about the same gap at all three layers (within 0.05)"
        if spread_of_gaps < 0.05
        else f"widest in `{widest.split('_')[0]}`"
    }."""
)

# %% [markdown]
# The centre-neuron objective asks for one instance of the pattern, in the
# middle of the image, instead of a texture of them.

# %%
side_by_side("block13_sepconv1", RECIPES + NEURON)

# %% tags=["prose"]
Markdown(layer_prose("block13_sepconv1"))

# %% [markdown]
# ## What was optimised, and what is shown
#
# The lecture's recipe puts no bound on the pixel values it optimises, and
# then *standardises* the image for display. The last objective of each run is
# its score on the final image as optimised; the displayed activation scores
# what a reader sees (here in raw units, since both sides are one channel's).
# Raw 0 is no baseline (a channel's mean over photos is far from 0), so each
# side is measured from the mean of photos of its own size, scored the same
# way: the optimised image against photos at the optimised size with the
# objective's border left out, the displayed one against photos at the
# displayed size.

# %%
from modern_convnets.parameterizations import DISPLAY_CROP

optimised_baseline = mean_activations(
    [photo(p, lecture_size) for p in photos], border=BORDER
)
displayed_size = study.images("block8_sepconv1", "lecture").shape[1]
kept = {}
for layer in feature_study.LAYERS:
    optimised = study.objectives(layer, "lecture")[:, -1]
    shown = displayed_activation(
        base, layer, channels, study.images(layer, "lecture")
    )
    base_optimised = optimised_baseline[layer][:, channels].mean(axis=0)
    base_shown = spread[layer, displayed_size][0]
    kept[layer] = np.median(
        (shown - base_shown) / (optimised - base_optimised)
    )
    print(
        f"{layer:>16}: optimised {optimised.mean():5.2f} (photos "
        f"{base_optimised.mean():5.2f}), displayed {shown.mean():5.2f} (photos "
        f"{base_shown.mean():5.2f}); median kept above photos {kept[layer]:.0%}"
    )
layer = feature_study.INGREDIENT_LAYER
final = study.objectives(layer, "long")[:, -1]
final_shown = displayed_activation(
    base, layer, channels, study.images(layer, "long")
)
print(
    f"preconditioned, {layer}, 256 steps: final image {final.mean():5.2f}, "
    f"displayed {final_shown.mean():4.2f}"
)

# %% tags=["prose"]
rounding = np.abs(final_shown - final).max()
Markdown(
    f"""Measured from the photos' mean, the lecture's image as displayed keeps
a median of {min(kept.values()):.0%} to {max(kept.values()):.0%} of the
activation it optimised, depending on the layer. Three of the lecture's
choices act together here, and this comparison does not separate them: the
display standardises the image, it crops {
        DISPLAY_CROP
    } pixels from each side
({lecture_size} → {displayed_size} px), and the optimised score leaves out a
{BORDER}-position border of the feature map. The preconditioned image needs
no rescaling: its displayed activation differs from its final image's by at
most {rounding:.3f} (raw units, against a mean of {final.mean():.2f} on the
final image at `block8`){
        ", the effect of rounding to grey levels"
        if rounding < 0.05 * abs(final.mean())
        else ", more than rounding to grey levels explains"
    }."""
)

# %% [markdown]
# ## Cats or dogs?
#
# The dataset examples say something the optimised images cannot: whether a
# channel's strongest photos are *class-correlated*.

# %%
import itertools
from math import comb

dogs_among_top = scan["dogs_among_top"]
top = scan["top"]
all_photos = feature_study.study_photos(root)
dog_fraction = np.mean([p.parent.name == "dogs" for p in all_photos])
print(f"dogs among the {len(all_photos)} photos: {dog_fraction:.1%}")
chance = 2 * sum(comb(top, k) for k in range(3)) / 2**top
print(f"chance of ≥ {top - 2} of {top} from one class: {chance:.2%}")

one_class = {}
for layer in feature_study.LAYERS:
    dogs = np.array(dogs_among_top[layer])
    picks = np.maximum(dogs, top - dogs) >= top - 2
    one_class[layer] = (picks, dogs)
    print(
        f"{layer}: {picks.mean():5.1%} of {len(dogs)} channels "
        f"(all dogs: {(dogs == top).sum()}, all cats: {(dogs == 0).sum()})"
    )

# %% tags=["prose"]
Markdown(
    f"""The study kept the {top} strongest photos of *every* channel of
the three layers. If a channel's activation were unrelated to the class, its
{top} photos would split like coin flips (the data set is {dog_fraction:.0%}
dogs), and {top - 2} or more from one class would happen to {chance:.2%} of
channels. The channels are not independent coin flips, though: they share
their inputs, and their lists of strongest photos overlap. So the shares
below are descriptive, with no test of significance."""
)

# %% tags=["collapse"]
from matplotlib.figure import Figure

fig = Figure(figsize=(9, 2.8), layout="constrained")
axes = fig.subplots(1, 3, sharey=True)
counts = np.arange(top + 1)
expected = np.array([comb(top, k) for k in counts]) / 2**top
for ax, layer in zip(axes, feature_study.LAYERS, strict=True):
    dogs = np.array(dogs_among_top[layer])
    share = np.bincount(dogs, minlength=top + 1) / len(dogs)
    ax.bar(counts, share, color="C0", label="channels")
    ax.plot(counts, expected, "k.--", lw=1, label="coin flips")
    ax.set_title(layer, fontsize=10)
    ax.set_xlabel(f"dogs among the top {top}")
axes[0].set_ylabel("share of channels")
axes[0].legend(fontsize=8)
fig.set_label(
    "How many of each channel's 16 strongest photos are dogs, per layer, "
    "against coin flips"
)
fig

# %% [markdown]
# Class-correlated is not class-selective: in this data set the class may
# come with its backgrounds. A control: how much of each photo is green (pixels
# whose green exceeds both red and blue by 10 grey levels or more, grass and
# foliage), in dog photos and in cat photos of the sample, with a
# permutation test of the difference. And do the channels whose strongest
# photos are dogs respond to green? Within each class, so that the class
# itself cannot explain it, the correlation of a channel's mean activation
# (at the size its strongest photos were chosen at) with the photo's green
# share, averaged over the two classes, against the same for the layer's
# other channels.

# %%
labels = np.array([p.parent.name == "dogs" for p in photos])
green = np.array(
    [
        np.mean((x[..., 1] > x[..., 0] + 10) & (x[..., 1] > x[..., 2] + 10))
        for x in small
    ]
)
observed = green[labels].mean() - green[~labels].mean()
rng_perm = np.random.default_rng(0)
null = np.array(
    [
        green[perm].mean() - green[~perm].mean()
        for perm in (rng_perm.permutation(labels) for _ in range(10_000))
    ]
)
green_p = (np.sum(np.abs(null) >= abs(observed)) + 1) / (len(null) + 1)
print(
    f"green pixels: dogs {green[labels].mean():.1%}, cats "
    f"{green[~labels].mean():.1%} ({labels.sum()} and {(~labels).sum()} "
    f"photos); permutation p = {green_p:.4f}"
)


def within_class_correlation(activations):
    """Each channel's correlation with the green share, within each class,
    averaged over the two classes."""
    rs = []
    for mask in (labels, ~labels):
        a = activations[mask] - activations[mask].mean(axis=0)
        g = green[mask] - green[mask].mean()
        norm = np.sqrt((a * a).sum(axis=0) * (g * g).sum())
        rs.append(
            (a * g[:, None]).sum(axis=0) / np.where(norm > 0, norm, np.nan)
        )
    return np.mean(rs, axis=0)


# A difference in median r that counts as tracking green more.
GREEN_MARGIN = 0.1
print(f"margin: {GREEN_MARGIN}")
green_r = {}
for layer in feature_study.LAYERS:
    r = within_class_correlation(photo_means[photo_size][layer])
    dogs = np.array(dogs_among_top[layer])
    dog_channels = dogs >= top - 2
    green_r[layer] = (
        np.nanmedian(r[dog_channels]),
        np.nanmedian(r[~dog_channels]),
        int(dog_channels.sum()),
    )
    print(
        f"{layer:>16}: median within-class r with green, "
        f"{dog_channels.sum()} dog channels {green_r[layer][0]:+.2f}, "
        f"other channels {green_r[layer][1]:+.2f}"
    )

# %% tags=["prose"]
shares = [one_class[layer][0].mean() for layer in feature_study.LAYERS]
rising = all(a < b for a, b in itertools.pairwise(shares))
picks = np.concatenate(
    [one_class[layer][0] for layer in feature_study.LAYERS]
)
dogs = np.concatenate(
    [one_class[layer][1] for layer in feature_study.LAYERS]
)
dog_share = (dogs[picks] >= top - 2).mean() if picks.any() else 0.0
greener = [
    layer.split("_")[0]
    for layer, (dog_r, other_r, _) in green_r.items()
    if dog_r - other_r >= GREEN_MARGIN
]
Markdown(
    f"""{
        ", ".join(f"{s:.1%}" for s in shares)
    } of the channels from `block3`
to `block13` have {top - 2} or more of {top} photos from one class{
        ", rising with depth" if rising else ""
    }, against {chance:.2%} for
independent coin flips, though the network was trained on ImageNet, not on
this data set. Of those channels, {dog_share:.0%} pick dogs. One possible
reason: ImageNet's 1000 classes include more than a hundred dog breeds and
five domestic cats (the class list of Russakovsky et al., 2015), so the
network may have more ways to see a dog. Backgrounds are a candidate
confound: {green[labels].mean():.1%} of a dog photo's pixels are green,
against {green[~labels].mean():.1%} of a cat photo's (permutation p = {
        green_p:.4f}){
        ": dog photos hold more green, as grass and foliage would give"
        if green_p < 0.05 and observed > 0
        else ", not a significant difference in this sample"
    }. Within each class, the channels whose strongest photos are dogs
correlate with the green share at a median r of {
        ", ".join(
            f"{green_r[layer][0]:+.2f}" for layer in feature_study.LAYERS
        )
    } from `block3` to `block13`, against {
        ", ".join(
            f"{green_r[layer][1]:+.2f}" for layer in feature_study.LAYERS
        )
    } for the other channels: {
        "at "
        + " and ".join(f"`{g}`" for g in greener)
        + " they track green more than the other channels (by "
        f"{GREEN_MARGIN} or more), a correlation in {len(photos)} photos, "
        "not a test of what drives them"
        if greener
        else "at no layer do they track green more than the other channels "
        f"by {GREEN_MARGIN} or more, so these {len(photos)} photos give no "
        "sign that green explains their preference for dogs"
    }. And a `block3` position's theoretical field is a {
        fields["block3_sepconv1"].size
    } px patch of the {photo_size} px photo: each position sees a part of
the animal or its surroundings, not the whole. A channel whose strongest
photos are dogs may respond to fur, a lead or other things that come with
dogs as well as to dogs."""
)

# %% [markdown]
# ## What each ingredient contributes
#
# The long run at `block8` again, with one ingredient removed at a time:
# optimising pixels instead of the spectrum, RGB directly instead of
# decorrelated colours, no random transformations. The sigmoid that bounds
# the pixels stays in every run: the study does not ablate it. One seed per
# run. The fourth measure here,
# **colourfulness**, is the mean over pixels of the largest minus the
# smallest of red, green and blue, in grey levels.

# %%
INGREDIENTS = [
    ("long", "all three"),
    ("pixels", "no Fourier"),
    ("no-decorrelation", "no colour"),
    ("no-transforms", "no transforms"),
]


def colourfulness(images):
    """Mean of max(R, G, B) − min(R, G, B) per image, in grey levels."""
    x = np.asarray(images, "float64")
    return (x.max(axis=-1) - x.min(axis=-1)).mean(axis=(1, 2))


layer = feature_study.INGREDIENT_LAYER
ingredients = {}
for name, title in INGREDIENTS:
    images = study.images(layer, name)
    ingredients[name] = {
        "activation": normalised_activation(layer, images),
        "share": high_frequency_share(images),
        "colour": colourfulness(images),
    }
    m = ingredients[name]
    print(
        f"{title:>13}: displayed activation {m['activation'].mean():5.2f}, "
        f"high-frequency share {m['share'].mean():.2f}, "
        f"colourfulness {m['colour'].mean():.0f}"
    )
print(f"{'photos':>13}: colourfulness {colourfulness(small).mean():.0f}")
image_grid(
    [
        study.images(layer, name)[i]
        for i in range(4)
        for name, _ in INGREDIENTS
    ],
    ncols=4,
    titles=[f"{title} · {c}" for c in channels for _, title in INGREDIENTS],
    cell_size=1.5,
    caption="block8_sepconv1, channels 0 to 3: the preconditioned recipe, "
    "then without each ingredient",
)

# %% tags=["prose"]
full = ingredients["long"]


n_channels = len(channels)


def versus(name, key):
    """How many channels the ablated run exceeds the full recipe in."""
    return int((ingredients[name][key] > full[key]).sum())


def change(name, key, what, digits=2):
    """The ablated run's mean against the full recipe's, in words."""
    a, b = full[key].mean(), ingredients[name][key].mean()
    n = versus(name, key)
    verb = "rises" if b > a else "falls"
    where = (
        f"higher in all {n_channels} channels"
        if n == n_channels
        else f"lower in all {n_channels} channels"
        if n == 0
        else f"higher in {n} of {n_channels} channels"
    )
    return (
        f"the {what} {verb} from {a:.{digits}f} to {b:.{digits}f}, {where}"
    )


exploited = (
    versus("no-transforms", "activation") == n_channels
    and versus("no-transforms", "share") == n_channels
)
Markdown(
    f"""Against the full recipe (n = {n_channels} channels and one seed,
too few for a test): without the Fourier parameterisation, {
        change("pixels", "share", "high-frequency share")
    }. Without
decorrelated colours, {
        change("no-decorrelation", "colour", "colourfulness", 0)
    } (photos: {
        colourfulness(small).mean():.0f}). Without the transformations, {
        change("no-transforms", "activation", "displayed activation")
    }, and {change("no-transforms", "share", "high-frequency share")}{
        ". That fits a fixed image exploiting high-frequency detail that the "
        "transformations hold back, but it is partly so by construction"
        if exploited
        else ". The comparison is partly set by construction"
    }: without transformations the run optimises exactly the image that is
scored, while the full recipe optimises transformed copies of it and is
scored on the image untransformed."""
)

# %% [markdown]
# ## What does not work
#
# **Too few steps.** The same recipe stopped early:

# %%
STEPS = [16, 32, 64, 128, 256]


def steps_run(n):
    names = {64: "equal-compute", 256: "long"}
    return study.images(layer, names.get(n, f"steps-{n}"))


step_contrast = [contrast(steps_run(n)).mean() for n in STEPS]
for n, c in zip(STEPS, step_contrast, strict=True):
    print(f"{n:3} steps: contrast {c:5.1f} grey levels")
image_grid(
    [steps_run(n)[i] for i in range(4) for n in STEPS],
    ncols=len(STEPS),
    titles=[f"{n} steps · {c}" for c in channels for n in STEPS],
    cell_size=1.4,
    caption="block8_sepconv1, channels 0 to 3, after 16 to 256 steps",
)

# %% tags=["prose"]
growing = all(a < b for a, b in itertools.pairwise(step_contrast))
Markdown(
    f"""After 16 steps the contrast is {step_contrast[0]:.1f} grey levels,
against {contrast(small).mean():.0f} for photos; {
        "it grows at every doubling, to "
        if growing
        else "it does not grow at every doubling; after 256 steps it is "
    }{step_contrast[-1]:.1f} after 256 steps."""
)

# %% [markdown]
# **The lecture's recipe, run longer.** Does the lecture's recipe catch up
# with more steps? Its run of 256 steps, as many as the long preconditioned
# run, against that run and its own 30 steps, all scored on the images as
# displayed, in photo spreads:

# %%
layer = feature_study.INGREDIENT_LAYER
long_lecture = {
    "activation": normalised_activation(
        layer, study.images(layer, "lecture-256")
    ),
    "share": high_frequency_share(study.images(layer, "lecture-256")),
}
for title, m in (
    ("lecture, 30 steps", measures[layer, "lecture"]),
    ("lecture, 256 steps", long_lecture),
    ("preconditioned, 256", measures[layer, "long"]),
):
    print(
        f"{title:>19}: displayed {m['activation'].mean():6.2f}, "
        f"high-frequency share {m['share'].mean():.2f}"
    )
lecture_s, lecture_px = cost(layer, "lecture-256")
long_s, long_px = cost(layer, "long")
print(
    f"lecture 256 vs preconditioned 256: {lecture_s / long_s:.2f}× the wall "
    f"time, {lecture_px / long_px:.2f}× the pixel-steps"
)
image_grid(
    list(study.images(layer, "lecture-256")),
    ncols=4,
    titles=[f"lecture 256 · {c}" for c in channels],
    cell_size=1.5,
    caption="block8_sepconv1, channels 0 to 3: the lecture's recipe after "
    "256 steps",
)

# %% tags=["prose"]
lecture_long = long_lecture["activation"]
lecture_short = measures[layer, "lecture"]["activation"]
preconditioned = measures[layer, "long"]["activation"]
higher = int((lecture_long > preconditioned).sum())
gained = int((lecture_long > lecture_short).sum())
if higher == 0:
    verdict = "More steps do not close the gap" + (
        f": as displayed, they score below the 30-step images in {4 - gained}"
        " of 4 channels."
        if gained <= 1
        else "."
    )
elif higher >= 3:
    verdict = (
        "As displayed, the lecture's long run scores higher; the "
        "high-frequency shares above say how photo-like each image is."
    )
else:
    verdict = "Neither recipe scores higher in every channel."
Markdown(
    f"""At {lecture_s / long_s:.2f} times the wall time and {
        lecture_px / long_px:.2f} times the pixel-steps of the long
preconditioned run, the lecture's 256-step images score {
        lecture_long.mean():.2f} photo spreads as displayed, against {
        preconditioned.mean():.2f} for the preconditioned ones (higher in {
        higher
    } of 4 channels) and {lecture_short.mean():.2f} for its own
30-step images (higher in {gained} of 4). Their high-frequency share is {
        long_lecture["share"].mean():.2f}, against {
        measures[layer, "long"]["share"].mean():.2f} for the preconditioned
images and {real.mean():.3f} for photos. {verdict}"""
)

# %% [markdown]
# **Channels that stay unreadable.** A channel can respond to several
# unrelated things at once, and one image per channel cannot show that (Olah
# et al., 2017, show such channels in GoogLeNet). Lucid's answer is a
# *diversity* objective (several images per channel, pushed apart), not
# implemented here.
#
# ## Check yourself

# %% tags=["prose"]
block8_field = fields["block8_sepconv1"].size
lecture_steps, lecture_side = (
    lecture_settings["steps"],
    lecture_settings["image_size"],
)
short_steps, short_side = (
    short_settings["steps"],
    short_settings["image_size"],
)
Markdown(
    f"""1. The lecture's recipe runs {lecture_steps} steps on a {
        lecture_side
    } px
   image; the preconditioned one {short_steps} steps on a {
        short_side
    } px image
   that its transformations pad to {side} px. What is the ratio of their
   pixel-steps?
2. A channel's {top} strongest photos are drawn from a data set of {
        dog_fraction:.0%} dogs, and the channel ignores the class. How likely
   is it that {top - 2} or more come from one class?
3. Why does this page not crop `block8`'s strongest photos to the
   receptive field?
4. A channel's strongest photos are all dogs. Does the channel detect dogs?

<details><summary>Answers</summary>

1. {short_steps} × {side}² / ({lecture_steps} × {lecture_side}²) = {
        pixel_ratio:.2f}.
2. 2 × (C({top}, 0) + C({top}, 1) + C({top}, 2)) / 2<sup>{top}</sup> = {
        chance:.2%}.
3. Its theoretical receptive field is {block8_field} px wide, more than the
   {photo_size} px photo, so the crop would be the whole photo. Luo et al.
   (2016) found the effective field much smaller than the theoretical one in
   the networks they studied, so the page shows the activation map instead.
4. Not necessarily: it is class-correlated. Dogs may come with backgrounds
   (green covers {green[labels].mean():.1%} of a dog photo, against
   {green[~labels].mean():.1%} of a cat photo here), so the channel may
   respond to grass or a lead.

</details>"""
)

# %% [markdown]
# ## Summary

# %% tags=["prose"]
short_shares = [
    measures[layer, "equal-compute"]["share"].mean()
    for layer in feature_study.LAYERS
]
long_shares = [
    measures[layer, "long"]["share"].mean()
    for layer in feature_study.LAYERS
]
lecture_shares = [
    measures[layer, "lecture"]["share"].mean()
    for layer in feature_study.LAYERS
]
raised = sum(
    int(
        (
            measures[layer, "long"]["share"]
            > measures[layer, "equal-compute"]["share"]
        ).sum()
    )
    for layer in feature_study.LAYERS
)
total = len(feature_study.LAYERS) * len(channels)
Markdown(
    f"""- Optimise the image's 1/frequency-scaled spectrum in decorrelated
  colours, and make it survive small random transformations; Lucid also
  bounds the pixels with a sigmoid, which the study never removes. Across the
  three layers, {short_steps} steps of it ({pixel_ratio:.2f} times the
  lecture's pixel-steps) put {min(short_shares):.2f} to {
        max(short_shares):.2f} of the image's energy above half the Nyquist
  frequency, against {min(lecture_shares):.2f} to {max(lecture_shares):.2f}
  for the lecture's recipe, {real.mean():.3f} for photos and {
        white.mean():.2f} for white noise. {long_settings["steps"]} steps {
        "raise" if raised > total / 2 else "change"
    } the share in {raised} of {total} channels, to {min(long_shares):.2f}
  to {max(long_shares):.2f}.
- Score what is displayed, against photos of the same size: measured from
  the photos' mean, the lecture's image as displayed keeps a median of {
        min(kept.values()):.0%} to {
        max(kept.values()):.0%} of the activation
  it optimised, through its display standardisation, its crop and its
  objective's border together; and compare activations across channels and
  layers in units of each channel's spread over photos.
- Show the photos beside the pattern, with the channel's map after its batch
  normalisation and ReLU over them: the theoretical receptive field says
  little from `block8` on. Up to {max(shares):.1%} of a layer's channels
  have {top - 2} or more of their {top} strongest photos from one class,
  against {chance:.2%} for independent coin flips: class-correlated, with
  backgrounds a candidate confound."""
)

# %% [markdown]
# To see which channels a photo of your own wakes up in the trained
# cats-vs-dogs models, open [the lab](../../lab/).
