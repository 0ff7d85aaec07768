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
# - how to reach a layer inside a nested pretrained model without "Graph
#   disconnected", and why the package differentiates the score *before* the
#   sigmoid;
# - heatmaps for cats, dogs, both classes on one photo, and six kitchen classes;
# - two checks that a heatmap means something: it changes when the learned
#   weights are thrown away, and deleting the pixels it highlights destroys the
#   prediction faster than deleting pixels at random.

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
print(f"P(dog) = {model.predict(img_array, verbose=0)[0, 0]:.4f}")

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
# and either class. It differentiates the logit z, the score before the
# sigmoid, instead of the probability. For one sigmoid output that changes
# nothing after normalisation: the gradient of P(dog) = sigmoid(z) is
# P(dog)(1 − P(dog)) times that of z, a positive factor that the division by
# the maximum removes. It matters when the probability rounds to exactly 0 or
# 1 in float32: the gradient of the probability is then zero and the map is
# lost, while the logit's is not. On the same input:

# %%
from IPython.display import Markdown
from matplotlib.figure import Figure
from modern_convnets.data import find_dataset, split_files
from modern_convnets.diagram import layer_graph
from modern_convnets.gradcam import (
    deletion_curve,
    gradcam,
    last_feature_layer,
    randomised_copy,
    rank_correlation,
)
from modern_convnets.graph import tap_model
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
print(f"P(dog) = {model.predict(img_array, verbose=0)[0, 0]:.4f}")

# %% [markdown]
# The classic recipe fails on this model: the last feature maps,
# `block14_sepconv2_act`, live inside `base`, whose layers are connected to
# `base`'s own input, not to the classifier's. A model from the classifier's
# input to an inner layer's output cannot be built:

# %% tags=["copy"]
try:
    keras.Model(
        model.input,
        [base.get_layer("block14_sepconv2_act").output, model.output],
    )
except ValueError as error:
    print(
        type(error).__name__ + ":", str(error).splitlines()[0][:100], "..."
    )

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
# spatial layout and the most class-specific content. The last layer with a
# 4-D output, searched inside nested models too:

# %%
layer = last_feature_layer(model)
grad_model = tap_model(model, [layer], logits=True)
print(layer, grad_model.outputs[0].shape)

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
# average, when that channel's activation rises.

# %%
weights = tf.reduce_mean(grads, axis=(1, 2))[0]  # (2048,)
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
# ## Cats and dogs
#
# Four held-out cats and four dogs, each explained for the class the model
# predicts:

# %%
names = [f"cat.{i}.jpg" for i in range(2002, 2006)]
names += [f"dog.{i}.jpg" for i in range(2002, 2006)]
paths = [p for name in names for p in test.paths if p.name == name]
photos = model_batch(model, paths)
probabilities = model.predict(photos, verbose=0)[:, 0]
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
# The same photo explained as "dog" and as "cat" shows where the model finds
# evidence for each. The photo below is the one, among the first 48 held-out
# photos, on which the model is least sure.

# %%
candidates = model_batch(model, list(test.paths[::20][:48]))
p_candidates = model.predict(candidates, verbose=0)[:, 0]
unsure = int(np.argmin(np.abs(p_candidates - 0.5)))
photo = candidates[unsure]
pair = gradcam(model, np.stack([photo, photo]), target=[1, 0])
print(
    f"{test.paths[::20][unsure].name}: P(dog) = {p_candidates[unsure]:.3f}"
)
image_grid(
    [
        photo.astype("uint8"),
        overlay(photo, pair[0]),
        overlay(photo, pair[1]),
    ],
    ncols=3,
    titles=["photo", "evidence for 'dog'", "evidence for 'cat'"],
    cell_size=3.0,
    caption="One photo explained as 'dog' and as 'cat'",
)

# %% [markdown]
# ## Six kitchen classes on one photo
#
# The kitchenware classifier (cup, fork, glass, knife, plate, spoon) is another
# nested model: an Xception base fine-tuned at 150 × 150 under a head that
# outputs six logits (it was trained on logits, so its last layer has no
# softmax; we apply one to read probabilities). Grad-CAM explains every class
# on the same photo; a class with no positive evidence gets an all-zero map.

# %%
kitchen, classes = kitchenware_classifier()
kitchen_photos = kitchenware_photos()
kitchen_path = next(
    p for p, label in kitchen_photos.items() if label == "plate"
)
kitchen_photo = model_batch(kitchen, kitchen_path)[0]
logits = kitchen.predict(kitchen_photo[None], verbose=0)
softmax = keras.ops.convert_to_numpy(keras.ops.softmax(logits))[0]
per_class = gradcam(
    kitchen, np.stack([kitchen_photo] * len(classes)), target=range(6)
)
image_grid(
    [overlay(kitchen_photo, m) for m in per_class],
    ncols=6,
    titles=[f"{c} {p:.1%}" for c, p in zip(classes, softmax, strict=True)],
    cell_size=1.6,
    caption="One kitchen photo explained for each of the six classes",
)

# %%
for name, m in zip(classes, per_class, strict=True):
    print(f"{name:<6} share of the map above 0.5: {(m > 0.5).mean():.0%}")

# %% [markdown]
# ## Sanity check: does the map depend on what was learned?
#
# Adebayo et al. (2018) showed that some saliency methods draw nearly the same
# map for a trained network and for the same network with random weights: they
# show edges of the photo, not the model's reasoning. We compare each heatmap
# with the one from a copy of the classifier whose weights are all freshly
# initialised, by Spearman rank correlation over the 100 positions: the
# correlation of the positions' ranks rather than of their values, 1 when both
# maps order the positions the same way, 0 when the orders are unrelated.

# %%
random_model = randomised_copy(model, seed=0)
random_maps = gradcam(random_model, photos, layer_name=layer)
correlations = [
    rank_correlation(a, b) for a, b in zip(maps, random_maps, strict=True)
]
print("rank correlation, trained vs random:", np.round(correlations, 2))
print(f"median: {np.nanmedian(correlations):.2f}")
image_grid(
    [overlay(p, m) for p, m in zip(photos[:4], maps[:4], strict=True)]
    + [
        overlay(p, m)
        for p, m in zip(photos[:4], random_maps[:4], strict=True)
    ],
    ncols=4,
    titles=["trained"] * 4 + ["random weights"] * 4,
    cell_size=2.2,
    caption="Heatmaps of the trained classifier (top) and of the same "
    "architecture with random weights (bottom)",
)

# %% [markdown]
# ## Faithfulness: the deletion curve
#
# If the heatmap points at the evidence, removing the pixels it highlights
# first should make the predicted class's probability fall faster than removing
# pixels in a random order (Petsiuk et al., 2018). Removed pixels take the
# photo's mean colour. The area under each curve summarises it: lower means the
# pixels removed first mattered more. Here for the eight photos above, each
# explained for its predicted class.

# %%
curves = [
    deletion_curve(model, photo, heat, int(p > 0.5), steps=10)
    for photo, heat, p in zip(photos, maps, probabilities, strict=True)
]
print(f"{'photo':<13}{'heatmap order':>15}{'random order':>14}")
for name, curve in zip(names, curves, strict=True):
    print(
        f"{name:<13}{curve.heatmap_area:>15.2f}{curve.random_area:>14.2f}"
    )
heat_areas = np.array([c.heatmap_area for c in curves])
random_areas = np.array([c.random_area for c in curves])
print(
    f"mean area: heatmap {heat_areas.mean():.2f}, "
    f"random {random_areas.mean():.2f}; "
    f"heatmap lower on {(heat_areas < random_areas).sum()} of 8 photos"
)

# %% tags=["collapse"]
fig = Figure(figsize=(9, 3.4), layout="constrained")
ax_cats, ax_dogs = fig.subplots(1, 2, sharey=True)
for ax, group, title in (
    (ax_cats, curves[:4], "cats"),
    (ax_dogs, curves[4:], "dogs"),
):
    fractions = group[0].fractions
    for curve in group:
        ax.plot(fractions, curve.heatmap_order, color="C0", alpha=0.25)
        ax.plot(fractions, curve.random_order, color="C1", alpha=0.25)
    heat_mean = np.mean([c.heatmap_order for c in group], axis=0)
    random_mean = np.mean([c.random_order for c in group], axis=0)
    ax.plot(fractions, heat_mean, "o-", color="C0", label="heatmap order")
    ax.plot(fractions, random_mean, "s--", color="C1", label="random order")
    ax.set_title(f"four {title}: mean (bold) and each photo")
    ax.set_xlabel("share of pixels removed")
    ax.grid(alpha=0.3)
ax_cats.set_ylabel("probability of the predicted class")
ax_cats.legend()
fig


# %% tags=["prose"]
def half_gone(group, order):
    """Share of pixels removed when the mean probability first drops below 0.5."""
    mean = np.mean([getattr(c, order) for c in group], axis=0)
    below = np.flatnonzero(mean < 0.5)
    return f"{curves[0].fractions[below[0]]:.0%}" if below.size else "never"


Markdown(
    f"""The two halves disagree, and that is the useful lesson. For the cats,
removing the highlighted pixels first drops the mean probability of "cat" below
one half once {half_gone(curves[:4], "heatmap_order")} of the pixels are gone;
in random order that takes {half_gone(curves[:4], "random_order")}. For the
dogs (heatmap order: {half_gone(curves[4:], "heatmap_order")}; random order:
{half_gone(curves[4:], "random_order")}), neither order moves the probability
much until most of the photo is gone: this model finds dog evidence all over a
dog, more widely than the brightest cells of one 10 × 10 map. (Both curves end
at the same point: a photo of one flat colour, which the model calls a cat.)
Deletion curves measure how faithful a map is; they do not promise that it
is."""
)

# %% [markdown]
# ## Summary
#
# - Grad-CAM weighs the last feature maps by the averaged gradient of the class
#   score, keeps the positive part and normalises it: six lines of TensorFlow.
# - Use the logit, not the probability: a confident sigmoid or softmax has
#   almost no gradient left.
# - Reach layers inside a nested base by re-running the graph
#   (`tap_model`), not by wiring the base's inner tensors to the outer input.
# - Check the maps: they should change when the weights are randomised, and the
#   pixels they highlight should matter more than random ones.
#
# Try it on your own photo: [the lab](../../lab/) draws both trained models'
# Grad-CAM maps, for "dog" and for "cat", for any photo you give it, in your
# browser.
