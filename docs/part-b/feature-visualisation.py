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
# # What filters want, seen clearly
#
# The [lecture's recipe](../filters/) finds a filter's favourite pattern by
# plain gradient ascent on the pixels; its images put more of their energy
# in fine detail than photos do (measured below). Olah, Mordvintsev
# and Schubert's
# [Feature Visualization](https://distill.pub/2017/feature-visualization/)
# (Distill, 2017) and Mordvintsev et al.'s
# [Differentiable Image Parameterizations](https://distill.pub/2018/differentiable-parameterizations/)
# (Distill, 2018) report that three changes turn such images into patterns a
# person can recognise, and that the photos a channel responds to most
# complement any optimised image. This page tries both on ImageNet Xception
# and measures the result.
#
# You will learn:
#
# - the three changes, in one cell of plain TensorFlow: optimise the image's
#   spectrum scaled by 1/frequency, in decorrelated colours, and make the
#   pattern survive small random shifts;
# - what they give on the same channels of ImageNet Xception as the lecture's
#   recipe, for 64 and for 256 steps (with their measured cost), from
#   `block3` to `block13`, beside the photos of the data set that excite each
#   channel most;
# - how to measure the result instead of judging it: the activation of the
#   image *as displayed*, in units of the channel's spread over photos; the
#   share of its energy at high frequencies; and how often a channel's
#   strongest photos are almost all cats or almost all dogs;
# - what each ingredient contributes, and what still does not work.

# %% [markdown]
# The **Copy this** cell is plain Keras and TensorFlow: it runs as pasted in
# a fresh Python session (it reads the ImageNet weights as the
# [filters page](../filters/) does). The other cells use this package.
#
# ## Three changes, in plain TensorFlow
#
# 1. **Optimise the spectrum, not the pixels.** Plain gradient ascent changes
#    every pixel independently, and nothing stops it from piling up detail at
#    the highest frequencies, which photos hold little of but the network
#    readily reacts to (Olah et al., 2017). Instead, optimise the image's
#    Fourier coefficients, each scaled by 1/frequency. Photos have roughly
#    this 1/f amplitude spectrum (Field, 1987), so
#    random parameters already give an image with photo-like statistics, and
#    a step of a given size in the parameters changes coarse structure as
#    readily as fine detail: the parameterisation whitens the *image
#    statistics*.
# 2. **Decorrelate the colours.** In photos, red, green and blue move
#    together. Optimise three uncorrelated channels instead, mapped to RGB by
#    a fixed 3 × 3 matrix (the square root of ImageNet's colour correlation,
#    from [Lucid](https://github.com/tensorflow/lucid)), then squash to
#    [0, 1] with a sigmoid: every image the optimisation produces is a valid
#    one, with no clipping or rescaling for display.
# 3. **Demand robustness.** Shift the image by a few random pixels before
#    every step; only patterns that survive the shift grow. (The package also
#    rescales and rotates it slightly, as Lucid does.) The optimisation thus
#    scores transformed copies of the image; what is displayed is the image
#    itself, untransformed.
#
# The first two are a change of variables that makes gradient ascent better
# conditioned, which is why this page calls the whole a **preconditioned**
# recipe (the term of Olah et al., 2017).
#
# Here is `block8_sepconv1`, filter 1, with Adam as the optimiser, as in the
# references:
# %% tags=["copy"]
import os

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

weights = os.environ.get("MODERN_CONVNETS_XCEPTION_WEIGHTS", "imagenet")
model = keras.applications.xception.Xception(
    weights=weights, include_top=False
)
layer = model.get_layer("block8_sepconv1")
feature_extractor = keras.Model(model.inputs, layer.output)

size = 128
fy = np.fft.fftfreq(size)[:, None]
fx = np.fft.rfftfreq(size)[None, :]
frequency = np.sqrt(fx**2 + fy**2)
# 1/frequency (the constant term counts as the lowest frequency), × √(h·w)
scale = tf.constant(size / np.maximum(frequency, 1 / size), tf.float32)
colors = np.array(
    [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]]
)
colors = tf.constant(
    (colors / np.linalg.norm(colors, axis=0).max()).T, tf.float32
)


def to_rgb(spectrum):
    """Real and imaginary parts, (2, 3, size, size // 2 + 1) → RGB image."""
    image = tf.signal.irfft2d(
        tf.complex(spectrum[0] * scale, spectrum[1] * scale)
    )
    image = tf.transpose(image, (1, 2, 0)) / 4.0
    return tf.sigmoid(tf.tensordot(image, colors, 1))


rng = tf.random.Generator.from_seed(0)  # the same image every run


def jitter(image):
    """Pad with grey, then crop back at a random offset: a random shift."""
    image = tf.pad(image, [[8, 8], [8, 8], [0, 0]], constant_values=0.5)
    seed = rng.make_seeds(1)[:, 0]
    return tf.image.stateless_random_crop(image, (size, size, 3), seed)


spectrum = tf.Variable(rng.normal((2, 3, size, size // 2 + 1), stddev=0.01))
optimizer = keras.optimizers.Adam(learning_rate=0.05)


@tf.function
def ascent_step(filter_index):
    with tf.GradientTape() as tape:
        image = jitter(to_rgb(spectrum))
        # Xception expects inputs in [-1, 1]
        activation = feature_extractor(image[None] * 2 - 1)
        loss = -tf.reduce_mean(activation[..., filter_index])
    gradient = tape.gradient(loss, spectrum)
    optimizer.apply_gradients([(gradient, spectrum)])
    return -loss


for _ in range(128):
    activation = ascent_step(1)
print(f"mean activation after 128 steps: {float(activation):.2f}")
plt.imshow(to_rgb(spectrum).numpy())
plt.title("block8_sepconv1, filter 1")
plt.axis("off")
plt.show()

# %% [markdown]
# Compare it with the lecture's image of the same channel, in the `block8`
# figure below: nothing in the loop knows what the channel responds to; the
# network does.
#
# ## The same, with this package
#
# `modern_convnets.preconditioned` implements the same parameterisation
# (`LucidImage`, from `modern_convnets.parameterizations`), the full set of
# Lucid's transformations (`Transforms`: pad, jitter, scale, rotate, jitter
# again, from `modern_convnets.transforms`) and the objectives (`Recipe`),
# and optimises a batch of channels with the package's one ascent loop
# (`modern_convnets.ascent`). On the same spectrum it computes this image:

# %%
from modern_convnets.preconditioned import Recipe

ours = Recipe().image().to_unit(spectrum.numpy()[None])
gap = np.abs(ours.numpy()[0] - to_rgb(spectrum).numpy()).max()
print(f"largest difference from to_rgb: {gap:.1e} (pixel values in [0, 1])")

# %% tags=["prose"]
from IPython.display import Markdown

Markdown(
    f"""The largest difference, {gap:.1e} on a scale of 0 to 1, is {
        "below half a grey level (1/510): the same image once displayed"
        if gap < 1 / 510
        else "more than half a grey level: the two images differ visibly"
    }."""
)

# %% [markdown]
# ## The study
#
# Comparing recipes fairly takes many runs: the same channels, the same
# seeds, several layers, up to 256 steps each. That is too long for a page
# build, so the study runs on its own (`nox -s feature-study`, see
# `modern_convnets.feature_study`) and ships its images with a manifest of
# settings, seeds, library versions and wall times. The channels are the
# first four of each layer, not chosen for looks.

# %%
import html

from IPython.display import HTML
from modern_convnets import feature_study
from modern_convnets.pretrained import xception_base

study = feature_study.load()
hardware = study.manifest["hardware"]
scan = study.manifest["dataset_examples"]
provenance = (
    f"Keras {hardware['keras']}, {hardware['backend']} "
    f"{hardware['backend_version']}, {hardware['cpu_count']} CPU cores: "
    f"{study.manifest['wall_seconds'] / 60:.0f} minutes in all\n"
    f"dataset examples: top {scan['top']} of {scan['photos']} photos "
    f"per channel, {scan['wall_seconds'] / 60:.0f} minutes"
)


def folded(summary, text):
    """Bookkeeping for the curious, folded out of the reading path."""
    return HTML(
        f"<details class='mc-collapse'><summary>{html.escape(summary)}</summary>"
        f"<pre>{html.escape(text)}</pre></details>"
    )


folded("How the study was run", provenance)

# %% [markdown]
# What does each recipe cost? Two measures, both per run of four channels:
# the study's **wall time**, and the **pixel-steps**, the number of input
# pixels the network processes per image and step, times the steps. The
# preconditioned recipe's random transformations pad its 128 px image, so
# the network sees a larger one.

# %%
from modern_convnets.preconditioned import Transforms


def seen_side(settings):
    """Side of the image the network sees at each step of a run."""
    if settings["recipe"] == "lecture" or settings["transforms"] is None:
        return settings["image_size"]
    t = settings["transforms"]
    transforms = Transforms(
        pad=t["pad"],
        jitter=t["jitter"],
        scales=tuple(t["scales"]),
        rotations=tuple(t["rotations"]),
        final_jitter=t["final_jitter"],
    )
    return transforms.compose().output_size(settings["image_size"])


def cost(layer, name):
    """(wall seconds, pixel-steps) of one run."""
    record = study.run(layer, name)
    settings = record["settings"]
    side = seen_side(settings)
    return record["wall_seconds"], settings["steps"] * side * side


rows = [
    "layer             run              wall s  pixel-steps  (× lecture)"
]
for layer in feature_study.LAYERS:
    lecture_s, lecture_px = cost(layer, "lecture")
    for name in ("lecture", "equal-compute", "long"):
        seconds, pixels = cost(layer, name)
        rows.append(
            f"{layer:17} {name:15} {seconds:7.1f} {pixels / 1e6:9.2f} M"
            f"   {seconds / lecture_s:.2f}, {pixels / lecture_px:.2f}"
        )
folded("The cost of every run: wall time and pixel-steps", "\n".join(rows))

# %% tags=["prose"]
time_ratio = np.array(
    [
        cost(layer, "equal-compute")[0] / cost(layer, "lecture")[0]
        for layer in feature_study.LAYERS
    ]
)
pixel_ratio = (
    cost("block8_sepconv1", "equal-compute")[1]
    / cost("block8_sepconv1", "lecture")[1]
)
long_ratio = (
    cost("block8_sepconv1", "long")[1]
    / cost("block8_sepconv1", "lecture")[1]
)
side = seen_side(study.run("block8_sepconv1", "long")["settings"])
Markdown(
    f"""The preconditioned recipe's 64 steps at 128 px (seen at {side} px)
cost {pixel_ratio:.2f} times the lecture's pixel-steps (30 steps at 200 px),
and its 256 steps {long_ratio:.2f} times. In wall time the 64-step run took
{time_ratio.min():.2f} to {time_ratio.max():.2f} times as long as the
lecture's run of the same layer (one timed run each; each step also computes
an inverse Fourier transform, the random transformations and Adam's update).
So 64 steps are {
        "within 20% of the lecture's budget in pixel-steps"
        if abs(pixel_ratio - 1) < 0.2
        else f"{pixel_ratio:.2f} times the lecture's budget in pixel-steps"
    } and {
        "within 20% of it in wall time at every layer"
        if abs(time_ratio - 1).max() < 0.2
        else f"up to {time_ratio.max():.2f} times it in wall time"
    }."""
)

# %% [markdown]
# A collapsed cell recomputes one run of the study on this machine and stops
# the build if the shipped images are stale.

# %% tags=["collapse"]
# Recompute block3_sepconv1, 64 steps, four channels, and compare it with
# the shipped run and, for scale, with the shipped 256-step run of the same
# channels: what a changed recipe would look like. On the machine that ran
# the study the images are bit-identical; on a CPU with other vector
# instructions, rounding in the last bits grows over 64 steps into a few
# grey levels. A changed recipe differs by tens: the build fails above 15.
from modern_convnets.preconditioned import visualize

base = xception_base()
again = visualize(
    base,
    "block3_sepconv1",
    feature_study.CHANNELS,
    recipe=Recipe(steps=64),
    seed=feature_study.SEED,
)


def compare(images, reference):
    """Per channel: mean absolute difference (grey levels), correlation."""
    return [
        (
            np.abs(a.astype(float) - b).mean(),
            np.corrcoef(a.ravel(), b.ravel())[0, 1],
        )
        for a, b in zip(images, reference.astype(float), strict=True)
    ]


same = compare(
    again.images, study.images("block3_sepconv1", "equal-compute")
)
longer = compare(again.images, study.images("block3_sepconv1", "long"))
print("channel  vs shipped: difference, correlation   vs 256 steps")
for channel, (d, c), (d_long, c_long) in zip(
    feature_study.CHANNELS, same, longer, strict=True
):
    print(f"{channel:>7} {d:16.1f} {c:12.2f} {d_long:14.1f} {c_long:6.2f}")
assert max(d for d, _ in same) < 15, "the shipped study is stale: rerun it"

# %% [markdown]
# ## Measured, not judged
#
# Three numbers describe each image.
#
# - The **displayed activation** is the channel's mean activation on the
#   image exactly as shown: rounded to grey levels, mapped back to the
#   model's input range, no transformation. A raw activation has no common
#   scale across channels and layers, so it is reported in units of the
#   channel's spread over photos: (activation − its mean over photos) / its
#   standard deviation over photos. 0 is a typical photo; 3 is three standard
#   deviations above one.
# - The **high-frequency share** is the fraction of the image's spectral
#   energy above half the Nyquist frequency (`high_frequency_share`). The
#   Nyquist frequency, half a cycle per pixel, is the highest a grid of
#   pixels can hold: a pattern that alternates at every pixel. The share
#   counts what lies above a quarter of a cycle per pixel.
# - The **contrast** is the standard deviation of the grey levels.
#
# The photos are every 30th of the data set.

# %%
from modern_convnets.data import find_dataset
from modern_convnets.dataset_examples import photo
from modern_convnets.graph import tap_model
from modern_convnets.preconditioned import (
    displayed_activation,
    high_frequency_share,
)

root = find_dataset()
channels = list(feature_study.CHANNELS)
photos = feature_study.study_photos(root)[::30]
tapped = tap_model(base, feature_study.LAYERS, include_output=False)


def mean_activations(images):
    """Each layer's channel means, (n, channels), for photos in [0, 255]."""
    means = {layer: [] for layer in feature_study.LAYERS}
    for start in range(0, len(images), 10):  # 10 at a time: bounded memory
        batch = np.asarray(images[start : start + 10]) / 127.5 - 1
        outputs = tapped(batch.astype("float32"), training=False)
        for layer, output in zip(
            feature_study.LAYERS, outputs, strict=True
        ):
            means[layer].append(np.asarray(output).mean(axis=(1, 2)))
    return {layer: np.concatenate(m) for layer, m in means.items()}


photo_means = mean_activations([photo(p, 299) for p in photos])
spread = {
    layer: (m[:, channels].mean(axis=0), m[:, channels].std(axis=0))
    for layer, m in photo_means.items()
}


def normalised_activation(layer, images):
    """Displayed activation of channel i on image i, in photo spreads."""
    mean, std = spread[layer]
    return (
        displayed_activation(base, layer, channels, images) - mean
    ) / std


def contrast(images):
    """Standard deviation of each image's grey levels."""
    return np.asarray(images, "float64").mean(axis=-1).std(axis=(1, 2))


small = np.stack([photo(p, 128) for p in photos])
real = high_frequency_share(small)
print(
    f"{len(photos)} photos at 128 px: high-frequency share mean "
    f"{real.mean():.3f}, max {real.max():.3f}; contrast mean "
    f"{contrast(small).mean():.0f} grey levels"
)

RECIPES = [
    ("lecture", "lecture"),
    ("equal-compute", "64 steps"),
    ("long", "256 steps"),
]
measures = {}
for layer in feature_study.LAYERS:
    for name, _ in RECIPES:
        images = study.images(layer, name)
        measures[layer, name] = {
            "activation": normalised_activation(layer, images),
            "share": high_frequency_share(images),
            "contrast": contrast(images),
        }

# %% tags=["collapse"]
rows = [
    "| Recipe | "
    + " | ".join(f"`{n.split('_')[0]}`" for n in feature_study.LAYERS)
    + " |",
    "|---|" + "---:|" * len(feature_study.LAYERS),
]
for name, title in RECIPES:
    cells = [
        " · ".join(
            f"{measures[layer, name][key].mean():.2f}"
            for key in ("activation", "share")
        )
        + f" · {measures[layer, name]['contrast'].mean():.0f}"
        for layer in feature_study.LAYERS
    ]
    rows.append(f"| {title} | " + " | ".join(cells) + " |")
Markdown(
    "Mean over the four channels: displayed activation (photo spreads) · "
    "high-frequency share · contrast (grey levels).\n\n" + "\n".join(rows)
)

# %% [markdown]
# ## Side by side
#
# For each layer, four channels (rows) and, left to right: the lecture's
# recipe (30 steps at 200 px, as the lecture wrote it); the preconditioned
# recipe for 64 and for 256 steps at 128 px; for the deep layers, the same
# with the *centre-neuron* objective, which maximises the channel at the
# central position only instead of its mean over all positions; and the
# three photos of the data set (all 3,000, cats and dogs, resized to 299 px)
# with the highest mean activation.
#
# Which part of a photo drives the channel? The *theoretical* receptive field
# of a position, every input pixel that can affect it, follows from the
# architecture:

# %%
from modern_convnets.receptive_field import receptive_field

fields = {
    layer: receptive_field(base, layer, 299)
    for layer in feature_study.LAYERS
}
for layer, field in fields.items():
    print(
        f"{layer}: {field.size} × {field.size} pixels, "
        f"positions {field.jump} pixels apart"
    )

# %% tags=["prose"]
wider = [layer for layer, field in fields.items() if field.size >= 299]
Markdown(
    f"""{
        "In "
        + " and ".join(f"`{layer.split('_')[0]}`" for layer in wider)
        + " the theoretical field is already wider than the 299 px photo"
        if wider
        else "No layer's theoretical field covers the 299 px photo"
    }. But most of those pixels barely matter: the *effective* receptive
field, the pixels whose change measurably moves the position, is roughly
Gaussian and much smaller than the theoretical one (Luo et al., 2016,
"Understanding the Effective Receptive Field in Deep Convolutional Neural
Networks"). {
        "There, a crop to the theoretical field would show the whole photo. "
        if wider
        else ""
    }So at every layer the photos are shown whole, each pixel
dimmed where the channel does not fire: its activation map, clipped at zero,
divided by its maximum and resized to the photo, gives each pixel a
brightness of a quarter plus three quarters of the map's square root."""
)

# %% tags=["collapse"]
import tensorflow as tf
from modern_convnets.grids import image_grid

top_paths = {
    (layer, channel): [
        root / e["path"] for e in study.examples(layer, channel)[:3]
    ]
    for layer in feature_study.LAYERS
    for channel in channels
}
unique = sorted({p for paths in top_paths.values() for p in paths})
example_photos = np.stack([photo(p, 299) for p in unique])
example_maps = []
for start in range(0, len(unique), 10):
    batch = example_photos[start : start + 10] / 127.5 - 1
    example_maps.append(
        [
            np.asarray(o)
            for o in tapped(batch.astype("float32"), training=False)
        ]
    )
example_maps = {
    layer: np.concatenate([m[i] for m in example_maps])
    for i, layer in enumerate(feature_study.LAYERS)
}


def activation_map(layer, channel, path):
    """The channel's map on a photo, clipped at 0 and scaled to [0, 1]."""
    amap = np.maximum(
        example_maps[layer][unique.index(path), :, :, channel], 0
    )
    return amap / max(amap.max(), 1e-8)


def overlay(layer, channel, path):
    amap = activation_map(layer, channel, path)
    # The square root keeps weak but non-zero activation visible.
    light = np.sqrt(tf.image.resize(amap[..., None], (299, 299)).numpy())
    return (
        example_photos[unique.index(path)] * (0.25 + 0.75 * light)
    ).astype("uint8")


def side_by_side(layer, runs):
    images, titles = [], []
    for row, channel in enumerate(channels):
        for name, title in runs:
            images.append(study.images(layer, name)[row])
            titles.append(f"{title} · {channel}")
        for i, path in enumerate(top_paths[layer, channel]):
            images.append(overlay(layer, channel, path))
            titles.append(f"photo {i + 1} · {channel}")
    return image_grid(
        images,
        ncols=len(runs) + 3,
        titles=titles,
        cell_size=1.3,
        caption=f"{layer}: each recipe's image for channels 0 to 3, and the "
        "three photos that excite each channel most, dimmed where it does not "
        "fire",
    )


# Where a channel fires on its strongest photos: the share of positions at
# or above half the map's maximum.
firing = {
    layer: np.mean(
        [
            (activation_map(layer, c, p) >= 0.5).mean()
            for c in channels
            for p in top_paths[layer, c]
        ]
    )
    for layer in feature_study.LAYERS
}
for layer, share in firing.items():
    print(f"{layer}: {share:.0%} of positions at ≥ half the peak")


def layer_prose(layer):
    """The recipes' high-frequency share and contrast at one layer, in words."""
    lecture, short, long = (
        measures[layer, n] for n in ("lecture", "equal-compute", "long")
    )
    lower = int((short["share"] < lecture["share"]).sum())
    up = int((long["share"] > short["share"]).sum())
    brighter = int((long["contrast"] > short["contrast"]).sum())
    return (
        f"In `{layer.split('_')[0]}` the lecture's images put "
        f"{lecture['share'].mean():.2f} of their energy above half the "
        f"Nyquist frequency, the preconditioned recipe's "
        f"{short['share'].mean():.2f} after 64 steps (lower in {lower} of 4 "
        f"channels) and {long['share'].mean():.2f} after 256; photos, "
        f"{real.mean():.3f}. Four times as many steps "
        + (
            f"raise the share in {up} of 4 channels"
            if up >= 2
            else f"lower the share in {4 - up} of 4 channels"
        )
        + f" and the contrast in {brighter} of 4, from "
        f"{short['contrast'].mean():.0f} to {long['contrast'].mean():.0f} grey "
        "levels. On their three strongest photos the four channels reach "
        f"half their peak or more at {firing[layer]:.0%} of the positions "
        "(mean)."
    )


NEURON = [("neuron", "neuron")]
side_by_side("block3_sepconv1", RECIPES)

# %% tags=["prose"]
Markdown(layer_prose("block3_sepconv1"))

# %% tags=["home"]
side_by_side("block8_sepconv1", RECIPES + NEURON)

# %% tags=["prose"]
gaps = {
    layer: (
        measures[layer, "lecture"]["share"]
        - measures[layer, "equal-compute"]["share"]
    ).mean()
    for layer in feature_study.LAYERS
}
widest = max(gaps, key=gaps.get)
spread_of_gaps = max(gaps.values()) - min(gaps.values())
Markdown(
    layer_prose("block8_sepconv1")
    + f""" The lecture's share exceeds the 64-step run's by {
        gaps["block8_sepconv1"]:.2f} here, against {
        gaps["block3_sepconv1"]:.2f} in `block3` and {
        gaps["block13_sepconv1"]:.2f} in `block13`: {
        "about the same gap at all three layers (within 0.05)"
        if spread_of_gaps < 0.05
        else f"widest in `{widest.split('_')[0]}`"
    }."""
)

# %% [markdown]
# The centre-neuron objective asks for one instance of the pattern, in the
# middle of the image, instead of a texture of them.

# %%
side_by_side("block13_sepconv1", RECIPES + NEURON)

# %% tags=["prose"]
Markdown(layer_prose("block13_sepconv1"))

# %% [markdown]
# ## What was optimised, and what is shown
#
# The lecture's recipe puts no bound on the pixel values it optimises, and
# then *standardises* the image for display. The last objective of each run is
# its score on the final image as optimised; the displayed activation scores
# what a reader sees (here in raw units, since both sides are one channel's):

# %%
for layer in feature_study.LAYERS:
    optimised = study.objectives(layer, "lecture")[:, -1]
    shown = displayed_activation(
        base, layer, channels, study.images(layer, "lecture")
    )
    kept = np.median(shown / optimised)
    print(
        f"{layer:>16}: optimised {optimised.mean():5.2f}, "
        f"displayed {shown.mean():4.2f}, median kept {kept:.0%}"
    )
layer = feature_study.INGREDIENT_LAYER
final = study.objectives(layer, "long")[:, -1]
final_shown = displayed_activation(
    base, layer, channels, study.images(layer, "long")
)
print(
    f"preconditioned, {layer}, 256 steps: final image {final.mean():5.2f}, "
    f"displayed {final_shown.mean():4.2f}"
)

# %% tags=["prose"]
kept = {
    layer: np.median(
        displayed_activation(
            base, layer, channels, study.images(layer, "lecture")
        )
        / study.objectives(layer, "lecture")[:, -1]
    )
    for layer in feature_study.LAYERS
}
rounding = np.abs(final_shown - final).max()
Markdown(
    f"""The lecture's display keeps a median of {min(kept.values()):.0%} to
{max(kept.values()):.0%} of the activation it optimised, depending on the
layer. (Its score ignores a two-pixel border of the feature map and the
display crops 25 pixels from each side; both are the lecture's choices.) The
preconditioned image needs no rescaling: its displayed activation differs
from its final image's by at most {rounding:.3f} (raw units, against a mean
of {final.mean():.2f} on the final image at `block8`){
        ", the effect of rounding to grey levels"
        if rounding < 0.05 * abs(final.mean())
        else ", more than rounding to grey levels explains"
    }."""
)

# %% [markdown]
# ## Cats or dogs?
#
# The dataset examples say something the optimised images cannot: whether a
# channel's strongest photos are *class-correlated*. The study kept the 16
# strongest photos of *every* channel of the three layers. If a channel's
# activation were unrelated to the class, its 16 photos would split like coin
# flips (the data set is half cats, half dogs), and 14 or more from one class
# would be rare:

# %%
import itertools
from math import comb

dogs_among_top = scan["dogs_among_top"]
top = scan["top"]
chance = 2 * sum(comb(top, k) for k in range(3)) / 2**top
print(f"chance of ≥ {top - 2} of {top} from one class: {chance:.2%}")


def binomial_tail(n, k, p):
    """P(X ≥ k) for X ~ Binomial(n, p)."""
    return sum(
        comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1)
    )


one_class = {}
for layer in feature_study.LAYERS:
    dogs = np.array(dogs_among_top[layer])
    picks = np.maximum(dogs, top - dogs) >= top - 2
    one_class[layer] = (picks, dogs)
    p_value = binomial_tail(len(dogs), int(picks.sum()), chance)
    print(
        f"{layer}: {picks.mean():5.1%} of {len(dogs)} channels, "
        f"binomial p {f'= {p_value:.1e}' if p_value > 0 else '< 1e-300'} "
        f"(all dogs: {(dogs == top).sum()}, all cats: {(dogs == 0).sum()})"
    )

# %% tags=["collapse"]
from matplotlib.figure import Figure

fig = Figure(figsize=(9, 2.8), layout="constrained")
axes = fig.subplots(1, 3, sharey=True)
counts = np.arange(top + 1)
expected = np.array([comb(top, k) for k in counts]) / 2**top
for ax, layer in zip(axes, feature_study.LAYERS, strict=True):
    dogs = np.array(dogs_among_top[layer])
    share = np.bincount(dogs, minlength=top + 1) / len(dogs)
    ax.bar(counts, share, color="C0", label="channels")
    ax.plot(counts, expected, "k.--", lw=1, label="coin flips")
    ax.set_title(layer, fontsize=10)
    ax.set_xlabel(f"dogs among the top {top}")
axes[0].set_ylabel("share of channels")
axes[0].legend(fontsize=8)
fig.set_label(
    "How many of each channel's 16 strongest photos are dogs, per layer, "
    "against coin flips"
)
fig

# %% [markdown]
# Class-correlated is not class-selective: in this data set the class may
# come with its backgrounds. A control: how much of each photo is green (pixels
# whose green exceeds both red and blue by 10 grey levels or more, grass and
# foliage), in dog photos and in cat photos of the sample, with a
# permutation test of the difference.

# %%
labels = np.array([p.parent.name == "dogs" for p in photos])
green = np.array(
    [
        np.mean((x[..., 1] > x[..., 0] + 10) & (x[..., 1] > x[..., 2] + 10))
        for x in small
    ]
)
observed = green[labels].mean() - green[~labels].mean()
rng_perm = np.random.default_rng(0)
null = np.array(
    [
        green[perm].mean() - green[~perm].mean()
        for perm in (rng_perm.permutation(labels) for _ in range(10_000))
    ]
)
green_p = (np.sum(np.abs(null) >= abs(observed)) + 1) / (len(null) + 1)
print(
    f"green pixels: dogs {green[labels].mean():.1%}, cats "
    f"{green[~labels].mean():.1%} ({labels.sum()} and {(~labels).sum()} "
    f"photos); permutation p = {green_p:.4f}"
)

# %% tags=["prose"]
shares = [one_class[layer][0].mean() for layer in feature_study.LAYERS]
p_values = {
    layer: binomial_tail(len(dogs), int(picks.sum()), chance)
    for layer, (picks, dogs) in one_class.items()
}
above = [layer.split("_")[0] for layer, p in p_values.items() if p < 0.01]
rising = all(a < b for a, b in itertools.pairwise(shares))
picks = np.concatenate(
    [one_class[layer][0] for layer in feature_study.LAYERS]
)
dogs = np.concatenate(
    [one_class[layer][1] for layer in feature_study.LAYERS]
)
dog_share = (dogs[picks] >= top - 2).mean() if picks.any() else 0.0
Markdown(
    f"""Against coin flips ({chance:.2%} of channels expected, one-sided
binomial test at p < 0.01), {
        "every layer"
        if len(above) == len(p_values)
        else (", ".join(f"`{a}`" for a in above) if above else "no layer")
    } {
        "have" if 1 < len(above) < len(p_values) else "has"
    } more channels with 14 or more of 16 photos from one class than
chance gives: {", ".join(f"{s:.1%}" for s in shares)} from `block3` to
`block13`{", rising with depth" if rising else ""}, though the network was
trained on ImageNet, not on this data set. Of those channels, {
        dog_share:.0%}
pick dogs. ImageNet's 1000 classes include more than a hundred dog breeds
and five domestic cats (Russakovsky et al., 2015), so the network has more
ways to see a dog. The control {
        "shows" if green_p < 0.05 else "tests"
    } the confound: {green[labels].mean():.1%}
of a dog photo's pixels are green, against {green[~labels].mean():.1%} of a
cat photo's (permutation p = {green_p:.4f}){
        ": dog photos hold more green, as grass and foliage would give"
        if green_p < 0.05 and observed > 0
        else ", not a significant difference in this sample"
    }. And a `block3` position's theoretical field is a {
        fields["block3_sepconv1"].size
    } px patch of the 299 px photo: what it
sees is local texture and colour. A channel whose strongest photos are dogs
may respond to grass, fur or a lead as well as to dogs."""
)

# %% [markdown]
# ## What each ingredient contributes
#
# The long run at `block8` again, with one ingredient removed at a time:
# optimising pixels instead of the spectrum, RGB directly instead of
# decorrelated colours, no random transformations. The fourth measure here,
# **colourfulness**, is the mean over pixels of the largest minus the
# smallest of red, green and blue, in grey levels.

# %%
INGREDIENTS = [
    ("long", "all three"),
    ("pixels", "no Fourier"),
    ("no-decorrelation", "no colour"),
    ("no-transforms", "no transforms"),
]


def colourfulness(images):
    """Mean of max(R, G, B) − min(R, G, B) per image, in grey levels."""
    x = np.asarray(images, "float64")
    return (x.max(axis=-1) - x.min(axis=-1)).mean(axis=(1, 2))


layer = feature_study.INGREDIENT_LAYER
ingredients = {}
for name, title in INGREDIENTS:
    images = study.images(layer, name)
    ingredients[name] = {
        "activation": normalised_activation(layer, images),
        "share": high_frequency_share(images),
        "colour": colourfulness(images),
    }
    m = ingredients[name]
    print(
        f"{title:>13}: displayed activation {m['activation'].mean():5.2f}, "
        f"high-frequency share {m['share'].mean():.2f}, "
        f"colourfulness {m['colour'].mean():.0f}"
    )
print(f"{'photos':>13}: colourfulness {colourfulness(small).mean():.0f}")
image_grid(
    [
        study.images(layer, name)[i]
        for i in range(4)
        for name, _ in INGREDIENTS
    ],
    ncols=4,
    titles=[f"{title} · {c}" for c in channels for _, title in INGREDIENTS],
    cell_size=1.5,
    caption="block8_sepconv1, channels 0 to 3: the preconditioned recipe, "
    "then without each ingredient",
)

# %% tags=["prose"]
full = ingredients["long"]


def versus(name, key):
    """How many of 4 channels the ablated run exceeds the full recipe in."""
    return int((ingredients[name][key] > full[key]).sum())


def change(name, key, what, digits=2):
    """The ablated run's mean against the full recipe's, in words."""
    a, b = full[key].mean(), ingredients[name][key].mean()
    n = versus(name, key)
    verb = "rises" if n >= 3 else ("falls" if n <= 1 else "changes")
    return (
        f"the {what} {verb} from {a:.{digits}f} to {b:.{digits}f} "
        f"(higher in {n} of 4 channels)"
    )


exploited = (
    versus("no-transforms", "activation") >= 3
    and versus("no-transforms", "share") >= 3
)
Markdown(
    f"""Against the full recipe: without the Fourier parameterisation, {
        change("pixels", "share", "high-frequency share")
    }. Without
decorrelated colours, {
        change("no-decorrelation", "colour", "colourfulness", 0)
    } (photos: {
        colourfulness(small).mean():.0f}). Without the transformations, {
        change("no-transforms", "activation", "displayed activation")
    } and {change("no-transforms", "share", "high-frequency share")}{
        ": a fixed image can exploit high-frequency detail that the "
        "network responds to strongly, and the transformations hold it back"
        if exploited
        else ""
    }."""
)

# %% [markdown]
# ## What does not work
#
# **Too few steps.** The same recipe stopped early:

# %%
STEPS = [16, 32, 64, 128, 256]


def steps_run(n):
    names = {64: "equal-compute", 256: "long"}
    return study.images(layer, names.get(n, f"steps-{n}"))


step_contrast = [contrast(steps_run(n)).mean() for n in STEPS]
for n, c in zip(STEPS, step_contrast, strict=True):
    print(f"{n:3} steps: contrast {c:5.1f} grey levels")
image_grid(
    [steps_run(n)[i] for i in range(4) for n in STEPS],
    ncols=len(STEPS),
    titles=[f"{n} steps · {c}" for c in channels for n in STEPS],
    cell_size=1.4,
    caption="block8_sepconv1, channels 0 to 3, after 16 to 256 steps",
)

# %% tags=["prose"]
growing = all(a < b for a, b in itertools.pairwise(step_contrast))
Markdown(
    f"""After 16 steps the contrast is {step_contrast[0]:.1f} grey levels,
against {contrast(small).mean():.0f} for photos; {
        "it grows at every doubling, to "
        if growing
        else "it does not grow at every doubling; after 256 steps it is "
    }{step_contrast[-1]:.1f} after 256 steps."""
)

# %% [markdown]
# **The lecture's recipe, run longer.** Does the lecture's recipe catch up
# with more steps? Its run of 256 steps, as many as the long preconditioned
# run, against that run and its own 30 steps, all scored on the images as
# displayed, in photo spreads:

# %%
layer = feature_study.INGREDIENT_LAYER
long_lecture = {
    "activation": normalised_activation(
        layer, study.images(layer, "lecture-256")
    ),
    "share": high_frequency_share(study.images(layer, "lecture-256")),
}
for title, m in (
    ("lecture, 30 steps", measures[layer, "lecture"]),
    ("lecture, 256 steps", long_lecture),
    ("preconditioned, 256", measures[layer, "long"]),
):
    print(
        f"{title:>19}: displayed {m['activation'].mean():6.2f}, "
        f"high-frequency share {m['share'].mean():.2f}"
    )
lecture_s, lecture_px = cost(layer, "lecture-256")
long_s, long_px = cost(layer, "long")
print(
    f"lecture 256 vs preconditioned 256: {lecture_s / long_s:.2f}× the wall "
    f"time, {lecture_px / long_px:.2f}× the pixel-steps"
)
image_grid(
    list(study.images(layer, "lecture-256")),
    ncols=4,
    titles=[f"lecture 256 · {c}" for c in channels],
    cell_size=1.5,
    caption="block8_sepconv1, channels 0 to 3: the lecture's recipe after "
    "256 steps",
)

# %% tags=["prose"]
lecture_long = long_lecture["activation"]
lecture_short = measures[layer, "lecture"]["activation"]
preconditioned = measures[layer, "long"]["activation"]
higher = int((lecture_long > preconditioned).sum())
gained = int((lecture_long > lecture_short).sum())
if higher == 0:
    verdict = "More steps do not close the gap" + (
        f": as displayed, they score below the 30-step images in {4 - gained}"
        " of 4 channels."
        if gained <= 1
        else "."
    )
elif higher >= 3:
    verdict = (
        "As displayed, the lecture's long run scores higher; the "
        "high-frequency shares above say how photo-like each image is."
    )
else:
    verdict = "Neither recipe scores higher in every channel."
Markdown(
    f"""At {lecture_s / long_s:.2f} times the wall time and {
        lecture_px / long_px:.2f} times the pixel-steps of the long
preconditioned run, the lecture's 256-step images score {
        lecture_long.mean():.2f} photo spreads as displayed, against {
        preconditioned.mean():.2f} for the preconditioned ones (higher in {
        higher
    } of 4 channels) and {lecture_short.mean():.2f} for its own
30-step images (higher in {gained} of 4). Their high-frequency share is {
        long_lecture["share"].mean():.2f}, against {
        measures[layer, "long"]["share"].mean():.2f} for the preconditioned
images and {real.mean():.3f} for photos. {verdict}"""
)

# %% [markdown]
# **Channels that stay unreadable.** A channel can respond to several
# unrelated things at once, and one image per channel cannot show that (Olah
# et al., 2017, show such channels in GoogLeNet). Lucid's answer is a
# *diversity* objective (several images per channel, pushed apart), not
# implemented here.
#
# ## Check yourself

# %% tags=["prose"]
block8_field = fields["block8_sepconv1"].size
Markdown(
    f"""1. The lecture's recipe runs 30 steps on a 200 px image; the
   preconditioned one 64 steps on a 128 px image that its transformations
   pad to {side} px. What is the ratio of their pixel-steps?
2. A channel's 16 strongest photos are drawn from a data set of half cats,
   half dogs, and the channel ignores the class. How likely is it that 14 or
   more come from one class?
3. Why does this page not crop `block8`'s strongest photos to the
   receptive field?
4. A channel's strongest photos are all dogs. Does the channel detect dogs?

<details><summary>Answers</summary>

1. 64 × {side}² / (30 × 200²) = {pixel_ratio:.2f}.
2. 2 × (C(16, 0) + C(16, 1) + C(16, 2)) / 2¹⁶ = {chance:.2%}.
3. Its theoretical receptive field is {block8_field} px wide, more than the
   299 px photo, so the crop would be the whole photo; the effective field
   is much smaller (Luo et al., 2016), so the page shows the activation map
   instead.
4. Not necessarily: it is class-correlated. Dogs come with backgrounds
   (green covers {green[labels].mean():.1%} of a dog photo, against
   {green[~labels].mean():.1%} of a cat photo here), so the channel may
   respond to grass or a lead.

</details>"""
)

# %% [markdown]
# ## Summary

# %% tags=["prose"]
deep = "block8_sepconv1"
Markdown(
    f"""- Optimise the image's 1/frequency-scaled spectrum in decorrelated
  colours, squashed by a sigmoid, and make it survive small random
  transformations. At `block8`, 64 steps of it ({pixel_ratio:.2f} times the
  lecture's pixel-steps, {time_ratio[1]:.2f} times its wall time) put
  {measures[deep, "equal-compute"]["share"].mean():.2f} of the image's energy
  at high frequencies, against {measures[deep, "lecture"]["share"].mean():.2f}
  for the lecture's recipe and {real.mean():.3f} for photos.
- Score what is displayed: the lecture's standardised display keeps a median
  of {min(kept.values()):.0%} to {max(kept.values()):.0%} of the activation it
  optimised; and compare activations across channels and layers in units of
  each channel's spread over photos.
- Show the photos beside the pattern, with the activation map over them: the
  theoretical receptive field says little from `block8` on. Up to
  {max(shares):.1%} of a layer's channels have 14 or more of their 16
  strongest photos from one class: class-correlated, with backgrounds as a
  confound."""
)

# %% [markdown]
# To see which channels a photo of your own wakes up in the trained
# cats-vs-dogs models, open [the lab](../../lab/).
