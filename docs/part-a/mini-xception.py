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
# # Mini-Xception
#
# The three ideas of this part fit together in one small model. Mini-Xception
# starts with a regular 5 × 5 convolution, then stacks five blocks, each made
# of two batch-normalised depthwise separable convolutions and a max pooling,
# with a residual connection around the whole block. Global average pooling,
# dropout and one sigmoid unit turn the last feature maps into P(dog).
#
# You will learn:
#
# - where the design comes from: Xception's entry, middle and exit flows,
#   read from Keras's model, beside what Mini-Xception kept of them;
# - how the model is put together, block by block, and where its parameters
#   sit;
# - why none of its convolutions needs a bias;
# - what the separable convolutions save in parameters and multiply-adds,
#   over the whole model, and what they do not save in time;
# - how it trained compared with the plain
#   [small convnet](../small-convnet/), on the same photos
#   with the same recipe: both training curves side by side.
#
# Both models were trained once with `nox -s train` and ship with the
# package; this page only loads them. How they do on photos neither saw in
# training, and what each ingredient buys in an ablation over seeds, is the
# next page: [What each ingredient buys](../what-each-ingredient-buys/).

# %%
# %matplotlib inline
import html

import keras
import numpy as np
from IPython.display import HTML, Markdown
from modern_convnets.ablation_results import load_results
from modern_convnets.arithmetic import layer_costs
from modern_convnets.blocks import xception_block
from modern_convnets.charts import plot_histories
from modern_convnets.data import find_dataset, split_files
from modern_convnets.diagram import (
    flows,
    inbound_layers,
    layer_graph,
    model_diagram,
    model_stages,
    plot_diagram,
    plot_stages,
)
from modern_convnets.models import mini_xception, small_convnet
from modern_convnets.shipped import trained_history, trained_manifest

NAMES = ["small_convnet", "mini_xception"]


def folded(summary: str, text: str) -> HTML:
    """A table behind a toggle: the numbers kept, out of the reading path."""
    return HTML(
        f'<details class="mc-collapse"><summary>{html.escape(summary)}'
        f"</summary><pre>{html.escape(text)}</pre></details>"
    )


# %% [markdown]
# ## Where the design comes from: Xception
#
# Xception (Chollet, 2017) is named for "extreme Inception". Chollet starts
# from a simplified form of the Inception V3 module (Szegedy et al., 2016),
# which splits a convolution into a few parallel towers, each a 1 × 1
# convolution that mixes channels followed by a spatial convolution on its
# share of them. Taken to the extreme, with one tower per channel, that is
# almost a depthwise separable convolution (Chollet points out two
# differences: the order of the two steps, and a ReLU between them in
# Inception). Xception is built from blocks: the first holds its only two
# regular 3 × 3 convolutions, the others hold separable ones. Every
# convolution is followed by batch normalisation, residual connections (the
# idea of ResNet, He et al., 2016) run around all blocks but the first and
# the last, a 1 × 1 projection on some of them, and global average pooling
# ends it. Chollet groups the blocks into three flows: an
# entry flow that shrinks the photo and widens the channels, a middle flow of
# identical blocks repeated at one size, and an exit flow that widens again
# before the pooling. Keras ships the architecture; built without weights,
# its layers can be counted, and
# `modern_convnets.diagram.model_stages` reads its blocks off them: each
# `Add` of two branches that split at one layer is a residual connection,
# and the shorter branch, a convolution or nothing, is its shortcut.

# %%
xception = keras.applications.Xception(weights=None)
kinds = [type(layer).__name__ for layer in xception.layers]
print(f"{xception.count_params():,} parameters")
for kind in ("SeparableConv2D", "Conv2D", "BatchNormalization", "Add"):
    print(f"{kinds.count(kind):>3} {kind}")
widest = max(getattr(layer, "filters", 0) for layer in xception.layers)
print(f"widest layer: {widest:,} filters")
xception_stages = model_stages(xception)
xception_flows = flows(xception_stages)
for part, stages in xception_flows.items():
    blocks = [stage for stage in stages if stage.kind == "block"]
    widths = ["/".join(map(str, b.widths)) for b in blocks]
    if len(set(widths)) == 1:  # the middle flow: one width, repeated
        widths = [f"{len(widths)} × {widths[0]}"]
    print(
        f"{part} flow: {blocks[0].name} … {blocks[-1].name}, "
        f"{len(blocks)} blocks; widths {', '.join(widths)}"
    )
projected = [s.name for s in xception_stages if s.shortcut == "projection"]
print(f"shortcut projections: {', '.join(projected)}")


def followed_by_bn(net: keras.Model) -> tuple[int, int]:
    """Convolutions whose output goes straight to a BatchNormalization."""
    takers = {layer.name: [] for layer in net.layers}
    for name, sources in inbound_layers(net).items():
        for source in sources:
            takers[source].append(name)
    kinds_of = {layer.name: type(layer).__name__ for layer in net.layers}
    convs = [
        n for n, k in kinds_of.items() if k in ("Conv2D", "SeparableConv2D")
    ]
    return sum(
        all(kinds_of[t] == "BatchNormalization" for t in takers[n])
        for n in convs
    ), len(convs)


xception_bn_after = followed_by_bn(xception)
print(
    "convolutions followed directly by batch normalisation: "
    f"{xception_bn_after[0]} of {xception_bn_after[1]}"
)
del xception

# %% tags=["prose"]
xception_blocks = [s for s in xception_stages if s.kind == "block"]
mini_widest = max(
    getattr(layer, "filters", 0) for layer in mini_xception().layers
)
entry, middle, exit_ = (
    [s for s in xception_flows[part] if s.kind == "block"]
    for part in ("entry", "middle", "exit")
)
n_sep, n_conv = kinds.count("SeparableConv2D"), kinds.count("Conv2D")
mini_bn_after = followed_by_bn(mini_xception())
Markdown(
    f"""Keras's Xception has {n_sep + n_conv} convolutional layers, {n_sep}
separable and {n_conv} regular; Chollet (2017) counts
{n_sep + n_conv - len(projected)}, leaving out the 1 × 1 projections on
{len(projected)} of the shortcuts. They form {len(xception_blocks)} blocks: the
entry flow's {len(entry)}
({entry[0].name} with the two regular convolutions, then
{sum(s.shortcut == "projection" for s in entry)} that halve the feature maps
and widen the channels, each with a strided 1 × 1 projection on its
shortcut), the middle flow's {len(middle)} blocks of
{len(middle[0].widths)} separable convolutions at {middle[0].widths[0]}
channels, whose shortcuts add the input unchanged, and the exit flow's
{len(exit_)}: {exit_[0].name}, with a projection, and {exit_[-1].name}, with
no shortcut, which widens to {widest:,} channels.

Mini-Xception keeps the three ingredients and shrinks the model for 180 ×
180 photos of two classes: one regular 5 × 5 convolution and five blocks
instead of {len(xception_blocks)}, no middle flow, and at most
{mini_widest} filters instead of {widest:,}. It also rearranges them. In
Xception {xception_bn_after[0]} of the {xception_bn_after[1]} convolutions
hand their output straight to a batch normalisation (convolution → BN, the
ReLU after); in Mini-Xception {mini_bn_after[0]} of {mini_bn_after[1]} do,
because each block runs BN → ReLU → separable convolution, so the addition
at the end of a block sums outputs that no batch normalisation has touched.
And every Mini-Xception block has a 1 × 1 projection on its shortcut, where
Xception's middle-flow blocks add their input unchanged."""
)

# %% [markdown]
# ## The model
#
# The lecture's listing, in plain Keras to paste into your own work: the
# augmentation block first (active only in training), then the rescaling
# ("don't forget input rescaling!"), the regular 5 × 5 stem and the five
# blocks. The trained weights,
# [`mini_xception.keras`](../../models/mini_xception.keras) (3 MB), load into
# it:

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
x = layers.Conv2D(filters=32, kernel_size=5, use_bias=False)(x)

for size in [32, 64, 128, 256, 512]:
    residual = x

    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(size, 3, padding="same", use_bias=False)(x)

    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(size, 3, padding="same", use_bias=False)(x)

    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

    residual = layers.Conv2D(
        size, 1, strides=2, padding="same", use_bias=False
    )(residual)
    x = layers.add([x, residual])

x = layers.GlobalAveragePooling2D()(x)
x = layers.Dropout(0.5)(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs=inputs, outputs=outputs)

model.set_weights(
    keras.models.load_model("mini_xception.keras").get_weights()
)
print(f"{model.count_params():,} parameters")

# %% [markdown]
# `modern_convnets.models.mini_xception` builds the same model; each block
# comes from `modern_convnets.blocks.xception_block`, and every layer is named
# after its block (`block3_sepconv1`, `block3_pool`, …), as in Keras's own
# Xception. Its layers come in the same order, so the listing's weights load
# into it, and it computes the same output:

# %%
ours = mini_xception()
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
model = ours  # from here on, the package's model with its named layers
trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
print(f"{model.count_params():,} parameters, {trainable:,} trainable")
print(f"{len(model.layers)} layers")

# %% [markdown]
# A diagram with one box per block keeps the whole model on one screen; on
# its left, Xception drawn the same way from Keras's model, its identical
# middle-flow blocks sharing one box. In Mini-Xception, height and width
# halve in every block (3 × 3 pooling, stride 2, "same" padding rounds up)
# while the channels double from one block to the next, from 32 in block 1
# to 512 in block 5.

# %%
stages = model_stages(model)
plot_stages(
    {"Xception (Keras)": xception_stages, "Mini-Xception": stages},
    caption="Xception's entry, middle and exit flows beside Mini-Xception, "
    "block by block: convolutions and widths, output shape and parameters "
    "of each box, and each block's shortcut",
)

# %% tags=["collapse"]
total = model.count_params()
lines = []
for stage in stages:
    if stage.params:
        shape = " × ".join(map(str, stage.output_shape[1:]))
        lines.append(
            f"{stage.name:<12}{stage.params:>9,}  "
            f"{100 * stage.params / total:6.2f}%   output {shape}"
        )
folded("Mini-Xception's parameters, stage by stage", "\n".join(lines))

# %% tags=["prose"]
params_of = {stage.name: stage.params for stage in stages}
last_share = params_of["block5"] / total
first_share = (params_of["stem_conv"] + params_of["block1"]) / total
sep2 = model.get_layer("block5_sepconv2")
sep2_share = sep2.count_params() / params_of["block5"]
Markdown(
    f"""{last_share:.2%} of the parameters sit in the last block, where the
{model.get_layer("block5_sepconv1").input.shape[-1]} → {sep2.filters} and
{sep2.input.shape[-1]} → {sep2.filters} separable convolutions sit:
`block5_sepconv2` alone holds {sep2_share:.0%} of the block. The stem and
the first block together hold {first_share:.2%}."""
)

# %% [markdown]
# Inside a block, the main path runs batch normalisation → ReLU → separable
# convolution twice, then pools; the residual path is a strided 1 × 1
# convolution that brings the block's input to the pooled shape, and the two
# meet in an addition. Here is block 2 on its own, fed with block 1's
# 88 × 88 × 32 output:

# %%
inputs = keras.Input((88, 88, 32), name="block1_add")
block2 = keras.Model(inputs, xception_block(inputs, 64, name="block2"))
plot_diagram(
    model_diagram(block2),
    caption="Block 2: two BN → ReLU → separable convolution steps and a "
    "pooling on the main path, a strided 1 × 1 convolution on the residual",
)

# %% [markdown]
# Every convolution drops its bias (`use_bias=False`), the stem's and the
# residual projections' included: neither path of a block has a bias. None is
# needed, because a bias adds one constant to each output channel, and a
# per-channel constant survives, still a per-channel constant, through
# max-pooling (the maximum of x + b is the maximum of x, plus b), an addition,
# a 1 × 1 convolution (which mixes constants into constants; with a 1 × 1
# kernel even "same" padding adds no zeros) and global average pooling. So if
# every convolution reaches the rest of the network only through those
# operations until it meets a batch normalisation, which subtracts each
# channel's mean and with it the constant, or the final Dense layer, whose
# own bias can take it up, then a bias would change nothing the model can
# compute. The cell below walks the model's graph from each convolution to
# check that this holds. Between the last block and the Dense layer sits the
# dropout: at inference it passes values through unchanged, so the argument
# is exact there; in training it zeroes or doubles each of the 512 averages at
# random, so a bias in the last block would not be strictly redundant while
# training.

# %%
takes = inbound_layers(model)
# layer -> the layers that take its output
users = {name: [] for name in takes}
for name, sources in takes.items():
    for source in sources:
        users[source].append(name)
layer_of = {layer.name: layer for layer in model.layers}


def keeps_channel_constants(layer: keras.Layer) -> bool:
    """Whether a per-channel constant in gives a per-channel one out."""
    if isinstance(
        layer,
        (
            keras.layers.MaxPooling2D,
            keras.layers.Add,
            keras.layers.GlobalAveragePooling2D,
            keras.layers.Dropout,  # identity at inference
        ),
    ):
        return True
    one_by_one = tuple(getattr(layer, "kernel_size", ())) == (1, 1)
    return type(layer) is keras.layers.Conv2D and one_by_one


def ends(start: str) -> tuple[set[str], list[str]]:
    """Where a constant added to `start`'s output ends: absorbed, or escaped."""
    absorbed, escaped, todo = set(), [], list(users[start])
    while todo:
        layer = layer_of[todo.pop()]
        if isinstance(
            layer, (keras.layers.BatchNormalization, keras.layers.Dense)
        ):
            absorbed.add(type(layer).__name__)
        elif keeps_channel_constants(layer):
            todo.extend(users[layer.name])
        else:
            escaped.append(layer.name)
    return absorbed, escaped


convolutions = [
    layer.name
    for layer in model.layers
    if isinstance(
        layer, (keras.layers.Conv2D, keras.layers.SeparableConv2D)
    )
]
escapes, lines = {}, []
for name in convolutions:
    absorbed, escaped = ends(name)
    escapes[name] = escaped
    lines.append(
        f"{name:<17} bias {'yes' if layer_of[name].use_bias else 'no ':<4}"
        f"absorbed by {', '.join(sorted(absorbed))}"
        + (f"; escapes to {', '.join(escaped)}" if escaped else "")
    )
print(
    f"{len(convolutions)} convolutions, "
    f"{sum(not e for e in escapes.values())} absorbed"
)
folded("Where each convolution's constant ends", "\n".join(lines))

# %% tags=["prose"]
leaky = [name for name, escaped in escapes.items() if escaped]
with_bias = [name for name in convolutions if layer_of[name].use_bias]
if leaky:
    passed = f"Not all pass: {', '.join(leaky)} reach another layer first"
else:
    passed = f"All {len(convolutions)} convolutions pass the check"
biased = (
    f"{len(with_bias)} of them have" if with_bias else "none of them has"
)
Markdown(
    f"""{passed}, and {biased} a bias. The complete table of the model's
{len(model.layers)} layers, with the layers each one takes, is folded below:
the diagram above shows the same structure, block by block."""
)

# %% tags=["collapse"]
folded(
    f"All {len(model.layers)} layers and their inputs", layer_graph(model)
)

# %% [markdown]
# ## What the separable convolutions save
#
# `modern_convnets.arithmetic.layer_costs` prices every convolution and dense
# layer with the formulas of
# [Depthwise separable convolutions](../separable-convolutions/), and also
# prices the regular `Conv2D` that each separable layer replaces. Three
# models, multiply-adds per 180 × 180 photo:


# %%
def totals(model):
    costs = layer_costs(model)
    others = model.count_params() - sum(c.params for c in costs)
    return (
        sum(c.params for c in costs) + others,
        sum(c.regular_params for c in costs) + others,
        sum(c.multiply_adds for c in costs),
        sum(c.regular_multiply_adds for c in costs),
    )


small_costs = totals(small_convnet())
mini_costs = totals(model)
rows = [
    ("small_convnet", small_costs[0], small_costs[2]),
    ("mini_xception", mini_costs[0], mini_costs[2]),
    ("mini_xception, regular convs", mini_costs[1], mini_costs[3]),
]
print(f"{'':<30}{'parameters':>12}{'multiply-adds':>16}")
for name, params, macs in rows:
    print(f"{name:<30}{params:>12,}{macs / 1e6:>14,.0f} M")
print(
    f"\nmini_xception / small_convnet: {mini_costs[0] / small_costs[0]:.2f} × "
    f"the parameters, {mini_costs[2] / small_costs[2]:.2f} × the multiply-adds"
)
print(
    f"regular / separable convs: {mini_costs[1] / mini_costs[0]:.1f} × the "
    f"parameters, {mini_costs[3] / mini_costs[2]:.1f} × the multiply-adds"
)

# %% tags=["prose"]
fewer_params = 1 - mini_costs[0] / small_costs[0]
fewer_macs = 1 - mini_costs[2] / small_costs[2]
manifests = {name: trained_manifest(name) for name in NAMES}
epoch_seconds = {
    name: manifests[name]["wall_seconds"] / manifests[name]["epochs"]
    for name in NAMES
}
# the ablation's runs: each variant's fastest epoch, the least-disturbed time
runs = load_results()
fastest = {
    v: min(r["fastest_epoch_seconds"] for r in runs if r["variant"] == v)
    for v in {r["variant"] for r in runs}
}
main_path = {
    name: sum(
        isinstance(
            layer, (keras.layers.Conv2D, keras.layers.SeparableConv2D)
        )
        and "residual" not in layer.name
        for layer in net.layers
    )
    for name, net in (("small", small_convnet()), ("mini", model))
}
last_width = {
    name: [
        layer.filters for layer in net.layers if hasattr(layer, "filters")
    ][-1]
    for name, net in (("small", small_convnet()), ("mini", model))
}
Markdown(
    f"""Mini-Xception is deeper ({main_path["mini"]} convolutions on its main
path against {main_path["small"]}) and wider ({last_width["mini"]} channels
at the end against {last_width["small"]}), yet it has {fewer_params:.0%}
fewer parameters than the plain model and needs {fewer_macs:.0%} fewer
multiply-adds per photo. With regular convolutions in the same places it would
need {mini_costs[1] / mini_costs[0]:.1f} times the parameters and
{mini_costs[3] / mini_costs[2]:.1f} times the multiply-adds.

Fewer multiply-adds did not mean less time on this CPU: with
{mini_costs[2] / small_costs[2]:.2f} times the plain model's multiply-adds,
each Mini-Xception epoch took
{epoch_seconds["mini_xception"] / epoch_seconds["small_convnet"]:.1f} times
as long (mean wall time per epoch, one run each, on a shared machine). Batch
normalisation, pooling, additions and the depthwise step are left out of the
count or cost little arithmetic, but each reads and writes whole feature
maps, so they are bound by memory traffic rather than arithmetic, and cost
real time. In the ablation of the next page (its fastest epochs, at
{runs[0]["image_size"]} × {runs[0]["image_size"]} pixels), removing batch
normalisation cuts a run from {fastest["mini_xception"] * runs[0]["epochs"] / 60:.1f}
to {fastest["no_batchnorm"] * runs[0]["epochs"] / 60:.1f} minutes,
{1 - fastest["no_batchnorm"] / fastest["mini_xception"]:.0%} less, while
regular convolutions, with {mini_costs[3] / mini_costs[2]:.1f} times the
multiply-adds, take only
{fastest["regular_conv"] / fastest["mini_xception"]:.1f} times as long."""
)

# %% [markdown]
#
# ## Training both models

# %% tags=["prose"]
config = manifests["mini_xception"]["config"]
assert all(
    manifests[n]["config"] | {"model": ""} == config | {"model": ""}
    for n in NAMES
), "the two runs do not share one recipe"
train_split, val_split, _ = split_files(
    find_dataset(),
    validation_fraction=config["validation_fraction"],
    seed=config["seed"],
)
# the listing's augmentation layers, read back: ranges as fractions
turn = float(np.max(np.abs(data_augmentation.layers[1].factor)))
zoom = float(np.max(np.abs(data_augmentation.layers[2].height_factor)))
mini_history = trained_history("mini_xception")
loss_epoch = int(np.argmin(mini_history["val_loss"])) + 1
n_val = len(val_split.labels)
best_count = round(manifests["mini_xception"]["best_val_accuracy"] * n_val)
Markdown(
    f"""Both models saw the same {len(train_split.labels):,} training photos
({train_split.counts()["cats"]} cats, {train_split.counts()["dogs"]} dogs)
with the same augmentation (horizontal flips; rotation by up to ±{turn:.0%}
of a full turn, ±{360 * turn:.0f}°; zoom by up to ±{zoom:.0%}), batch
{config["batch_size"]}, RMSprop at a learning rate of
{config["learning_rate"]:g}, {config["epochs"]} epochs, seed
{config["seed"]}, and kept the weights of the epoch with the best accuracy on
the {n_val} validation photos: for Mini-Xception, epoch
{manifests["mini_xception"]["best_epoch"]} ({best_count} of {n_val} right).
That is a choice: Keras's `ModelCheckpoint` watches the validation loss
unless told otherwise, and Mini-Xception's validation loss was lowest at
epoch {loss_epoch}, where {mini_history["val_accuracy"][loss_epoch - 1]:.1%}
of the validation photos were right. Each model's manifest records the run
(folded: settings, results, wall time and hardware):"""
)

# %% tags=["collapse"]
fields = [
    ("epochs", lambda m: m["epochs"]),
    ("batch size", lambda m: m["config"]["batch_size"]),
    ("optimizer", lambda m: m["config"]["optimizer"]),
    ("learning rate", lambda m: m["config"]["learning_rate"]),
    ("augmentation", lambda m: m["config"]["augment"]),
    ("seed", lambda m: m["config"]["seed"]),
    ("best epoch", lambda m: m["best_epoch"]),
    ("validation accuracy", lambda m: f"{m['best_val_accuracy']:.4f}"),
    ("held-out accuracy", lambda m: f"{m['test_accuracy']:.4f}"),
    ("wall time (h)", lambda m: f"{m['wall_seconds'] / 3600:.1f}"),
    (
        "CPU cores / GPUs",
        lambda m: "{} / {}".format(
            m["hardware"]["cpu_count"], len(m["hardware"]["gpus"])
        ),
    ),
]
lines = [f"{'':<22}" + "".join(f"{name:>16}" for name in NAMES)]
for label, get in fields:
    lines.append(
        f"{label:<22}"
        + "".join(f"{get(manifests[n])!s:>16}" for n in NAMES)
    )
folded("The two training runs' manifests", "\n".join(lines))

# %% [markdown]
# ## Training curves, side by side
#
# The histories saved during training, plotted with
# `modern_convnets.charts.plot_histories` (the y axes are shared, so the two
# columns compare directly):

# %%
histories = {name: trained_history(name) for name in NAMES}
plot_histories(
    histories,
    caption="Accuracy and loss per epoch on the training and validation "
    "photos: small_convnet (left) and mini_xception (right)",
)

# %% tags=["collapse"]
SMOOTH = 5  # epochs in the moving average: this one and the four before


def first_reaching(values: np.ndarray, level: float) -> int | None:
    """The first epoch (counted from 1) at which `values` reach `level`."""
    hits = np.flatnonzero(values >= level)
    return int(hits[0]) + 1 if hits.size else None


curves, lines = {}, []
for name, history in histories.items():
    train, val = (
        np.array(history["accuracy"]),
        np.array(history["val_accuracy"]),
    )
    # smoothed[k] is the mean of epochs k - SMOOTH + 2 … k + 1 (from 1)
    smoothed = np.convolve(val, np.ones(SMOOTH) / SMOOTH, mode="valid")
    first_smooth = first_reaching(smoothed, 0.8)
    if first_smooth is not None:
        first_smooth += SMOOTH - 1
    first_raw = first_reaching(val, 0.8)
    last = val[-20:]
    curves[name] = {
        "best": val.max(),
        "best_epoch": int(val.argmax()) + 1,
        "first_80": first_smooth,
        "first_80_raw": first_raw,
        "after_raw": val[first_raw : first_raw + 5].min()
        if first_raw
        else None,
        "epoch_seconds": epoch_seconds[name],
        "train_last": train[-20:],
        "train_step": np.abs(np.diff(train[-21:])).mean(),
        "val_step": np.abs(np.diff(val[-21:])).mean(),
        "val_mean": last.mean(),
        "val_std": last.std(),
        "val_low": last.min(),
        "val_loss_best_epoch": int(np.argmin(history["val_loss"])) + 1,
        "val_loss_best": min(history["val_loss"]),
        "val_loss_last": np.mean(history["val_loss"][-20:]),
    }
    c = curves[name]
    lines.append(f"{name}:")
    lines.append(
        f"  best validation accuracy {c['best']:.2%} at epoch {c['best_epoch']}"
    )
    lines.append(
        f"  first reached 80%: epoch {c['first_80_raw']} (raw), epoch "
        f"{c['first_80']} ({SMOOTH}-epoch moving average); "
        f"{c['epoch_seconds']:.1f} s per epoch"
    )
    lines.append(
        f"  lowest of the 5 epochs after the raw first: {c['after_raw']:.1%}"
    )
    lines.append(
        f"  last 20 epochs: training {train[-20:].min():.1%} to "
        f"{train[-20:].max():.1%}, validation {last.mean():.1%} "
        f"± {last.std():.1%}, lowest {last.min():.1%}"
    )
    lines.append(
        f"  mean change from one epoch to the next, last 20: training "
        f"{100 * c['train_step']:.1f} pt, "
        f"validation {100 * c['val_step']:.1f} pt"
    )
    lines.append(
        f"  validation loss: lowest {c['val_loss_best']:.2f} at epoch "
        f"{c['val_loss_best_epoch']}, mean of the last 20 "
        f"{c['val_loss_last']:.2f}"
    )
folded("The numbers behind the next paragraphs", "\n".join(lines))

# %% [markdown]
# When does each model reach a given validation accuracy? One epoch's score
# on 400 photos is noisy, so the curve is first smoothed with a moving
# average; but both the window and the level are choices. The first epoch
# at which each smoothed curve reaches each level, for a few of each:

# %%
WINDOWS, LEVELS = (3, 5, 7, 10), (0.75, 0.78, 0.80)
reached = {}  # (window, level) -> {name: first epoch or None}
print(
    f"{'window':>6}{'level':>7}{'small_convnet':>15}{'mini_xception':>15}"
)
for window in WINDOWS:
    for level in LEVELS:
        reached[window, level] = {}
        for name, history in histories.items():
            val = np.array(history["val_accuracy"])
            smooth = np.convolve(
                val, np.ones(window) / window, mode="valid"
            )
            first = first_reaching(smooth, level)
            reached[window, level][name] = (
                None if first is None else first + window - 1
            )
        row = reached[window, level]
        print(
            f"{window:>6}{level:>7.0%}"
            + "".join(f"{row[n] or 'never'!s:>15}" for n in NAMES)
        )

# %% tags=["prose"]
small_c, mini_c = curves["small_convnet"], curves["mini_xception"]


both_rise = all(
    c["val_loss_last"] > c["val_loss_best"] for c in (small_c, mini_c)
)
overfit = both_rise and all(
    c["train_last"].min() > c["val_mean"] for c in (small_c, mini_c)
)
overfitting = (
    "Both models overfit" if overfit else "Whether they overfit is mixed"
)
if mini_c["val_step"] > small_c["val_step"]:
    jagged = f"""Mini-Xception's validation curve is the jagged one. A
plausible cause, not isolated here, is batch normalisation: at inference it
normalises with running averages of each channel's mean and variance, and
those lag behind weights that are still moving fast.

Two consequences. The checkpoint keeps the best of
{len(histories["mini_xception"]["val_accuracy"])} jagged epochs, and picking a
maximum over noisy scores on 400 photos flatters it (Mini-Xception:
{mini_c["best"]:.2%} on validation at epoch {mini_c["best_epoch"]}). And
stopping at an unlucky epoch could have cost up to
{100 * (mini_c["val_mean"] - mini_c["val_low"]):.1f} points against the
last 20 epochs' mean: keeping the best epoch matters more here than for the
plain model. The held-out photos on the next page,
[What each ingredient buys](../what-each-ingredient-buys/), give the fair
number."""
else:
    jagged = (
        "The held-out photos on the next page, [What each ingredient buys]"
        "(../what-each-ingredient-buys/), give the fair comparison."
    )


def order(row: dict) -> str:
    """Which model reached the level first, in one cell of the table."""
    a, b = row["mini_xception"], row["small_convnet"]
    if a is None or b is None:
        return "unreached"
    return "mini" if a < b else "small" if b < a else "tie"


orders = {order(row) for row in reached.values()} - {"unreached"}
if len(orders) > 1:
    (w1, l1), (w2, l2) = (
        next(k for k, row in reached.items() if order(row) == side)
        for side in ("mini", "small")
    )
    ordering = (
        "Which model gets there first flips with the window and the level: "
        f"with window {w1} at {l1:.0%}, epoch "
        f"{reached[w1, l1]['mini_xception']} for Mini-Xception against "
        f"{reached[w1, l1]['small_convnet']} for the plain model, but with "
        f"window {w2} at {l2:.0%}, {reached[w2, l2]['mini_xception']} "
        f"against {reached[w2, l2]['small_convnet']}. With one run each, "
        "these curves cannot order the two models by speed"
    )
else:
    ordering = (
        "The order is the same for every window and level in the table, but "
        "with one run each it is an observation, not a test"
    )
Markdown(
    f"""{ordering}. The raw curve is noisier still: Mini-Xception's first
touches 80% at epoch {mini_c["first_80_raw"]}, and within the next five
epochs falls back to {mini_c["after_raw"]:.1%}. In wall time, each
Mini-Xception epoch took {mini_c["epoch_seconds"] / small_c["epoch_seconds"]:.1f}
times as long as the plain model's ({mini_c["epoch_seconds"]:.1f} s against
{small_c["epoch_seconds"]:.1f} s, the mean over each run, on the same
shared two-core CPU).

{overfitting}: over the last 20 epochs their training accuracy (as Keras
reports it, the mean over each epoch's batches with augmentation and dropout
on, so not the accuracy of the final weights on those photos) stays at
{small_c["train_last"].min():.0%}–{small_c["train_last"].max():.0%}
(plain) and {mini_c["train_last"].min():.0%}–{mini_c["train_last"].max():.0%}
(Mini-Xception), while validation accuracy averages {small_c["val_mean"]:.1%}
and {mini_c["val_mean"]:.1%}, and validation loss
{"is" if both_rise else "is not"} above its lowest point in both
(plain: {small_c["val_loss_best"]:.2f} at epoch
{small_c["val_loss_best_epoch"]}, {small_c["val_loss_last"]:.2f} on average
over the last 20; Mini-Xception: {mini_c["val_loss_best"]:.2f} at epoch
{mini_c["val_loss_best_epoch"]}, {mini_c["val_loss_last"]:.2f}).

Over the same 20 epochs Mini-Xception's validation accuracy moves by
{100 * mini_c["val_step"]:.1f} points from one epoch to the next on average,
the plain model's by {100 * small_c["val_step"]:.1f}; their standard
deviations are {100 * mini_c["val_std"]:.1f} and
{100 * small_c["val_std"]:.1f} points, and Mini-Xception dips as low as
{mini_c["val_low"]:.1%}, while its training accuracy moves by
{100 * mini_c["train_step"]:.1f} points. {jagged}"""
)

# %% [markdown]
# How both models do on the 1,000 held-out photos, how far Mini-Xception's
# P(dog) can be trusted, and what an ablation over seeds can say about each
# ingredient: [What each ingredient buys](../what-each-ingredient-buys/).

# %% tags=["prose"]
Markdown(
    f"""To train the listing above as here, compile it with
`optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"]`
(Keras's RMSprop defaults to a learning rate of
{float(keras.optimizers.RMSprop().learning_rate.numpy()):g}, the recipe's
{config["learning_rate"]:g}), and fit it
for {config["epochs"]} epochs with batches of {config["batch_size"]} photos,
{len(train_split.labels):,} for training and {n_val} for validation, passing
`callbacks=[keras.callbacks.ModelCheckpoint(path, monitor="val_accuracy",
save_best_only=True)]` to keep the epoch with the best validation accuracy
(without `monitor`, the checkpoint keeps the lowest validation loss)."""
)

# %% [markdown]
# ## Check yourself
#
# 1. `block5_sepconv2` takes 512 channels to 512 with a 3 × 3 kernel. How
#    many parameters does it have, and how many would a regular `Conv2D`
#    without bias have in its place?
# 2. Why would a bias in `block3_residual` change nothing the model can
#    compute?
# 3. Why can each block of Xception's middle flow add its input unchanged,
#    while every block of Mini-Xception reshapes its input on the shortcut?
# 4. Why smooth the validation curve before reading off when a model first
#    reaches 80%?

# %% tags=["prose"]
sep = model.get_layer("block5_sepconv2")
as_regular = 3 * 3 * 512 * 512
middle_shape = " × ".join(map(str, middle[0].output_shape[1:]))
Markdown(
    f"""<details><summary>Answers</summary>
<ol>
<li>3 × 3 × 512 depthwise weights plus 512 × 512 pointwise ones:
{sep.count_params():,}; a regular convolution needs 3 × 3 × 512 × 512 =
{as_regular:,}, {as_regular / sep.count_params():.1f} times as many.</li>
<li>It would add one constant per channel; the addition in
<code>block3_add</code>
passes it on to the two layers that take the sum: block 4's first batch
normalisation, which subtracts each channel's mean and the constant with it,
and <code>block4_residual</code>, a 1 × 1 convolution, which turns it into
another per-channel constant for the batch normalisations further on (and,
past the last block, the Dense layer's bias) to take up.</li>
<li>An addition needs both branches in one shape. Each middle-flow block
keeps its input's shape ({middle_shape}: no pooling, {middle[0].widths[0]}
channels in and out), so its input can be added unchanged. Every
Mini-Xception block pools with stride 2, and every block after the first
doubles the channels, so its input must be brought to the new shape before
the addition: a 1 × 1 convolution with stride 2 does both (block 1 keeps the
stem's 32 channels, but still halves the feature maps).</li>
<li>One epoch's score on 400 photos is noisy. Mini-Xception's raw curve
first touches 80% at epoch {mini_c["first_80_raw"]}, but within the next five
epochs it falls back to {mini_c["after_raw"]:.1%}. Averaged over {SMOOTH}
epochs, the curve first reaches 80% at epoch {mini_c["first_80"]}, a figure
that one lucky epoch cannot move by much (though the window and the level
are choices of their own, as the table above shows).</li>
</ol>
</details>"""
)

# %% [markdown]
# ## Summary

# %% tags=["prose"]
Markdown(
    f"""- Xception (Chollet, 2017) has {len(xception_blocks)} blocks in three
  flows: entry (block 1's two regular convolutions, then
  {sum(s.shortcut == "projection" for s in entry)} blocks with projected
  shortcuts), middle ({len(middle)} identical blocks with identity
  shortcuts) and exit; `model_stages` and `flows` read them off Keras's model.
- Mini-Xception is a regular 5 × 5 stem, then five blocks of
  (BN → ReLU → separable convolution) × 2 and a max pooling, each wrapped in
  a residual connection with a strided 1 × 1 projection; then global average
  pooling, dropout and a sigmoid unit. {mini_costs[0]:,} parameters,
  {last_share:.0%} of them in the last block. No convolution needs a bias:
  each reaches a batch normalisation or the Dense layer only through
  operations that keep a per-channel constant a per-channel constant.
- `plot_stages`, `model_diagram` and `plot_diagram` draw a model without
  Graphviz; `layer_graph` lists every layer and what it takes.
- Separable convolutions make it cheap in parameters and multiply-adds, not
  in CPU time: regular convolutions in the same places would need
  {mini_costs[1] / mini_costs[0]:.1f} times the parameters and
  {mini_costs[3] / mini_costs[2]:.1f} times the multiply-adds; it has
  {mini_costs[0] / small_costs[0]:.2f} times the plain convnet's parameters
  and needs {mini_costs[2] / small_costs[2]:.2f} times its multiply-adds, yet
  each epoch took {mini_c["epoch_seconds"] / small_c["epoch_seconds"]:.1f}
  times as long (one run each, on a shared CPU).
- Trained on the same photos with the same recipe, one run each, the two
  curves cannot be ordered by speed: which reaches a smoothed validation
  accuracy first depends on the window and the level. Its validation
  accuracy is
  {"the more" if mini_c["val_step"] > small_c["val_step"] else "no more"}
  jagged,
  so keep the best epoch and judge on held-out photos:
  [What each ingredient buys](../what-each-ingredient-buys/)."""
)
