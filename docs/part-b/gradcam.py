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
#   coloured overlay;
# - how to reach a layer inside a nested pretrained model, and why the
#   package differentiates the score *before* the sigmoid;
# - why, for classifiers that end in global average pooling and one Dense
#   layer, as both cats-and-dogs models here do, Grad-CAM at the last
#   feature maps is the older CAM;
# - heatmaps for cats, dogs, both classes on one photo, and six kitchen
#   classes, the classes of one photo drawn on a scale that shows how
#   strong each map is;
# - two tests of whether a heatmap means something, and what they find here:
#   does it change when the learned weights are thrown away, layer by layer?
#   Does deleting the regions it highlights destroy the prediction faster
#   than deleting random regions, on 100 held-out photos?
# - what heatmaps cannot tell you, and how the CAM family compares with
#   gradient methods such as Integrated Gradients on the same test.

# %% [markdown]
# Cells marked **Copy this** are Grad-CAM in plain Keras and TensorFlow: they
# run as pasted, one after the other, in a fresh Python session with the
# photos where `MODERN_CONVNETS_DATA` points and two model files in the
# working folder, [`mini_xception.keras`](../../models/mini_xception.keras)
# (3 MB) and the transfer classifier's trained head,
# [`xception_cats_vs_dogs.keras`](../../models/xception_cats_vs_dogs.keras)
# (24 kB). The lecture names Grad-CAM without listing its code; these listings
# follow the classic recipe of Selvaraju et al. (2017) as Keras's own example
# and Chollet's book write it. The other cells use this package to check them
# and to go further.
#
# ## Grad-CAM in plain Keras
#
# Start with a model whose layers all sit at the top level: the
# [Mini-Xception](../../part-a/mini-xception/) of Part A. Its last layer with
# a spatial layout is `block5_add`, 6 × 6 × 512, just before global average
# pooling. Load it and a held-out cat at 180 × 180:

# %% tags=["copy"]
import os
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

model = keras.models.load_model("mini_xception.keras")
data = (
    Path(os.environ.get("MODERN_CONVNETS_DATA", "."))
    / "cats_and_dogs_filtered"
)
img_path = data / "validation/cats/cat.2001.jpg"
img = keras.utils.load_img(img_path, target_size=(180, 180))
img_array = np.expand_dims(keras.utils.img_to_array(img), axis=0)
print(f"P(dog) = {float(model(img_array, training=False)[0, 0]):.4f}")

# %% [markdown]
# The recipe: a model from the input to both the last feature maps and the
# prediction; the gradient of the class score with respect to those feature
# maps; one weight per channel, the gradient averaged over the positions; the
# channels summed with those weights; negative values set to zero (they are
# evidence *against* the class); divided by the maximum. The model has one
# sigmoid output, P(dog), so the score for "dog" is P(dog) and for "cat"
# 1 − P(dog):


# %% tags=["copy"]
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
    pooled_grads = tf.reduce_mean(grads, axis=(0, 1, 2))
    heatmap = last_conv_layer_output[0] @ pooled_grads[..., tf.newaxis]
    heatmap = tf.squeeze(heatmap)
    heatmap = tf.maximum(heatmap, 0) / tf.math.reduce_max(heatmap)
    return heatmap.numpy()


heatmap = make_gradcam_heatmap(img_array, model, "block5_add", dog=False)
print(heatmap.shape)

# %% [markdown]
# To show it, stretch the 6 × 6 map over the photo and blend it in:

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
# which the division by the maximum removes. Only where the probability
# rounds to exactly 0 or 1 in float32 is that factor zero, and the map lost.
# For a softmax the difference is not a factor: the gradient of p_c is
# p_c (∇z_c − Σ_k p_k ∇z_k), the class's own gradient minus the
# probability-weighted gradients of all classes, so a region that counts
# against a likely rival shows up as evidence for c. The logit's gradient is
# the class's own. On the same input:

# %%
import math
import time

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
from modern_convnets.graph import tap_model, walk_layers
from modern_convnets.grids import image_grid
from modern_convnets.heatmaps import overlay
from modern_convnets.images import model_batch
from modern_convnets.pretrained import (
    kitchenware_classifier,
    kitchenware_photos,
)
from modern_convnets.shipped import load_trained, trained_manifest

mini = load_trained("mini_xception")
print("last feature layer:", last_feature_layer(mini))
ours = gradcam(mini, img_array, target=0)[0]
print(
    f"largest difference from the listing: {np.abs(ours - heatmap).max():.1e}"
)

# %% [markdown]
# ## A model inside a model
#
# Transfer learning usually nests a pretrained base inside the classifier.
# Here: the ImageNet Xception base, frozen, and a small head trained on its
# pooled features to tell cats from dogs. Built in plain Keras from the base
# and the trained head, which maps 2,048 pooled features to P(dog):

# %% tags=["copy"]
from keras import layers

weights = os.environ.get("MODERN_CONVNETS_XCEPTION_WEIGHTS", "imagenet")
base = keras.applications.xception.Xception(
    weights=weights, include_top=False
)
head = keras.models.load_model("xception_cats_vs_dogs.keras")

inputs = keras.Input(shape=(299, 299, 3))
x = layers.Rescaling(1 / 127.5, offset=-1)(
    inputs
)  # Xception's preprocessing
x = base(x)
x = layers.GlobalAveragePooling2D()(x)
model = keras.Model(inputs, head(x))
img = keras.utils.load_img(img_path, target_size=(299, 299))
img_array = np.expand_dims(keras.utils.img_to_array(img), axis=0)
print(f"P(dog) = {float(model(img_array, training=False)[0, 0]):.4f}")

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
# come after them. The tape then watches the feature maps between the two:

# %% tags=["copy"]
last_conv_layer = base.get_layer("block14_sepconv2_act")
last_conv_layer_model = keras.Model(base.input, last_conv_layer.output)

classifier_input = keras.Input(shape=last_conv_layer.output.shape[1:])
x = layers.GlobalAveragePooling2D()(classifier_input)
classifier_model = keras.Model(classifier_input, head(x))

with tf.GradientTape() as tape:
    preprocessed = img_array / 127.5 - 1
    last_conv_layer_output = last_conv_layer_model(preprocessed)
    tape.watch(last_conv_layer_output)
    preds = classifier_model(last_conv_layer_output)
    class_channel = 1 - preds[:, 0]  # "cat"
grads = tape.gradient(class_channel, last_conv_layer_output)
pooled_grads = tf.reduce_mean(grads, axis=(0, 1, 2))
heatmap = last_conv_layer_output[0] @ pooled_grads[..., tf.newaxis]
heatmap = tf.squeeze(heatmap)
heatmap = (tf.maximum(heatmap, 0) / tf.math.reduce_max(heatmap)).numpy()

plt.imshow(img)
plt.imshow(heatmap, cmap="jet", alpha=0.4, extent=(0, 299, 299, 0))
plt.title("Grad-CAM for 'cat', Xception transfer model")
plt.axis("off")
plt.show()

# %% [markdown]
# The split needs the layers after the feature maps written out again, and a
# different split for every layer. `modern_convnets.graph.tap_model` does it
# in general: it runs the classifier's layers again on a fresh input,
# stepping *into* `xception` and keeping the requested output on the way, so
# `gradcam` takes the nested classifier as it is. The package's copy of this
# classifier (`load_trained("xception_cats_vs_dogs")`, the same base and
# head) gives the same map:

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
# ## Grad-CAM, one step at a time
#
# The same steps on the transfer classifier, through the package, with every
# intermediate result shown. With `logits=True`, `tap_model` runs the last
# layer without its sigmoid.
#
# **1. The last feature maps.** The deepest feature maps still have a
# spatial layout and, Selvaraju et al. (2017) argue, the most class-specific
# content. The last layer with a
# 4-D output, searched inside nested models too:

# %%
layer = last_feature_layer(model)
grad_model = tap_model(model, [layer], logits=True)
side = model.input_shape[1] / grad_model.outputs[0].shape[1]
print(
    layer,
    grad_model.outputs[0].shape,
    f"one cell: {side:.1f} pixels a side",
)

# %% [markdown]
# **2. The gradient of the class score.** The model outputs P(dog) =
# sigmoid(z). We differentiate the logit z for "dog", and −z for "cat". This
# time the photo is resized as the training pipeline did (`model_batch`,
# bilinear) rather than by `load_img`'s nearest-neighbour default.

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

# %% [markdown]
# **3. Channel weights.** Averaging each channel's gradient over the 10 × 10
# positions gives one weight per channel: how much the cat score rises, on
# average, when that channel's activation rises. Here the average is of 100
# equal numbers. After these feature maps come global average pooling,
# Dropout (inactive at inference) and one Dense unit with weights w: the
# logit is z = b + Σ_k w_k · mean(A^k), so the gradient of −z with respect to
# A^k at any position is −w_k / 100, the same at every position:

# %%
weights = tf.reduce_mean(grads, axis=(1, 2))[0]  # (2048,)
dense = model.get_layer("predictions")
w = keras.ops.convert_to_numpy(dense.kernel)[:, 0]
bias = float(keras.ops.convert_to_numpy(dense.bias)[0])
positions = grads.shape[1] * grads.shape[2]
print(
    "largest difference between a position's gradient and −w_k / "
    f"{positions}: {np.abs(grads.numpy() + w / positions).max():.1e}"
)
order = np.argsort(weights.numpy())
print(
    f"{(weights > 0).numpy().sum()} of 2048 channels have a positive weight"
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
# **7. Overlay.** The 10 × 10 map is resized to the photo, coloured, and blended
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
# is w_k / 100 (for "cat", −w_k / 100): a positive factor away from CAM, which
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
# average is a summary, not the whole story. At `block13_sepconv2_bn`, 19 × 19
# positions before block 13's stride-2 pooling, compare the spread of each
# channel's gradient over the positions with its mean:

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
    titles=["block14_sepconv2_act, 10 × 10", f"{early_layer}, 19 × 19"],
    cell_size=3.0,
    caption="Grad-CAM for 'cat' at the last feature maps and one block earlier",
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
# one, among every 20th held-out photo (50 photos), on which the model is
# least sure.

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
# gradient is −w_k / 100 at every position for "cat" and +w_k / 100 for "dog",
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
# base was kept frozen: the saved base is not trainable, and this package
# reads its ImageNet weights from that very file
# (`modern_convnets.pretrained`). The layers of its classifier:

# %%
kitchen, classes = kitchenware_classifier()
inner = kitchen.get_layer("classifier")
print("base trainable:", inner.get_layer("xception").trainable)
print([f"{layer.name} ({type(layer).__name__})" for layer in inner.layers])

# %% [markdown]
# Grad-CAM explains every class on the same photo. Dividing each map by its
# own maximum would draw a class the model all but rules out as brightly as
# the one it predicts, and say nothing about how strong either is. Here each
# map is instead multiplied by the class's probability: a map is as bright as
# the model is sure of its class.

# %%
kitchen_photos = kitchenware_photos()
kitchen_path = next(
    p for p, label in kitchen_photos.items() if label == "plate"
)
kitchen_photo = model_batch(kitchen, kitchen_path)[0]
logits = kitchen(kitchen_photo[None], training=False)
softmax = keras.ops.convert_to_numpy(keras.ops.softmax(logits))[0]
per_class = gradcam(
    kitchen, np.stack([kitchen_photo] * len(classes)), target=range(6)
)
for name, p in zip(classes, softmax, strict=True):
    print(f"{name:<6} {p:.1%}")
image_grid(
    [
        overlay(kitchen_photo, m * p)
        for m, p in zip(per_class, softmax, strict=True)
    ],
    ncols=6,
    titles=[f"{c} {p:.1%}" for c, p in zip(classes, softmax, strict=True)],
    cell_size=1.6,
    caption="One kitchen photo explained for each of the six classes, "
    "each map scaled by the class's probability",
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
# compared with the trained model's by Spearman rank correlation over the 100
# positions: the correlation of the positions' ranks rather than of their
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
threshold = 0.5  # |median correlation| at which a map counts as unchanged
print(f"threshold: {threshold}")
stage_maps, stage_medians = {}, {}
for stage, top in stages.items():
    randomised = randomised_copy(model, seed=0, top=top)
    stage_maps[stage] = gradcam(
        randomised,
        photos,
        layer_name=layer,
        target=(probabilities > 0.5).astype("int32"),  # the trained model's
    )
    stage_medians[stage] = np.nanmedian(
        [
            rank_correlation(a, b)
            for a, b in zip(maps, stage_maps[stage], strict=True)
        ]
    )
    print(
        f"{stage:<17} ({len(weighted) if top is None else top:>3} layers "
        f"re-initialised): median rank correlation with the trained maps "
        f"{stage_medians[stage]:.2f}"
    )

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
Markdown(
    f"""Over the eight photos, the median rank correlation with the trained
maps is {", ".join(f"{v:.2f} ({k})" for k, v in stage_medians.items())}.
{
        f"Every stage stays below {threshold} in absolute value: Grad-CAM"
        " passes the test here, its maps depend on the learned weights from"
        " the head down."
        if abs(stage_medians[worst]) < threshold
        else f"At the stage '{worst}' the maps still correlate with the trained"
        f" ones at {threshold} or more: there, the map reflects the"
        " architecture and the photo more than what was learned."
    }"""
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
#   (a Gaussian of 10 pixels' standard deviation), not a flat colour, which
#   adds sharp edges and a colour of its own;
# - it works at the map's own resolution: the map ranks its cells, and a cell
#   is removed or inserted whole, since the map says nothing finer;
# - the chance level is a random map of the same shape on the same photo.
#
# One test photo decides nothing. The test uses 100 held-out photos (every
# 10th: 50 cats and 50 dogs), each explained for its predicted class, and
# counts on how many the heatmap beats the random order; under the null
# hypothesis that it is no better than random, that count follows a
# binomial with p = ½ (a two-sided sign test). Each of the 7 points on 4
# curves is one pass of the model per photo, 28 passes a photo. The test
# runs on the [Mini-Xception](../../part-a/mini-xception/) of the first
# section, at 180 × 180, whose head is the same GAP → Dropout → Dense and
# whose last feature map, `block5_add`, has 6 × 6 cells, rather than on
# Xception at 299 × 299: the cell below times a pass of each, and the
# transfer classifier would take that many times longer.

# %%
started = time.perf_counter()
model(photos, training=False)
xception_time = time.perf_counter() - started
started = time.perf_counter()
mini(model_batch(mini, paths), training=False)
mini_time = time.perf_counter() - started
print(
    f"8 photos: Xception {xception_time:.2f} s, Mini-Xception {mini_time:.2f} s "
    f"(Mini-Xception {xception_time / mini_time:.0f} times faster)"
)
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
        mini, faith_photos, faith_maps, predicted
    ),
    "random": faithfulness_curves(
        mini, faith_photos, random_maps, predicted
    ),
}
blurred_p = np.concatenate(
    [
        keras.ops.convert_to_numpy(mini(chunk, training=False))[:, 0]
        for chunk in np.split(blur(faith_photos, 10.0), 4)
    ]
)
print(
    f"{len(faith_paths)} photos ({is_dog.sum()} dogs), maps "
    f"{faith_maps.shape[1]} × {faith_maps.shape[2]}; accuracy "
    f"{np.mean(predicted == is_dog):.0%}; {time.perf_counter() - started:.0f} s"
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


def result_table(pairs):
    print(f"sign test, two-sided; significance level {significance:.0%}")
    print(
        f"{'':<22}{'curve':<11}{'wins':>10}{'cats':>8}{'dogs':>8}{'p':>10}"
    )
    for a, b in pairs:
        for kind in ("deletion", "insertion"):
            wins, n, p = compare(a, b, kind)
            cats = compare(a, b, kind, ~is_dog)
            dogs = compare(a, b, kind, is_dog)
            print(
                f"{a + ' vs ' + b:<22}{kind:<11}{f'{wins}/{n}':>10}"
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
    for (name, c), style in zip(curves.items(), ("o-", "s--"), strict=True):
        for group, colour, animals in (
            (~is_dog, "C0", "cats"),
            (is_dog, "C1", "dogs"),
        ):
            label = f"{name}, {animals}"
            ax.plot(
                c.fractions,
                getattr(c, kind)[group].mean(axis=0),
                style,
                color=colour,
                alpha=1.0 if name == "Grad-CAM" else 0.6,
                label=label,
            )
    ax.set_title(f"{kind}: mean over 50 photos a class")
    done = "deleted" if kind == "deletion" else "inserted"
    ax.set_xlabel(f"share of the 6 × 6 cells {done}")
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
    f"""On these 100 photos, {verdict("Grad-CAM", "random", "deletion")};
{verdict("Grad-CAM", "random", "insertion")}. The fill-in is not neutral:
the model calls a fully blurred photo a dog with probability
{blurred_p[~is_dog].mean():.3f} (cats) and {blurred_p[is_dog].mean():.3f}
(dogs). {
        f'Blurring pushes every photo towards "{favoured}": for the photos'
        f' predicted "{favoured}", the deletion curve ends, and the insertion'
        f" curve starts, near a probability of {favoured_end:.3f}, so only the"
        " middle of their curves can tell the orders apart. That is why the"
        " table splits the wins by class."
        if abs(blurred_p.mean() - 0.5) > 0.3
        else "That is close enough to one half that neither class is favoured"
        " much."
    } A deletion test measures how faithful a map is; it does not promise
that it is."""
)

# %% [markdown]
# ## What heatmaps do not tell you, and other methods
#
# A Grad-CAM map says *where*, at the resolution of the feature maps it is
# computed from: 10 × 10 cells for Xception at 299 × 299, 6 × 6 for
# Mini-Xception at 180 × 180. It does not say *what* the model saw there (a
# texture, a shape, a colour), and it cannot separate two things in one
# cell. The CAM family weighs feature maps:
#
# - **CAM** (Zhou et al., 2016): the Dense weights of a GAP → Dense head;
# - **Grad-CAM** (Selvaraju et al., 2017): gradients averaged per channel,
#   for any head;
# - **Grad-CAM++** (Chattopadhay et al., 2018): weights from the positive
#   gradients with higher-order terms, meant for several objects of a class;
# - **HiResCAM** (Draelos and Carin, 2020): the gradient times the
#   activation at each position, summed over channels, without averaging.
#   Where the gradient is the same at every position, as behind every head
#   on this page, which all start with global average pooling (step 3
#   above), HiResCAM equals Grad-CAM;
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
# `value_and_grad`, so it runs on any Keras backend; the baseline is the
# blurred photo, the same one the faithfulness test fills in with, and the
# score is the logit of the predicted class, as for Grad-CAM:

# %%
logit_model = tap_model(mini, [last_feature_layer(mini)], logits=True)


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


started = time.perf_counter()
sign = np.where(predicted == 1, 1.0, -1.0).astype("float32")
attributions, logit_gaps = integrated_gradients(
    faith_photos, blur(faith_photos, 10.0), sign
)
completeness = np.abs(
    attributions.sum(axis=(1, 2, 3)) - logit_gaps
) / np.abs(logit_gaps)
print(
    f"completeness: |sum of attributions − logit difference| / |difference|, "
    f"median {np.median(completeness):.1%}; {time.perf_counter() - started:.0f} s"
)

# %% [markdown]
# For the same test, the pixel attributions are summed over each of the
# 6 × 6 cells (completeness makes a cell's sum its share of the logit), and
# the cells ranked as before:


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


ig_maps = cell_sums(attributions.sum(axis=-1), *faith_maps.shape[1:])
curves["IG"] = faithfulness_curves(mini, faith_photos, ig_maps, predicted)
for name, c in curves.items():
    print(
        f"{name:<9} mean area: deletion {c.deletion_area.mean():.3f}, "
        f"insertion {c.insertion_area.mean():.3f}"
    )
result_table([("IG", "random"), ("Grad-CAM", "IG")])

# %% tags=["collapse"]
shown = [0, 1, 50, 51]  # two cats, two dogs
limit = np.abs(attributions[shown].sum(axis=-1)).max()
fig = Figure(figsize=(9, 4.6), layout="constrained")
axes = fig.subplots(2, 4)
for column, i in enumerate(shown):
    axes[0, column].imshow(overlay(faith_photos[i], faith_maps[i]))
    axes[0, column].set_title(
        f"{faith_paths[i].name}\nGrad-CAM", fontsize=9
    )
    pixel = attributions[i].sum(axis=-1)
    axes[1, column].imshow(
        pixel, cmap="RdBu_r", vmin=-limit / 4, vmax=limit / 4
    )
    axes[1, column].set_title("Integrated Gradients", fontsize=9)
for ax in axes.ravel():
    ax.set_axis_off()
fig

# %% tags=["prose"]
Markdown(
    f"""With the same photos, fill-in and cells: {verdict("IG", "random", "deletion")};
{verdict("IG", "random", "insertion")}. Against each other,
{verdict("Grad-CAM", "IG", "deletion")}; {verdict("Grad-CAM", "IG", "insertion")}.
Integrated Gradients costs {ig_steps} gradient passes a photo against Grad-CAM's
one. Its maps have the photo's resolution; summed over cells, they were
judged here on Grad-CAM's terms, at 6 × 6 cells, and the verdict above
comes from that comparison alone."""
)

# %% [markdown]
# ## Summary
#
# - Grad-CAM weighs the last feature maps by the averaged gradient of the
#   class score, keeps the positive part and normalises it: six lines of
#   TensorFlow.
# - For a head of global average pooling and one Dense layer, as both
#   cats-and-dogs models here have, the gradient is the same at every
#   position of the last feature maps, and Grad-CAM is CAM; with a sigmoid
#   output the "cat" and "dog" maps are the two signs of one map whose mean
#   plus the bias is the logit.
# - Differentiate the logit, not the probability: for a sigmoid that only
#   matters where float32 saturates; for a softmax the probability's gradient
#   mixes in the other classes.
# - Reach layers inside a nested base by re-running the graph
#   (`tap_model`), not by wiring the base's inner tensors to the outer input.
# - A map divided by its own maximum shows where, not how much: to compare
#   classes, draw them on one scale.
# - Test the maps rather than trust them: re-initialise the weights from the
#   top down and check that the maps change, and compare deletion and
#   insertion curves with random maps over many photos, with a test.
#
# Try it on your own photo: [the lab](../../lab/) draws both trained models'
# Grad-CAM maps, for "dog" and for "cat", for any photo you give it, in your
# browser.

# %% tags=["prose"]
wins, n, p = compare("Grad-CAM", "random", "deletion")
Markdown(
    f"""**Check yourself.**

1. A classifier ends in global average pooling and one Dense layer. What
   does Grad-CAM at its last feature maps compute?
2. For the one-sigmoid cats-and-dogs classifier, how is the "cat" map
   related to the "dog" map?
3. How many input pixels does one cell of Xception's Grad-CAM map cover, at
   {model.input_shape[1]} × {model.input_shape[2]}?
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
3. The map is {maps.shape[1]} × {maps.shape[2]}: a cell covers about
   {side:.1f} × {side:.1f} pixels.
4. Any removal changes the prediction, and the fill-in itself pushes it
   towards one class; only the paired difference with a random order, counted
   over photos, separates the map from chance. Here Grad-CAM won the
   deletion comparison on {wins} of {n} photos (p = {p:.2g}).

</details>"""
)
