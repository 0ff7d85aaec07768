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
# # A small convnet, the baseline
#
# Before the building blocks of modern convnets, the model they improve on: a
# plain stack of convolutions and poolings, trained from scratch on most of
# the photos of cats and dogs in the data set's `train/` folder (the rest
# choose the epoch to keep; the Training section counts them). The lecture's
# Part B opens this model
# from a file (`convnet_from_scratch_with_augmentation.keras`) to look at its
# activations; here it is built, counted, and evaluated. The
# [Mini-Xception](../mini-xception/) page trains the two side by side, and
# [What each ingredient buys](../what-each-ingredient-buys/) compares them on
# the held-out photos.
#
# You will learn:
#
# - how a convolution or a pooling changes the height and width of its
#   input, with the output-size formula, stride and padding;
# - the model in plain Keras, its feature-map shapes and where its
#   parameters sit;
# - why it ends with `Flatten` and dropout, and what global average pooling
#   would change;
# - how it trained and how it does on the held-out photos.
#
# Cells marked **Copy this** are plain Keras: they run as pasted, one after
# the other, in a fresh Python session.
#
# ## How big is the output?
#
# A convolution slides an f × f window over its input. Two settings decide
# where the window goes:
#
# - the **stride** s is how many pixels the window moves at each step (1 for
#   these convolutions; a 2 × 2 max pooling uses stride 2, so windows do not
#   overlap);
# - the **padding** p is how many rows and columns of zeros are added around
#   the input first. Keras's `padding="valid"` (the default) adds none;
#   `padding="same"` adds enough that, with stride 1, the output keeps the
#   input's size.
#
# On an n × n input, the output is ⌊(n + 2p − f) / s⌋ + 1 pixels wide. A 3 × 3
# convolution without padding trims one pixel from each side; a 2 × 2 pooling
# with stride 2 halves the size, rounding down:

# %%
import math


def output_size(n: int, f: int, s: int = 1, p: int = 0) -> int:
    """Output height of a convolution or pooling (the formula above)."""
    return (n + 2 * p - f) // s + 1


size = 180
for step in range(1, 6):
    conv = output_size(size, f=3)
    pool = output_size(conv, f=2, s=2)
    line = f"block{step}: {size} → conv {conv}"
    if step < 5:
        line += f" → pool {pool}"
    print(line)
    size = pool
# The residual page's case 2 pools with padding="same": ⌈n / 2⌉, not the
# formula's ⌊(n − 2) / 2⌋ + 1 = ⌊n / 2⌋. The two agree only for even n.
conv = output_size(32, 3)
print(
    f"residual page, case 2: 32 → conv {conv} → 'same' pool "
    f"{math.ceil(conv / 2)} (formula, 'valid' pool: {output_size(conv, 2, 2)})"
)
print(
    f"odd input, 31: 'same' pool {math.ceil(31 / 2)}, "
    f"'valid' pool {output_size(31, 2, 2)}"
)
print("'same' padding, 3 × 3:", 30, "→", output_size(30, 3, p=1))

# %% [markdown]
# ## The model in plain Keras
#
# Five 3 × 3 convolutions with ReLU, doubling the filters from 32 to 256; a
# 2 × 2 max pooling after each of the first four; then the feature maps are
# flattened into one long vector, each of its numbers dropped with
# probability one half during training, and a single sigmoid unit gives
# P(dog). The augmentation block
# (random flips, rotations and zooms, active only during training) and the
# rescaling to [0, 1] come first. The lecture only loads this model from a
# file; the listing and its names follow the book the lecture is drawn from
# (Chollet, *Deep Learning with Python*, 2nd edition, chapter 8):

# %% tags=["copy"]
import keras
from keras import layers

data_augmentation = keras.Sequential(
    [
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.1),
        layers.RandomZoom(0.2),
    ]
)

inputs = keras.Input(shape=(180, 180, 3))
x = data_augmentation(inputs)
x = layers.Rescaling(1.0 / 255)(x)
x = layers.Conv2D(filters=32, kernel_size=3, activation="relu")(x)
x = layers.MaxPooling2D(pool_size=2)(x)
x = layers.Conv2D(filters=64, kernel_size=3, activation="relu")(x)
x = layers.MaxPooling2D(pool_size=2)(x)
x = layers.Conv2D(filters=128, kernel_size=3, activation="relu")(x)
x = layers.MaxPooling2D(pool_size=2)(x)
x = layers.Conv2D(filters=256, kernel_size=3, activation="relu")(x)
x = layers.MaxPooling2D(pool_size=2)(x)
x = layers.Conv2D(filters=256, kernel_size=3, activation="relu")(x)
x = layers.Flatten()(x)
x = layers.Dropout(0.5)(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs=inputs, outputs=outputs)

for layer in model.layers:
    if isinstance(layer, (layers.Conv2D, layers.MaxPooling2D)):
        print(f"{layer.name:<16} {layer.output.shape}")
print(f"{model.count_params():,} parameters")

# %% tags=["prose"]
from IPython.display import Markdown

maps = [
    layer.output.shape
    for layer in model.layers
    if isinstance(layer, (layers.Conv2D, layers.MaxPooling2D))
]
Markdown(
    f"""These are the {len(maps)} feature-map shapes that the lecture lists for
its activation model, from {maps[0]} to {maps[-1]}, as the formula
predicted."""
)

# %% [markdown]
# `modern_convnets.models.small_convnet` builds the same
# model with its layers named by block (`block1_conv`, `block1_pool`, …), the
# names the [Activations](../../part-b/activations/) page uses; the
# augmentation block is an argument (`modern_convnets.data.augmentation()`
# is the one above). Given the same weights, it computes the same output:

# %%
import numpy as np
from modern_convnets.data import augmentation
from modern_convnets.diagram import layer_graph
from modern_convnets.models import small_convnet

ours = small_convnet(augmentation=augmentation())
ours.set_weights(model.get_weights())
batch = (
    np.random.default_rng(0)
    .uniform(0, 255, (4, 180, 180, 3))
    .astype("float32")
)
print(
    "same output as the listing:",
    np.array_equal(
        model.predict(batch, verbose=0), ours.predict(batch, verbose=0)
    ),
)
print(layer_graph(ours))

# %% [markdown]
# ## Where the pattern comes from: VGG
#
# Blocks of 3 × 3 convolutions, each block closed by a 2 × 2 max pooling, with
# the number of filters doubling as the maps shrink: that is the design of
# VGG16 (Simonyan and Zisserman, 2014), which showed that depth built from
# small, uniform blocks beats larger filters. Two stacked 3 × 3 convolutions
# see a 5 × 5 patch, like one 5 × 5 convolution, with 2 × 9 = 18 weights per
# input and output channel instead of 25, and one more nonlinearity between
# them. Keras ships the architecture; built without weights, it shows the
# same pattern at ImageNet scale, and where its parameters went:

# %%
vgg = keras.applications.VGG16(weights=None)
blocks = {}
for layer in vgg.layers:
    if isinstance(layer, layers.Conv2D):
        blocks.setdefault(layer.name.split("_")[0], []).append(
            layer.filters
        )
for block, filters in blocks.items():
    print(
        f"{block}: {len(filters)} × Conv2D 3 × 3, {filters[0]} filters; pooling"
    )
total = vgg.count_params()
dense = sum(
    x.count_params() for x in vgg.layers if isinstance(x, layers.Dense)
)
print(
    f"{total:,} parameters, {dense / total:.0%} of them in the dense layers"
)
del vgg

# %% [markdown]
# ## Where the parameters are: flattening or global average pooling
#
# VGG16 spent most of its parameters on the dense layers after `Flatten`. The
# small convnet has a single output unit, so its weight sits elsewhere.
# Each convolution has f × f × C<sub>in</sub> × C<sub>out</sub> weights and
# C<sub>out</sub> biases, so the last two, with 128 → 256 and 256 → 256
# channels, hold most of them. `Flatten` turns the last maps into one long
# vector, one weight each in the dense layer: it keeps *where* in the last
# map each feature was found. Global average pooling (Lin et al., 2014, the
# *Network in Network* paper), which Mini-Xception uses instead, averages each
# channel over the map: one number and one weight per channel.

# %%
total = ours.count_params()
for layer in ours.layers:
    if layer.count_params():
        share = layer.count_params() / total
        print(f"{layer.name:<12} {layer.count_params():>9,}  {share:6.1%}")
last_map = ours.get_layer("block5_conv").output.shape[1:]
flat = int(np.prod(ours.get_layer("flatten").output.shape[1:]))
channels = last_map[-1]
print(f"last map: {last_map}")
print(f"Flatten: {flat:,} features; global average pooling: {channels}")
print(
    f"dense layer after Flatten: {flat + 1:,} parameters; "
    f"after pooling: {channels + 1}"
)

# %% tags=["prose"]
height, width, _ = last_map
dropped = ours.get_layer("dropout").rate
Markdown(
    f"""`Flatten` turns the last {height} × {width} × {channels} maps into
{flat:,} numbers; global average pooling would give {channels} numbers and
{channels} weights. The pooled answer no longer depends on where within the
final {height} × {width} map a feature was found, but the network as a whole
still depends on position: its strided poolings sample the maps on a grid,
so a shift of the photo by a pixel or two can change the features and the
prediction (Azulay and Weiss, 2019; Zhang, 2019).

**Dropout** (Srivastava et al., 2014) sets each of those {flat:,} numbers
to zero with probability {dropped:g} at each training step (and scales the
rest up by
1 / (1 − {dropped:g}) = {1 / (1 - dropped):g}), so the dense layer cannot lean
on any few of them: a defence against memorising the training photos. At
inference it does nothing."""
)

# %% [markdown]
#
# ## Training
#
# The shipped model was trained once with `nox -s train -- small_convnet`,
# keeping the weights of the epoch with the best validation accuracy. The
# run's manifest (its settings and results) and history (the metrics of every
# epoch) ship with the package, and its settings rebuild its split:

# %%
from modern_convnets.charts import plot_confusion_matrices, plot_histories
from modern_convnets.data import cats_vs_dogs
from modern_convnets.shipped import (
    load_trained,
    trained_history,
    trained_manifest,
)

manifest = trained_manifest("small_convnet")
history = trained_history("small_convnet")
config = manifest["config"]
print("settings:", config)
train_ds, val_ds, test = cats_vs_dogs(
    image_size=(config["image_size"], config["image_size"]),
    batch_size=config["batch_size"],
    validation_fraction=config["validation_fraction"],
    seed=config["seed"],
)
n_train, n_val = len(train_ds.file_paths), len(val_ds.file_paths)
print(f"training photos: {n_train:,}, validation photos: {n_val:,}")
print(f"epochs: {manifest['epochs']}, best epoch: {manifest['best_epoch']}")
print(f"best validation accuracy: {manifest['best_val_accuracy']:.1%}")
hours = manifest["wall_seconds"] / 3600
print(
    f"wall time: {hours:.1f} h on {manifest['hardware']['cpu_count']} CPU cores"
)
plot_histories(
    {"small_convnet": history},
    caption="Accuracy and loss per epoch of small_convnet on the training and "
    "validation photos",
)

# %% tags=["prose"]
optimizer = {"rmsprop": "RMSprop"}.get(
    config["optimizer"], config["optimizer"]
)
Markdown(
    f"""The recipe: the {n_train:,} training photos, the other {n_val:,} of the
{n_train + n_val:,} in `train/` kept for validation; {optimizer} with
a learning rate of {config["learning_rate"]:g}, batches of
{config["batch_size"]}, {config["epochs"]} epochs. To train the listing above
the same way, compile it with
`optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"]`."""
)

# %% tags=["collapse"]
train_acc = np.array(history["accuracy"])
val_acc = np.array(history["val_accuracy"])
val_loss = np.array(history["val_loss"])
lowest_loss = int(val_loss.argmin()) + 1  # epochs count from 1
around = slice(max(lowest_loss - 10, 0), lowest_loss + 10)  # 20 epochs
best = manifest["best_epoch"]
print(
    f"validation loss: lowest {val_loss.min():.2f} at epoch {lowest_loss} "
    f"(validation accuracy {val_acc[lowest_loss - 1]:.2%}), "
    f"{val_loss[-20:].mean():.2f} on average over the last 20 epochs"
)
print(
    f"validation accuracy: {val_acc[around].mean():.1%} on average in epochs "
    f"{around.start + 1}-{around.stop}, {val_acc[-20:].mean():.1%} over the "
    "last 20"
)
print(
    f"kept epoch {best}: validation accuracy {val_acc[best - 1]:.1%}, "
    f"validation loss {val_loss[best - 1]:.2f}"
)
gaps = {
    f"{start + 1}-{start + 10}": 100
    * (train_acc[start : start + 10] - val_acc[start : start + 10]).mean()
    for start in range(0, len(train_acc), 10)
}
print(
    "training minus validation accuracy, points, by epochs:",
    {epochs: round(float(gap), 1) for epochs, gap in gaps.items()},
)

# %% tags=["prose"]
rising = val_acc[-20:].mean() > val_acc[around].mean()
loss_up = val_loss[-20:].mean() > val_loss.min()
if loss_up and rising:
    loss_story = "yet validation accuracy kept rising"
elif loss_up:
    loss_story = (
        "and validation accuracy did not rise either: the model stopped "
        "improving on new photos"
    )
else:
    loss_story = "so validation loss did not rise"
over_confident = (
    " The extra loss does not come from more mistakes. Cross-entropy charges "
    "a wrong answer more the more confident it is, so a loss that rises while "
    "accuracy climbs points to mistakes made with more confidence "
    "(over-confidence), not to more of them."
    if loss_up and rising
    else ""
)
spans = list(gaps)
Markdown(
    f"""Validation loss was lowest at epoch {lowest_loss}
({val_loss.min():.2f}) and averages {val_loss[-20:].mean():.2f} over the last
20 epochs, {loss_story}: {val_acc[around].mean():.1%} on average over epochs
{around.start + 1}–{around.stop}, around the loss minimum, and
{val_acc[-20:].mean():.1%} over the last 20.{over_confident}

Training accuracy ran ahead of validation accuracy by
{gaps[spans[1]]:.1f} points on average in epochs {spans[1].replace("-", "–")},
{gaps[spans[4]]:.1f} in epochs {spans[4].replace("-", "–")} and
{gaps[spans[7]]:.1f} in epochs {spans[7].replace("-", "–")}. The two are
measured differently, though: training accuracy on augmented photos with
dropout active, validation accuracy on plain photos without dropout, so the
gap is not a pure measure of memorising. The run kept the weights of epoch
{best}, the best by validation accuracy ({val_acc[best - 1]:.1%}, validation
loss {val_loss[best - 1]:.2f})."""
)

# %% [markdown]
# ## On the held-out photos
#
# The `validation/` folder played no part in training or in choosing the
# epoch:

# %%
from modern_convnets.evaluation import confusion_matrix, predict

result = predict(load_trained("small_convnet"), test)
print(
    f"held-out accuracy: {result.accuracy:.1%} of {result.labels.size:,} photos"
)
matrix = confusion_matrix(result.labels, result.probabilities)
plot_confusion_matrices(
    {"small_convnet": matrix},
    test.class_names,
    caption=f"small_convnet on the {result.labels.size:,} held-out photos: rows "
    "the true class, columns the prediction",
)

# %% tags=["prose"]
missed = {
    name: matrix[label][1 - label] / matrix[label].sum()
    for label, name in enumerate(test.class_names)
}
Markdown(
    f"""The model is right on {result.accuracy:.1%} of the held-out photos;
it misses {missed[test.class_names[1]]:.1%} of the dogs (taken for cats, the
bottom-left cell) and {missed[test.class_names[0]]:.1%} of the cats."""
)

# %% tags=["prose"]
by_loss = val_acc[lowest_loss - 1]
Markdown(
    f"""The book reports 83.5% test accuracy for this model trained with
augmentation (Chollet, *Deep Learning with Python*, 2nd edition, 2021,
chapter 8; its Keras 3 edition, Chollet and Watson, 2025, reports 83.9%), on
its own split: 2,000 training photos, 1,000 for validation and a test set of
2,000. Its checkpoint keeps the epoch with the lowest validation loss; this
run kept the best validation accuracy, and by validation loss it would have
kept epoch {lowest_loss} (validation accuracy {by_loss:.2%}) instead of epoch
{best}. Here the model learns from {n_train:,} photos, keeps {n_val:,} aside
to choose its epoch and is tested on the data set's {result.labels.size:,}
`validation/` photos, so the figures are not directly comparable."""
)

# %% [markdown]
# ## Summary

# %% tags=["prose"]
Markdown(
    f"""- Output size: ⌊(n + 2p − f) / s⌋ + 1; a 3 × 3 convolution without
  padding trims one pixel per side, a 2 × 2 pooling with stride 2 halves,
  rounding down.
- The baseline: five Conv2D/MaxPooling2D stages, `Flatten`, dropout and one
  sigmoid unit, {ours.count_params():,} parameters; the lecture's
  {len(maps)} feature maps run from {" × ".join(map(str, maps[0][1:]))} down
  to {" × ".join(map(str, maps[-1][1:]))}.
- `Flatten` keeps positions within the last map and costs a weight per
  position and channel; global average pooling keeps one number per channel.
- Trained on {n_train:,} photos, it is right on {result.accuracy:.1%} of the
  {result.labels.size:,} held-out photos (the book's figure, on its own split,
  is 83.5%).
- It is the baseline that [Mini-Xception](../mini-xception/) is measured
  against ([What each ingredient buys](../what-each-ingredient-buys/)), and
  the model whose activations
  [Part B](../../part-b/activations/) looks inside."""
)

# %% [markdown]
# **Check yourself.** Questions on this page, with answers to unfold.

# %% tags=["prose"]
strided = output_size(180, f=3, s=2, p=1)
conv5 = ours.get_layer("block5_conv").count_params()
with_gap = total - (flat + 1) + (256 + 1)
last_val = val_acc[-1]
best_val = manifest["best_val_accuracy"]
Markdown(
    f"""1. A 3 × 3 convolution with stride 2 and one pixel of zero padding
   meets a 180 × 180 input. How wide is its output?
2. How many parameters does the last convolution, `block5_conv`, have?
3. With global average pooling in place of `Flatten`, how many parameters
   would the whole model have?
4. Why keep the best epoch rather than the last?

<details><summary>Answers</summary>
<ol>
<li>⌊(180 + 2 − 3) / 2⌋ + 1 = {strided}.</li>
<li>3 × 3 × 256 × 256 weights plus 256 biases: {conv5:,}.</li>
<li>The dense layer shrinks from {flat + 1:,} to 257 parameters:
{with_gap:,} in all, against {total:,}.</li>
<li>Because the last epoch is not necessarily the best one on new photos.
This run kept the epoch with the best validation accuracy, epoch
{manifest["best_epoch"]} ({best_val:.1%}, validation loss
{val_loss[manifest["best_epoch"] - 1]:.2f}); keeping the lowest validation
loss instead, as the book does, would have picked epoch {lowest_loss}
({val_acc[lowest_loss - 1]:.2%}). Here the choice mattered little,
{best_val:.1%} on validation at the kept epoch against {last_val:.1%} at the
last, and the best of {len(val_acc)} noisy scores flatters itself; the
held-out photos give the fair figure.</li>
</ol>
</details>"""
)
