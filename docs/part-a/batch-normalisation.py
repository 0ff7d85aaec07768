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
# A layer learns best when its inputs keep a stable scale. Batch normalisation
# enforces that: during training it normalises each channel with the mean and
# variance of the current batch, then lets the network choose the scale and
# offset it actually wants.
#
# You will learn:
#
# - the four equations of batch normalisation, as NumPy code checked against
#   Keras's `BatchNormalization` layer, in training and in inference mode;
# - how long the moving averages used at inference remember, and what
#   Keras's default momentum means for a training run;
# - why a convolution followed by batch normalisation needs no bias;
# - the lecture's convolution → normalisation → activation pattern in plain
#   Keras, where the layer's four parameters per channel come from, and why
#   the normalisation goes before the activation;
# - how a layer's inputs drift during training with and without it;
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
# At inference there may be a single image, so batch statistics are meaningless.
# During training the layer keeps exponential moving averages of the mean and
# variance, `moving = momentum × moving + (1 − momentum) × batch`, and uses them
# at inference. The one training call above has already updated them once, from
# their initial values 0 and 1:

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
# ## Momentum: how long the moving averages remember
#
# After $n$ more steps a batch's statistics weigh
# $(1 - \text{momentum}) \times \text{momentum}^n$ in the moving average: they
# fade geometrically, and the average remembers about 1 / (1 − momentum)
# steps. The demo above used 0.9; Keras's default is larger:

# %%
default = keras.layers.BatchNormalization().momentum
root = data.find_dataset()
train_files, _, _ = data.split_files(root, seed=1337)
batch_size = trained_manifest("mini_xception")["config"]["batch_size"]
steps_per_epoch = int(np.ceil(len(train_files.paths) / batch_size))
print(f"Keras's default momentum: {default}")
for momentum in (0.9, default):
    print(
        f"momentum {momentum}: remembers about {1 / (1 - momentum):.0f} steps"
    )
print(
    f"Mini-Xception's training: {len(train_files.paths):,} photos / "
    f"batch {batch_size} = {steps_per_epoch} steps per epoch"
)

# %% [markdown]
# Until the averages have caught up, inference mode normalises with statistics
# that are not the data's. A fresh layer of each momentum, given the batch
# above repeatedly in training mode; after each step, the mean absolute
# difference between its training-mode and inference-mode outputs on that
# batch (the outputs themselves have a standard deviation of about 1):

# %%
checkpoints = (1, steps_per_epoch, 2 * steps_per_epoch)
print(
    f"{'momentum':>9}" + "".join(f"{f'step {n}':>10}" for n in checkpoints)
)
lag = {}
for momentum in (0.9, default):
    fresh = keras.layers.BatchNormalization(momentum=momentum)
    for step in range(1, checkpoints[-1] + 1):
        trained_out = np.asarray(fresh(x, training=True))
        if step in checkpoints:
            inferred = np.asarray(fresh(x, training=False))
            lag[momentum, step] = np.abs(trained_out - inferred).mean()
    print(
        f"{momentum:>9}"
        + "".join(f"{lag[momentum, n]:>10.3f}" for n in checkpoints)
    )

# %% tags=["prose"]
memory_epochs = 1 / (1 - default) / steps_per_epoch
Markdown(
    f"""With the default momentum of {default}, the gap after one step is
{lag[default, 1]:.3f}, and still {lag[default, steps_per_epoch]:.3f} after
{steps_per_epoch} steps, one epoch of Mini-Xception's training; with 0.9 it
is {lag[0.9, steps_per_epoch]:.3f} by then. Here the batch never changes;
in real training the statistics move with the weights, and the averages
remember about {1 / (1 - default):.0f} steps, {memory_epochs:.0f} epochs of
{steps_per_epoch} steps. The validation accuracy on the
[Mini-Xception page](../mini-xception/) is measured in inference mode, with
these lagging averages, and jumps from epoch to epoch; that page names the lag
as a plausible cause, not isolated there."""
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
# whole or dropped almost whole; a centred one is split. The convolution with
# the large bias from above, per channel, before and after normalisation:

# %%
raw = np.asarray(with_bias(images))
centred = np.asarray(keras.layers.BatchNormalization()(raw, training=True))
passed_raw = (raw > 0).mean(axis=(0, 1, 2))
passed_bn = (centred > 0).mean(axis=(0, 1, 2))
print("share of each channel's values that ReLU passes, over 32 channels")
print(
    f"before normalisation: {passed_raw.min():.1%} to {passed_raw.max():.1%}"
)
print(
    f"after normalisation:  {passed_bn.min():.1%} to {passed_bn.max():.1%}"
)

# %% [markdown]
# The learned offset $\beta$ can still move the pivot where training wants it;
# it starts at zero. The order is debated: Ioffe and Szegedy (2015), who
# introduced batch normalisation, normalised before the nonlinearity, and
# Chollet (2021) recommends it while calling the question open; Mishkin,
# Sergievskiy and Matas (2017, "Systematic evaluation of convolution neural
# network advances on the ImageNet") found normalisation after the ReLU
# slightly better in their experiments.
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

# %% tags=["prose"]
relus = [name for name in inbound if kind[name] == "Activation"]
after_bn = sum(
    kind[inbound[name][0]] == "BatchNormalization" for name in relus
)
Markdown(
    f"""{"All" if after_bn == len(relus) else f"{after_bn} of the"}
{len(relus)} ReLU{"s" if len(relus) != 1 else ""} in Mini-Xception
take{"s" if len(relus) == 1 else ""} a batch normalisation's output, so the
normalisation still comes straight before the activation. It is the same
pattern, seen from another point: in a chain of blocks,
`block2_sepconv1` → `block2_sepconv2_bn` → `block2_sepconv2_act` →
`block2_sepconv2` is convolution → normalisation → activation → convolution,
as in the lecture; only the boundary between blocks is drawn before the
normalisation instead of after the activation. This "pre-activation" order
comes from residual networks (He, Zhang, Ren and Sun, 2016, "Identity
mappings in deep residual networks"): it leaves the sum of a block and its
shortcut neither normalised nor rectified, so the shortcut carries it
unchanged to the next block, whose first normalisation then centres it."""
)

# %% [markdown]
# ## A layer's inputs during training, with and without it
#
# Ioffe and Szegedy (2015) motivated the method with "internal covariate
# shift": as the layers below learn, the distribution of a layer's inputs
# moves, and the layer must keep adapting to it. Their Figure 1 follows the
# 15th, 50th and 85th percentiles of one layer's inputs to its nonlinearity
# over training. The same measurement on a small model: four dense layers of
# 64 units with ReLU, trained for a few hundred steps to separate two classes
# of random 32-dimensional points, once with batch normalisation before each
# ReLU and once without (same seed, same data). Every 20 steps we take the
# third layer's pre-activations (its ReLU's inputs, in training mode) on a
# fixed probe batch of 512 points:


# %% tags=["collapse"]
def dense_stack(normalise):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((32,))
    h = inputs
    for i in range(1, 5):
        h = keras.layers.Dense(
            64, use_bias=not normalise, name=f"dense{i}"
        )(h)
        if normalise:
            h = keras.layers.BatchNormalization(name=f"dense{i}_bn")(h)
        h = keras.layers.Activation("relu", name=f"dense{i}_act")(h)
    outputs = keras.layers.Dense(1, activation="sigmoid")(h)
    stack = keras.Model(inputs, outputs)
    stack.compile(
        optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy"
    )
    probe = keras.Model(inputs, stack.get_layer("dense3_act").input)
    return stack, probe


points_rng = np.random.default_rng(0)
points = points_rng.normal(size=(4096, 32)).astype("float32")
direction = points_rng.normal(size=32)
classes = ((points @ direction) ** 2 > 32).astype("float32")
probe_points = points[:512]
steps, every = 400, 20
percentiles = {}  # "with"/"without" -> (checks, 3) array
for label, normalise in (("without", False), ("with", True)):
    stack, probe = dense_stack(normalise)
    seen = []
    for step in range(steps + 1):
        if step % every == 0:
            values = np.asarray(probe(probe_points, training=True))
            seen.append(np.percentile(values, [15, 50, 85]))
        if step < steps:
            i = (step * 32) % len(points)
            stack.train_on_batch(points[i : i + 32], classes[i : i + 32])
    percentiles[label] = np.array(seen)

growth, drift = {}, {}  # band width, last over first; median's move
for label, p in percentiles.items():
    growth[label] = (p[-1, 2] - p[-1, 0]) / (p[0, 2] - p[0, 0])
    drift[label] = abs(p[-1, 1] - p[0, 1])
    print(f"{label} normalisation, 15th to 85th percentile:")
    print(f"  step {0:>4}: {p[0, 0]:+.2f} to {p[0, 2]:+.2f}")
    print(
        f"  step {steps:>4}: {p[-1, 0]:+.2f} to {p[-1, 2]:+.2f}, "
        f"{growth[label]:.2f} × as wide; median moved by {drift[label]:.2f}"
    )

# %% tags=["collapse"]
fig = Figure(figsize=(8, 3.6), layout="constrained")
axes = fig.subplots(1, 2, sharey=True)
checks = np.arange(0, steps + 1, every)
for ax, label in zip(axes, ("without", "with"), strict=True):
    p = percentiles[label]
    ax.fill_between(checks, p[:, 0], p[:, 2], alpha=0.3, label="15th–85th")
    ax.plot(checks, p[:, 1], label="median")
    ax.set_title(f"{label.capitalize()} batch normalisation")
    ax.set_xlabel("training step")
    ax.grid(alpha=0.3)
axes[0].set_ylabel("pre-activation of layer 3")
axes[0].legend()
fig.set_label(
    "The 15th, 50th and 85th percentiles of the third dense layer's "
    "pre-activations on a fixed probe batch during training, without "
    "(left) and with (right) batch normalisation"
)
fig


# %% tags=["prose"]
Markdown(
    f"""Without normalisation, the band between the 15th and 85th
percentiles is {growth["without"]:.2f} times as wide after {
        steps
    } steps as at
the start, and the median moves by {drift["without"]:.2f}; with it, the band
is {growth["with"]:.2f} times as wide and the median moves by
{drift["with"]:.2f}: {
        "the normalised inputs stay closer to where they began"
        if abs(np.log(growth["with"])) < abs(np.log(growth["without"]))
        and drift["with"] < drift["without"]
        else "on this run, normalisation did not keep the inputs steadier "
        "on both measures"
    }.
With normalisation, each channel's mean and standard deviation over a batch
are set by $\\beta$ and $\\gamma$ alone, whatever the layers below do; only the
shape of the distribution can still change. (Whether this shift is what
makes batch normalisation help is itself disputed: Santurkar, Tsipras, Ilyas
and Madry, 2018, argue that it works mainly by smoothing the loss landscape.)"""
)

# %% [markdown]
# ## Fine-tuning: keep the normalisation frozen
#
# Fine-tuning retrains some layers of a trained model with a small learning
# rate. Chollet (2021, chapter 9) recommends keeping its batch normalisation
# layers frozen: otherwise they switch to the new batches' statistics and
# update their moving averages, which can undo the small, careful updates to
# the layers around them. In Keras, `trainable = False` on a
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
#
# 1. How many parameters has `BatchNormalization` after a convolution with 64
#    filters, and how many of them are trainable?
# 2. With momentum 0.99, what weight does a batch's mean still have in the
#    moving mean one epoch (50 steps) later, compared with when it entered?
# 3. Why has the convolution before a batch normalisation no bias?
# 4. You set `bn.trainable = False` and call the model with `training=True`.
#    Which statistics does that layer normalise with?

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
  training step. Keras's default momentum of {default} remembers about
  {1 / (1 - default):.0f} steps, {memory_epochs:.0f} epochs of Mini-Xception's
  training; until the averages catch up, inference outputs differ from
  training outputs (a mean absolute difference of {lag[default, 1]:.3f} after
  one step here).
- A bias before batch normalisation is cancelled by the mean subtraction:
  leave it out.
- 4 parameters per channel, 2 of them trainable: 128 and 64 for 32 channels.
- It goes before the ReLU, so that each channel is centred on ReLU's pivot,
  zero; the order is debated. Mini-Xception's BN → ReLU → convolution is the
  same order, with the block boundary drawn elsewhere.
- In the small model above, {steps} steps of training made the band of a
  layer's pre-activations {growth["without"]:.2f} times as wide without
  normalisation and {growth["with"]:.2f} times as wide with it.
- To fine-tune, set `trainable = False` on its layers: in Keras that also
  keeps them in inference mode."""
)
