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
# - three questions about the maps, each answered with numbers: what training
#   did to the first layer's kernels, compared with their untrained start;
#   whether deeper layers carry more of the cat-or-dog information, scored on
#   half of the held-out photos (the other half fit the reader); and how many
#   activations and channels are zero at each depth.
#
# We use the [small convnet](../../part-a/small-convnet/) trained from
# scratch in Part A, which tells cats from dogs. Cells marked **Copy this** are
# the lecture's code in plain Keras: they run as pasted, one after the other,
# in a fresh Python session that has Keras, TensorFlow, NumPy and matplotlib,
# with [`small_convnet.keras`](../../models/small_convnet.keras) in the
# working folder and the photos where `MODERN_CONVNETS_DATA` points. The
# other cells use this package to check them and to go further.
#
# ## The lecture's code
#
# Load the trained model and one held-out photo, `cat.2000.jpg`, the first cat
# of the validation photos, which the model never saw during training, as a
# batch of one 180 × 180 image:

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
# weights, and computes all their feature maps in one forward pass. The names
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

# %% tags=["prose"]
from IPython.display import Markdown

side = [maps.shape[1] for maps in activations]
Markdown(
    f"""Each convolution trims one pixel from each side (3 × 3 kernel, no
padding: {img_tensor.shape[1]} → {side[0]}) and each pooling halves the size
({side[0]} → {side[1]}), while the number of channels grows from
{activations[0].shape[-1]} to {activations[-1].shape[-1]}. One channel of the
first layer, as the lecture draws it:"""
)

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

# %% tags=["prose"]
from itertools import pairwise

blank_on_cat = {
    name: int((~maps[0].any(axis=(0, 1))).sum())
    for name, maps in zip(layer_names, activations, strict=True)
}
conv_maps = {
    name: maps[0]
    for name, maps in zip(layer_names, activations, strict=True)
    if name.endswith("_conv")
}


def lit_positions(maps: np.ndarray) -> tuple[float, int]:
    """Median non-zero positions of the channels that fire, and positions."""
    lit = (maps != 0).sum(axis=(0, 1))
    return float(np.median(lit[lit > 0])), maps.shape[0] * maps.shape[1]


def conv_line(name: str) -> str:
    median_lit, cells = lit_positions(conv_maps[name])
    return (
        f"`{name}`: {blank_on_cat[name]} of {conv_maps[name].shape[-1]} "
        f"channels blank; the others non-zero at a median {median_lit:,.0f} of "
        f"their {cells:,} positions ({median_lit / cells:.0%})"
    )


lit_share = [
    lit_positions(m)[0] / lit_positions(m)[1] for m in conv_maps.values()
]
sparser = all(b < a for a, b in pairwise(lit_share))
Markdown(
    "The dark tiles are channels that are zero everywhere on this photo "
    "(pooling keeps a blank channel blank). Per convolution:\n\n"
    + "\n".join(f"- {conv_line(name)}" for name in conv_maps)
    + "\n\n"
    + (
        "A channel that fires covers a smaller share of its map at every "
        "depth."
        if sparser
        else "The share of its map that a firing channel covers does not "
        "fall at every depth."
    )
)

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
# nearest-neighbour default. From here on, the photo comes from
# `model_batch`:

# %%
cat = model_batch(model, data / "validation" / "cats" / "cat.2000.jpg")
p_dog = float(model.predict(cat, verbose=0)[0, 0])
print(f"input {cat.shape}, P(dog) = {p_dog:.3f}")
gap = np.abs(cat - img_tensor).mean()
print(f"mean difference from load_img: {gap:.1f} grey levels")
show_image(cat[0].astype("uint8"), title="cat.2000.jpg", width=3.5)

# %% tags=["prose"]
Markdown(
    f"""The two resizings of the same photo differ by {gap:.1f} grey levels
per pixel on average (on the 0 to 255 scale)."""
)

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
# The grids above suggest three questions, and each has an answer in numbers.
#
# ## Finding 1: what training did to the first layer's kernels
#
# A filter that detects edges responds to *change* across the image, not to
# flat colour. For a 3 × 3 kernel we can measure that directly: split its
# weights into the mean of each input channel's 3 × 3 window (what a flat patch
# of colour excites) and the rest (what responds to change), and ask what
# share of the kernel's energy (its sum of squared weights) the rest carries.


# %%
def share_in_change(kernels: np.ndarray) -> np.ndarray:
    """Share of each kernel's energy that a flat colour patch does not excite."""
    flat = kernels.mean(axis=(0, 1), keepdims=True)
    change = ((kernels - flat) ** 2).sum(axis=(0, 1, 2))
    return change / (kernels**2).sum(axis=(0, 1, 2))


kernels = model.get_layer("block1_conv").get_weights()[0]  # (3, 3, 3, 32)
share = share_in_change(kernels)
print(
    f"trained:   min {share.min():.0%}, "
    f"median {np.median(share):.0%}, max {share.max():.0%}"
)

# %% [markdown]
# A share means nothing without a baseline. A kernel of independent random
# weights puts on average 8 of its 9 parts there (removing the mean of nine
# numbers removes one ninth of their expected energy): it "responds to change"
# without having learned anything. The fair comparison is the same kernels
# before training. The training run recorded its seed in the model's manifest,
# and `train.build` rebuilds the model with that seed, so its kernels are the
# ones training started from:

# %%
from modern_convnets.train import TrainConfig, build

untrained = build(TrainConfig(**manifest["config"]))
initial = untrained.get_layer("block1_conv").get_weights()[0]
share_before = share_in_change(initial)
print(
    f"seed {manifest['config']['seed']}, random-kernel average {8 / 9:.0%}"
)
print(
    f"untrained: min {share_before.min():.0%}, "
    f"median {np.median(share_before):.0%}, max {share_before.max():.0%}"
)
fell = int((share < share_before).sum())
print(f"share fell during training for {fell} of 32 kernels")

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
fig.set_label(
    "The 32 trained kernels of block1_conv as 3 × 3 RGB patches, ordered by "
    f"their share of energy in change, from {share.min():.0%} to "
    f"{share.max():.0%}"
)
fig

# %% tags=["prose"]
from math import comb


def sign_p(count: int, n: int) -> float:
    """Two-sided sign test: p of a split at least this uneven by chance."""
    tail = min(count, n - count)
    return min(1.0, 2 * sum(comb(n, k) for k in range(tail + 1)) / 2**n)


def energies(kernels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each kernel's energy in flat colour and in change (they add up)."""
    flat = kernels.mean(axis=(0, 1), keepdims=True)
    in_change = ((kernels - flat) ** 2).sum(axis=(0, 1, 2))
    in_flat = (
        kernels.shape[0] * kernels.shape[1] * (flat**2).sum(axis=(0, 1, 2))
    )
    return in_flat, in_change


n_kernels = kernels.shape[-1]
flat_before, change_before = energies(initial)
flat_after, change_after = energies(kernels)


def moved(before: np.ndarray, after: np.ndarray, part: str) -> str:
    """How one part of the energy moved in training, with a sign test."""
    up = int((after > before).sum())
    p = sign_p(up, n_kernels)
    medians = f"median {np.median(before):.3f} → {np.median(after):.3f}"
    if p < 0.05:
        word = "rose" if up > n_kernels / 2 else "fell"
        count = max(up, n_kernels - up)
        return (
            f"the energy in {part} {word} in {count} of {n_kernels} kernels "
            f"({medians}, sign test p = {p:.1g})"
        )
    return (
        f"the energy in {part} rose in {up} of {n_kernels} kernels and fell in "
        f"{n_kernels - up}, no clear direction ({medians}, p = {p:.2f})"
    )


p_sign = sign_p(fell, n_kernels)
if p_sign < 0.05:
    share_moved = (
        f"the share in change {'fell' if fell > 16 else 'rose'} in "
        f"{max(fell, n_kernels - fell)} of {n_kernels} kernels (median "
        f"{np.median(share_before):.0%} → {np.median(share):.0%}, sign test "
        f"p = {p_sign:.1g})"
    )
else:
    share_moved = (
        f"the share in change fell in {fell} of {n_kernels} kernels and rose "
        f"in {n_kernels - fell}, no clear direction (median "
        f"{np.median(share_before):.0%} → {np.median(share):.0%}, p = "
        f"{p_sign:.2f})"
    )
start_r = np.array(
    [
        np.corrcoef(kernels[..., i].ravel(), initial[..., i].ravel())[0, 1]
        for i in range(n_kernels)
    ]
)
update = kernels - initial
flat_update, change_update = energies(update)
colour = update.mean(axis=(0, 1))  # each kernel's flat update, (3, 32)
grey = colour.sum(axis=0) ** 2 / colour.shape[0] / (colour**2).sum(axis=0)
Markdown(
    f"""Split into its two parts, {moved(flat_before, flat_after, "flat colour")},
and {moved(change_before, change_after, "change")}; {share_moved}. Training
changed the kernels little: each trained kernel correlates with its own
initial weights at a median r = {np.median(start_r):.2f} (lowest
{start_r.min():.2f}). The update, trained minus initial weights, has
{change_update.sum() / (change_update + flat_update).sum():.0%} of its energy
in change; its flat part lies mostly across colours, with a median
{np.median(grey):.0%} of it along the grey axis (equal red, green and blue),
where a random direction would put {1 / 3:.0%}. The measure does not tell an
oriented edge from noise (both are change), so it cannot say whether a kernel
detects edges."""
)

# %% [markdown]
# ## Finding 2: how much cat-or-dog information each layer carries
#
# That deeper layers are more abstract, less about the particular image and
# more about its class, is the usual reading of feature maps (Zeiler and
# Fergus, 2014, "Visualizing and Understanding Convolutional Networks";
# Yosinski et al., 2014, "How transferable are features in deep neural
# networks?"; Chollet, *Deep Learning with Python*). "Abstract" is hard to see
# in a picture, but one side of it can be measured: a layer that carries more
# of what the network is for, telling cats from dogs, lets a simple reader
# tell them apart more often. Such a reader is a *probe* (Alain and Bengio,
# 2016, "Understanding intermediate layers using linear classifier probes").
# We average each channel over the map (one number per channel and photo),
# and classify each odd-numbered held-out photo by the nearest class average.
# The reader is fitted, if only lightly: the class averages and each
# channel's scale are estimated from the labelled even-numbered photos, while
# the network itself stays as it is. If a layer's averages separate cats from
# dogs, the information is in the layer; if they do not, it may still be
# there in a form this reader cannot use. The model's own predictions on the
# same odd photos are the reference.

# %%
_, _, test = cats_vs_dogs()
act_model = build_activation_model(model)
names = activation_layers(model)
pooled = {name: [] for name in names}
labels, model_p_dog = [], []
for pixels, batch_labels in test:
    outputs = act_model(pixels, training=False)
    for name, output in zip(names, outputs, strict=True):
        pooled[name].append(keras.ops.mean(output, axis=(1, 2)))
    model_p_dog.append(np.asarray(model(pixels, training=False)).ravel())
    labels.append(np.asarray(batch_labels).ravel())
labels = np.concatenate(labels).astype(int)
fit = np.arange(len(labels)) % 2 == 0  # even photos: class averages


def nearest_mean_correct(features: np.ndarray) -> np.ndarray:
    """Which odd photos a nearest-class-average classifier gets right."""
    mean, std = features[fit].mean(0), features[fit].std(0) + 1e-8
    features = (features - mean) / std
    centres = [features[fit & (labels == c)].mean(0) for c in (0, 1)]
    distance = [np.linalg.norm(features - c, axis=1) for c in centres]
    predicted = (distance[1] < distance[0]).astype(int)
    return (predicted == labels)[~fit]


correct = {
    name: nearest_mean_correct(np.concatenate(pooled[name]))
    for name in names
}
readable = {name: float(c.mean()) for name, c in correct.items()}
model_correct = ((np.concatenate(model_p_dog) > 0.5) == labels)[~fit]
for name, accuracy in readable.items():
    print(f"{name:<12} {accuracy:.1%}")
print(f"{'the model':<12} {model_correct.mean():.1%}")

# %% tags=["collapse"]
fig = Figure(figsize=(8, 3.2), layout="constrained")
ax = fig.add_subplot()
ax.plot(range(len(names)), [100 * a for a in readable.values()], "o-")
ax.axhline(50, color="grey", linestyle=":", label="chance")
ax.axhline(
    100 * model_correct.mean(),
    color="C1",
    linestyle="--",
    label="the model",
)
ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
ax.set_ylabel("cat or dog, % correct")
ax.set_title(f"Read from averaged activations, {(~fit).sum()} photos")
ax.grid(axis="y", alpha=0.3)
ax.legend()
fig


# %% tags=["prose"]
from itertools import pairwise


def mcnemar_p(a: np.ndarray, b: np.ndarray) -> tuple[int, int, float]:
    """Exact two-sided McNemar test: photos only a gets right, only b, p."""
    only_a, only_b = int((a & ~b).sum()), int((~a & b).sum())
    n, k = only_a + only_b, min(only_a, only_b)
    p = (
        min(1.0, 2 * sum(comb(n, i) for i in range(k + 1)) / 2**n)
        if n
        else 1.0
    )
    return only_a, only_b, p


first_name, last_name = names[0], names[-1]
only_last, only_first, p_depth = mcnemar_p(
    correct[last_name], correct[first_name]
)
steps_between = len(names) - 1
step_tests = []
for a, b in pairwise(names):
    only_b, only_a, p = mcnemar_p(correct[b], correct[a])
    step_tests.append((a, b, 100 * (readable[b] - readable[a]), p))
clear = [t for t in step_tests if t[3] < 0.05]
bonferroni = 0.05 / steps_between
largest = max(step_tests, key=lambda t: t[2])
step_list = "; ".join(
    f"`{a}` → `{b}` {change:+.1f} points, p = {p:.1g}"
    for a, b, change, p in clear
)
others = [abs(t[2]) for t in step_tests if t[3] >= 0.05]
steady = (
    f"Step by step, from each layer to the next (McNemar's test on the same "
    f"photos), the accuracy changes clearly (p < 0.05) at {len(clear)} of the "
    f"{steps_between} steps"
    + (f" ({step_list})" if clear else "")
    + (
        f"; the other steps change it by at most {max(others):.1f} points, too "
        "little to tell from chance on these photos"
        if others
        else ""
    )
    + f". With {steps_between} tests, a threshold of 0.05 / {steps_between} = "
    f"{bonferroni:.4f} keeps {sum(t[3] < bonferroni for t in step_tests)} of "
    f"them. The largest single rise, {largest[2]:+.1f} points, is from "
    f"`{largest[0]}` to `{largest[1]}`."
)
if p_depth < 0.05 and only_last > only_first:
    depth_verdict = (
        f"the last layer gets {only_last} photos right that the first gets "
        f"wrong, and {only_first} the other way round (McNemar's test, "
        f"p = {p_depth:.1g}): the deepest maps carry more of the class"
    )
else:
    depth_verdict = (
        f"the last layer gets {only_last} photos right that the first gets "
        f"wrong, and {only_first} the other way round (McNemar's test, "
        f"p = {p_depth:.2f}): no clear difference between the two"
    )
Markdown(
    f"""Read this way, `{first_name}` tells cats from dogs on
{readable[first_name]:.1%} of the {(~fit).sum()} photos (chance is 50%) and
`{last_name}` on {readable[last_name]:.1%}; {depth_verdict}. {steady}
The model itself gets {model_correct.mean():.1%} of the same photos right;
its dense layer reads the full {side[-1]} × {side[-1]} maps, not their
averages."""
)

# %% [markdown]
# ## Finding 3: zero activations and blank channels by depth
#
# `sparsity_over` runs all the held-out photos through the activation model, a
# batch at a time, and counts the zeros (ReLU outputs are exactly zero where a
# filter finds nothing): the share of all activation *values* that are zero,
# and the share of *channels* that are blank (zero everywhere) on a photo.

# %%
stats = sparsity_over(model, test)
print(f"{'layer':<12}{'zeros':>8}{'blank':>8}{'never on':>10}")
for s in stats:
    print(
        f"{s.layer:<12}{s.zero_fraction:>8.1%}{s.blank_fraction:>8.1%}"
        f"{s.dead_channels:>6} / {s.channels}"
    )
plot_sparsity(stats)

# %%
from modern_convnets.receptive_field import receptive_field

field = receptive_field(model, "block5_conv", 180)
print(
    f"block5_conv: theoretical receptive field {field.size} × {field.size} "
    f"px, {field.size**2 / 180**2:.0%} of the 180 × 180 photo"
)

# %% tags=["prose"]
by_layer = {s.layer: s for s in stats}
convs = [s for s in stats if s.layer.endswith("_conv")]
pools = [s for s in stats if s.layer.endswith("_pool")]
densest = max(convs, key=lambda s: s.zero_fraction)
last = convs[-1]
blank = [s.blank_fraction for s in convs]
zeros_rise = all(
    b.zero_fraction > a.zero_fraction for a, b in pairwise(convs)
)
pool_denser = all(
    p.zero_fraction
    < by_layer[p.layer.replace("pool", "conv")].zero_fraction
    for p in pools
)
zeros_text = (
    "rises at every convolution"
    if zeros_rise
    else f"rises to {densest.zero_fraction:.1%} in `{densest.layer}`"
    + (
        f", then falls to {last.zero_fraction:.1%} in `{last.layer}`"
        if densest is not last
        else ""
    )
)
dead = sum(s.dead_channels for s in convs)
total = sum(s.channels for s in convs)
mostly = (
    f": in `{last.layer}`, too, most values are zero"
    if last.zero_fraction > 0.5
    else ""
)
cells = int(np.prod(cat_maps[last.layer].shape[1:3]))
# Non-zero values per channel that fires: all non-zero values over the
# channels that are not blank.
positions = (1 - last.zero_fraction) * cells / (1 - last.blank_fraction)
steps = np.sign(np.diff(blank))
blank_list = ", ".join(f"{100 * b:.1f}" for b in blank)
blank_trend = (
    "rises at every step"
    if (steps > 0).all()
    else "falls at every step"
    if (steps < 0).all()
    else "rises at some steps and falls at others, with no steady trend"
)
Markdown(
    f"""The share of zero *values* starts at {convs[0].zero_fraction:.1%} in
`{convs[0].layer}` and {zeros_text}{mostly}. The share of blank *channels*
over the five convolutions ({blank_list}%) {blank_trend}. (Each unit of
`block5_conv` has a theoretical receptive field of {field.size} ×
{field.size} pixels, {field.size**2 / 180**2:.0%} of the photo: the input
pixels it can depend on at all. Its effective receptive field, where the
pixels actually move its value, is smaller and roughly Gaussian (Luo et al.,
2016, "Understanding the Effective Receptive Field in Deep Convolutional
Neural Networks"), so even the {side[-1]} × {side[-1]} maps say *where* in
the photo something was found.) Pooling keeps the largest value of each
window, so
{"every pooled map has" if pool_denser else "pooled maps do not always have"}
fewer zeros than the convolution before it. On average
{1 - last.blank_fraction:.1%} of `{last.layer}`'s channels fire somewhere on
a photo, each at {positions:.0f} of its {cells} positions on average.
Channels blank on *every* photo (the last column) number {dead} of the
{total} channels of the five convolutions."""
)

# %% [markdown]
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

# %% tags=["home"]
dog_maps = get_activations(model, dog)
plot_activation_overview(dog_maps, channels=8)

# %%
plot_channel_grid(dog_maps["block5_conv"], layer_name="block5_conv")

# %% tags=["prose"]
dog_last = dog_maps[last.layer][0]
dog_blank = int((~dog_last.any(axis=(0, 1))).sum())
dog_share = dog_blank / dog_last.shape[-1]
Markdown(
    f"""On this photo {dog_blank} of the {dog_last.shape[-1]} channels of
`{last.layer}` are blank ({dog_share:.0%}), against {last.blank_fraction:.1%}
on an average held-out photo ({len(labels):,} photos)."""
)

# %% [markdown]
# ## Check yourself

# %% tags=["prose"]
b4 = by_layer["block4_conv"]
Markdown(
    f"""1. A random 3 × 3 kernel already puts most of its energy into change.
   Why, and what does that mean for Finding 1?
2. How much of the 180 × 180 photo can one unit of `block5_conv` depend on?
3. In `block4_conv`, which is larger: the share of zero values or the share
   of blank channels? What does the difference say?
4. A channel is blank on `cat.2000.jpg`. Is it dead?

<details><summary>Answers</summary>
<ol>
<li>Removing the mean of nine independent numbers removes one ninth of their
expected energy, so a random kernel carries {8 / 9:.0%} in change on average.
A trained share of {np.median(share):.0%} means something only next to the
same kernels before training ({np.median(share_before):.0%}).</li>
<li>At most {field.size} × {field.size} pixels, {field.size**2 / 180**2:.0%}
of the photo: its theoretical receptive field. Each 3 × 3 convolution widens
the field by twice the jump (the input pixels between neighbouring
positions), each 2 × 2 pooling widens it by one jump and doubles the jump.
The pixels that actually move its value cover less (Luo et al., 2016).</li>
<li>Zero values, {b4.zero_fraction:.1%}, against {b4.blank_fraction:.1%}
blank channels: most channels fire somewhere on a photo, but on few of their
positions.</li>
<li>Not necessarily: blank on one photo is not blank on all. Over the
{len(labels):,} held-out photos, {b4.dead_channels} of the {b4.channels} channels of
<code>block4_conv</code> never fire.</li>
</ol>
</details>"""
)

# %% [markdown]
# ## Summary

# %% tags=["prose"]
up_flat = int((flat_after > flat_before).sum())
up_change = int((change_after > change_before).sum())
kernel_line = (
    f"Training added energy to the first layer's kernels both in flat colour "
    f"(up in {up_flat} of {n_kernels}) and in change (up in {up_change}), "
    f"relatively more to flat colour, so the median share in change fell from "
    f"{np.median(share_before):.0%} to {np.median(share):.0%}; the kernels "
    f"still correlate with their random start at a median "
    f"{np.median(start_r):.2f}. This measure cannot say whether they detect "
    "edges"
    if p_sign < 0.05
    and fell > 16
    and sign_p(up_flat, n_kernels) < 0.05
    and sign_p(up_change, n_kernels) < 0.05
    and up_flat > 16
    and up_change > 16
    else f"The first layer's kernels put a median {np.median(share):.0%} of "
    f"their energy into change, against {np.median(share_before):.0%} before "
    f"training, and correlate with their random start at a median "
    f"{np.median(start_r):.2f}. This measure cannot say whether they detect "
    "edges"
)
depth_line = (
    f"A nearest-class-average probe tells cats from dogs more often from "
    f"`{last_name}` ({readable[last_name]:.1%}) than from `{first_name}` "
    f"({readable[first_name]:.1%}, McNemar p = {p_depth:.1g}), with clear "
    f"changes at {len(clear)} of the {steps_between} steps between layers"
    if p_depth < 0.05 and only_last > only_first
    else f"A nearest-class-average probe shows no clear difference between "
    f"`{last_name}` ({readable[last_name]:.1%}) and `{first_name}` "
    f"({readable[first_name]:.1%}, McNemar p = {p_depth:.2f})"
)
Markdown(
    f"""- An activation model returns the feature maps of chosen layers in one
  forward pass; it shares the trained weights and leaves the model unchanged.
- {kernel_line}.
- {depth_line}.
- The share of zero activation values goes from {convs[0].zero_fraction:.1%}
  in `{convs[0].layer}` to {densest.zero_fraction:.1%} in `{densest.layer}`;
  the share of blank channels stays between {min(blank):.1%} and
  {max(blank):.1%}.

Try it on your own photo: [the lab](../../lab/) shows every layer's
activations of both trained models for any photo you give it, in your
browser."""
)
