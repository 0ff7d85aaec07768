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
# # Class activation heatmaps (Grad-CAM)
#
# A classifier says "dog, 99%". Which part of the photo convinced it? Grad-CAM
# answers with a heatmap: it takes the feature maps of the last convolution
# layer, weighs each channel by how much the class score would rise if that
# channel grew, and adds the weighted channels up. What remains is bright
# where the evidence for the class lies.
#
# You will learn:
#
# - Grad-CAM in plain Keras, step by step, from the gradients to the
#   coloured overlay, with the gradient taken in TensorFlow, JAX or PyTorch,
#   and how far the three agree;
# - how to reach a layer inside a nested pretrained model, and why the
#   package differentiates the logit, the score *before* the sigmoid, rather
#   than the probability;
# - why, for classifiers that end in global average pooling and one Dense
#   layer, as the Mini-Xception and the Xception transfer classifier here
#   do, Grad-CAM at the last feature maps is the older CAM, and what it
#   averages away behind the small convnet's Flatten → Dense head;
# - heatmaps for cats, dogs, both classes on one photo, and six kitchen
#   classes, the classes of one photo divided by one common maximum so that
#   they keep the logit's units;
# - two tests of whether a heatmap means something, and what they find here:
#   does it change when the learned weights are thrown away, in four stages
#   from the head down? Does deleting the regions it highlights destroy the
#   prediction faster than deleting random regions, over many held-out
#   photos?
# - what heatmaps cannot tell you, and how Grad-CAM (here the same as CAM)
#   compares with Integrated Gradients on that test, for two baselines.

# %% [markdown]
# Cells marked **Copy this** are Grad-CAM in plain Keras: they run as
# pasted, one after the other, in a fresh Python session with the photos
# where `MODERN_CONVNETS_DATA` points and two model files in the working
# folder, [`mini_xception.keras`](../../models/mini_xception.keras) and the
# transfer classifier's trained head,
# [`xception_cats_vs_dogs.keras`](../../models/xception_cats_vs_dogs.keras).
# The cells that take a gradient come in three tabs, one per Keras backend
# (TensorFlow, JAX, PyTorch): choose the tab of the backend that
# `keras.backend.backend()` reports in your session, and paste only that tab
# of each group (choosing a tab switches every listing on the site, and the
# browser remembers the choice). The lecture names Grad-CAM
# without listing its code; these listings follow the recipe of Selvaraju et
# al. (2017) in the steps of Keras's own example, with one difference:
# Selvaraju et al. and Keras's example differentiate the class score before
# the softmax (the example removes the last layer's activation), while these
# listings, like Chollet's book, differentiate the probability; the package
# returns to the logit. The other cells use this package, on TensorFlow, to
# check them and to go further.
#
# ## Grad-CAM in plain Keras
#
# Start with a model whose last feature maps sit at its top level (its only
# nested model is the augmentation block at the input): the
# [Mini-Xception](../../part-a/mini-xception/) of Part A. Its last layer with
# a spatial layout is `block5_add`, just before global average pooling. Load
# it and a held-out cat at 180 × 180, resized bilinearly as in training
# (`load_img`'s default would be nearest-neighbour):

# %% tags=["copy"]
import os
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np

model = keras.models.load_model("mini_xception.keras")
data = (
    Path(os.environ.get("MODERN_CONVNETS_DATA", "."))
    / "cats_and_dogs_filtered"
)
img_path = data / "validation/cats/cat.2001.jpg"
img = keras.utils.load_img(
    img_path, target_size=(180, 180), interpolation="bilinear"
)
img_array = np.expand_dims(keras.utils.img_to_array(img), axis=0)
print(f"P(dog) = {model.predict(img_array, verbose=0)[0, 0]:.4f}")

# %% [markdown]
# The recipe: a model from the input to both the last feature maps and the
# prediction; the gradient of the class score with respect to those feature
# maps; one weight per channel, the gradient averaged over the positions; the
# channels summed with those weights; negative values set to zero (they are
# evidence *against* the class); divided by the maximum. The model has one
# sigmoid output, P(dog), so the score for "dog" is P(dog) and for "cat"
# 1 − P(dog). Everything but the gradient is the same on every backend,
# written with `keras.ops`:


# %% tags=["copy"]
def weigh_channels(last_conv_layer_output, grads):
    """The heatmap from the feature maps and the class score's gradient."""
    pooled_grads = keras.ops.mean(grads, axis=(0, 1, 2))  # one per channel
    heatmap = keras.ops.tensordot(
        last_conv_layer_output[0], pooled_grads, 1
    )
    # 0 / 0, a map of NaN, where the score's gradient is all zero: see the
    # saturated sigmoid below.
    heatmap = keras.ops.maximum(heatmap, 0) / keras.ops.max(heatmap)
    return keras.ops.convert_to_numpy(heatmap)


# %% [markdown]
# The gradient is where the backends differ. TensorFlow records the forward
# pass on a `tf.GradientTape` and differentiates with respect to any tensor
# computed on it, here the inner layer's output. PyTorch records it on the
# tensors themselves, wherever one of them requires a gradient: the listing
# asks that of the input, so that the record exists even if the model's
# weights are frozen, and `torch.autograd.grad` then reaches the inner
# layer's output. JAX differentiates a *function* with respect to its
# *arguments* (`jax.grad`), so the feature maps have to be an argument: the
# model is split at them into a model up to them and a model from them to
# the prediction, which Keras builds from the same layers
# (`keras.Model(layer.output, model.output)`).


# %% tags=["copy", "backend-tensorflow"]
import tensorflow as tf


def make_gradcam_heatmap(img_array, model, last_conv_layer_name, dog=True):
    grad_model = keras.Model(
        model.input,
        [model.get_layer(last_conv_layer_name).output, model.output],
    )
    with tf.GradientTape() as tape:
        # training=False: without it, the augmentation layers would be active.
        last_conv_layer_output, preds = grad_model(
            img_array, training=False
        )
        class_channel = preds[:, 0] if dog else 1 - preds[:, 0]
    grads = tape.gradient(class_channel, last_conv_layer_output)
    return weigh_channels(last_conv_layer_output, grads)


# %% tags=["copy", "backend-jax", "skip-execution"]
import jax


def make_gradcam_heatmap(img_array, model, last_conv_layer_name, dog=True):
    last_conv_layer = model.get_layer(last_conv_layer_name)
    last_conv_layer_model = keras.Model(model.input, last_conv_layer.output)
    classifier_model = keras.Model(last_conv_layer.output, model.output)

    def class_score(last_conv_layer_output):
        preds = classifier_model(last_conv_layer_output, training=False)
        class_channel = preds[:, 0] if dog else 1 - preds[:, 0]
        return class_channel.sum()

    # training=False: without it, the augmentation layers would be active.
    last_conv_layer_output = last_conv_layer_model(
        img_array, training=False
    )
    grads = jax.grad(class_score)(last_conv_layer_output)
    return weigh_channels(last_conv_layer_output, grads)


# %% tags=["copy", "backend-torch", "skip-execution"]
import torch


def make_gradcam_heatmap(img_array, model, last_conv_layer_name, dog=True):
    grad_model = keras.Model(
        model.input,
        [model.get_layer(last_conv_layer_name).output, model.output],
    )
    # Recorded from the input on, even if the weights are frozen.
    img_tensor = keras.ops.convert_to_tensor(img_array).requires_grad_()
    # training=False: without it, the augmentation layers would be active.
    last_conv_layer_output, preds = grad_model(img_tensor, training=False)
    class_channel = preds[:, 0] if dog else 1 - preds[:, 0]
    (grads,) = torch.autograd.grad(
        class_channel.sum(), last_conv_layer_output
    )
    return weigh_channels(last_conv_layer_output, grads)


# %% tags=["copy"]
heatmap = make_gradcam_heatmap(img_array, model, "block5_add", dog=False)
print(heatmap.shape)

# %% [markdown]
# To show it, stretch the map over the photo and blend it in:

# %% tags=["copy"]
plt.imshow(img)
plt.imshow(heatmap, cmap="jet", alpha=0.4, extent=(0, 180, 180, 0))
plt.title("Grad-CAM for 'cat', Mini-Xception, block5_add")
plt.axis("off")
plt.show()

# %% [markdown]
# `modern_convnets.gradcam.gradcam` computes the same map, for a whole batch
# and any class. It differentiates the logit, the score before the sigmoid or
# softmax, instead of the probability. For one sigmoid output, as here, that
# changes nothing after normalisation: the gradient of P(dog) = sigmoid(z) is
# P(dog)(1 − P(dog)) times that of z, one positive factor for the whole map,
# which the division by the maximum removes. Only where that factor rounds
# to zero in float32 is the map lost (the cell below finds where). For a
# softmax the difference is not a factor: the gradient of p_c is
# p_c (∇z_c − Σ_k p_k ∇z_k), the class's own gradient minus the
# probability-weighted gradients of all classes, so a region that counts
# against a likely rival shows up as evidence for c. The logit's gradient is
# the class's own. On the same input:

# %%
import math
import time

import tensorflow as tf
from IPython.display import Markdown
from matplotlib.figure import Figure
from modern_convnets.autodiff import value_and_grad
from modern_convnets.data import find_dataset, split_files
from modern_convnets.diagram import layer_graph
from modern_convnets.gradcam import (
    blur,
    faithfulness_curves,
    gradcam,
    last_feature_layer,
    randomised_copy,
    rank_correlation,
)
from modern_convnets.graph import find_layer, tap_model, walk_layers
from modern_convnets.grids import image_grid
from modern_convnets.heatmaps import overlay
from modern_convnets.images import model_batch
from modern_convnets.pretrained import (
    kitchenware_classifier,
    kitchenware_photos,
)
from modern_convnets.receptive_field import receptive_field
from modern_convnets.shipped import load_trained, trained_manifest

mini = load_trained("mini_xception")
print("last feature layer:", last_feature_layer(mini))
ours = gradcam(mini, img_array, target=0)[0]
print(
    f"largest difference from the listing: {np.abs(ours - heatmap).max():.1e}"
)
# Where does float32 lose the sigmoid's gradient P(1 − P)?
z_grid = tf.constant(np.arange(-120, 40, 0.01), dtype="float32")
with tf.GradientTape() as tape:
    tape.watch(z_grid)
    p_grid = tf.sigmoid(z_grid)
slope = tape.gradient(p_grid, z_grid).numpy()
z_values = z_grid.numpy()
z_one = float(z_values[(p_grid.numpy() == 1) & (z_values > 0)].min())
z_flat_high = float(z_values[(slope == 0) & (z_values > 0)].min())
z_flat_low = float(z_values[(slope == 0) & (z_values < 0)].max())
print(
    f"tf.sigmoid(z) is 1.0 from z = {z_one:.2f}; its gradient is 0 from "
    f"z = {z_flat_high:.2f} up and from z = {z_flat_low:.2f} down"
)

# %% tags=["prose"]
Markdown(
    f"""In float32 the sigmoid reaches exactly 1 at a logit of {z_one:.2f},
and its gradient is zero from {z_flat_high:.2f} up, while near 0 the
probability keeps a gradient down to {z_flat_low:.2f}: float32 has much finer
steps near 0 than near 1. The factor P(dog)(1 − P(dog)) is the same for the
"dog" and the "cat" score, so both maps of the listing are lost on a photo
the model calls a dog with a logit above {z_flat_high:.2f}, while a photo it
calls a cat keeps them down to {z_flat_low:.2f}: the confident "dog" is the
fragile case."""
)

# %% [markdown]
# ## A model inside a model
#
# Transfer learning usually nests a pretrained base inside the classifier.
# Here: the ImageNet Xception base, frozen, and a small head trained on its
# pooled features to tell cats from dogs. Built in plain Keras from the base
# and the trained head, which maps 2,048 pooled features to P(dog). The base's
# ImageNet weights come from Keras's download, which needs a network
# connection, unless `MODERN_CONVNETS_XCEPTION_WEIGHTS` names a local copy of
# the weights file:

# %% tags=["copy"]
from keras import layers

weights = os.environ.get("MODERN_CONVNETS_XCEPTION_WEIGHTS", "imagenet")
base = keras.applications.xception.Xception(
    weights=weights, include_top=False
)
base.trainable = False  # frozen: only the head was trained
head = keras.models.load_model("xception_cats_vs_dogs.keras")

inputs = keras.Input(shape=(299, 299, 3))
# Xception's preprocessing: pixel values 0 to 255 onto -1 to 1.
x = layers.Rescaling(1 / 127.5, offset=-1)(inputs)
x = base(x)
x = layers.GlobalAveragePooling2D()(x)
model = keras.Model(inputs, head(x))
img = keras.utils.load_img(
    img_path, target_size=(299, 299), interpolation="bilinear"
)
img_array = np.expand_dims(keras.utils.img_to_array(img), axis=0)
print(f"P(dog) = {model.predict(img_array, verbose=0)[0, 0]:.4f}")

# %% [markdown]
# The classic recipe fails on this model: the last feature maps,
# `block14_sepconv2_act`, live inside `base`, whose layers are connected to
# `base`'s own input, not to the classifier's. A model from the classifier's
# input to an inner layer's output cannot be built. Keras 2 called this error
# "Graph disconnected"; Keras 3 says that the output "is not connected to
# `inputs`":

# %% tags=["copy"]
try:
    keras.Model(
        model.input,
        [base.get_layer("block14_sepconv2_act").output, model.output],
    )
except ValueError as error:
    print(type(error).__name__ + ":", str(error).splitlines()[0])

# %% [markdown]
# The standard way around it splits the classifier in two at the feature
# maps: a model from the base's input to the last feature maps, and a
# classifier model from those maps to the prediction, made of the layers that
# come after them. `keras.Model(layer.output, model.output)`, which built
# the JAX tab's second model above, does not work here: the layers after the
# feature maps belong to two graphs, `base`'s and the classifier's. So the
# second model is written out again, from a new input of the feature maps'
# shape:

# %% tags=["copy"]
last_conv_layer = base.get_layer("block14_sepconv2_act")
last_conv_layer_model = keras.Model(base.input, last_conv_layer.output)

classifier_input = keras.Input(shape=last_conv_layer.output.shape[1:])
x = layers.GlobalAveragePooling2D()(classifier_input)
classifier_model = keras.Model(classifier_input, head(x))

preprocessed = img_array / 127.5 - 1  # the Rescaling layer's job
last_conv_layer_output = last_conv_layer_model(preprocessed)

# %% [markdown]
# The gradient of the "cat" score, 1 − P(dog), with respect to the feature
# maps between the two models. They were computed before the gradient is
# asked for, so each backend is told to start from them: TensorFlow's tape
# must `watch` them (it records only what it watches or what is a trainable
# variable); PyTorch needs them as a new leaf that requires a gradient,
# detached from the computation that made them; JAX takes them as the
# argument of the function it differentiates.

# %% tags=["copy", "backend-tensorflow"]
with tf.GradientTape() as tape:
    tape.watch(last_conv_layer_output)
    preds = classifier_model(last_conv_layer_output)
    class_channel = 1 - preds[:, 0]  # "cat"
grads = tape.gradient(class_channel, last_conv_layer_output)


# %% tags=["copy", "backend-jax", "skip-execution"]
def cat_score(last_conv_layer_output):
    preds = classifier_model(last_conv_layer_output)
    return (1 - preds[:, 0]).sum()


grads = jax.grad(cat_score)(last_conv_layer_output)

# %% tags=["copy", "backend-torch", "skip-execution"]
last_conv_layer_output = last_conv_layer_output.detach().requires_grad_()
preds = classifier_model(last_conv_layer_output)
class_channel = 1 - preds[:, 0]  # "cat"
(grads,) = torch.autograd.grad(class_channel.sum(), last_conv_layer_output)

# %% tags=["copy"]
heatmap = weigh_channels(last_conv_layer_output, grads)

plt.imshow(img)
plt.imshow(heatmap, cmap="jet", alpha=0.4, extent=(0, 299, 299, 0))
plt.title("Grad-CAM for 'cat', Xception transfer model")
plt.axis("off")
plt.show()

# %% [markdown]
# In a nested model, the split needs the layers after the feature maps
# written out again, and a different split for every layer.
# `modern_convnets.graph.tap_model` does it in general: it runs the
# classifier's layers again on a fresh input, stepping *into* `xception`
# and keeping the requested output on the way, so `gradcam` takes the
# nested classifier as it is. The package's copy of this classifier
# (`load_trained("xception_cats_vs_dogs")`, the same base and head) gives
# the same map:

# %%
model = load_trained("xception_cats_vs_dogs")
manifest = trained_manifest("xception_cats_vs_dogs")
print(
    f"held-out accuracy: {manifest['test_accuracy']:.1%} "
    f"on {manifest['test_photos']:,} photos"
)
print(layer_graph(model))
ours = gradcam(model, img_array, target=0)[0]
print(
    f"largest difference from the listing: {np.abs(ours - heatmap).max():.1e}"
)

# %% [markdown]
# ## The same listings on three backends
#
# Do the three tabs compute the same maps? The page runs each backend's
# listings in a fresh Python process with `KERAS_BACKEND` set (Keras picks
# its backend once per process): the copy cells of that backend, as a reader
# pastes them, read from this page's source, so the table below comes from
# the listings shown. Each process then computes the classic recipe's map on
# the Mini-Xception for 16 held-out photos, 8 cats and 8 dogs, each for its
# own class, on the same pixels, loaded here once. As a yardstick for
# rounding, TensorFlow runs once more with oneDNN's optimised kernels
# switched off (`TF_ENABLE_ONEDNN_OPTS=0`): the same backend and the same
# arithmetic, carried out by other kernels. A process's time includes
# starting Python, importing its backend and building Xception with its
# ImageNet weights, so it says what the check costs the build, not how fast
# a backend is (the repository's `benchmarks/README.md` measures that).

# %%
import jupytext
from modern_convnets.listings import backend_code, run_listing

page = jupytext.read(
    os.environ.get("MODERN_CONVNETS_PAGE_SOURCE", "gradcam.py")
)
validation = data / "validation"
photo_paths = [validation / f"cats/cat.{2000 + i}.jpg" for i in range(8)]
photo_paths += [validation / f"dogs/dog.{2000 + i}.jpg" for i in range(8)]
photos = np.stack(
    [
        keras.utils.img_to_array(
            keras.utils.load_img(
                path, target_size=(180, 180), interpolation="bilinear"
            )
        )
        for path in photo_paths
    ]
)
is_dog = np.array([path.parent.name == "dogs" for path in photo_paths])
probe = """
outputs["transfer"] = heatmap
mini = keras.models.load_model("mini_xception.keras")
outputs["p_dog"] = mini.predict(photos, verbose=0)[:, 0]
outputs["classic"] = np.stack([
    make_gradcam_heatmap(photo[None], mini, "block5_add", dog=bool(dog))
    for photo, dog in zip(photos, is_dog)
])
"""
listing_runs = {}
for run, backend, onednn in (
    ("tensorflow", "tensorflow", "1"),
    ("jax", "jax", "1"),
    ("torch", "torch", "1"),
    ("tensorflow, oneDNN off", "tensorflow", "0"),
):
    start = time.perf_counter()
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = onednn  # read by TensorFlow only
    try:
        listing_runs[run] = run_listing(
            backend_code(page.cells, backend) + "\n" + probe,
            backend,
            {"photos": photos, "is_dog": is_dog},
        )
    finally:
        del os.environ["TF_ENABLE_ONEDNN_OPTS"]
    print(f"{run:<23} ran in {time.perf_counter() - start:.0f} s")

# %% tags=["prose"]
backend_names = {
    "tensorflow": "TensorFlow",
    "jax": "JAX",
    "torch": "PyTorch",
}
pairs = [("tensorflow", "jax"), ("tensorflow", "torch"), ("jax", "torch")]
classic = {b: run["classic"] for b, run in listing_runs.items()}
is_lost = {
    b: np.isnan(maps).any(axis=(1, 2)) for b, maps in classic.items()
}
kept = ~np.any(list(is_lost.values()), axis=0)


def peak_cells(maps):
    return maps.reshape(len(maps), -1).argmax(axis=1)


def largest(a, b):
    return float(np.abs(a - b).max())


def classic_gap(a, b):
    return largest(classic[a][kept], classic[b][kept])


def transfer_gap(a, b):
    return largest(listing_runs[a]["transfer"], listing_runs[b]["transfer"])


same_peak = {
    (a, b): int(
        np.sum(peak_cells(classic[a][kept]) == peak_cells(classic[b][kept]))
    )
    for a, b in pairs
}
rows = {
    "Mini-Xception, largest difference": [
        f"{classic_gap(a, b):.1e}" for a, b in pairs
    ],
    "Mini-Xception, same peak cell": [
        f"{same_peak[a, b]} of {kept.sum()}" for a, b in pairs
    ],
    "transfer classifier, largest difference": [
        f"{transfer_gap(a, b):.1e}" for a, b in pairs
    ],
}
header = " | ".join(
    f"{backend_names[a]} and {backend_names[b]}" for a, b in pairs
)
table = "\n".join(
    f"| {name} | " + " | ".join(cells) + " |"
    for name, cells in rows.items()
)
worst = max(max(classic_gap(*pair), transfer_gap(*pair)) for pair in pairs)
yardstick = max(
    classic_gap("tensorflow", "tensorflow, oneDNN off"),
    transfer_gap("tensorflow", "tensorflow, oneDNN off"),
)
eps = np.finfo(np.float32).eps
if min(same_peak.values()) == kept.sum():
    peak_text = (
        f"The peak cell is the same on all three backends for all "
        f"{kept.sum()} photos."
    )
else:
    differ = np.zeros(kept.sum(), bool)
    for a, b in pairs:
        differ |= peak_cells(classic[a][kept]) != peak_cells(
            classic[b][kept]
        )
    top_two = np.sort(
        classic["tensorflow"][kept][differ].reshape(differ.sum(), -1)
    )
    gap = float((top_two[:, -1] - top_two[:, -2]).max())
    peak_text = (
        f"The peak cell differs between backends on {differ.sum()} of "
        f"{kept.sum()} photos; on those, the two highest cells are at most "
        f"{gap:.1e} apart."
    )
lost_names = [photo_paths[i].name for i in np.flatnonzero(~kept)]
same_lost = all(
    np.array_equal(m, is_lost["tensorflow"]) for m in is_lost.values()
)
p_lost = np.stack([run["p_dog"][~kept] for run in listing_runs.values()])
if not lost_names:
    lost_text = f"No map of the {len(kept)} came out as NaN on any backend."
else:
    where = (
        "on all three backends" if same_lost else "on at least one backend"
    )
    lost_text = (
        f"{len(lost_names)} of the {len(kept)} maps "
        f"({', '.join(lost_names)}) came out as NaN (0 / 0) {where}, so "
        f"the Mini-Xception rows compare the other {kept.sum()}: "
        + (
            "P(dog) is exactly 1 in float32 there on every backend, so the "
            "gradient of the listing's score is zero everywhere (the "
            "sigmoid's limit, above)."
            if np.all(p_lost == 1)
            else "P(dog) there is "
            + ", ".join(f"{v:.7f}" for v in p_lost.ravel())
            + "."
        )
    )
if worst <= 2 * yardstick:
    verdict = (
        f"The three backends give the same maps to within {worst:.1e}, on a "
        f"scale of 0 to 1 ({worst / eps:.0f} times float32's machine "
        f"epsilon, {eps:.1e}). TensorFlow alone, with oneDNN's kernels "
        f"switched off, moves its own maps by up to {yardstick:.1e}: the "
        "same arithmetic on other kernels differs from itself by as much as "
        "the backends differ from each other, within a factor of two. "
        "Float32 keeps 24 significant bits and its addition is not "
        "associative, so the same products summed in another order end in "
        "other last bits, and each kernel orders its sums its own way"
    )
else:
    verdict = (
        f"The backends' maps differ by up to {worst:.1e} on a scale of 0 to "
        f"1, more than twice the {yardstick:.1e} by which TensorFlow's own "
        "maps move when oneDNN's kernels are switched off: more than the "
        "order of float32 sums explains on this evidence"
    )
Markdown(
    f"""| Grad-CAM maps, scaled to 0–1 | {header} |
|---|---|---|---|
{table}

*How far the three backends' listings agree on the same photos: the
classic recipe on the Mini-Xception ({kept.sum()} of 16 held-out photos,
each for its own class) and the split recipe on the transfer classifier
(the cat above).*

{verdict}. The convolutions and matrix products come from each backend's
own code (JAX compiles them with XLA; TensorFlow and PyTorch call their own
kernels), and so do the gradients, which only reach the feature maps here:
after global average pooling every position of a channel gets the same
gradient. {peak_text} {lost_text}"""
)

# %% [markdown]
# ## Grad-CAM, one step at a time
#
# The same steps on the transfer classifier, through the package, with every
# intermediate result shown. With `logits=True`, `tap_model` runs the last
# layer without its sigmoid.
#
# **1. The last feature maps.** Selvaraju et al. (2017) expect the last
# convolutional layers to have "the best compromise between high-level
# semantics and detailed spatial information". The last layer with a 4-D
# output, searched inside nested models too, and what one of its cells sees
# (`modern_convnets.receptive_field`):

# %%
layer = last_feature_layer(model)
grad_model = tap_model(model, [layer], logits=True)
cells = grad_model.outputs[0].shape[1]
side = model.input_shape[1] / cells
base_path, _ = find_layer(model, layer)
field = receptive_field(
    model.get_layer(base_path[-1]), layer, model.input_shape[1]
)
centres = field.centre + field.jump * np.arange(cells)
misplaced = np.abs(centres - (np.arange(cells) + 0.5) * side).max()
mini_field = receptive_field(mini, last_feature_layer(mini), 180)
# The effective field of the centre cell on the cat: where the gradient of
# its activations (summed over channels) with respect to the pixels lies.
feature_model = tap_model(model, [layer], include_output=False)
pixels = tf.convert_to_tensor(img_array)
centre = cells // 2
with tf.GradientTape() as tape:
    tape.watch(pixels)
    activation = feature_model(pixels, training=False)
    total = tf.reduce_sum(activation[0, centre, centre])
magnitude = np.abs(tape.gradient(total, pixels).numpy()[0]).sum(axis=-1)


def share_within(cells_across):
    """Share of the gradient's magnitude within a square of cells."""
    low = round((centre - (cells_across - 1) / 2) * side)
    high = round((centre + (cells_across + 1) / 2) * side)
    return magnitude[low:high, low:high].sum() / magnitude.sum()


inside_one, inside_three = share_within(1), share_within(3)
print(layer, grad_model.outputs[0].shape)
print(
    f"drawn stretched, one cell spans {side:.1f} pixels; its receptive "
    f"field: {field.size} pixels a side, centres {field.jump} pixels apart "
    f"from {field.centre:g}"
)
print(
    f"stretched cell centres are off the true ones by up to {misplaced:.1f} "
    f"pixels; Mini-Xception's block5_add: field {mini_field.size} pixels"
)
print(
    f"gradient magnitude of cell ({centre}, {centre}) on the cat: "
    f"{inside_one:.0%} within that cell, {inside_three:.0%} within the "
    "3 × 3 cells around it"
)

# %% tags=["prose"]
Markdown(
    f"""Drawn stretched over the photo, a cell spans {
        side:.1f} pixels a side,
but the feature at that cell depends on a receptive field of
{field.size} × {field.size} pixels{
        ", more than the whole photo"
        if field.size > model.input_shape[1]
        else ""
    } (the Mini-Xception's `block5_add`: {mini_field.size} pixels, at
180 × 180). Most of that field weighs little: the effective receptive field,
where the gradient is large, is much smaller than the theoretical one (Luo
et al., 2016). {
        "It is still wider than one cell"
        if inside_one < 0.5
        else "Here most of it lies within one cell"
    }: on the cat, {inside_one:.0%}
of the gradient's magnitude for the centre cell lies within that cell, and
{inside_three:.0%} within the 3 × 3 cells around it. The cells' centres sit
{field.jump} pixels apart, from pixel {field.centre:g}, so a stretched map
also shifts them by up to {misplaced:.1f} pixels."""
)

# %% [markdown]
# **2. The gradient of the class score.** The model outputs P(dog) =
# sigmoid(z). We differentiate the logit z for "dog", and −z for "cat". The
# photo is resized by `model_batch`, bilinearly, as the training pipeline and
# the listings above do.

# %%
test = split_files(find_dataset())[2]
cat_path = next(p for p in test.paths if p.name == "cat.2001.jpg")
cat = model_batch(model, cat_path)
with tf.GradientTape() as tape:
    features, logit = grad_model(cat, training=False)
    score = -logit[:, 0]  # the evidence for "cat"
grads = tape.gradient(score, features)
p_dog = float(tf.sigmoid(logit[0, 0]))
print(f"P(dog) = {p_dog:.4f}, cat score (−logit) = {float(score[0]):.2f}")
print("features", features.shape, "gradients", grads.shape)

# %% tags=["prose"]
positions = grads.shape[1] * grads.shape[2]
Markdown(
    f"""**3. Channel weights.** Averaging each channel's gradient over the
{grads.shape[1]} × {grads.shape[2]} positions gives one weight per channel:
how much the cat score rises, on average, when that channel's activation
rises. Here the average is of {positions} equal numbers. After these feature
maps come global average pooling, Dropout (inactive at inference) and one
Dense unit with weights w: the logit is z = b + Σ_k w_k · mean(A^k) over
N = {positions} positions, so the gradient of −z with respect to A^k at any
position is −w_k / N, the same at every position:"""
)

# %%
weights = tf.reduce_mean(grads, axis=(1, 2))[0]  # (2048,)
dense = model.get_layer("predictions")
w = keras.ops.convert_to_numpy(dense.kernel)[:, 0]
bias = float(keras.ops.convert_to_numpy(dense.bias)[0])
print(
    "largest difference between a position's gradient and −w_k / "
    f"{positions}: {np.abs(grads.numpy() + w / positions).max():.1e}"
)
order = np.argsort(weights.numpy())
print(
    f"{(weights > 0).numpy().sum()} of {weights.shape[0]} channels have a "
    "positive weight"
)
print(
    "largest:", order[-3:][::-1], weights.numpy()[order[-3:][::-1]].round(4)
)

# %% [markdown]
# **4–6. Weighted sum, ReLU, normalisation.** Each channel map times its weight,
# summed over channels; negative values (evidence *against* "cat") are set to
# zero; the result is divided by its maximum.

# %%
weighted = tf.reduce_sum(features[0] * weights, axis=-1).numpy()
positive = np.maximum(weighted, 0)
heatmap = positive / positive.max()
fig = Figure(figsize=(9, 2.8), layout="constrained")
titles = ["weighted sum", "ReLU", "normalised"]
for ax, stage, title in zip(
    fig.subplots(1, 3), [weighted, positive, heatmap], titles, strict=True
):
    shown = ax.matshow(stage, cmap="viridis")
    fig.colorbar(shown, ax=ax, shrink=0.8)
    ax.set_title(title)
    ax.set_axis_off()
fig

# %% [markdown]
# **7. Overlay.** The map is resized to the photo, coloured, and blended
# over it. `gradcam` does steps 1–6 for a whole batch at once, and gives the same
# map:

# %%
ours = gradcam(model, cat, target=0)[0]
print(
    f"max difference from the steps above: {np.abs(ours - heatmap).max():.1e}"
)
image_grid(
    [cat[0].astype("uint8"), overlay(cat[0], heatmap)],
    ncols=2,
    titles=["cat.2001.jpg", "Grad-CAM for 'cat'"],
    cell_size=3.5,
    caption="A held-out cat and its Grad-CAM heatmap for 'cat'",
)

# %% [markdown]
# ## Grad-CAM here is CAM
#
# Class activation mapping, CAM (Zhou et al., 2016), came first: for a
# network that ends in global average pooling and one Dense layer, it weighs
# the last feature maps by the Dense weights of the class, Σ_k w_k A^k. Grad-CAM
# (Selvaraju et al., 2017) generalised it to any head by taking the averaged
# gradient instead. With this head, as step 3 showed, the averaged gradient
# is w_k / N (for "cat", −w_k / N): a positive factor away from CAM, which
# the normalisation removes. (Any head that starts with global average
# pooling makes the gradient the same at every position; it takes a single
# Dense layer after the pooling for that gradient to be CAM's weights.) CAM
# from the Dense weights, with no gradient at all:

# %%
cam = np.maximum(features[0].numpy() @ -w, 0)  # −w: the weights for "cat"
cam = cam / cam.max()
cam_difference = float(np.abs(cam - heatmap).max())
print(f"largest difference between CAM and Grad-CAM: {cam_difference:.1e}")

# %% [markdown]
# At an earlier layer the two part ways: the gradient now passes through
# later convolutions, and differs from position to position, so Grad-CAM's
# average is a summary, not the whole story. At `block13_sepconv2_bn`, before
# block 13's stride-2 pooling, compare the spread of each channel's gradient
# over the positions with its mean:

# %%
early_layer = "block13_sepconv2_bn"
early_model = tap_model(model, [early_layer], logits=True)
with tf.GradientTape() as tape:
    early_features, early_logit = early_model(cat, training=False)
    early_score = -early_logit[:, 0]
early_grads = tape.gradient(early_score, early_features)[0].numpy()
spread = early_grads.std(axis=(0, 1)) / np.abs(
    early_grads.mean(axis=(0, 1))
)
print(early_layer, early_features.shape)
print(
    "a channel's gradient: standard deviation over the positions / |mean|, "
    f"median over channels: {np.median(spread):.1f}"
)
early_map = gradcam(model, cat, layer_name=early_layer, target=0)[0]
image_grid(
    [overlay(cat[0], heatmap), overlay(cat[0], early_map)],
    ncols=2,
    titles=[
        f"{layer}, {heatmap.shape[0]} × {heatmap.shape[1]}",
        f"{early_layer}, {early_map.shape[0]} × {early_map.shape[1]}",
    ],
    cell_size=3.0,
    caption="Grad-CAM for 'cat' at the last feature maps and one block earlier",
)

# %% [markdown]
# Which models on this page, and in [the lab](../../lab/), have such a head?
# The layers that follow each model's last feature maps, Dropout left out
# (it is inactive at inference):

# %%
small = load_trained("small_convnet")
kitchen, classes = kitchenware_classifier()


def head_after(classifier, feature_layer):
    """Types of the layers after `feature_layer`, Dropout and sub-models left out."""
    flat = [
        found
        for _, found in walk_layers(classifier)
        if not isinstance(found, keras.Model)
    ]
    names = [found.name for found in flat]
    return [
        type(found).__name__
        for found in flat[names.index(feature_layer) + 1 :]
        if not isinstance(found, keras.layers.Dropout)
    ]


heads = {
    name: (last_feature_layer(m), head_after(m, last_feature_layer(m)))
    for name, m in {
        "Mini-Xception": mini,
        "Xception transfer": model,
        "kitchenware": kitchen,
        "small convnet": small,
    }.items()
}
for name, (feature_layer, head) in heads.items():
    print(f"{name:<18} {feature_layer:<20} → {' → '.join(head)}")
gap_dense = [
    name
    for name, (_, head) in heads.items()
    if head == ["GlobalAveragePooling2D", "Dense"]
]
gap_first = [
    name
    for name, (_, head) in heads.items()
    if head[0] == "GlobalAveragePooling2D"
]
print("GAP → Dense:", ", ".join(gap_dense))
print("GAP first:", ", ".join(gap_first))

# %% [markdown]
# The small convnet of [Part A](../../part-a/small-convnet/), which the lab
# also explains, ends in Flatten → Dense instead. At `block5_conv` its logit
# is z = b + Σ_ijk W_ijk A_ijk, a Dense weight for every position and channel,
# so the gradient differs from position to position, and the exact evidence
# of position (i, j) is E_ij = Σ_k W_ijk A_ijk, which adds up with b to the
# logit: HiResCAM's map (Draelos and Carin, 2020). Grad-CAM averages W over
# the positions first. How far apart are the two, over the photos of every
# 20th held-out photo, each for its predicted class?

# %%
small_paths = list(test.paths[::20])
small_photos = model_batch(small, small_paths)
small_layer = last_feature_layer(small)
small_tap = tap_model(small, [small_layer], logits=True)
small_features, small_logits = (
    keras.ops.convert_to_numpy(t)
    for t in small_tap(small_photos, training=False)
)
small_dense = small.get_layer("predictions")
small_kernel = keras.ops.convert_to_numpy(small_dense.kernel)[:, 0].reshape(
    small_features.shape[1:]
)
small_bias = float(keras.ops.convert_to_numpy(small_dense.bias)[0])
small_sign = np.where(small_logits[:, 0] > 0, 1.0, -1.0)  # predicted class
evidence = np.einsum("nijk,ijk->nij", small_features, small_kernel)
averaged = np.einsum(
    "nijk,k->nij", small_features, small_kernel.mean(axis=(0, 1))
)
print(
    "largest |Σ E + b − logit|: "
    f"{np.abs(evidence.sum(axis=(1, 2)) + small_bias - small_logits[:, 0]).max():.1e}"
)
small_maps = gradcam(
    small, small_photos, target=(small_sign > 0).astype("int32")
)
relu_averaged = np.maximum(averaged * small_sign[:, None, None], 0)
peaks = relu_averaged.max(axis=(1, 2), keepdims=True)
print(
    "largest difference between Grad-CAM and ReLU(Σ_k mean(W_k) A_k), "
    "normalised: "
    f"{np.abs(small_maps - relu_averaged / np.where(peaks > 0, peaks, 1)).max():.1e}"
)
gradient_spread = np.median(
    small_kernel.std(axis=(0, 1)) / np.abs(small_kernel.mean(axis=(0, 1)))
)
small_rho = np.array(
    [
        rank_correlation(a, b)
        for a, b in zip(averaged, evidence, strict=True)
    ]
)
print(
    f"{len(small_paths)} photos; a channel's gradient, standard deviation over "
    f"the positions / |mean|, median over channels: {gradient_spread:.1f}"
)
print(
    "rank correlation of Grad-CAM's signed map with the exact evidence E: "
    f"median {np.median(small_rho):.2f}, quartiles "
    f"{np.quantile(small_rho, 0.25):.2f} to {np.quantile(small_rho, 0.75):.2f}, "
    f"lowest {small_rho.min():.2f}"
)

# %% tags=["prose"]
Markdown(
    f"""Of the four models, {" and ".join(gap_dense)} end in global average
pooling and one Dense layer, so Grad-CAM at their last feature maps is CAM;
{" and ".join(n for n in gap_first if n not in gap_dense) or "no other"}
{"starts" if len([n for n in gap_first if n not in gap_dense]) == 1 else "start"}
with global average pooling, so its gradient is still the same at every
position. The small convnet's is not: a channel's Dense weight varies over
the positions with a standard deviation {gradient_spread:.1f} times its
|mean| (median over channels), and over {len(small_paths)} photos Grad-CAM's signed
map ranks the positions like the exact evidence E with a median rank
correlation of {np.median(small_rho):.2f} (lowest {small_rho.min():.2f}).
For that model, Grad-CAM is a summary of where the evidence lies; HiResCAM's
E is the evidence itself."""
)

# %% [markdown]
# ## Cats and dogs
#
# Four held-out cats and four dogs, each explained for the class the model
# predicts. Each map is divided by its own maximum: it shows where the
# evidence lies on that photo, not how strong it is compared with another
# photo.

# %% tags=["home"]
names = [f"cat.{i}.jpg" for i in range(2002, 2006)]
names += [f"dog.{i}.jpg" for i in range(2002, 2006)]
paths = [p for name in names for p in test.paths if p.name == name]
photos = model_batch(model, paths)
probabilities = keras.ops.convert_to_numpy(model(photos, training=False))[
    :, 0
]
maps = gradcam(model, photos)
titles = [
    f"dog {p:.1%}" if p > 0.5 else f"cat {1 - p:.1%}" for p in probabilities
]
image_grid(
    [overlay(photo, m) for photo, m in zip(photos, maps, strict=True)],
    ncols=4,
    titles=titles,
    cell_size=2.2,
    caption="Grad-CAM for the predicted class on four cats and four dogs",
)

# %% [markdown]
# ## Both classes on one photo
#
# The same photo explained as "dog" and as "cat". The photo below is the
# one, among every 20th held-out photo, on which the model is least sure.

# %%
candidate_paths = list(test.paths[::20])
candidates = model_batch(model, candidate_paths)
p_candidates = np.concatenate(
    [
        keras.ops.convert_to_numpy(model(chunk, training=False))[:, 0]
        for chunk in np.split(candidates, 5)
    ]
)
unsure = int(np.argmin(np.abs(p_candidates - 0.5)))
photo = candidates[unsure]
pair = gradcam(model, np.stack([photo, photo]), target=[1, 0])
print(
    f"{candidate_paths[unsure].name}: P(dog) = {p_candidates[unsure]:.3f}, "
    f"one of {len(candidate_paths)} photos"
)

# %% [markdown]
# With one sigmoid output, the two maps are not independent. Because the
# gradient is −w_k / N at every position for "cat" and +w_k / N for "dog",
# both come from one signed map S = Σ_k w_k A^k: the "dog" map is ReLU(S) and
# the "cat" map ReLU(−S), each divided by its maximum. S itself shows both
# at once, on one scale: red for dog, blue for cat. And since the pooling
# averages it, the mean of S plus the Dense bias is the logit:

# %%
unsure_features, unsure_logit = grad_model(photo[None], training=False)
signed = unsure_features[0].numpy() @ w  # S, in logit units
print(
    f"mean of S + bias = {signed.mean() + bias:.4f}, "
    f"logit = {float(unsure_logit[0, 0]):.4f}"
)
dog_from_s = np.maximum(signed, 0) / np.maximum(signed, 0).max()
cat_from_s = np.maximum(-signed, 0) / np.maximum(-signed, 0).max()
print(
    "largest difference from Grad-CAM: 'dog' "
    f"{np.abs(dog_from_s - pair[0]).max():.1e}, "
    f"'cat' {np.abs(cat_from_s - pair[1]).max():.1e}"
)

# %% tags=["collapse"]
limit = np.abs(signed).max()
fig = Figure(figsize=(9, 3.2), layout="constrained")
ax_photo, ax_signed = fig.subplots(1, 2)
ax_photo.imshow(photo.astype("uint8"))
ax_photo.set_title(f"P(dog) = {p_candidates[unsure]:.3f}")
ax_signed.imshow(photo.astype("uint8"))
shown = ax_signed.imshow(
    signed,
    cmap="RdBu_r",
    vmin=-limit,
    vmax=limit,
    alpha=0.55,
    extent=(0, photo.shape[1], photo.shape[0], 0),
)
fig.colorbar(shown, ax=ax_signed, shrink=0.85, label="S: + dog, − cat")
ax_signed.set_title("signed map S (logit units)")
for ax in (ax_photo, ax_signed):
    ax.set_axis_off()
fig

# %% [markdown]
# Drawn as two heatmaps, the classes keep this one scale when both maps are
# divided by the largest value of either, the largest |S|, rather than each
# by its own maximum: `gradcam(..., scale="shared")`, which is how
# [the lab](../../lab/) and `python -m modern_convnets explain` draw
# them. The class whose map peaks lower is then drawn dimmer:

# %%
shared = gradcam(
    model, np.stack([photo, photo]), target=[1, 0], scale="shared"
)
print(
    "largest difference from ReLU(±S) / max |S|: "
    f"{np.abs(shared[0] - np.maximum(signed, 0) / limit).max():.1e}, "
    f"{np.abs(shared[1] - np.maximum(-signed, 0) / limit).max():.1e}"
)
print(
    f"peaks on one scale: dog {shared[0].max():.3f}, cat {shared[1].max():.3f}"
)

# %% [markdown]
# ## Six kitchen classes on one photo
#
# The kitchenware classifier (cup, fork, glass, knife, plate, spoon) is
# another nested model: a transfer model at 150 × 150, trained on top of the
# ImageNet Xception base, that outputs six logits (it was trained on logits,
# so its last layer has no softmax; we apply one to read probabilities). Its
# saved base is marked not trainable. That flag is what the file says now,
# not a record of its training, and this package reads its ImageNet weights
# from that very file (`modern_convnets.pretrained`), so the page cannot
# compare them with an independent copy. The layers of its classifier:

# %%
inner = kitchen.get_layer("classifier")
print("base trainable:", inner.get_layer("xception").trainable)
print([f"{layer.name} ({type(layer).__name__})" for layer in inner.layers])

# %% [markdown]
# Grad-CAM explains every class on the same photo. Dividing each map by its
# own maximum would draw a class the model all but rules out as brightly as
# the one it predicts. Here the six maps are divided by one common maximum,
# the largest value of any of them (`scale="shared"`): each keeps its units,
# the gradient of its class's logit times the activations, so the six can be
# compared: a brighter map holds more evidence for its class's logit, to
# first order (gradient times activation). Weighting
# each map by the class's probability instead would show how sure the model
# is, not how much evidence a region holds: a softmax probability depends on
# the other classes' logits too. The probabilities are in the titles:

# %%
kitchen_photos = kitchenware_photos()
kitchen_path = next(
    p for p, label in kitchen_photos.items() if label == "plate"
)
kitchen_photo = model_batch(kitchen, kitchen_path)[0]
logits = kitchen(kitchen_photo[None], training=False)
softmax = keras.ops.convert_to_numpy(keras.ops.softmax(logits))[0]
per_class = gradcam(
    kitchen,
    np.stack([kitchen_photo] * len(classes)),
    target=range(len(classes)),
    scale="shared",
)
for name, p, m in zip(classes, softmax, per_class, strict=True):
    print(f"{name:<6} {p:.1%}, map peak on the shared scale {m.max():.2f}")
image_grid(
    [overlay(kitchen_photo, m) for m in per_class],
    ncols=len(classes),
    titles=[f"{c} {p:.1%}" for c, p in zip(classes, softmax, strict=True)],
    cell_size=1.6,
    caption="One kitchen photo explained for each of the six classes, "
    "all maps divided by one common maximum",
)

# %% tags=["prose"]
class_peaks = per_class.max(axis=(1, 2))
first, second = np.argsort(class_peaks)[::-1][:2]
Markdown(
    f"""On this photo, "{classes[second]}" has a probability of
{softmax[second]:.1%}, yet its map peaks at {class_peaks[second]:.2f} on the
scale where "{classes[first]}" peaks at {class_peaks[first]:.2f}: weighted
by its probability, its map would all but vanish, although regions of the
photo raise its logit."""
)

# %% [markdown]
# ## Sanity check: does the map depend on what was learned?
#
# Adebayo et al. (2018) put saliency methods through a model-randomisation
# test: re-initialise the learned weights, from the top layer down
# ("cascading randomisation"), and see whether the map changes. Guided
# backpropagation and guided Grad-CAM failed it: they drew nearly the same
# map for a network with random weights, showing edges of the photo rather
# than the model's reasoning. The plain gradient and Grad-CAM passed. We
# repeat their cascading test on the transfer classifier:
# `randomised_copy(model, top=k)` re-initialises the last k layers that hold
# weights, nested base included, and keeps the rest trained. Each map is
# compared with the trained model's by Spearman rank correlation over the
# map's positions: the correlation of the positions' ranks rather than of their
# values, 1 when both maps order the positions the same way, 0 when the
# orders are unrelated.

# %%
weighted = [
    layer.name
    for _, layer in walk_layers(model)
    if layer.weights and not isinstance(layer, keras.Model)
]


def top_down_to(prefix):
    """How many weighted layers, from the output, down to a block's first."""
    first = next(
        i for i, name in enumerate(weighted) if name.startswith(prefix)
    )
    return len(weighted) - first


stages = {
    "Dense head": 1,
    "down to block 14": top_down_to("block14"),
    "down to block 12": top_down_to("block12"),
    "every layer": None,
}
threshold = (
    0.5  # ours: |median correlation| at which a map counts as unchanged
)
print(f"threshold (this page's choice): {threshold}")
stage_maps, stage_medians, stage_rhos = {}, {}, {}
for stage, top in stages.items():
    randomised = randomised_copy(model, seed=0, top=top)
    stage_maps[stage] = gradcam(
        randomised,
        photos,
        layer_name=layer,
        target=(probabilities > 0.5).astype("int32"),  # the trained model's
    )
    rhos = np.array(
        [
            rank_correlation(a, b)
            for a, b in zip(maps, stage_maps[stage], strict=True)
        ]
    )
    stage_rhos[stage] = rhos[
        ~np.isnan(rhos)
    ]  # NaN: a map with no positive cell
    stage_medians[stage] = np.median(stage_rhos[stage])
    print(
        f"{stage:<17} ({len(weighted) if top is None else top:>3} layers "
        f"re-initialised): rank correlation with the trained maps, median "
        f"{stage_medians[stage]:.2f}, range {stage_rhos[stage].min():.2f} to "
        f"{stage_rhos[stage].max():.2f}, over {stage_rhos[stage].size} of "
        f"{len(rhos)} photos"
    )
zero_share = np.mean([(m == 0).mean() for m in maps])
print(f"share of zero (ReLU) cells in the trained maps: {zero_share:.0%}")

# %% tags=["collapse"]
image_grid(
    [
        overlay(p, m)
        for row in [maps, *stage_maps.values()]
        for p, m in zip(photos[:4], row[:4], strict=True)
    ],
    ncols=4,
    titles=[
        f"{name}" if i == 0 else ""
        for name in ["trained", *(f"random: {s}" for s in stages)]
        for i in range(4)
    ],
    cell_size=2.0,
    caption="Grad-CAM of the trained classifier (top row), then with its "
    "weights re-initialised from the top layer down (one stage a row)",
)

# %% tags=["prose"]
worst = max(stage_medians, key=lambda s: abs(stage_medians[s]))
widest = max(
    np.abs(r).max() for r in stage_rhos.values()
)  # the largest |correlation| of any photo at any stage
dropped = sum(len(photos) - r.size for r in stage_rhos.values())
Markdown(
    f"""Over the {len(photos)} photos, the median rank correlation with the
trained maps is {
        ", ".join(f"{v:.2f} ({k})" for k, v in stage_medians.items())
    }; single photos range up to {widest:.2f} in absolute value{
        f", and {dropped} correlations were left out because a randomised map"
        " had no positive cell"
        if dropped
        else ""
    }. Adebayo et al. (2018) measure the change with rank correlations and
other similarity measures, and set no threshold; the threshold of
{threshold} on the median is this page's. {
        f"Every stage's median stays below {threshold} in absolute value:"
        " by that rule Grad-CAM passes the test here, its maps depend on the"
        " learned weights from the head down."
        if abs(stage_medians[worst]) < threshold
        else f"At the stage '{worst}' the maps still correlate with the trained"
        f" ones at {threshold} or more: there, the map reflects the"
        " architecture and the photo more than what was learned."
    } With {len(photos)} photos the medians are rough, and the zeros of the
ReLU, {
        zero_share:.0%} of the trained maps' cells, share one tied rank, which
pulls a correlation towards 0. Integrated Gradients, compared with Grad-CAM
below, is not put through this test on this page."""
)

# %% [markdown]
# ## Faithfulness: deletion and insertion
#
# If a heatmap points at the evidence, removing the regions it ranks highest
# should make the class's probability fall faster than removing regions in a
# random order; and putting them back first into a blurred copy of the photo
# should make it rise faster. These are the deletion and insertion curves of
# Petsiuk et al. (2018), and the area under each summarises it: lower is
# better for deletion, higher for insertion. `faithfulness_curves` follows
# them with three choices:
#
# - a removed region takes the same region of a blurred copy of the photo
#   (a Gaussian blur, its standard deviation printed below), not a flat
#   colour, which adds sharp edges and a colour of its own;
# - it works at the map's own resolution: the map ranks its cells, and a cell
#   is removed or inserted whole, since the map says nothing finer;
# - the chance level is a random map of the same shape on the same photo.
#
# One test photo decides nothing. The test uses every 10th held-out photo
# (the cell below counts them), each explained for its predicted class, and
# counts on how many the heatmap beats the random order; under the null
# hypothesis that it is no better than random, that count follows a
# binomial with p = ½ (a two-sided sign test). Each point of a deletion or
# insertion curve is one pass of the model per photo. The test runs on the
# [Mini-Xception](../../part-a/mini-xception/) of the first section, at
# 180 × 180, whose head is the same GAP → Dropout → Dense, rather than on
# Xception at 299 × 299: the cell below times a pass of each (the fastest of
# three), and the transfer classifier would take that many times longer.


# %%
def fastest_pass(classifier, batch, repeats=3):
    """The shortest of `repeats` timed passes over `batch`, in seconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        classifier(batch, training=False)
        times.append(time.perf_counter() - started)
    return min(times)


xception_time = fastest_pass(model, photos)
mini_time = fastest_pass(mini, model_batch(mini, paths))
print(
    f"{len(photos)} photos, fastest of 3 passes: Xception {xception_time:.2f} s, "
    f"Mini-Xception {mini_time:.2f} s "
    f"(Mini-Xception about {xception_time / mini_time:.0f} times faster)"
)
sigma = 10.0  # the blur's standard deviation, in pixels
faith_paths = list(test.paths[::10])
faith_photos = model_batch(mini, faith_paths)
is_dog = np.array([path.parent.name == "dogs" for path in faith_paths])
started = time.perf_counter()
p_faith = np.concatenate(
    [
        keras.ops.convert_to_numpy(mini(chunk, training=False))[:, 0]
        for chunk in np.split(faith_photos, 4)
    ]
)
predicted = (p_faith > 0.5).astype("int32")
faith_maps = gradcam(mini, faith_photos, target=predicted)
random_maps = np.random.default_rng(0).random(faith_maps.shape)
curves = {
    "Grad-CAM": faithfulness_curves(
        mini, faith_photos, faith_maps, predicted, sigma=sigma
    ),
    "random": faithfulness_curves(
        mini, faith_photos, random_maps, predicted, sigma=sigma
    ),
}
blurred_p = np.concatenate(
    [
        keras.ops.convert_to_numpy(mini(chunk, training=False))[:, 0]
        for chunk in np.split(blur(faith_photos, sigma), 4)
    ]
)
points = len(curves["Grad-CAM"].fractions)
print(
    f"{len(faith_paths)} photos ({is_dog.sum()} dogs; predicted: "
    f"{predicted.sum()} dogs, {len(predicted) - predicted.sum()} cats), maps "
    f"{faith_maps.shape[1]} × {faith_maps.shape[2]}; accuracy "
    f"{np.mean(predicted == is_dog):.0%}; {time.perf_counter() - started:.0f} s"
)
print(
    f"blur: a Gaussian of {sigma:g} pixels' standard deviation; {points} points "
    f"a curve, deletion and insertion for two maps: {4 * points} passes a photo"
)
print(
    f"P(dog) of the fully blurred photos: cats {blurred_p[~is_dog].mean():.3f}, "
    f"dogs {blurred_p[is_dog].mean():.3f}; all: P(dog) {blurred_p.mean():.3f}, "
    f"P(cat) {1 - blurred_p.mean():.3f}"
)

# %% tags=["collapse"]
significance = 0.05


def sign_test(wins, n):
    """Two-sided p-value of `wins` successes in `n` fair coin tosses."""
    tail = sum(math.comb(n, i) for i in range(min(wins, n - wins) + 1))
    return min(1.0, 2 * tail / 2**n)


def compare(a, b, kind, subset=slice(None)):
    """Photos on which map `a` beats map `b` on the `kind` curve, and the p-value."""
    x = getattr(curves[a], f"{kind}_area")[subset]
    y = getattr(curves[b], f"{kind}_area")[subset]
    wins = int(np.sum(x < y) if kind == "deletion" else np.sum(x > y))
    n = int(np.sum(x != y))
    return wins, n, sign_test(wins, n)


predicted_dog = predicted == 1


def result_table(pairs):
    print(f"sign test, two-sided; significance level {significance:.0%}")
    print("wins split by the predicted class")
    print(f"{'':<26}{'curve':<11}{'wins':>10}{'cat':>8}{'dog':>8}{'p':>10}")
    for a, b in pairs:
        for kind in ("deletion", "insertion"):
            wins, n, p = compare(a, b, kind)
            cats = compare(a, b, kind, ~predicted_dog)
            dogs = compare(a, b, kind, predicted_dog)
            print(
                f"{a + ' vs ' + b:<26}{kind:<11}{f'{wins}/{n}':>10}"
                f"{f'{cats[0]}/{cats[1]}':>8}{f'{dogs[0]}/{dogs[1]}':>8}{p:>10.2g}"
            )


for name, c in curves.items():
    print(
        f"{name:<9} mean area: deletion {c.deletion_area.mean():.3f}, "
        f"insertion {c.insertion_area.mean():.3f}"
    )
result_table([("Grad-CAM", "random")])

# %% tags=["collapse"]
fig = Figure(figsize=(9, 3.4), layout="constrained")
for ax, kind in zip(
    fig.subplots(1, 2, sharey=True), ("deletion", "insertion"), strict=True
):
    for name, style in (("Grad-CAM", "o-"), ("random", "s--")):
        c = curves[name]
        for group, colour, animals in (
            (~predicted_dog, "C0", "predicted cat"),
            (predicted_dog, "C1", "predicted dog"),
        ):
            label = f"{name}, {animals} ({group.sum()})"
            ax.plot(
                c.fractions,
                getattr(c, kind)[group].mean(axis=0),
                style,
                color=colour,
                alpha=1.0 if name == "Grad-CAM" else 0.6,
                label=label,
            )
    ax.set_title(f"{kind}: mean over the photos of a predicted class")
    done = "deleted" if kind == "deletion" else "inserted"
    ax.set_xlabel(
        f"share of the {faith_maps.shape[1]} × {faith_maps.shape[2]} cells {done}"
    )
    ax.grid(alpha=0.3)
ax.legend(fontsize=8)
fig.axes[0].set_ylabel("probability of the predicted class")
fig


# %% tags=["prose"]
favoured = "cat" if blurred_p.mean() < 0.5 else "dog"
favoured_end = (
    1 - blurred_p.mean() if favoured == "cat" else blurred_p.mean()
)


def verdict(a, b, kind):
    wins, n, p = compare(a, b, kind)
    faster = "falls" if kind == "deletion" else "rises"
    if p < significance and wins > n / 2:
        return (
            f"in {kind}, {a} beats {b} on {wins} of {n} photos (p = {p:.2g}): "
            f"the probability {faster} faster with {a}'s order, more often than"
            " chance explains"
        )
    if p < significance:
        return (
            f"in {kind}, {b} beats {a} on {n - wins} of {n} photos"
            f" (p = {p:.2g}): {a}'s order is worse than {b}'s"
        )
    return (
        f"in {kind}, {a} beats {b} on {wins} of {n} photos (p = {p:.2g}):"
        " no difference that chance cannot explain"
    )


Markdown(
    f"""On these {len(faith_paths)} photos, {
        verdict("Grad-CAM", "random", "deletion")
    };
{verdict("Grad-CAM", "random", "insertion")}. The fill-in is not neutral:
the model calls a fully blurred photo a dog with probability
{blurred_p[~is_dog].mean():.3f} (cats) and {blurred_p[is_dog].mean():.3f}
(dogs). {
        f'Blurring pushes every photo towards "{favoured}": for the photos'
        f' predicted "{favoured}", the deletion curve ends, and the insertion'
        f" curve starts, near a probability of {favoured_end:.3f}, so only the"
        " middle of their curves can tell the orders apart. That is why the"
        " table splits the wins by the predicted class"
        f" ({len(predicted) - predicted.sum()} cats, {predicted.sum()} dogs)."
        if abs(blurred_p.mean() - 0.5) > 0.3
        else "That is close enough to one half that neither class is favoured"
        " much."
    } A deletion test measures how faithful a map is; it does not promise
that it is."""
)

# %% [markdown]
# Grad-CAM's ReLU sets the cells with evidence against the class to zero, and
# the test breaks ties at random: among those cells, the order is the random
# map's. The signed map S of the predicted class (S for "dog", −S for "cat",
# S = Σ_k w_k A^k as above) ranks the same positive cells first, in the same
# order, and then the negative ones from the least to the most negative. Does
# that order do better?

# %%
logit_model = tap_model(mini, [last_feature_layer(mini)], logits=True)
mini_w = keras.ops.convert_to_numpy(mini.layers[-1].kernel)[:, 0]
faith_features = np.concatenate(
    [
        keras.ops.convert_to_numpy(logit_model(chunk, training=False)[0])
        for chunk in np.split(faith_photos, 4)
    ]
)
sign = np.where(predicted == 1, 1.0, -1.0).astype("float32")
signed_maps = (faith_features @ mini_w) * sign[:, None, None]
zero_shares = (faith_maps == 0).mean(axis=(1, 2))
positive_s = np.maximum(signed_maps, 0)
positive_s /= positive_s.max(axis=(1, 2), keepdims=True)
print(
    "largest difference between Grad-CAM and ReLU(±S) / max: "
    f"{np.abs(positive_s - faith_maps).max():.1e}"
)
print(
    f"zero cells in the Grad-CAM maps: median {np.median(zero_shares):.0%}, "
    f"largest {zero_shares.max():.0%}"
)
curves["signed S"] = faithfulness_curves(
    mini, faith_photos, signed_maps, predicted, sigma=sigma
)
result_table([("signed S", "Grad-CAM")])

# %% tags=["prose"]
Markdown(
    f"""In the median Grad-CAM map, {np.median(zero_shares):.0%} of the cells are
zeros of the ReLU (up to {zero_shares.max():.0%}). Ranking them by S instead
of at random: {verdict("signed S", "Grad-CAM", "deletion")};
{verdict("signed S", "Grad-CAM", "insertion")}. The ReLU suits a picture of
the evidence for a class; for an order of all the cells, the signed map
keeps what the ReLU throws away."""
)

# %% [markdown]
# ## What heatmaps do not tell you, and other methods

# %% tags=["prose"]
Markdown(
    f"""A Grad-CAM map says *where*, at the resolution of the feature maps it
is computed from: {maps.shape[1]} × {maps.shape[2]} cells for Xception at
{model.input_shape[1]} × {model.input_shape[2]},
{faith_maps.shape[1]} × {faith_maps.shape[2]} for Mini-Xception at
{mini.input_shape[1]} × {mini.input_shape[2]}, and each cell's feature sees
a wider field than the cell (step 1). It does not say *what* the model saw
there (a texture, a shape, a colour), and it cannot separate two things in
one cell. The CAM family weighs feature maps:"""
)

# %% [markdown]
# - **CAM** (Zhou et al., 2016): the Dense weights of a GAP → Dense head;
# - **Grad-CAM** (Selvaraju et al., 2017): gradients averaged per channel,
#   for any head;
# - **Grad-CAM++** (Chattopadhay et al., 2018): weights from the positive
#   gradients with higher-order terms, meant for several objects of a class;
# - **HiResCAM** (Draelos and Carin, 2020): the gradient times the
#   activation at each position, summed over channels, without averaging.
#   Where the gradient is the same at every position, as at the last
#   feature maps of every head above that starts with global average
#   pooling (step 3), HiResCAM equals Grad-CAM; at `block13_sepconv2_bn`
#   and behind the small convnet's Flatten → Dense head the gradient
#   varies, and the two differ;
# - **Score-CAM** (Wang et al., 2020): no gradients: each channel is weighed
#   by the class score of the photo masked with that channel's upsampled
#   map.
#
# Gradient methods work at the pixel level instead: **saliency** (Simonyan
# et al., 2014), the gradient of the class score with respect to the pixels;
# **SmoothGrad** (Smilkov et al., 2017), that gradient averaged over noisy
# copies of the photo; **Integrated Gradients** (Sundararajan et al., 2017),
# the gradient averaged along the straight path from a baseline image to the
# photo, times the difference between them. Its attributions add up to the
# score of the photo minus that of the baseline ("completeness"), which
# checks the integral. Here it is, with `modern_convnets.autodiff`'s
# `value_and_grad`, so it runs on any Keras backend, for two baselines: the
# blurred photo, the same one the faithfulness test fills in with, so that
# IG attributes nearly the very change the test makes; and a black image,
# which the test never uses. The score is the logit of the predicted class,
# as for Grad-CAM:


# %%
def signed_logit(x, sign):
    """The predicted class's logit: z for "dog", −z for "cat"."""
    _, logit = logit_model(x, training=False)
    return keras.ops.sum(logit[:, 0] * sign), logit[:, 0] * sign


logit_gradient = value_and_grad(signed_logit, logit_model.variables)


ig_steps = 8


def integrated_gradients(images, baselines, sign, steps=ig_steps, chunk=25):
    """Attributions per pixel and channel, midpoint rule with `steps` points."""
    attributions, gaps = [], []
    for start in range(0, len(images), chunk):
        x = images[start : start + chunk]
        base = baselines[start : start + chunk]
        s = keras.ops.convert_to_tensor(sign[start : start + chunk])
        total = np.zeros_like(x)
        for alpha in (np.arange(steps) + 0.5) / steps:
            path_point = (base + alpha * (x - base)).astype("float32")
            _, _, grad = logit_gradient(path_point, s)
            total += keras.ops.convert_to_numpy(grad)
        attributions.append((x - base) * total / steps)
        ends = [
            keras.ops.convert_to_numpy(logit_gradient(end, s)[1])
            for end in (x, base)
        ]
        gaps.append(ends[0] - ends[1])
    return np.concatenate(attributions), np.concatenate(gaps)


baselines = {
    "IG-blur": blur(faith_photos, sigma),
    "IG-black": np.zeros_like(faith_photos),
}
attributions, completeness = {}, {}
print(
    "completeness error: |sum of attributions − logit difference| / "
    "|difference|"
)
for name, baseline in baselines.items():
    started = time.perf_counter()
    attributions[name], logit_gaps = integrated_gradients(
        faith_photos, baseline, sign
    )
    completeness[name] = np.abs(
        attributions[name].sum(axis=(1, 2, 3)) - logit_gaps
    ) / np.abs(logit_gaps)
    print(
        f"{name:<9} median {np.median(completeness[name]):.1%}, largest "
        f"{completeness[name].max():.1%}, within 5% on "
        f"{np.sum(completeness[name] <= 0.05)} of {len(faith_photos)} photos; "
        f"{time.perf_counter() - started:.0f} s"
    )

# %% tags=["prose"]
Markdown(
    f"""For the same test, the pixel attributions are summed over each of the
{faith_maps.shape[1]} × {faith_maps.shape[2]} cells and the cells ranked as
before. Completeness constrains only the total over all cells, not how it is
shared among them. And {
        ig_steps
    } steps is a coarse integral: Sundararajan et
al. (2017) suggest 20 to 300 steps, enough to bring the completeness error
within 5%; here the median error is {
        " and ".join(
            f"{np.median(c):.1%} ({name})"
            for name, c in completeness.items()
        )
    }."""
)


# %%
def cell_sums(pixels, rows, cols):
    """(n, h, w) values summed over each of rows × cols cells."""
    height, width = pixels.shape[1:]
    # one-hot: which cell row (column) each pixel row (column) falls in
    in_row = np.arange(height)[:, None] * rows // height == np.arange(rows)
    in_col = np.arange(width)[:, None] * cols // width == np.arange(cols)
    return np.einsum(
        "nhw,hr,wc->nrc", pixels, in_row, in_col, optimize=True
    )


ig_maps = {
    name: cell_sums(a.sum(axis=-1), *faith_maps.shape[1:])
    for name, a in attributions.items()
}
for name, m in ig_maps.items():
    curves[name] = faithfulness_curves(
        mini, faith_photos, m, predicted, sigma=sigma
    )
for name, c in curves.items():
    print(
        f"{name:<9} mean area: deletion {c.deletion_area.mean():.3f}, "
        f"insertion {c.insertion_area.mean():.3f}"
    )
result_table(
    [
        ("IG-blur", "random"),
        ("IG-black", "random"),
        ("Grad-CAM", "IG-blur"),
        ("Grad-CAM", "IG-black"),
        ("IG-blur", "IG-black"),
    ]
)

# %% tags=["collapse"]
shown = [
    *np.flatnonzero(~is_dog)[:2],
    *np.flatnonzero(is_dog)[:2],
]  # two cats, two dogs
fig = Figure(figsize=(9, 6.6), layout="constrained")
axes = fig.subplots(1 + len(attributions), len(shown))
for column, i in enumerate(shown):
    axes[0, column].imshow(overlay(faith_photos[i], faith_maps[i]))
    axes[0, column].set_title(
        f"{faith_paths[i].name}\nGrad-CAM", fontsize=9
    )
    for row, (name, a) in enumerate(attributions.items(), start=1):
        limit = np.abs(a[shown].sum(axis=-1)).max()
        axes[row, column].imshow(
            a[i].sum(axis=-1),
            cmap="RdBu_r",
            vmin=-limit / 4,
            vmax=limit / 4,
        )
        axes[row, column].set_title(name, fontsize=9)
for ax in axes.ravel():
    ax.set_axis_off()
fig.set_label(
    "Grad-CAM (top row) and Integrated Gradients with the blurred and with "
    "the black baseline (red: for the predicted class, blue: against), "
    "on two cats and two dogs"
)
fig


# %% tags=["prose"]
def outcome(a, b, kind):
    """1 if `a` wins the sign test on `kind`, −1 if `b` does, else 0."""
    wins, n, p = compare(a, b, kind)
    if p >= significance:
        return 0
    return 1 if wins > n / 2 else -1


kinds = ("deletion", "insertion")
baseline_matters = any(
    outcome("Grad-CAM", "IG-blur", k) != outcome("Grad-CAM", "IG-black", k)
    for k in kinds
) or any(outcome("IG-blur", "IG-black", k) != 0 for k in kinds)
Markdown(
    f"""With the same photos, fill-in and cells:
{verdict("IG-blur", "random", "deletion")};
{verdict("IG-blur", "random", "insertion")}; with the black baseline,
{verdict("IG-black", "random", "deletion")};
{verdict("IG-black", "random", "insertion")}.

Against Grad-CAM, {verdict("Grad-CAM", "IG-blur", "deletion")};
{verdict("Grad-CAM", "IG-blur", "insertion")}. But the blurred baseline is
the test's own fill-in: IG-blur attributes nearly the change the test then
makes, which favours it. With the black baseline,
{verdict("Grad-CAM", "IG-black", "deletion")};
{verdict("Grad-CAM", "IG-black", "insertion")}. And between the two
baselines, {verdict("IG-blur", "IG-black", "deletion")};
{verdict("IG-blur", "IG-black", "insertion")}. {
        "How Integrated Gradients compares here depends on its baseline, so a"
        " comparison of attribution methods by deletion and insertion needs to"
        " say which baseline and which fill-in it used."
        if baseline_matters
        else "Here the verdicts do not change with the baseline."
    }

Integrated Gradients costs {ig_steps} gradient passes a photo and baseline
against Grad-CAM's one. Its maps have the photo's resolution; summed over
cells, they were judged here at Grad-CAM's
{faith_maps.shape[1]} × {faith_maps.shape[2]} cells, and the verdicts above
come from that comparison alone."""
)

# %% [markdown]
# ## Summary
#
# - Grad-CAM weighs the last feature maps by the averaged gradient of the
#   class score, keeps the positive part and normalises it: the body of
#   `make_gradcam_heatmap` above.
# - For a head of global average pooling and one Dense layer, as the
#   Mini-Xception and the Xception transfer classifier have, the gradient is
#   the same at every position of the last feature maps, and Grad-CAM is
#   CAM; with a sigmoid output the "cat" and "dog" maps are the two signs of
#   one map whose mean plus the bias is the logit. Behind the small
#   convnet's Flatten → Dense head, Grad-CAM averages away weights that
#   differ from position to position, and HiResCAM gives the exact evidence.
# - Differentiate the logit, not the probability: for a sigmoid that only
#   matters where float32 saturates, for a confident "dog" first; for a
#   softmax the probability's gradient mixes in the other classes.
# - Reach layers inside a nested base by re-running the graph
#   (`tap_model`), not by wiring the base's inner tensors to the outer input.
# - A map divided by its own maximum shows where, not how much: to compare
#   the classes of one photo, divide their maps by one common maximum
#   (`scale="shared"`), which keeps the logit's units. Weighting maps by
#   the probability would show the model's confidence instead.
# - Test the maps rather than trust them: re-initialise the weights from the
#   top down and check that the maps change, and compare deletion and
#   insertion curves with random maps over many photos, with a test.
#
# Try it on your own photo: [the lab](../../lab/) draws the Grad-CAM maps of
# the small convnet and the Mini-Xception, for "dog" and for "cat", for any
# photo you give it, in your browser.

# %% tags=["prose"]
wins, n, p = compare("Grad-CAM", "random", "deletion")
Markdown(
    f"""**Check yourself.**

1. A classifier ends in global average pooling and one Dense layer. What
   does Grad-CAM at its last feature maps compute?
2. For the one-sigmoid cats-and-dogs classifier, how is the "cat" map
   related to the "dog" map?
3. Xception's Grad-CAM map is drawn stretched over the photo at
   {model.input_shape[1]} × {model.input_shape[2]}. How many pixels does one
   cell span there, and how many does the feature at that cell depend on?
4. Why does the faithfulness test compare with a random map on the same
   photo, over many photos, rather than look at one deletion curve?

<details markdown="1">
<summary>Answers</summary>

1. CAM: its averaged gradient is the class's Dense weight divided by the
   number of positions, the same at every position. On the cat above, CAM
   and Grad-CAM differ by at most {cam_difference:.1e}.
2. Both come from one signed map S = Σ_k w_k A^k: "dog" is ReLU(S), "cat"
   ReLU(−S). Its mean plus the bias is the logit: {
        signed.mean() + bias:.4f} against
   {float(unsure_logit[0, 0]):.4f} on the photo above.
3. The map is {maps.shape[1]} × {maps.shape[2]}: stretched, a cell spans
   about {side:.1f} × {side:.1f} pixels. The feature there depends on a
   receptive field of {field.size} × {field.size} pixels, clipped by the
   photo's edges; its effective part, where the gradient is large, is
   smaller (Luo et al., 2016); on the cat, {
        inside_one:.0%} of the gradient's
   magnitude for the centre cell lay within that cell.
4. Any removal changes the prediction, and the fill-in itself pushes it
   towards one class, so one curve cannot separate the map from chance; a
   paired comparison with a random order, over many photos, does. Here Grad-CAM won the
   deletion comparison on {wins} of {n} photos (p = {p:.2g}).

</details>"""
)
