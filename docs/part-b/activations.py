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
# # Visualising intermediate activations
#
# A convnet turns a photo into a stack of *feature maps*: every filter of every
# layer produces a 2-D map that is bright where the filter found its pattern.
# Looking at those maps for one photo is the most direct way to see what each
# layer does with it.
#
# You will learn:
#
# - how to build one model that returns the outputs of every convolution and
#   pooling layer in a single forward pass;
# - how to draw one feature map, and every channel of a layer at once;
# - three things the maps show, each checked with numbers over the 1,000
#   held-out photos: the first layer detects edges, deeper layers carry more
#   abstract, class-specific information, and activations grow sparser with
#   depth.
#
# We use the [small convnet](../../part-a/small-convnet/) trained from
# scratch in Part A, which tells cats from dogs. Cells marked **Copy this** are
# the lecture's code in plain Keras: they run as pasted, one after the other,
# in a fresh Python session that has Keras, TensorFlow, NumPy and matplotlib,
# with [`small_convnet.keras`](../../models/small_convnet.keras) (4 MB) in the
# working folder and the photos where `MODERN_CONVNETS_DATA` points. The
# other cells use this package to check them and to go further.
#
# ## The lecture's code
#
# Load the trained model and one held-out photo, `cat.2000.jpg`, the first cat
# of the 1,000 photos the model never saw during training, as a batch of one
# 180 × 180 image:

# %% tags=["copy"]
import os
from pathlib import Path

import keras
import numpy as np

model = keras.models.load_model("small_convnet.keras")
data = (
    Path(os.environ.get("MODERN_CONVNETS_DATA", "."))
    / "cats_and_dogs_filtered"
)
img_path = data / "validation/cats/cat.2000.jpg"
img = keras.utils.load_img(img_path, target_size=(180, 180))
img_tensor = np.expand_dims(keras.utils.img_to_array(img), axis=0)
print(img_tensor.shape)

# %% [markdown]
# Keras models are graphs of layers, and any layer's output can become a model
# output. Collect the outputs of every `Conv2D` and `MaxPooling2D` layer and
# build a new model with the same input: it shares the trained layers and
# weights, and computes all nine feature maps in one forward pass. The names
# `layer_outputs`, `layer_names`, `activation_model`, `activations` and
# `first_layer_feature_maps` are the lecture's; `data`, `img_path` and the
# grid's variables below are ours.

# %% tags=["copy"]
from keras import layers

layer_outputs = []
layer_names = []
for layer in model.layers:
    if isinstance(layer, (layers.Conv2D, layers.MaxPooling2D)):
        layer_outputs.append(layer.output)
        layer_names.append(layer.name)
activation_model = keras.Model(inputs=model.input, outputs=layer_outputs)

activations = activation_model.predict(img_tensor)
print(f"No. of outputs= {len(activations)}")
first_layer_feature_maps = activations[0]
print(f"first_layer_activation.shape= {first_layer_feature_maps.shape}")
for name, maps in zip(layer_names, activations, strict=True):
    print(f"{name:<12} {maps.shape}")

# %% [markdown]
# Each convolution trims one pixel from each side (3 × 3 kernel, no padding:
# 180 → 178) and each pooling halves the size (178 → 89), while the number of
# channels grows from 32 to 256. One channel of the first layer, as the
# lecture draws it:

# %% tags=["copy"]
import matplotlib.pyplot as plt

plt.matshow(first_layer_feature_maps[0, :, :, 0], cmap="viridis")
plt.title(f"{layer_names[0]}, channel 0")
plt.colorbar()
plt.show()

# %% [markdown]
# And every channel of every layer, 16 to a row. Each map is stretched to its
# own range (mean 128, standard deviation 64) for display, so a faint channel
# looks as bright as a strong one; a channel that is all zero (the filter found
# nothing in this photo) stays dark.

# %% tags=["copy"]
images_per_row = 16
for layer_name, layer_activation in zip(
    layer_names, activations, strict=True
):
    n_features = layer_activation.shape[-1]
    size = layer_activation.shape[1]
    n_cols = n_features // images_per_row
    display_grid = np.zeros(
        ((size + 1) * n_cols - 1, images_per_row * (size + 1) - 1)
    )
    for col in range(n_cols):
        for row in range(images_per_row):
            channel_image = layer_activation[
                0, :, :, col * images_per_row + row
            ].copy()
            if channel_image.sum() != 0:
                channel_image -= channel_image.mean()
                channel_image /= channel_image.std()
                channel_image *= 64
                channel_image += 128
            channel_image = np.clip(channel_image, 0, 255).astype("uint8")
            top, left = col * (size + 1), row * (size + 1)
            display_grid[top : top + size, left : left + size] = (
                channel_image
            )
    plt.figure(
        figsize=(8, 8 * display_grid.shape[0] / display_grid.shape[1])
    )
    plt.title(f"{layer_name}: {n_features} channels of {size} × {size}")
    plt.axis("off")
    plt.imshow(display_grid, aspect="auto", cmap="viridis")
    plt.show()

# %% [markdown]
# ## The same, with this package
#
# `modern_convnets.activations` wraps the lecture's loop: `activation_model`
# finds the same layers (also inside a nested base model) and
# `get_activations` returns the maps by layer name. On the same input tensor
# it gives the same numbers:

# %%
from matplotlib.figure import Figure
from modern_convnets.activation_plots import (
    plot_activation_overview,
    plot_channel,
    plot_channel_grid,
    plot_sparsity,
)
from modern_convnets.activations import (
    activation_layers,
    get_activations,
    sparsity_over,
)
from modern_convnets.activations import (
    activation_model as build_activation_model,
)
from modern_convnets.data import cats_vs_dogs
from modern_convnets.grids import show_image
from modern_convnets.images import model_batch
from modern_convnets.shipped import load_trained, trained_manifest

model = load_trained("small_convnet")  # the same file, from the package
manifest = trained_manifest("small_convnet")
print(
    f"held-out accuracy: {manifest['test_accuracy']:.1%} "
    f"on {manifest['test_photos']:,} photos"
)
maps = get_activations(model, img_tensor)
print("same layers:", list(maps) == layer_names)
print(
    "same activations:",
    all(
        np.array_equal(a, b)
        for a, b in zip(maps.values(), activations, strict=True)
    ),
)

# %% [markdown]
# The package's `model_batch` resizes a photo the way the training pipeline
# did (bilinear, as `tf.image.resize`), while `load_img` above used Pillow's
# nearest-neighbour default; the difference is a few grey levels per pixel.
# From here on, the photo comes from `model_batch`:

# %%
cat = model_batch(model, data / "validation" / "cats" / "cat.2000.jpg")
p_dog = float(model.predict(cat, verbose=0)[0, 0])
print(f"input {cat.shape}, P(dog) = {p_dog:.3f}")
gap = np.abs(cat - img_tensor).mean()
print(f"mean difference from load_img: {gap:.1f} grey levels")
show_image(cat[0].astype("uint8"), title="cat.2000.jpg", width=3.5)

# %%
cat_maps = get_activations(model, cat)
first = cat_maps["block1_conv"][0]
active = np.flatnonzero(first.any(axis=(0, 1)))
print(
    f"{len(active)} of {first.shape[-1]} channels fire; first: {active[0]}"
)
plot_channel(first, active[0], layer_name="block1_conv")

# %% [markdown]
# `plot_channel_grid` draws one layer's grid with the blank channels in grey,
# so that "found nothing" is told apart from "found a little":

# %%
plot_channel_grid(cat_maps["block2_conv"], layer_name="block2_conv")

# %% [markdown]
# The first layers still look like the cat: outlines, fur texture, the dark
# background. By `block4` the maps are 18 × 18 and hard to read; by `block5`
# they are 7 × 7 blobs that say *where* something was found, not what it looked
# like. Three findings stand out. Each is checked below with numbers.
#
# ## Finding 1: the first layer detects edges
#
# A filter that detects edges responds to *change* across the image, not to
# flat colour. For a 3 × 3 kernel we can measure that directly: split its
# weights into the mean of each input channel's 3 × 3 window (what a flat patch
# of colour excites) and the rest (what responds to change), and ask what
# share of the kernel's energy the rest carries.

# %%
kernels = model.get_layer("block1_conv").get_weights()[0]  # (3, 3, 3, 32)
flat = kernels.mean(axis=(0, 1), keepdims=True)
change = ((kernels - flat) ** 2).sum(axis=(0, 1, 2))
energy = (kernels**2).sum(axis=(0, 1, 2))
share = change / energy
print(
    f"energy in change: min {share.min():.0%}, "
    f"median {np.median(share):.0%}, max {share.max():.0%}"
)
print(f"filters with more than half: {(share > 0.5).sum()} of 32")

# %% tags=["collapse"]
fig = Figure(figsize=(9, 2.6), layout="constrained")
axes = fig.subplots(2, 16)
order = np.argsort(share)
for ax, index in zip(axes.flat, order, strict=True):
    w = kernels[..., index]
    ax.imshow((w - w.min()) / (w.max() - w.min()), interpolation="nearest")
    ax.set_title(f"{share[index]:.0%}", fontsize=8)
    ax.set_axis_off()
fig.suptitle("The 32 kernels of block1_conv as RGB, by share in change")
fig

# %% [markdown]
# Every one of the 32 first-layer kernels puts more than half of its weight into
# differences between neighbouring pixels: they are edge and texture detectors,
# many of them tuned to a colour (the coloured kernels above). The channel
# of the cat shown earlier is one of them.
#
# ## Finding 2: deeper layers carry more abstract information
#
# "Abstract" is hard to see in a picture but easy to measure: the deeper layers
# should carry more of what the network is for, telling cats from dogs. We
# average each channel over the map (one number per channel and photo), and
# classify each held-out photo by the nearest class average, computed on the
# other half of the photos. No training is involved: if a layer's averages
# separate cats from dogs, that information is already in the layer.

# %%
_, _, test = cats_vs_dogs()
act_model = build_activation_model(model)
names = activation_layers(model)
pooled = {name: [] for name in names}
labels = []
for pixels, batch_labels in test:
    outputs = act_model(pixels, training=False)
    for name, output in zip(names, outputs, strict=True):
        pooled[name].append(keras.ops.mean(output, axis=(1, 2)))
    labels.append(np.asarray(batch_labels).ravel())
labels = np.concatenate(labels).astype(int)
fit = np.arange(len(labels)) % 2 == 0  # even photos: class averages


def nearest_mean_accuracy(features: np.ndarray) -> float:
    """Accuracy on the odd photos of a nearest-class-average classifier."""
    mean, std = features[fit].mean(0), features[fit].std(0) + 1e-8
    features = (features - mean) / std
    centres = [features[fit & (labels == c)].mean(0) for c in (0, 1)]
    distance = [np.linalg.norm(features - c, axis=1) for c in centres]
    predicted = (distance[1] < distance[0]).astype(int)
    return float((predicted == labels)[~fit].mean())


readable = {
    name: nearest_mean_accuracy(np.concatenate(pooled[name]))
    for name in names
}
for name, accuracy in readable.items():
    print(f"{name:<12} {accuracy:.1%}")

# %% tags=["collapse"]
fig = Figure(figsize=(8, 3.2), layout="constrained")
ax = fig.add_subplot()
ax.plot(range(len(names)), [100 * a for a in readable.values()], "o-")
ax.axhline(50, color="grey", linestyle=":", label="chance")
ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
ax.set_ylabel("cat or dog, % correct")
ax.set_title(f"Read from averaged activations, {(~fit).sum()} photos")
ax.grid(axis="y", alpha=0.3)
ax.legend()
fig

# %% [markdown]
# From the first layer, the averaged maps tell cats from dogs only a little
# better than chance; the last layer's do much better. The model's own
# accuracy (shown at the top) is higher still, because its dense layer reads
# the full 7 × 7 maps, not their averages.
#
# ## Finding 3: activations grow sparser with depth
#
# `sparsity_over` runs the 1,000 held-out photos through the activation model, a
# batch at a time, and counts the zeros (ReLU outputs are exactly zero where a
# filter finds nothing): the share of all activations that are zero, and the
# share of channels that are blank on a photo.

# %%
stats = sparsity_over(model, test)
print(f"{'layer':<12}{'zeros':>8}{'blank':>8}{'never on':>10}")
for s in stats:
    print(
        f"{s.layer:<12}{s.zero_fraction:>8.1%}{s.blank_fraction:>8.1%}"
        f"{s.dead_channels:>6} / {s.channels}"
    )
plot_sparsity(stats)

# %% [markdown]
# The share of zero activations grows from about three in five in the first
# convolution to nearly nine in ten in `block4_conv`, then eases in
# `block5_conv`, whose 7 × 7 maps each cover most of the photo. Pooling keeps
# the largest value of each window, so pooled maps are a little denser than the
# convolutions before them. The share of blank channels is flatter: it dips in
# `block3` and is highest in the last two blocks. Few channels are blank on
# *every* photo (the last column): a channel that is blank on this cat usually
# fires on some other photo. Deeper filters look for specific things, and any
# one photo contains only a few of them.
#
# ## A held-out dog
#
# The same views for `dog.2000.jpg`: here the first eight channels of every
# layer, one layer per row.

# %%
dog = model_batch(model, data / "validation" / "dogs" / "dog.2000.jpg")
p_dog = float(model.predict(dog, verbose=0)[0, 0])
show_image(
    dog[0].astype("uint8"),
    title=f"dog.2000.jpg, P(dog) = {p_dog:.3f}",
    width=3.5,
)

# %%
dog_maps = get_activations(model, dog)
plot_activation_overview(dog_maps, channels=8)

# %%
plot_channel_grid(dog_maps["block5_conv"], layer_name="block5_conv")

# %% [markdown]
# ## Summary
#
# - An activation model returns the feature maps of chosen layers in one forward
#   pass; it shares the trained weights and leaves the model unchanged.
# - The first layer's 32 kernels all put most of their weight into differences
#   between pixels: edge and colour-edge detectors.
# - Deeper layers keep less of the photo's look and more of its meaning:
#   averaged activations tell cats from dogs better and better with depth.
# - Activations grow sparser with depth; only a few deep filters fire on any
#   one photo.
#
# Try it on your own photo: [the lab](../../lab/) shows every layer's
# activations of both trained models for any photo you give it, in your browser.
