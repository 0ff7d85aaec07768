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
# # Batch normalisation
#
# Ioffe and Szegedy (2015), who introduced batch normalisation, argued that a
# layer learns more easily when the distribution of its inputs stays put while
# the layers below it train; whether that is why the method helps is disputed
# (see the section on a layer's inputs below). What the method does is
# definite: during training it normalises each channel with the mean and
# variance of the current batch, then lets the network choose the scale and
# offset it actually wants.
#
# You will learn:
#
# - the four equations of batch normalisation, as NumPy code checked against
#   Keras's `BatchNormalization` layer, in training and in inference mode;
# - what the moving averages used at inference start from, how fast they
#   forget, and what Keras's default momentum means for a training run;
# - why a convolution followed by batch normalisation needs no bias;
# - the lecture's convolution → normalisation → activation pattern in plain
#   Keras, where the layer's four parameters per channel come from, and why
#   the normalisation goes before the activation;
# - how a layer's inputs drift during training with and without it, unit by
#   unit;
# - why its layers stay frozen when a model is fine-tuned.
#
# ## The equations
#
# For the values $x_1, \dots, x_m$ of one channel over a mini-batch $\mathrm{B}$:
#
# $$\mu_\mathrm{B} = \frac{1}{m} \sum_{i=1}^m x_i
# \qquad
# \sigma_\mathrm{B}^2 = \frac{1}{m} \sum_{i=1}^m (x_i - \mu_\mathrm{B})^2$$
#
# $$\hat{x}_i = \frac{x_i - \mu_\mathrm{B}}{\sqrt{\sigma_\mathrm{B}^2 + \epsilon}}
# \qquad
# y_i = \gamma \hat{x}_i + \beta$$
#
# The scale $\gamma$ and offset $\beta$ are learned. For a convolution's output
# of shape (batch, height, width, channels), "the values of one channel" are all
# batch × height × width of them.

# %%
from collections import Counter

import keras
import numpy as np
from IPython.display import Markdown
from matplotlib.figure import Figure
from modern_convnets import data
from modern_convnets.arithmetic import batch_norm_params
from modern_convnets.diagram import inbound_layers
from modern_convnets.models import mini_xception
from modern_convnets.shipped import trained_manifest


def batch_norm(x, gamma, beta, mean=None, variance=None, epsilon=1e-3):
    """Normalise the last axis; use the batch's statistics unless given."""
    axes = tuple(range(x.ndim - 1))  # every axis but the channels
    if mean is None:
        mean, variance = x.mean(axis=axes), x.var(axis=axes)
    return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta


# %% [markdown]
# ## Checked against Keras, in training mode
#
# In training mode (`training=True`, as inside `fit`) the layer uses the batch's
# own mean and variance. We give the Keras layer random $\gamma$ and $\beta$ and
# compare it with the NumPy version on a batch of feature maps. (The layer is
# built with `momentum=0.9` so that one update of its moving averages shows;
# the next sections explain them and Keras's default.)

# %%
rng = np.random.default_rng(0)
x = rng.normal(3.0, 2.0, size=(32, 8, 8, 16)).astype("float32")
gamma = rng.uniform(0.5, 1.5, 16).astype("float32")
beta = rng.normal(size=16).astype("float32")

layer = keras.layers.BatchNormalization(momentum=0.9)
layer.build(x.shape)
layer.gamma.assign(gamma)
layer.beta.assign(beta)

keras_train = np.asarray(layer(x, training=True))
numpy_train = batch_norm(x, gamma, beta, epsilon=layer.epsilon)
gap = np.abs(keras_train - numpy_train).max()
print(f"largest difference, training mode: {gap:.1e}")
x_hat = (numpy_train - beta) / gamma
print(
    "per-channel mean of x̂ (first 4):",
    x_hat.mean(axis=(0, 1, 2))[:4].round(6),
)

# %% [markdown]
# ## ... and in inference mode
#
# At inference an image's output must be deterministic and depend on that
# image alone, not on whichever other images share its batch; so Ioffe and
# Szegedy (2015, in their section on training and inference) normalise at
# inference with statistics fixed after training instead of the batch's.
# Keras keeps, during training, exponential moving averages of each channel's
# mean and variance, `moving = momentum × moving + (1 − momentum) × batch`,
# and uses them at inference. The one training call above has already
# updated them once, from their initial values 0 and 1. Keras averages the
# batch variance with the $1/m$ of the equations above (NumPy's `x.var`, used
# in the check below), while Ioffe and Szegedy's inference uses the unbiased
# estimate, $m/(m - 1)$ times the average batch variance.

# %%
batch_mean = x.mean(axis=(0, 1, 2))
batch_var = x.var(axis=(0, 1, 2))
expected_mean = 0.9 * 0.0 + 0.1 * batch_mean
expected_var = 0.9 * 1.0 + 0.1 * batch_var
mean_ok = np.allclose(layer.moving_mean, expected_mean, atol=1e-5)
var_ok = np.allclose(layer.moving_variance, expected_var, atol=1e-4)
print(f"moving mean as expected: {mean_ok}; moving variance: {var_ok}")

keras_infer = np.asarray(layer(x, training=False))
numpy_infer = batch_norm(
    x,
    gamma,
    beta,
    mean=np.asarray(layer.moving_mean),
    variance=np.asarray(layer.moving_variance),
    epsilon=layer.epsilon,
)
gap = np.abs(keras_infer - numpy_infer).max()
print(f"largest difference, inference mode: {gap:.1e}")

# %% [markdown]
# ## Momentum: how fast the moving averages forget
#
# After $n$ more steps a batch's statistics weigh
# $(1 - \text{momentum}) \times \text{momentum}^n$ in the moving average: they
# fade geometrically. The average's time constant is $1 / (1 - \text{momentum})$
# steps: after that many steps a batch's weight has fallen to about $1/e$ of
# what it entered with. The demo above used 0.9; Keras's default is larger:

# %%
default = keras.layers.BatchNormalization().momentum
root = data.find_dataset()
train_files, _, _ = data.split_files(root, seed=1337)
batch_size = trained_manifest("mini_xception")["config"]["batch_size"]
steps_per_epoch = int(np.ceil(len(train_files.paths) / batch_size))
print(f"Keras's default momentum: {default}")
time_constant = {}
for momentum in (0.9, default):
    time_constant[momentum] = round(1 / (1 - momentum))
    kept = momentum ** time_constant[momentum]
    print(
        f"momentum {momentum}: time constant {time_constant[momentum]} "
        f"steps; {momentum}**{time_constant[momentum]} = {kept:.1%}"
    )
print(f"1/e = {np.exp(-1):.1%}")
print(
    f"Mini-Xception's training: {len(train_files.paths):,} photos / "
    f"batch {batch_size} = {steps_per_epoch} steps per epoch"
)

# %% [markdown]
# A fresh layer starts its moving averages at 0 (mean) and 1 (variance), so
# until they have caught up, inference mode normalises with those starting
# values rather than the data's statistics. A fresh layer of each momentum,
# given one batch repeatedly in training mode; after each step, the mean
# absolute difference between its training-mode and inference-mode outputs on
# that batch. Two batches: the one above, drawn with mean 3 and standard
# deviation 2, far from the starting values, and the same batch standardised
# per channel, so that its statistics are the starting values:

# %%
standardised = (x - x.mean(axis=(0, 1, 2))) / x.std(axis=(0, 1, 2))
batches = {"mean 3, std 2": x, "standardised": standardised}
checkpoints = (1, steps_per_epoch, 2 * steps_per_epoch)
print(
    f"{'batch':>14}{'momentum':>9}"
    + "".join(f"{f'step {n}':>10}" for n in checkpoints)
)
lag, out_std = {}, {}
for name, batch in batches.items():
    for momentum in (0.9, default):
        fresh = keras.layers.BatchNormalization(momentum=momentum)
        for step in range(1, checkpoints[-1] + 1):
            trained_out = np.asarray(fresh(batch, training=True))
            if step in checkpoints:
                inferred = np.asarray(fresh(batch, training=False))
                lag[name, momentum, step] = np.abs(
                    trained_out - inferred
                ).mean()
        out_std[name, momentum] = trained_out.std()
        print(
            f"{name:>14}{momentum:>9}"
            + "".join(
                f"{lag[name, momentum, n]:>10.3f}" for n in checkpoints
            )
        )
print(
    "standard deviation of the training-mode outputs: "
    f"{min(out_std.values()):.3f} to {max(out_std.values()):.3f}"
)
later_epochs = 10
remaining = default ** (later_epochs * steps_per_epoch)
print(
    f"start-up weight left after {later_epochs} epochs: {default}**"
    f"{later_epochs * steps_per_epoch} = {remaining:.2%}"
)
# Statistics that drift steadily: how many steps the average trails them by.
rate, drifting = 0.01, np.arange(5000) * 0.01
moving = 0.0
for value in drifting:
    moving = default * moving + (1 - default) * value
trail = (drifting[-1] - moving) / rate
print(f"a steadily drifting mean is trailed by {trail:.1f} steps")

# %% tags=["prose"]
far, near = "mean 3, std 2", "standardised"
epoch_gap = {m: lag[far, m, steps_per_epoch] for m in (0.9, default)}
Markdown(
    f"""With the default momentum of {default}, the gap on the batch of
mean 3 is {lag[far, default, 1]:.3f} after one step and still
{epoch_gap[default]:.3f} after {steps_per_epoch} steps, one epoch of
Mini-Xception's training (with 0.9, {epoch_gap[0.9]:.3f}); on the
standardised batch it is {lag[near, default, 1]:.3f} after one step. So
the gap measures how far this batch's statistics are from the starting
values 0 and 1: it is a fresh layer's start-up bias, and its weight decays
as momentum$^n$, to {remaining:.2%} after {later_epochs} epochs of
{steps_per_epoch} steps.

Lagging behind changing statistics is a separate effect, which this demo,
with a batch that never changes, does not show: in real training the batch
statistics move as the weights below change, and the averages trail them;
for statistics that drift at a steady rate, an average of momentum {default}
trails by {trail:.1f} steps, about
{trail / steps_per_epoch:.0f} epochs of {steps_per_epoch} steps. The
validation accuracy on the [Mini-Xception page](../mini-xception/) is measured
in inference mode, with these moving averages, and changes more from epoch to
epoch than the plain model's; that page names lagging averages as a plausible
cause, not isolated there, and nothing on this page tests it."""
)

# %% [markdown]
# ## Why the convolution drops its bias
#
# A bias adds the same constant to every value of a channel; batch normalisation
# subtracts the channel's mean, constant included, and adds its own offset
# $\beta$. So a convolution's bias has no effect on the normalised output, and only
# costs parameters. The same convolution with and without a bias, followed by
# batch normalisation in training mode:

# %%
images = rng.uniform(0, 1, size=(8, 32, 32, 3)).astype("float32")
with_bias = keras.layers.Conv2D(32, 3)
without_bias = keras.layers.Conv2D(32, 3, use_bias=False)
with_bias.build(images.shape)
without_bias.build(images.shape)
with_bias.kernel.assign(without_bias.kernel)
with_bias.bias.assign(
    rng.normal(0, 5, 32).astype("float32")
)  # a large bias

norm = keras.layers.BatchNormalization()
a = np.asarray(norm(with_bias(images), training=True))
b = np.asarray(norm(without_bias(images), training=True))
print(
    f"largest difference with and without a bias: {np.abs(a - b).max():.1e}"
)
print(f"output scale for comparison: {np.abs(b).mean():.2f}")

# %% [markdown]
# The two outputs agree to within float32 rounding, so a convolution followed
# by batch normalisation is written without a bias.
#
# ## The pattern in a model
#
# The lecture's pattern: a convolution without bias, then batch normalisation,
# then the activation, as its own layer so that it comes after the
# normalisation. In plain Keras, to copy:

# %% tags=["copy"]
import keras
from keras import layers

inputs = keras.Input(shape=(32, 32, 3))
x = layers.Conv2D(32, 3, use_bias=False)(inputs)
x = layers.BatchNormalization()(x)
x = layers.Activation("relu")(x)
model = keras.Model(inputs, x)
model.summary()

# %% [markdown]
# The normalisation has four parameters per channel, 128 for 32 channels: 32
# scales $\gamma$ and 32 offsets $\beta$, trained by gradient descent, and 32
# moving means and 32 moving variances, updated by averaging and counted as
# non-trainable. This package writes the three layers as one call,
# `conv_bn(x, 32)`; given the listing's weights (moving statistics included)
# it computes the same output:

# %%
from modern_convnets.blocks import conv_bn

inputs = keras.Input(shape=(32, 32, 3))
ours = keras.Model(inputs, conv_bn(inputs, 32, name="conv"))
ours.set_weights(model.get_weights())
bn = ours.get_layer("conv_bn")
trainable = sum(int(np.prod(w.shape)) for w in bn.trainable_weights)
print(f"Keras: {bn.count_params()} parameters, {trainable} trainable")
print(f"formula: {batch_norm_params(32)}")
print(
    "same output as the listing:",
    np.array_equal(
        model.predict(images, verbose=0), ours.predict(images, verbose=0)
    ),
)

# %% [markdown]
# ## Before the activation, and why
#
# The lecture's pattern puts the normalisation between the convolution and the
# ReLU. The reason given in the lecture's source, Chollet (2021, *Deep Learning
# with Python*, 2nd edition, chapter 9): batch normalisation centres each
# channel on zero, and zero is ReLU's pivot, where it switches from dropping a
# value to passing it on. A channel shifted far from zero is passed almost
# whole or dropped almost whole; a centred one is split. The convolution from
# above without a bias (a Keras bias starts at zero anyway), on the same
# images, per channel, before and after normalisation:

# %%
raw = np.asarray(without_bias(images))
centred = np.asarray(keras.layers.BatchNormalization()(raw, training=True))
passed_raw = (raw > 0).mean(axis=(0, 1, 2))
passed_bn = (centred > 0).mean(axis=(0, 1, 2))
channel_means = raw.mean(axis=(0, 1, 2))
print("share of each channel's values that ReLU passes, over 32 channels")
print(
    f"before normalisation: {passed_raw.min():.1%} to {passed_raw.max():.1%}"
)
print(
    f"after normalisation:  {passed_bn.min():.1%} to {passed_bn.max():.1%}"
)
print(f"mean pixel value of the images: {images.mean():.3f}")
print(
    f"channel means before normalisation: {channel_means.min():+.2f} to "
    f"{channel_means.max():+.2f} (standard deviations "
    f"{raw.std(axis=(0, 1, 2)).min():.2f} to {raw.std(axis=(0, 1, 2)).max():.2f})"
)

# %% [markdown]
# Without any bias, the channels are already off-centre: the pixel values are
# all positive, so their mean is not zero, and each filter's weights turn that
# mean into a channel mean of its own sign and size. The learned offset
# $\beta$ can still move the pivot where training wants it; it starts at zero.
# The order is debated: Ioffe and Szegedy (2015), who introduced batch
# normalisation, normalised before the nonlinearity, and Chollet (2021)
# recommends it while calling the question open; Mishkin, Sergievskiy and
# Matas (2017, "Systematic evaluation of convolution neural network advances
# on the ImageNet") found normalisation after the ReLU
# slightly better in their experiments, on CaffeNet trained on ImageNet images
# downscaled to 128 pixels.
#
# ### Mini-Xception's order
#
# Mini-Xception's blocks (`modern_convnets.blocks.bn_relu_sepconv`) are
# written the other way round: batch normalisation, ReLU, then the separable
# convolution. What takes what, read from the model's graph:

# %%
mini = mini_xception()
inbound = inbound_layers(mini)
kind = {layer.name: type(layer).__name__ for layer in mini.layers}
for what in ("Activation", "BatchNormalization", "SeparableConv2D"):
    fed_by = Counter(
        kind[inbound[name][0]] for name in inbound if kind[name] == what
    )
    print(f"{what:<19} takes {dict(fed_by)}")
start = [layer.name for layer in mini.layers].index("block2_sepconv1_bn")
print("block 2 begins:")
for layer in mini.layers[start : start + 6]:
    print(f"  {layer.name:<22} {type(layer).__name__}")
adds = [name for name in inbound if kind[name] == "Add"]
shortcuts = [
    mini.get_layer(name)
    for add in adds
    for name in inbound[add]
    if kind[name] != "MaxPooling2D"
]
print("the shortcuts added to each block's pooled output:")
for shortcut, count in Counter(
    f"{type(s).__name__} {s.kernel_size}, strides {s.strides}"
    for s in shortcuts
).items():
    print(f"  {count} × {shortcut}")
for add in adds:
    takers = [name for name in inbound if add in inbound[name]]
    print(f"  {add} goes to {', '.join(takers)}")

# %% tags=["prose"]
relus = [name for name in inbound if kind[name] == "Activation"]
after_bn = sum(
    kind[inbound[name][0]] == "BatchNormalization" for name in relus
)
bns = [name for name in inbound if kind[name] == "BatchNormalization"]
bn_inputs = Counter(kind[inbound[name][0]] for name in bns)
after_conv = bn_inputs["Conv2D"] + bn_inputs["SeparableConv2D"]
identity = sum(
    s.kernel_size == (1, 1) and s.strides == (1, 1) for s in shortcuts
)
takers = {
    add: sorted(kind[name] for name in inbound if add in inbound[name])
    for add in adds
}
to_next = all(
    takers[add] == ["BatchNormalization", "Conv2D"] for add in adds[:-1]
)
last = ", ".join(f"`{n}`" for n in inbound if adds[-1] in inbound[n])
if identity == 0:
    shortcut_text = f"""none of its {len(shortcuts)} shortcuts is an identity;
each is a strided 1 × 1 convolution (`block1_residual` …
`{shortcuts[-1].name}`), so every sum passes through a convolution before the
next"""
else:
    shortcut_text = f"""{identity} of its {len(shortcuts)} shortcuts are
identities, the others strided 1 × 1 convolutions"""
bare_end = not set(takers[adds[-1]]) & {"BatchNormalization", "Activation"}
Markdown(
    f"""{"All" if after_bn == len(relus) else f"{after_bn} of the"}
{len(relus)} ReLU{"s" if len(relus) != 1 else ""} in Mini-Xception
take{"s" if len(relus) == 1 else ""} a batch normalisation's output, so the
normalisation still comes straight before the activation. What the
normalisations take differs from the lecture's pattern, though: of
{len(bns)}, {bn_inputs["SeparableConv2D"]} take a separable convolution's
output and {bn_inputs["Conv2D"]} the stem convolution's, convolution →
normalisation → activation as in the lecture (inside block 2,
`block2_sepconv1` → `block2_sepconv2_bn` → `block2_sepconv2_act`), while
{bn_inputs["Add"]} take a residual sum, the output of the block before.

This "pre-activation" order comes from residual networks (He, Zhang, Ren and
Sun, 2016, "Identity mappings in deep residual networks"): there the
shortcuts are identities wherever the shape stays the same, so a block's sum
reaches the next sum unchanged, and a final normalisation and ReLU follow the
last block. Mini-Xception keeps the order but not the identity:
{shortcut_text}.{
        " Each sum but the last goes to the next block's first normalisation"
        " and to its shortcut convolution."
        if to_next
        else ""
    } The last, `{adds[-1]}`, goes to {last}
({", ".join(takers[adds[-1]])}){
        ", with no normalisation or ReLU after it" if bare_end else ""
    }."""
)


# %% [markdown]
# ## A layer's inputs during training, with and without it
#
# Ioffe and Szegedy (2015) motivated the method with "internal covariate
# shift": as the layers below learn, the distribution of a layer's inputs
# moves, and the layer must keep adapting to it. Their Figure 1 follows the
# 15th, 50th and 85th percentiles of one typical sigmoid's input over
# training. The same measurement, unit by unit, on a small model trained to
# separate two classes of random points, once with batch normalisation before
# each ReLU and once without (same data, same batches, same random seed):


# %% tags=["collapse"]
dims, width, depth, watched = 32, 64, 4, 3  # input, units, layers, probed
steps, batch, every, probe_size = 400, 32, 20, 512
seeds = (0, 1, 2)  # initial weights; the figure shows the first


def dense_stack(normalise, seed):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((dims,))
    h = inputs
    for i in range(1, depth + 1):
        h = keras.layers.Dense(
            width, use_bias=not normalise, name=f"dense{i}"
        )(h)
        if normalise:
            h = keras.layers.BatchNormalization(name=f"dense{i}_bn")(h)
        h = keras.layers.Activation("relu", name=f"dense{i}_act")(h)
    outputs = keras.layers.Dense(1, activation="sigmoid")(h)
    stack = keras.Model(inputs, outputs)
    stack.compile(
        optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy"
    )
    probe = keras.Model(
        inputs, stack.get_layer(f"dense{watched}_act").input
    )
    return stack, probe


# %% tags=["prose"]
Markdown(
    f"""The model: {depth} dense layers of {width} units with ReLU, on
{dims}-dimensional points, trained for {steps} steps of batches of {batch}
with plain SGD. Every {every} steps we take layer {watched}'s pre-activations (its
ReLU's inputs, in training mode) on a fixed probe batch of {probe_size}
points, and follow each of its {width} units separately, in units of that
unit's own standard deviation at step 0, measured from its mean at step 0.
The run is repeated from {len(seeds)} different initial weights."""
)

# %%
points_rng = np.random.default_rng(0)
points = points_rng.normal(size=(4096, dims)).astype("float32")
direction = points_rng.normal(size=dims)
classes = ((points @ direction) ** 2 > dims).astype("float32")
probe_points = points[:probe_size]
runs = {}  # (label, seed) -> (checks, probe_size, width) pre-activations
learned = {}  # seed -> final gamma and beta of the watched layer's BN
for seed in seeds:
    for label, normalise in (("without", False), ("with", True)):
        stack, probe = dense_stack(normalise, seed)
        seen = []
        for step in range(steps + 1):
            if step % every == 0:
                seen.append(np.asarray(probe(probe_points, training=True)))
            if step < steps:
                i = (step * batch) % len(points)
                stack.train_on_batch(
                    points[i : i + batch], classes[i : i + batch]
                )
        runs[label, seed] = np.array(seen)
        if normalise:
            bn = stack.get_layer(f"dense{watched}_bn")
            learned[seed] = (np.asarray(bn.gamma), np.asarray(bn.beta))

shift, spread, signed = {}, {}, {}  # per unit, in its step-0 std
for (label, seed), v in runs.items():
    mean0, std0 = v[0].mean(axis=0), v[0].std(axis=0)
    signed[label, seed] = (v[-1].mean(axis=0) - mean0) / std0
    shift[label, seed] = np.abs(signed[label, seed])
    spread[label, seed] = v[-1].std(axis=0) / std0
print(f"layer {watched}, step 0 to step {steps}, per unit (of {width}),")
print("in its step-0 std: median mean shift, std ratio")
for seed in seeds:
    for label in ("without", "with"):
        s, r = shift[label, seed], spread[label, seed]
        print(
            f"  seed {seed}, {label:>7} BN: mean moved {np.median(s):.2f} "
            f"(largest {s.max():.2f}); std × {r.min():.2f} to {r.max():.2f}"
        )
gamma0, beta0 = learned[seeds[0]]
print(
    f"seed {seeds[0]}, BN after {steps} steps: |β| ≤ "
    f"{np.abs(beta0).max():.2f}, γ {gamma0.min():.2f} to {gamma0.max():.2f}"
)
pooled = {}  # all units in one histogram, as a single distribution
for label in ("without", "with"):
    v = runs[label, seeds[0]]
    p0, p1 = np.percentile(v[0], 50), np.percentile(v[-1], 50)
    pooled[label] = abs(p1 - p0) / v[0].std()
up = int((signed["without", seeds[0]] > 0).sum())
print(
    f"seed {seeds[0]}, without BN: {up} means moved up, {width - up} down;"
)
print(
    f"  median of all units pooled moved {pooled['without']:.2f} pooled std"
)


# %% tags=["collapse"]
def unit_band(v, unit):
    """Percentiles 15, 50, 85 of one unit, in its step-0 std from its mean."""
    scaled = (v[:, :, unit] - v[0, :, unit].mean()) / v[0, :, unit].std()
    return np.percentile(scaled, [15, 50, 85], axis=1)


fig = Figure(figsize=(8, 3.8), layout="constrained")
axes = fig.subplots(1, 2, sharey=True)
checks = np.arange(0, steps + 1, every)
typical = {}
for ax, label in zip(axes, ("without", "with"), strict=True):
    v, s = runs[label, seeds[0]], shift[label, seeds[0]]
    means = (v.mean(axis=1) - v[0].mean(axis=0)) / v[0].std(axis=0)
    ax.plot(checks, means, color="0.6", linewidth=0.6)
    typical[label] = int(np.argsort(s)[len(s) // 2])  # the median shift
    low, mid, high = unit_band(v, typical[label])
    ax.fill_between(
        checks,
        low,
        high,
        alpha=0.3,
        color="C0",
        label="one unit, 15th–85th",
    )
    ax.plot(checks, mid, color="C0", label="one unit, median")
    ax.set_title(f"{label.capitalize()} batch normalisation")
    ax.set_xlabel("training step")
    ax.grid(alpha=0.3)
axes[0].plot([], [], color="0.6", linewidth=0.6, label="mean, each unit")
axes[0].set_ylabel("standard deviations from step 0")
axes[0].legend(loc="upper left")
reach = {
    label: shift[label, seeds[0]].max() for label in ("without", "with")
}
fig.set_label(
    f"Layer {watched}'s pre-activations on a fixed probe batch during "
    f"training, each unit measured from its own mean at step 0, in its own "
    f"step-0 standard deviations: in blue the 15th, 50th and 85th "
    f"percentiles of one unit (the one with the median shift), in grey the "
    f"mean of each of the {width} units; without batch normalisation (left) "
    f"the units' means end up to {reach['without']:.2f} standard deviations "
    f"from where they began, with it (right) up to {reach['with']:.2f}"
)
fig


# %% tags=["prose"]
def median_range(label):
    low, high = (
        f(np.median(shift[label, seed]) for seed in seeds)
        for f in (min, max)
    )
    if f"{low:.2f}" == f"{high:.2f}":
        return f"{low:.2f} each time"
    return f"{low:.2f} to {high:.2f}"


first = seeds[0]
moved = {label: shift[label, first] for label in ("without", "with")}
factor = {
    label: f"{spread[label, first].min():.2f} to "
    f"{spread[label, first].max():.2f}"
    for label in ("without", "with")
}
calmer = all(
    np.median(shift["with", seed]) < np.median(shift["without", seed])
    for seed in seeds
)
gamma_matches = (
    abs(spread["with", first].min() - gamma0.min()) < 0.05
    and abs(spread["with", first].max() - gamma0.max()) < 0.05
)
if 0 < up < width and pooled["without"] < np.median(moved["without"]):
    pooled_text = f"""These shifts go both ways, {up} units up and
{width - up} down, so a single histogram of all {width} units together hides
them: its median moved by only {pooled["without"]:.2f} of its initial
standard deviation."""
else:
    pooled_text = f"""A single histogram of all {width} units together moved
its median by {pooled["without"]:.2f} of its initial standard deviation."""
runs_text = (
    ", smaller in every run"
    if calmer
    else "; it was not smaller in every run"
)
Markdown(
    f"""Without normalisation, the median unit's mean moved by
{np.median(moved["without"]):.2f} of its initial standard deviation in
{steps} steps (the largest by {moved["without"].max():.2f}), and the units'
standard deviations changed by a factor of {factor["without"]}.
{pooled_text} Over the {len(seeds)} initial weights, the median unit's shift
was {median_range("without")} without normalisation and, with it,
{median_range("with")}{runs_text}: one small model, so an observation, not a
test.

The right panel is flat by construction. In training mode each unit's mean
and standard deviation over a batch are set by $\\beta$ and $\\gamma$ alone,
whatever the layers below do, so they can move only as far as $\\beta$ and
$\\gamma$ are trained: here after {steps} steps $|\\beta|$ is at most
{np.abs(beta0).max():.2f} and $\\gamma$ runs from {gamma0.min():.2f} to
{gamma0.max():.2f}, {"the same range as" if gamma_matches else "to compare with"}
the units' standard deviation factors of {factor["with"]}. Apart from what
$\\beta$ and $\\gamma$ learn, only the shape of each unit's distribution can
still change. The measurement is in the left panel: what the layer would see
without normalisation. (Whether this shift is what makes batch normalisation
help is itself disputed: Santurkar, Tsipras, Ilyas and Madry, 2018, argue
that it works mainly by smoothing the loss landscape.)"""
)

# %% [markdown]
# ## Fine-tuning: keep the normalisation frozen
#
# Fine-tuning retrains some layers of a trained model with a small learning
# rate. Chollet (2021, chapter 9) recommends keeping its batch normalisation
# layers frozen: otherwise they switch to the new batches' statistics and
# update their moving averages, which can interfere with the small updates
# made to the layers around them. In Keras, `trainable = False` on a
# `BatchNormalization` layer does more than freeze $\gamma$ and $\beta$: the
# layer then runs in inference mode, with its moving averages, even when called
# with `training=True` (as inside `fit`), and stops updating them. On a small
# model, in plain Keras:

# %% tags=["copy"]
import keras
import numpy as np
from keras import layers

keras.utils.set_random_seed(0)
images = np.random.default_rng(1).uniform(0, 1, (16, 32, 32, 3))
labels = np.arange(16) % 2
inputs = keras.Input(shape=(32, 32, 3))
x = layers.Conv2D(8, 3, use_bias=False, name="conv")(inputs)
x = layers.BatchNormalization(name="bn")(x)
x = layers.Activation("relu")(x)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
bn = model.get_layer("bn")

for frozen in (False, True):
    bn.trainable = not frozen
    model.compile(optimizer="rmsprop", loss="binary_crossentropy")
    as_training = model(images, training=True)
    as_inference = model(images, training=False)
    before = bn.moving_mean.numpy().copy()
    model.train_on_batch(images, labels)
    moved = np.abs(bn.moving_mean.numpy() - before).max()
    print(f"trainable={not frozen}:")
    gap = float(np.abs(as_training - as_inference).max())
    print(f"  training=True output - inference output: {gap:.2g}")
    print(f"  moving mean moved by a fit step: {moved:.2g}")

# %% [markdown]
# With `trainable=True` the two modes give different outputs and a fit step
# moves the moving mean; with `trainable=False` the outputs are identical and
# the moving mean does not move. (Keras's transfer-learning guide also passes
# `training=False` when calling a frozen base model, so that its normalisation
# stays in inference mode even after the base is unfrozen for fine-tuning.)

# %% [markdown]
# ## Check yourself

# %% tags=["prose"]
Markdown(
    f"""1. How many parameters has `BatchNormalization` after a convolution
   with 64 filters, and how many of them are trainable?
2. With momentum {default}, what weight does a batch's mean still have in
   the moving mean one epoch of Mini-Xception's training ({steps_per_epoch}
   steps) later, compared with when it entered?
3. Why has the convolution before a batch normalisation no bias?
4. You set `bn.trainable = False` and call the model with `training=True`.
   Which statistics does that layer normalise with?"""
)

# %% tags=["collapse"]
answer_params = batch_norm_params(64)
answer_weight = default**steps_per_epoch
print(
    f"1. {answer_params.total} parameters, {answer_params.trainable} trainable"
)
print(f"2. {default} ** {steps_per_epoch} = {answer_weight:.1%}")

# %% tags=["prose"]
Markdown(
    f"""<details><summary>Answers</summary>

1. {answer_params.total}: a scale $\\gamma$, an offset $\\beta$, a moving
   mean and a moving variance per channel; {answer_params.trainable} of them
   ($\\gamma$ and $\\beta$) are trainable.
2. Each step multiplies it by {default}: after {steps_per_epoch} steps it
   keeps {answer_weight:.1%} of the weight it entered with.
3. The normalisation subtracts each channel's mean, which includes any
   constant the bias added, and its own $\\beta$ supplies the offset.
4. The moving averages: in Keras a `BatchNormalization` layer with
   `trainable=False` runs in inference mode whatever `training` says, and does
   not update them.

</details>"""
)

# %% [markdown]
# ## Summary

# %% tags=["prose"]
Markdown(
    f"""- Training mode normalises each channel with the batch's mean and
  variance, then scales by $\\gamma$ and shifts by $\\beta$; the NumPy version
  above matches Keras to float32 rounding.
- Inference mode uses moving averages of those statistics, updated at every
  training step, so that an image's output depends on that image alone.
  A fresh layer starts them at 0 and 1; with Keras's default momentum of
  {default} they forget with a time constant of {time_constant[default]}
  steps, {time_constant[default] / steps_per_epoch:.0f} epochs of
  Mini-Xception's training. They also trail statistics that change during
  training, a separate effect.
- A bias before batch normalisation is cancelled by the mean subtraction:
  leave it out.
- 4 parameters per channel, 2 of them trainable: 128 and 64 for 32 channels.
- It goes before the ReLU, so that each channel is centred on ReLU's pivot,
  zero; the order is debated. In Mini-Xception every ReLU follows a
  normalisation, but {bn_inputs["Add"]} of its {len(bns)} normalisations
  take a residual sum rather than a convolution's output.
- In the small model above, over {steps} steps without normalisation the
  median unit of a layer moved its mean by
  {np.median(shift["without", first]):.2f} of its initial standard
  deviation, and the units' spreads changed by
  {spread["without", first].min():.2f} to
  {spread["without", first].max():.2f} times; with normalisation, which in
  training mode leaves them to $\\beta$ and $\\gamma$, by
  {np.median(shift["with", first]):.2f} and
  {spread["with", first].min():.2f} to {spread["with", first].max():.2f}
  times.
- To fine-tune, set `trainable = False` on its layers: in Keras that also
  keeps them in inference mode."""
)
