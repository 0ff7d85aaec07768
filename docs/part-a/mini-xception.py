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
# - how the model is put together, block by block, and where its parameters
#   sit;
# - what the separable convolutions save, counted layer by layer;
# - how it trained compared with the plain
#   [small convnet](../small-convnet/), on the same photos
#   with the same recipe: both training curves side by side;
# - how both do on the 1,000 held-out photos: confusion matrices with a
#   test of the difference, the photos Mini-Xception gets most confidently
#   wrong, and how far its P(dog) can be trusted (reliability curves);
# - what an ablation over seeds can and cannot say about each ingredient,
#   with Welch's t-test.
#
# Both models were trained once with `nox -s train` and ship with the
# package; this page only loads them.

# %%
# %matplotlib inline
import math

import keras
import numpy as np
from IPython.display import Markdown
from matplotlib.figure import Figure
from modern_convnets.ablation_results import load_results, summarise
from modern_convnets.arithmetic import layer_costs
from modern_convnets.blocks import xception_block
from modern_convnets.charts import (
    plot_confusion_matrices,
    plot_histories,
    plot_runs,
)
from modern_convnets.data import cats_vs_dogs
from modern_convnets.diagram import (
    inbound_layers,
    layer_graph,
    model_diagram,
    plot_diagram,
)
from modern_convnets.evaluation import confusion_matrix, predict
from modern_convnets.grids import image_grid
from modern_convnets.models import mini_xception, small_convnet
from modern_convnets.photos import read_photo
from modern_convnets.shipped import (
    load_trained,
    trained_history,
    trained_manifest,
)
from modern_convnets.variants import VARIANTS, build_variant

NAMES = ["small_convnet", "mini_xception"]

# %% [markdown]
# ## Where the design comes from: Xception
#
# Xception (Chollet, 2017) is named for "extreme Inception". An Inception
# module (Szegedy et al., 2015) splits a convolution into a few parallel
# towers, each a 1 × 1 convolution that mixes channels followed by a spatial
# convolution on its share of them. Taken to the extreme, with one tower per
# channel, that is almost a depthwise separable convolution (Chollet points
# out two differences: the order of the two steps, and a ReLU between them in
# Inception). Xception's 36 convolutional layers form 14 blocks (Chollet,
# 2017). The first block holds its only two regular 3 × 3 convolutions; the
# other 13 hold separable ones. Every convolution is followed by batch
# normalisation, residual connections run around all blocks but the first
# and the last (the idea of ResNet, He et al., 2015; the 1 × 1 projections on
# four of them are the model's other regular convolutions), and global
# average pooling ends it. Keras ships the architecture; built without
# weights:

# %%
xception = keras.applications.Xception(weights=None)
kinds = [type(layer).__name__ for layer in xception.layers]
print(f"{xception.count_params():,} parameters")
for kind in ("SeparableConv2D", "Conv2D", "BatchNormalization", "Add"):
    print(f"{kinds.count(kind):>3} {kind}")
widest = max(getattr(layer, "filters", 0) for layer in xception.layers)
print(f"widest layer: {widest:,} filters")
del xception

# %% [markdown]
# Mini-Xception keeps the ingredients and shrinks them for 180 × 180 photos
# of two classes: one regular 5 × 5 convolution and five blocks, each with its
# residual connection, instead of fourteen blocks, and at most 512 filters
# instead of 2,048.
#
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
# A diagram with one box per block keeps the whole model on one screen.
# Height and width halve in every block (3 × 3 pooling, stride 2, "same"
# padding rounds up) while the channels double from one block to the next,
# from 32 in block 1 to 512 in block 5.

# %%
overview = model_diagram(model, collapse=r"(block\d+)_")
plot_diagram(
    overview,
    caption="Mini-Xception block by block: output shape and parameters "
    "of each box",
)

# %%
total = model.count_params()
for box in overview.boxes:
    if box.params:
        shape = " × ".join(map(str, box.output_shape[1:]))
        print(
            f"{box.name:<12}{box.params:>9,}  {100 * box.params / total:5.1f}%"
            f"   output {shape}"
        )

# %% tags=["prose"]
params_of = {box.name: box.params for box in overview.boxes}
last_share = params_of["block5"] / total
first_share = (params_of["stem_conv"] + params_of["block1"]) / total
Markdown(
    f"""{last_share:.1%} of the parameters sit in the last block, where 512
filters meet 256 input channels; the stem and the first block together hold
{first_share:.1%}."""
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
escapes = {}
for name in convolutions:
    absorbed, escaped = ends(name)
    escapes[name] = escaped
    print(
        f"{name:<17} bias {'yes' if layer_of[name].use_bias else 'no ':<4}"
        f"absorbed by {', '.join(sorted(absorbed))}"
        + (f"; escapes to {', '.join(escaped)}" if escaped else "")
    )

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
    f"""{passed}, and {biased} a bias. The complete table, one row per
layer with the layers each one takes:"""
)

# %%
print(layer_graph(model))

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
Markdown(
    f"""Mini-Xception is deeper (11 convolutions on its main path against 5)
and wider (512 channels at the end against 256), yet it has {fewer_params:.0%}
fewer parameters than the plain model and needs {fewer_macs:.0%} fewer
multiply-adds per photo. With regular convolutions in the same places it would
need {mini_costs[1] / mini_costs[0]:.1f} times the parameters and
{mini_costs[3] / mini_costs[2]:.1f} times the multiply-adds. (Batch
normalisation, pooling and additions are left out of the multiply-adds: they
cost a few operations per output value, a convolution tens to thousands.)"""
)

# %% [markdown]
#
# ## Training both models
#
# Both models saw the same 1,600 training photos (800 cats, 800 dogs) with the
# same augmentation (flips, ±10% rotation, ±20% zoom), batch 32, RMSprop at
# 10⁻³, 100 epochs, seed 1337, and kept the weights of the epoch with the best
# accuracy on the 400 validation photos. Each model's manifest records the
# run:

# %% tags=["collapse"]
manifests = {name: trained_manifest(name) for name in NAMES}
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
print(f"{'':<22}" + "".join(f"{name:>16}" for name in NAMES))
for label, get in fields:
    print(
        f"{label:<22}"
        + "".join(f"{get(manifests[n])!s:>16}" for n in NAMES)
    )

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


curves = {}
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
    epoch_seconds = (
        manifests[name]["wall_seconds"] / manifests[name]["epochs"]
    )
    last = val[-20:]
    curves[name] = {
        "best": val.max(),
        "best_epoch": int(val.argmax()) + 1,
        "first_80": first_smooth,
        "first_80_raw": first_raw,
        "after_raw": val[first_raw : first_raw + 5].min()
        if first_raw
        else None,
        "epoch_seconds": epoch_seconds,
        "minutes_80": first_smooth * epoch_seconds / 60
        if first_smooth
        else None,
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
    print(f"{name}:")
    print(
        f"  best validation accuracy {c['best']:.1%} at epoch {c['best_epoch']}"
    )
    print(
        f"  first reached 80%: epoch {c['first_80_raw']} (raw), epoch "
        f"{c['first_80']} ({SMOOTH}-epoch moving average), about "
        f"{c['minutes_80']:.0f} min at {c['epoch_seconds']:.1f} s per epoch"
    )
    print(
        f"  lowest of the 5 epochs after the raw first: {c['after_raw']:.1%}"
    )
    print(
        f"  last 20 epochs: training {train[-20:].min():.1%} to "
        f"{train[-20:].max():.1%}, validation {last.mean():.1%} "
        f"± {last.std():.1%}, lowest {last.min():.1%}"
    )
    print(
        f"  mean change from one epoch to the next, last 20: training "
        f"{100 * c['train_step']:.1f} pt, "
        f"validation {100 * c['val_step']:.1f} pt"
    )
    print(
        f"  validation loss: lowest {c['val_loss_best']:.2f} at epoch "
        f"{c['val_loss_best_epoch']}, mean of the last 20 "
        f"{c['val_loss_last']:.2f}"
    )

# %% tags=["prose"]
small_c, mini_c = curves["small_convnet"], curves["mini_xception"]


def pace(a: float, b: float, unit: str) -> str:
    """`a` against `b` in words: earlier, later or the same."""
    if a == b:
        return f"at the same {unit}"
    return f"{abs(a - b):.0f} {unit}s {'earlier' if a < b else 'later'}"


both_rise = all(
    c["val_loss_last"] > c["val_loss_best"] for c in (small_c, mini_c)
)
overfit = both_rise and all(
    c["train_last"].min() > c["val_mean"] for c in (small_c, mini_c)
)
overfitting = (
    "Both models then overfit"
    if overfit
    else "Whether they overfit is mixed"
)
if mini_c["val_step"] > small_c["val_step"]:
    jagged = f"""Mini-Xception's validation curve is the jagged one. A
plausible cause, not isolated here, is batch normalisation: at inference it
normalises with running averages of each channel's mean and variance, and
those lag behind weights that are still moving fast.

Two consequences. The checkpoint keeps the best of
{len(histories["mini_xception"]["val_accuracy"])} jagged epochs, and picking a
maximum over noisy scores on 400 photos flatters it (Mini-Xception:
{mini_c["best"]:.1%} on validation at epoch {mini_c["best_epoch"]}). And
stopping at an unlucky epoch could have cost up to
{100 * (mini_c["val_mean"] - mini_c["val_low"]):.1f} points against the
last 20 epochs' mean: keeping the best epoch matters more here than for the
plain model. The held-out photos below give the fair number."""
else:
    jagged = "The held-out photos below give the fair comparison."
Markdown(
    f"""When does each model reach 80% validation accuracy? One epoch's
score on 400 photos is noisy, so the curve is first smoothed with a
{SMOOTH}-epoch moving average (each epoch's score averaged with the four
before it). Smoothed, the plain model reaches 80% at epoch
{small_c["first_80"]} and Mini-Xception at epoch {mini_c["first_80"]}:
{pace(mini_c["first_80"], small_c["first_80"], "epoch")}. The raw curve would
say epoch {mini_c["first_80_raw"]} for Mini-Xception, but that is a single
epoch: within the next five its validation accuracy falls to
{mini_c["after_raw"]:.1%}. In time, the manifests record each run's total
wall time, so at each run's mean epoch ({small_c["epoch_seconds"]:.1f} s for
the plain model, {mini_c["epoch_seconds"]:.1f} s for Mini-Xception, on the
same two-core CPU) the smoothed 80% came after about
{small_c["minutes_80"]:.0f} minutes for the plain model and
{mini_c["minutes_80"]:.0f} for Mini-Xception:
{mini_c["minutes_80"] / small_c["minutes_80"]:.1f} times as long. (One run
each: these are observations, not a test.)

{overfitting}: over the last 20 epochs their training accuracy
stays at {small_c["train_last"].min():.0%}–{small_c["train_last"].max():.0%}
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
# ## On the 1,000 held-out photos
#
# The `validation/` folder of the dataset played no part in training or in
# choosing the epoch. `modern_convnets.evaluation.predict` runs a model over
# it in inference mode:

# %%
_, _, test = cats_vs_dogs()
predictions = {name: predict(load_trained(name), test) for name in NAMES}
for name, result in predictions.items():
    recorded = manifests[name]["test_accuracy"]
    print(
        f"{name:<15}{result.accuracy:.1%} of {result.labels.size:,} photos "
        f"(manifest: {recorded:.1%})"
    )

# %%
matrices = {
    name: confusion_matrix(result.labels, result.probabilities)
    for name, result in predictions.items()
}
plot_confusion_matrices(
    matrices,
    test.class_names,
    caption="Confusion matrices on the 1,000 held-out photos: counts and "
    "share of each true class",
)

# %% [markdown]
# Rows are the true class, columns the prediction: the top-right cell counts
# cats taken for dogs, the bottom-left dogs taken for cats.
#
# Is the difference between the two models real, or luck of these 1,000
# photos? Only the photos where the two models disagree carry information
# about which one is better. If both models were equally good, each such photo
# would be equally likely to favour either one, so the count in favour of one
# model follows a binomial distribution with p = ½ (McNemar's exact test):


# %%
def mcnemar(
    a_right: np.ndarray, b_right: np.ndarray
) -> tuple[int, int, float]:
    """Photos only model a gets right, only b, and McNemar's exact p-value."""
    only_a = int(np.sum(a_right & ~b_right))
    only_b = int(np.sum(b_right & ~a_right))
    n = only_a + only_b
    # P(a split at least this lopsided | each disagreement is a fair coin flip)
    tail = sum(math.comb(n, k) for k in range(min(only_a, only_b) + 1))
    return only_a, only_b, min(1.0, 2 * tail / 2**n)


right = {
    name: (r.probabilities > 0.5) == (r.labels == 1)
    for name, r in predictions.items()
}
only_mini, only_small, p_value = mcnemar(
    right["mini_xception"], right["small_convnet"]
)
n = only_mini + only_small
both = int(np.sum(right["mini_xception"] & right["small_convnet"]))
neither = int(np.sum(~right["mini_xception"] & ~right["small_convnet"]))
print(f"both right {both}, neither {neither}")
print(
    f"only mini_xception right {only_mini}, only small_convnet right "
    f"{only_small}"
)
print(f"two-sided p-value {p_value:.2g}")

# The same test within each true class: where does the difference sit?
labels = predictions["mini_xception"].labels
by_class = {}
for label, class_name in enumerate(test.class_names):
    mask = labels == label
    by_class[class_name] = mcnemar(
        right["mini_xception"][mask], right["small_convnet"][mask]
    )
    mini_only, small_only, p = by_class[class_name]
    print(
        f"{class_name}: only mini_xception right {mini_only}, only "
        f"small_convnet right {small_only}, p = {p:.2g}"
    )


# %% tags=["prose"]
def missed(name: str, true_class: int) -> float:
    """Share of one true class that a model gets wrong."""
    row = matrices[name][true_class]
    return row[1 - true_class] / row.sum()


def class_verdict(class_name: str) -> str:
    """Which model the photos of one class favour, and whether it is clear."""
    mini_only, small_only, p = by_class[class_name]
    if mini_only == small_only:
        side = "split evenly between the models"
    else:
        side = (
            "favour Mini-Xception"
            if mini_only > small_only
            else "favour the plain model"
        )
    clear = "a clear difference" if p < 0.05 else "no clear difference"
    return (
        f"on the {class_name}, {mini_only} disagreements go Mini-Xception's "
        f"way and {small_only} the plain model's ({side}; p = {p:.2g}, "
        f"{clear} at the 0.05 level)"
    )


accuracy = {name: r.accuracy for name, r in predictions.items()}
real = (
    "so chance alone would rarely produce it: Mini-Xception is the more "
    "accurate model on photos like these"
    if p_value < 0.05
    else "which is not rare enough (p ≥ 0.05) to rule out chance"
)
cat, dog = test.class_names
# errors the plain model makes on a class, less those Mini-Xception makes
gain = {c: by_class[c][0] - by_class[c][1] for c in (cat, dog)}


def fewer(count: int, class_name: str) -> str:
    """Mini-Xception's change in errors on one class, in words."""
    if count == 0:
        return f"as many mistakes on the {class_name}"
    word = "fewer" if count > 0 else "more"
    return f"{abs(count)} {word} mistakes on the {class_name}"


if gain[dog] <= 0 and gain[cat] <= 0:
    where = "Mini-Xception gains on neither class"
elif gain[dog] > 0 and gain[cat] <= 0:
    where = "All of the gain is on the dogs"
elif gain[cat] > 0 and gain[dog] <= 0:
    where = "All of the gain is on the cats"
else:
    where = "The gain is spread over both classes"
Markdown(
    f"""Mini-Xception is right on {accuracy["mini_xception"]:.1%} of the
held-out photos, the plain model on {accuracy["small_convnet"]:.1%}. The two
disagree on {n} photos; {only_mini} of them go Mini-Xception's way and
{only_small} the plain model's. Were the models equally good, a split at least
this lopsided would turn up with probability {p_value:.2g}, {real}.

The confusion matrices show where the difference sits. The plain model
misses {missed("small_convnet", 1):.1%} of the dogs and
{missed("small_convnet", 0):.1%} of the cats; Mini-Xception
{missed("mini_xception", 1):.1%} of the dogs and
{missed("mini_xception", 0):.1%} of the cats. The same test within each
class: {class_verdict(dog)}; {class_verdict(cat)}. {where}: against the
plain model, Mini-Xception makes {fewer(gain[dog], dog)} and
{fewer(gain[cat], cat)}."""
)

# %% [markdown]
# The book the lecture follows (Chollet, *Deep Learning with Python*, 2nd
# edition) reports 90.8% for this recipe, on a larger split (2,000 training
# photos and a 2,000-photo test set); here the model learns from 1,600 photos,
# keeps 400 aside to choose its epoch and is tested on the dataset's 1,000
# `validation/` photos, so the figures are not directly comparable.
#
# The photos Mini-Xception gets most confidently wrong, with its P(dog):


# %%
def shown_probability(p: float) -> str:
    """P(dog) to four decimals, without rounding 0.99996 up to 1.0000."""
    if p > 0.9999:
        return "> 0.9999"
    if p < 0.0001:
        return "< 0.0001"
    return f"{p:.4f}"


mini = predictions["mini_xception"]
wrong = np.flatnonzero((mini.probabilities > 0.5) != (mini.labels == 1))
worst = wrong[np.argsort(-np.abs(mini.probabilities[wrong] - 0.5))][:8]
image_grid(
    [read_photo(mini.file_paths[i]) for i in worst],
    ncols=4,
    cell_size=2.0,
    titles=[
        f"a {['cat', 'dog'][mini.labels[i]]}: P(dog) "
        f"{shown_probability(mini.probabilities[i])}"
        for i in worst
    ],
    caption="The eight held-out photos Mini-Xception misclassifies most "
    "confidently, with the true class and P(dog)",
)

# %% tags=["prose"]
shown = mini.probabilities[worst]
cats_p = shown[mini.labels[worst] == 0]
dogs_p = shown[mini.labels[worst] == 1]


def in_words(p: float) -> str:
    """A P(dog) for a sentence: 'above 0.9999', 'below 0.0001' or 0.1234."""
    text = shown_probability(p)
    return text.replace("> ", "above ").replace("< ", "below ")


sure = []
if cats_p.size:
    sure.append(
        f"P(dog) {in_words(cats_p.min())} for every cat"
        if cats_p.min() > 0.9999
        else f"P(dog) of at least {in_words(cats_p.min())} for the cats"
    )
if dogs_p.size:
    sure.append(
        f"P(dog) {in_words(dogs_p.max())} for every dog"
        if dogs_p.max() < 0.0001
        else f"P(dog) of at most {in_words(dogs_p.max())} for the dogs"
    )
least = np.maximum(shown, 1 - shown).min()  # its weakest wrong answer
Markdown(
    f"""Some are hard for reasons a person would see: a photo filed under cats
that also shows a puppy, a cat that is a small part of a photo of its owners,
several animals piled together. Others are plain mistakes. On every one of
the eight the model gives the wrong class a probability
{in_words(least) if least > 0.9999 else f"of at least {in_words(least)}"}:
{" and ".join(sure)}."""
)

# %% [markdown]
# ## How far to trust P(dog)
#
# The sigmoid output is the model's estimate of the probability that the
# photo shows a dog, and an estimate can be checked: of the photos given a
# P(dog) of about nine tenths, about nine in ten should be dogs. A reliability
# curve (calibration curve) groups the 1,000 held-out photos into ten bins of
# equal width in P(dog), from 0 to 1 in steps of a tenth, and plots each
# bin's share of dogs against its mean P(dog); a calibrated model lies on the
# diagonal. The
# expected calibration error (ECE) sums the gaps, each weighted by the share
# of photos in its bin:
# ECE = Σ<sub>bins</sub> (n<sub>bin</sub> / 1,000) × |share of dogs − mean P(dog)|.

# %%
BINS = np.linspace(0.0, 1.0, 11)  # ten bins of equal width in P(dog)


def reliability(probabilities: np.ndarray, labels: np.ndarray):
    """Photos, mean P(dog) and share of dogs per bin, and the ECE."""
    # bin 0 … 9; a P(dog) of exactly 1 goes in the last
    which = np.digitize(probabilities, BINS[1:-1])
    count = np.bincount(which, minlength=len(BINS) - 1)
    full = count > 0
    mean_p = (
        np.bincount(which, probabilities, len(BINS) - 1)[full] / count[full]
    )
    dogs = np.bincount(which, labels, len(BINS) - 1)[full] / count[full]
    ece = np.sum(count[full] / labels.size * np.abs(dogs - mean_p))
    return count[full], mean_p, dogs, ece


calibration = {}
print(
    f"{'':<15}{'ECE':>7}{'accuracy':>10}{'mean confidence':>17}"
    f"{'conf. > 99%':>13}{'right there':>13}"
)
for name, r in predictions.items():
    count, mean_p, dogs, ece = reliability(r.probabilities, r.labels)
    confident = np.maximum(r.probabilities, 1 - r.probabilities)
    sure_mask = confident > 0.99
    calibration[name] = {
        "count": count,
        "mean_p": mean_p,
        "dogs": dogs,
        "ece": ece,
        "confidence": confident.mean(),
        "sure": int(sure_mask.sum()),
        "sure_right": right[name][sure_mask].mean(),
    }
    c = calibration[name]
    print(
        f"{name:<15}{c['ece']:>7.3f}{r.accuracy:>10.1%}{c['confidence']:>17.1%}"
        f"{c['sure']:>13}{c['sure_right']:>13.1%}"
    )

# %% tags=["collapse"]
fig = Figure(figsize=(5.5, 5), layout="constrained")
ax = fig.add_subplot()
ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", label="calibrated")
for name, c in calibration.items():
    ax.plot(
        c["mean_p"],
        c["dogs"],
        marker="o",
        label=f"{name} (ECE {c['ece']:.3f})",
    )
ax.set_xlabel("mean P(dog) in the bin")
ax.set_ylabel("share of dogs in the bin")
ax.set_xlim(0, 1)
ax.set_ylim(0, 1)
ax.set_aspect("equal")
ax.grid(alpha=0.3)
ax.legend(loc="upper left")
fig.set_label(
    "Reliability curves on the 1,000 held-out photos: share of dogs against "
    "mean P(dog) in ten bins of equal width"
)
fig

# %% tags=["prose"]
mini_cal, small_cal = (
    calibration["mini_xception"],
    calibration["small_convnet"],
)


def trust(name: str) -> str:
    """A model's confidence against its accuracy, in words."""
    c, acc = calibration[name], accuracy[name]
    gap = 100 * (c["confidence"] - acc)
    side = "overconfident" if gap > 0 else "underconfident"
    return (
        f"{name} gives its chosen class a mean probability of "
        f"{c['confidence']:.1%} and is right on {acc:.1%} of the photos "
        f"({side} by {abs(gap):.1f} points; ECE {c['ece']:.3f}); of the "
        f"{c['sure']} photos it gives more than 99% confidence, it gets "
        f"{c['sure_right']:.1%} right"
    )


over = [
    name
    for name in NAMES
    if calibration[name]["confidence"] > accuracy[name]
]
if len(over) == len(NAMES):
    reading = (
        "Read as probabilities, both models' outputs claim more than they "
        "deliver"
    )
elif over:
    reading = (
        f"Read as probabilities, only {over[0]}'s outputs claim more than "
        "they deliver"
    )
else:
    reading = "Neither model claims more confidence than its accuracy backs"
repair = (
    "So P(dog) is a probability estimate, but an inflated one; rescaling the "
    "logits on held-out photos (temperature scaling, in the same paper) is "
    "the usual repair, not tried here."
    if over
    else ""
)
Markdown(
    f"""{reading}. {trust("mini_xception")}. The plain model:
{trust("small_convnet")}. Both models ended training with far more accuracy
on their training photos than on validation (over the last 20 epochs,
{small_c["train_last"].min():.0%}–{small_c["train_last"].max():.0%} against
{small_c["val_mean"]:.1%} for the plain model,
{mini_c["train_last"].min():.0%}–{mini_c["train_last"].max():.0%} against
{mini_c["val_mean"]:.1%} for Mini-Xception), and the binary cross-entropy
they minimise keeps pushing the training photos' outputs towards 0 and 1 after
they are classified correctly: the usual account of why such networks end up
overconfident (Guo et al., 2017, who measured it with this ECE).
{repair}"""
)

# %% [markdown]
# ## What residuals, batch normalisation and separable convolutions bought
#
# Put this page's numbers together. Against the plain convnet, trained on the
# same photos with the same recipe, Mini-Xception:

# %% tags=["prose"]
if p_value < 0.05:
    held_out = (
        f"is {'more' if only_mini > only_small else 'less'} accurate on photos "
        "it never saw"
    )
else:
    held_out = "is not measurably more accurate on photos it never saw"
Markdown(
    f"""- has {fewer_params:.0%} fewer parameters and needs {fewer_macs:.0%} fewer
  multiply-adds per photo, although it has more than twice the convolutions
  on its main path (11 against 5) and ends with twice the channels (512
  against 256): regular convolutions in place of its separable ones would
  cost {mini_costs[1] / mini_costs[0]:.1f} times the parameters;
- reaches 80% smoothed validation accuracy
  {pace(mini_c["first_80"], small_c["first_80"], "epoch")} (epoch
  {mini_c["first_80"]} against {small_c["first_80"]}), but each of its epochs
  took {mini_c["epoch_seconds"] / small_c["epoch_seconds"]:.1f} times as long
  on the same CPU: about {mini_c["minutes_80"]:.0f} minutes against
  {small_c["minutes_80"]:.0f};
- {held_out}: {accuracy["mini_xception"]:.1%} against
  {accuracy["small_convnet"]:.1%} (McNemar p = {p_value:.2g}), with
  {fewer(gain[dog], dog)} and {fewer(gain[cat], cat)};
- gives P(dog) values that are
  {"overconfident" if "mini_xception" in over else "not overconfident"}
  (mean confidence {mini_cal["confidence"]:.1%} against
  {accuracy["mini_xception"]:.1%} right; ECE {mini_cal["ece"]:.3f}, the plain
  model's {small_cal["ece"]:.3f});
- trains {"less" if mini_c["val_step"] > small_c["val_step"] else "no less"}
  smoothly: its validation accuracy moves by
  {100 * mini_c["val_step"]:.1f} points from one epoch to the next over the
  last 20 epochs, the plain model's by {100 * small_c["val_step"]:.1f}."""
)

# %% [markdown]
# What this comparison cannot say is which idea bought what. The two models
# differ in more than residual connections, batch normalisation and separable
# convolutions (depth, width, the 5 × 5 stem, global average pooling instead
# of `Flatten`), and each was trained once, with one seed. The earlier pages
# take the ideas one at a time:
# [Vanishing gradients, measured](../vanishing-gradients/) shows residual
# connections and batch normalisation keeping the gradient alive through a
# 30-layer stack, [Batch normalisation](../batch-normalisation/) what the layer
# computes, and [Depthwise separable convolutions](../separable-convolutions/)
# the arithmetic.

# %% [markdown]
# ## An ablation, with seeds
#
# Splitting the credit takes an ablation: the same network with each idea
# removed in turn, each trained several times from different random initial
# weights (seeds), so that the spread between seeds shows how much of a gap is
# luck. `modern_convnets.ablation` trains five variants with the shipped
# recipe (augmentation, RMSprop at 10⁻³, batches of 32, the same split, the
# best epoch kept): Mini-Xception; without its residual connections; without
# batch normalisation; with regular `Conv2D` in place of every
# `SeparableConv2D`, at the same widths; and the small convnet as the
# baseline. It runs resumably, one folder per variant and seed
# (`nox -s ablation -- train --image-size 80 --epochs 15` reruns the study
# below, each run scored on the held-out photos; `collect` then gathers the
# records), and its results ship with the package as one record per run:

# %%
runs = load_results()
scale = {(r["image_size"], r["epochs"], r["device"]) for r in runs}
assert len(scale) == 1, f"the runs do not share one scale: {scale}"
[(study_size, study_epochs, study_device)] = scale
seeds = sorted({r["seed"] for r in runs})
print(f"{len(runs)} runs: {len(VARIANTS)} variants × seeds {seeds}")
print(
    f"{study_size} × {study_size} photos, {study_epochs} epochs, on {study_device}"
)
print(
    f"{'variant':<14}{'seed':>5}{'best epoch':>12}{'validation':>12}{'held-out':>10}"
)
for r in runs:
    print(
        f"{r['variant']:<14}{r['seed']:>5}{r['best_epoch']:>12}"
        f"{r['val_accuracy']:>12.1%}{r['test_accuracy']:>10.1%}"
    )

# %%
full_hours = manifests["mini_xception"]["wall_seconds"] / 3600
study_hours = sum(r["wall_seconds"] for r in runs) / 3600
quiet_hours = (
    sum(r["fastest_epoch_seconds"] * r["epochs"] for r in runs) / 3600
)
print(f"one Mini-Xception run at full scale: {full_hours:.1f} h")
print(f"this study, as run: {study_hours:.1f} h")
print(f"this study, every epoch at its run's fastest: {quiet_hours:.1f} h")

# %% tags=["prose"]
reduced = {
    name: np.mean(
        [r["test_accuracy"] for r in runs if r["variant"] == name]
    )
    for name in NAMES
}
Markdown(
    f"""**This study is reduced.** The shipped models were trained on 180 × 180
photos for 100 epochs; at that scale one Mini-Xception run took
{full_hours:.1f} hours on this guide's two-core CPU, and {len(runs)} runs of
that length would take {len(runs) * full_hours:.0f} hours.
So every run here sees the photos at {study_size} ×
{study_size} pixels for {study_epochs} epochs, on {study_device}:
{study_hours:.1f} hours for all {len(runs)} runs as they happened, beside
other work on the same cores, or {quiet_hours:.1f} hours at each run's
fastest epoch. Smaller photos and shorter training cost accuracy: held out,
Mini-Xception averages {reduced["mini_xception"]:.1%} here against
{accuracy["mini_xception"]:.1%} at full scale, the small convnet
{reduced["small_convnet"]:.1%} against {accuracy["small_convnet"]:.1%}. What
the study measures is how the variants compare under the same reduced
recipe, not what any of them reaches at full scale."""
)

# %%
summary = summarise(runs)
costs = {
    variant: totals(build_variant(variant, (study_size, study_size, 3)))
    for variant in VARIANTS
}
quiet_minutes = {
    v: min(r["fastest_epoch_seconds"] for r in runs if r["variant"] == v)
    * study_epochs
    / 60
    for v in VARIANTS
}
print(
    f"{'variant':<14}{'parameters':>11}{'mult-adds':>11}"
    f"{'validation':>17}{'held-out':>17}{'min/run':>9}"
)
for row in summary:
    params, _, macs, _ = costs[row.variant]
    print(
        f"{row.variant:<14}{params:>11,}{macs / 1e6:>9.1f} M"
        f"{row.val_mean:>10.1%} ± {row.val_std:.1%}"
        f"{row.test_mean:>10.1%} ± {row.test_std:.1%}"
        f"{quiet_minutes[row.variant]:>9.1f}"
    )

# %% [markdown]
# Accuracies are mean ± sample standard deviation over the seeds; mult-adds
# are per photo at the study's size; minutes per run are epochs times the
# variant's fastest epoch, the cost of a run with the CPU to itself.

# %%
plot_runs(
    runs,
    labels=VARIANTS,
    caption=f"Every run of the ablation ({study_size} × {study_size} photos, "
    f"{study_epochs} epochs): best validation accuracy and held-out accuracy, "
    "one dot per seed, with each variant's mean ± standard deviation",
)

# %% [markdown]
# Is a gap between two variants more than luck of the seeds? Welch's t-test
# answers for two small samples with possibly different spreads: t is the gap
# between the means over its standard error, and the Welch–Satterthwaite
# formula gives the degrees of freedom of the t distribution to read the
# p-value from (two-sided). The test is run for each variant against
# Mini-Xception, on the best validation accuracy and on held-out accuracy.
# NumPy has no t distribution, so its tail comes from the regularised
# incomplete beta function, computed in the folded cell.


# %% tags=["collapse"]
def incomplete_beta(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b), by Lentz's continued fraction."""
    if x <= 0.0 or x >= 1.0:
        return float(x >= 1.0)
    if x > (a + 1) / (a + b + 2):  # the fraction converges fast only below
        return 1.0 - incomplete_beta(b, a, 1.0 - x)
    front = math.exp(
        math.lgamma(a + b)
        - math.lgamma(a)
        - math.lgamma(b)
        + a * math.log(x)
        + b * math.log1p(-x)
    )
    tiny = 1e-300
    f, c, d = 1.0, 1.0, 0.0
    for i in range(500):
        m = i // 2
        if i == 0:
            term = 1.0
        elif i % 2 == 0:
            term = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        else:
            term = (
                -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            )
        d = 1.0 + term * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + term / (c if abs(c) > tiny else tiny)
        f *= c * d
        if abs(1.0 - c * d) < 1e-15:
            break
    return front * (f - 1.0) / a


def t_two_sided(t: float, df: float) -> float:
    """P(|T| ≥ |t|) for Student's t with `df` degrees of freedom."""
    return incomplete_beta(df / 2, 0.5, df / (df + t * t))


# Checks against printed tables: t = 2.776 at 4 and 12.706 at 1 degree of
# freedom are the two-sided 5% points.
print(
    f"check: {t_two_sided(2.776445, 4):.4f} {t_two_sided(12.7062, 1):.4f} "
    "(both should be 0.0500)"
)


# %%
def welch(a: list[float], b: list[float]) -> tuple[float, float, float]:
    """Welch's t-test of mean(a) = mean(b): t, degrees of freedom, p."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    t = (a.mean() - b.mean()) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return t, df, t_two_sided(t, df)


def scores(variant: str, key: str) -> list[float]:
    """One variant's accuracies over its seeds, in %."""
    return [100 * r[key] for r in runs if r["variant"] == variant]


by_variant = {row.variant: row for row in summary}
full = by_variant["mini_xception"]
tests = {}  # (variant, key) -> (gap in points, t, df, p)
print(f"{'variant':<14}{'on':<12}{'gap':>9}{'t':>7}{'df':>6}{'p':>8}")
for variant in VARIANTS:
    if variant == "mini_xception":
        continue
    for key, label in (
        ("val_accuracy", "validation"),
        ("test_accuracy", "held-out"),
    ):
        other, reference = (
            scores(variant, key),
            scores("mini_xception", key),
        )
        t, df, p = welch(other, reference)
        gap = np.mean(other) - np.mean(reference)
        tests[variant, key] = (gap, t, df, p)
        print(
            f"{variant:<14}{label:<12}{gap:>+6.1f} pt{t:>7.2f}{df:>6.1f}"
            f"{p:>8.3f}"
        )

# The smallest gap this test can call at p < 0.05 with this many seeds a side
# and equal spreads (2 (n - 1) degrees of freedom), in standard deviations:
low, high = 0.0, 50.0
while high - low > 1e-6:
    middle = (low + high) / 2
    if t_two_sided(middle, 2 * (full.runs - 1)) > 0.05:
        low = middle
    else:
        high = middle
detectable = high * math.sqrt(2 / full.runs)
print(
    f"detectable gap, equal spreads: {detectable:.2f} standard deviations"
)


# %% tags=["prose"]
def verdict(variant: str, key: str) -> str:
    """One variant against Mini-Xception on one metric, from its Welch test."""
    gap, _, _, p = tests[variant, key]
    if p < 0.05:
        side = "higher" if gap > 0 else "lower"
        return f"{side} by {abs(gap):.1f} points (p = {p:.2g})"
    return f"{gap:+.1f} points, no difference the test can detect (p = {p:.2g})"


def line(variant: str) -> str:
    row = by_variant[variant]
    return (
        f"- **{VARIANTS[variant]}**: held out {row.test_mean:.1%} ± "
        f"{row.test_std:.1%}, {verdict(variant, 'test_accuracy')}; on "
        f"validation {row.val_mean:.1%} ± {row.val_std:.1%}, "
        f"{verdict(variant, 'val_accuracy')}."
    )


def named(key: str, sign: int) -> list[str]:
    """Variants whose gap on `key` is significant and has sign `sign`."""
    return [
        VARIANTS[v]
        for (v, k), (gap, _, _, p) in tests.items()
        if k == key and p < 0.05 and np.sign(gap) == sign
    ]


def listed(names: list[str]) -> str:
    return "; ".join(names) if names else "none"


others = [v for v in VARIANTS if v != "mini_xception"]
Markdown(
    f"""Against Mini-Xception's {full.test_mean:.1%} ± {full.test_std:.1%} held
out and {full.val_mean:.1%} ± {full.val_std:.1%} on validation (mean ±
standard deviation over {full.runs} seeds), each gap judged by Welch's t-test
at p < 0.05:

"""
    + "\n".join(line(v) for v in others)
    + f"""

Clearly lower than Mini-Xception on the held-out photos:
{listed(named("test_accuracy", -1))}; clearly higher:
{listed(named("test_accuracy", 1))}. On validation, clearly lower:
{listed(named("val_accuracy", -1))}; clearly higher:
{listed(named("val_accuracy", 1))}. Validation accuracy here is each run's
best epoch out of {study_epochs}, a maximum over noisy scores on 400 photos,
so where the two disagree the held-out photos, which chose nothing, are the
fairer judge.

Three seeds a side give the test little power: with equal spreads a gap has
to exceed {detectable:.1f} standard deviations to reach p < 0.05, and more
when the spreads differ. "No difference the test can detect" is therefore
not evidence that an ingredient does nothing; at this reduced scale, more
seeds would be needed to say that."""
)


# %% tags=["prose"]
def against_small() -> str:
    """Mini-Xception against the small convnet held out, from the test."""
    gap, _, _, p = tests["small_convnet", "test_accuracy"]
    if p >= 0.05:
        return "at this scale Mini-Xception is not measurably better"
    if gap < 0:
        return "even at this scale Mini-Xception is the better model"
    return "at this scale the small convnet is the better model"


small_gap = tests["small_convnet", "test_accuracy"]
no_res_val = tests["no_residual", "val_accuracy"]
no_res_test = tests["no_residual", "test_accuracy"]
if no_res_val[3] < 0.05:
    residual_val = (
        f"{'raised' if no_res_val[0] > 0 else 'lowered'} validation accuracy "
        f"by {abs(no_res_val[0]):.1f} points, a clear difference (p = "
        f"{no_res_val[3]:.2g})"
    )
else:
    residual_val = (
        f"changed validation accuracy by {no_res_val[0]:+.1f} points, which "
        f"the test cannot tell from luck (p = {no_res_val[3]:.2g})"
    )
Markdown(
    f"""Two results stand out. The small convnet, which has none of the three
ingredients, is {small_gap[0]:+.1f} points from Mini-Xception held out (p =
{small_gap[3]:.2g}): {against_small()}. And removing the residual connections
{residual_val}; held out, the gap is {no_res_test[0]:+.1f} points (p =
{no_res_test[3]:.2g}). A plausible reading, not tested here: five blocks on
{study_size} × {study_size} photos for {study_epochs} epochs make a shallow
network trained briefly, and residual connections earn their keep in deep
stacks ([Vanishing gradients, measured](../vanishing-gradients/) needs 30
layers to show it); separable convolutions are bought for their cost, the
parameters and multiply-adds in the table, not for accuracy. The full-scale
comparison is the one of the shipped models above; this study cannot say what
an ablation at that scale would show."""
)

# %% [markdown]
# Nor are the runs guaranteed bit-reproducible: the seed fixes the initial
# weights, the augmentation and the order of the photos, but the study does
# not switch on TensorFlow's op determinism, and its multithreaded CPU kernels
# may add up in a different order from one run to the next, so a rerun with
# the same seed may land near, not on, the same accuracy.

# %% [markdown]
# To train the listing above as here, compile it with
# `optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"]` and
# fit with batches of 32 photos.
#
# ## Summary

# %% tags=["prose"]
held_clear = [
    VARIANTS[v]
    for (v, k), (gap, _, _, p) in tests.items()
    if k == "test_accuracy" and p < 0.05
]
Markdown(
    f"""- Mini-Xception is a regular 5 × 5 stem, then five blocks of
  (BN → ReLU → separable convolution) × 2 and a max pooling, each wrapped in
  a residual connection with a strided 1 × 1 projection; then global average
  pooling, dropout and a sigmoid unit. {mini_costs[0]:,} parameters,
  {last_share:.0%} of them in the last block. No convolution needs a bias:
  each reaches a batch normalisation or the Dense layer only through
  operations that keep a per-channel constant a per-channel constant.
- `model_diagram` and `plot_diagram` draw a model without Graphviz;
  `layer_graph` lists every layer and what it takes.
- Separable convolutions make it cheap: regular convolutions in the same
  places would need {mini_costs[1] / mini_costs[0]:.1f} times the parameters
  and {mini_costs[3] / mini_costs[2]:.1f} times the multiply-adds; it has
  {mini_costs[0] / small_costs[0]:.2f} times the plain convnet's parameters
  and needs {mini_costs[2] / small_costs[2]:.2f} times its multiply-adds.
- On the same photos with the same recipe it reached
  {accuracy["mini_xception"]:.1%} on 1,000 held-out photos against the plain
  model's {accuracy["small_convnet"]:.1%} (McNemar p = {p_value:.2g});
  {where[0].lower() + where[1:]}. It reached 80% smoothed validation
  accuracy at epoch {mini_c["first_80"]} against {small_c["first_80"]}, but
  in {mini_c["minutes_80"]:.0f} minutes
  against {small_c["minutes_80"]:.0f}. Its validation accuracy is jagged, so
  keep the best epoch and judge on held-out photos; its P(dog) is a
  probability estimate, with an ECE of {mini_cal["ece"]:.3f} on the held-out
  photos.
- The ablation, at reduced scale ({study_size} × {study_size} photos,
  {study_epochs} epochs) and with {full.runs} seeds per variant, tested each
  variant against Mini-Xception with Welch's t-test; on held-out accuracy,
  clearly different at p < 0.05: {listed(held_clear)}. Three seeds detect
  only gaps of more than about {detectable:.1f} standard deviations."""
)

# %% [markdown]
# **Check yourself.** Questions on this page, with answers to unfold.

# %% tags=["prose"]
sep = model.get_layer("block5_sepconv2")
as_regular = 3 * 3 * 512 * 512
coin = np.full(labels.size, 0.5)  # P(dog) = 0.5 for every photo
coin_ece = reliability(coin, labels)[3]
coin_accuracy = np.mean((coin > 0.5) == (labels == 1))
Markdown(
    f"""1. `block5_sepconv2` takes 512 channels to 512 with a 3 × 3 kernel.
   How many parameters does it have, and how many would a regular `Conv2D`
   without bias have in its place?
2. Why would a bias in `block3_residual` change nothing the model can
   compute?
3. With {full.runs} seeds a side and equal spreads, how large must a gap
   between two variants be, in standard deviations, for Welch's test to give
   p < 0.05?
4. A model answers P(dog) = 0.5 for each of the {labels.size:,} held-out
   photos, half of them dogs. What are its ECE and its accuracy?

<details><summary>Answers</summary>
<ol>
<li>3 × 3 × 512 depthwise weights plus 512 × 512 pointwise ones:
{sep.count_params():,}; a regular convolution needs 3 × 3 × 512 × 512 =
{as_regular:,}, {as_regular / sep.count_params():.1f} times as many.</li>
<li>It would add one constant per channel; the addition in
<code>block3_add</code>
passes it on to the two layers that take the sum: block 4's first batch
normalisation, which subtracts each channel's mean and the constant with it,
and <code>block4_residual</code>, a 1 × 1 convolution, which turns it into another
per-channel constant for the batch normalisations further on (and, past the
last block, the Dense layer's bias) to take up.</li>
<li>More than {detectable:.2f} standard deviations: t must pass the 5% point
of the t distribution with {2 * (full.runs - 1)} degrees of freedom, and the
standard error of the gap is √(2 / {full.runs}) standard deviations.</li>
<li>All photos fall in one bin whose mean P(dog) is 0.5 and whose share of
dogs is 0.5, so its ECE is {coin_ece:.3f}: perfectly calibrated. Its
accuracy is {coin_accuracy:.1%} (0.5 is not above the threshold, so every
photo is called a cat). Calibration and accuracy are separate
questions.</li>
</ol>
</details>"""
)
