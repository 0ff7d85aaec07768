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
# plain stack of convolutions and poolings, trained from scratch on 1,600 of
# the 2,000 photos of cats and dogs in the data set's `train/` folder (the
# other 400 choose the epoch to keep). The lecture's Part B opens this model
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
# - the model in plain Keras, its nine feature-map shapes and where its
#   parameters sit;
# - why it ends with `Flatten` and dropout, and what global average pooling
#   would change;
# - how it trained and how it does on the 1,000 held-out photos.
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
print(
    "residual page, case 2:",
    32,
    "→",
    output_size(32, 3),
    "→",
    output_size(30, 2, 2),
)
print("'same' padding, 3 × 3:", 30, "→", output_size(30, 3, p=1))

# %% [markdown]
# ## The model in plain Keras
#
# Five 3 × 3 convolutions with ReLU, doubling the filters from 32 to 256; a
# 2 × 2 max pooling after each of the first four; then the feature maps are
# flattened into one long vector, half of it dropped at random during
# training, and a single sigmoid unit gives P(dog). The augmentation block
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

# %% [markdown]
# These are the nine feature-map shapes that the lecture lists for its
# activation model, from (None, 178, 178, 32) to (None, 7, 7, 256), as the
# formula predicted. `modern_convnets.models.small_convnet` builds the same
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
# channels, hold most of them. `Flatten` turns the last 7 × 7 × 256 maps into
# 12,544 numbers, one weight each in the dense layer: it keeps *where* each
# feature was found. Global average pooling, which Mini-Xception uses instead,
# averages each channel over the map: 256 numbers, 256 weights, and the
# answer no longer depends on where in the photo a feature sits.

# %%
total = ours.count_params()
for layer in ours.layers:
    if layer.count_params():
        share = layer.count_params() / total
        print(f"{layer.name:<12} {layer.count_params():>9,}  {share:6.1%}")
flat = int(np.prod(ours.get_layer("flatten").output.shape[1:]))
print(f"Flatten: {flat:,} features; global average pooling: 256")
print(
    f"dense layer after Flatten: {flat + 1:,} parameters; after pooling: {256 + 1}"
)

# %% [markdown]
# **Dropout** sets a random half of those 12,544 numbers to zero at each
# training step (and scales the rest up by two), so the dense layer cannot
# lean on any few of them: a cheap defence against memorising 1,600 training
# photos. At inference it does nothing.
#
# ## Training
#
# The shipped model was trained once with `nox -s train -- small_convnet`:
# the 1,600 training photos (the other 400 of `train/` kept for validation),
# RMSprop at 10⁻³, batches of 32, 100 epochs, keeping the weights of the
# epoch with the best validation accuracy. To train the listing above the
# same way, compile it with
# `optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"]`.
# The run's manifest and history ship with the package:

# %%
from modern_convnets.charts import plot_confusion_matrices, plot_histories
from modern_convnets.shipped import (
    load_trained,
    trained_history,
    trained_manifest,
)

manifest = trained_manifest("small_convnet")
history = trained_history("small_convnet")
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

# %% tags=["collapse"]
train_acc = np.array(history["accuracy"])
val_acc = np.array(history["val_accuracy"])
val_loss = np.array(history["val_loss"])
lowest_loss = int(val_loss.argmin()) + 1
print(
    f"first 20 epochs: training {train_acc[:20].mean():.1%}, validation "
    f"{val_acc[:20].mean():.1%}; "
    f"last 20: training {train_acc[-20:].mean():.1%}, "
    f"validation {val_acc[-20:].mean():.1%}"
)
print(
    f"validation loss: lowest {val_loss.min():.2f} at epoch {lowest_loss}, "
    f"{val_loss[-20:].mean():.2f} on average over the last 20 epochs"
)

# %% tags=["prose"]
from IPython.display import Markdown

gap_late = train_acc[-20:].mean() - val_acc[-20:].mean()
if gap_late > 0 and val_loss[-20:].mean() > val_loss.min():
    memorising = (
        "the model fits its training photos far better than new ones, and "
        "its validation loss has risen: it memorises despite augmentation "
        "and dropout"
    )
else:
    memorising = "these numbers show no sign of memorising"
Markdown(
    f"""Averaged over the last 20 epochs, training accuracy is
{train_acc[-20:].mean():.1%} and validation accuracy {val_acc[-20:].mean():.1%},
a gap of {100 * gap_late:.1f} points, and validation loss, lowest at epoch
{lowest_loss} ({val_loss.min():.2f}), averages {val_loss[-20:].mean():.2f}
over those epochs: {memorising}.
The run kept the weights of epoch {manifest["best_epoch"]}, the best on
validation."""
)

# %% [markdown]
# ## On the 1,000 held-out photos
#
# The `validation/` folder played no part in training or in choosing the
# epoch:

# %%
from modern_convnets.data import cats_vs_dogs
from modern_convnets.evaluation import confusion_matrix, predict

_, _, test = cats_vs_dogs()
result = predict(load_trained("small_convnet"), test)
print(
    f"held-out accuracy: {result.accuracy:.1%} of {result.labels.size:,} photos"
)
matrix = confusion_matrix(result.labels, result.probabilities)
plot_confusion_matrices(
    {"small_convnet": matrix},
    test.class_names,
    caption="small_convnet on the 1,000 held-out photos: rows the true class, "
    "columns the prediction",
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

# %% [markdown]
# The book reports 83.9% test accuracy for this model trained with
# augmentation (Chollet, *Deep Learning with Python*, 2nd edition, 2021), on
# its own split: 2,000 training photos, 1,000 for validation and a test set
# of 2,000. Here the model learns from 1,600 photos, keeps 400 aside to choose
# its epoch and is tested on the data set's 1,000 `validation/` photos, so the
# two figures are not directly comparable.

# %% [markdown]
# ## Summary

# %% tags=["prose"]
Markdown(
    f"""- Output size: ⌊(n + 2p − f) / s⌋ + 1; a 3 × 3 convolution without
  padding trims one pixel per side, a 2 × 2 pooling with stride 2 halves,
  rounding down.
- The baseline: five Conv2D/MaxPooling2D stages, `Flatten`, dropout and one
  sigmoid unit, {ours.count_params():,} parameters; the lecture's nine feature
  maps run from 178 × 178 × 32 down to 7 × 7 × 256.
- `Flatten` keeps positions and costs a weight per position and channel;
  global average pooling keeps one number per channel.
- Trained on 1,600 photos, it is right on {result.accuracy:.1%} of the 1,000
  held-out photos (the book's figure, on its own split, is 83.9%).
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
<li>Because the last epoch is not necessarily the best one on new photos:
validation loss was lowest at epoch {lowest_loss} and higher afterwards.
Here the choice mattered little, {best_val:.1%} on validation at the best
epoch ({manifest["best_epoch"]}) against {last_val:.1%} at the last, and
the best of {len(val_acc)} noisy scores flatters itself; the held-out
photos give the fair figure.</li>
</ol>
</details>"""
)
