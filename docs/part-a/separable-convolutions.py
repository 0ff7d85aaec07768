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
# # Depthwise separable convolutions
#
# A regular convolution looks at space and channels at once: each of its filters
# spans f × f pixels of every input channel. A depthwise separable convolution
# splits that in two:
#
# 1. **depthwise**: one f × f filter per input channel, applied to that channel
#    alone;
# 2. **pointwise**: a 1 × 1 convolution that mixes the channels.
#
# It assumes that spatial patterns and cross-channel patterns can be learned
# separately (the hypothesis behind Xception: Chollet, 2017; the layer itself
# goes back to Sifre, 2014, and is the core of MobileNets: Howard et al.,
# 2017), and in exchange needs a fraction of the parameters and of the
# arithmetic. Less arithmetic is not the same as less time: how long a layer
# takes also depends on how well the hardware and its libraries run it.
#
# You will learn how to count parameters and multiply-adds, how the savings
# grow with the number of channels, what they buy in time on the machine that
# built this page, and why the first layer of Mini-Xception stays a regular
# convolution.

# %%
import math
import os
import platform
import time

import keras
import numpy as np
from IPython.display import Markdown
from modern_convnets import data, photos
from modern_convnets.ablation_results import load_results
from modern_convnets.arithmetic import (
    conv2d_multiply_adds,
    conv2d_params,
    layer_costs,
    separable_conv2d_multiply_adds,
    separable_conv2d_params,
)
from modern_convnets.models import mini_xception, small_convnet
from modern_convnets.separable_diagram import (
    compare_convolutions,
    plot_separable_vs_regular,
)
from modern_convnets.shipped import trained_manifest
from modern_convnets.variants import build_variant

# %% [markdown]
# ## Counting parameters
#
# The small example: 3 output filters, 3 × 3 kernels, 5 input channels.
#
# - depthwise: 5 filters of 3 × 3, plus 5 biases: 5 × (3 × 3) + 5 = 50;
# - pointwise: 5 × 1 × 1 × 3 weights plus 3 biases = 18;
# - in all 68. Keras's `SeparableConv2D` has no depthwise bias, so it counts 63.

# %%
layer = keras.layers.SeparableConv2D(3, 3)
layer.build((None, 9, 9, 5))
print(
    "with both biases:",
    separable_conv2d_params(3, 5, 3, depthwise_bias=True),
)
print("as in Keras:     ", separable_conv2d_params(3, 5, 3))
print("Keras counts:    ", layer.count_params())

# %% [markdown]
# ## The two steps, drawn
#
# The same layer beside a regular `Conv2D(3, 3)` built for the same 9 × 9 × 5
# input, drawn from the two layers' own kernels (`depthwise_kernel`,
# `pointwise_kernel`, `kernel`) and `count_params()`. Every input channel,
# filter and output map is a square, one grid cell per pixel; each input
# channel keeps its colour until a filter mixes the channels, and mixed maps
# are grey. Without padding, a 3 × 3 filter fits 7 × 7 times in 9 × 9.

# %%
regular_layer = keras.layers.Conv2D(3, 3)
regular_layer.build((None, 9, 9, 5))
example = compare_convolutions(layer, regular_layer, (9, 9, 5))
plot_separable_vs_regular(example)

# %% tags=["prose"]
f_h, f_w, c_in, c_out = example.regular.kernel_shape
Markdown(
    f"""Each of the regular convolution's {c_out} filters spans all {c_in}
input channels, so one filter filters space and mixes channels at once, and
its kernel holds {f_h} × {f_w} × {c_in} × {c_out} =
{example.regular.weights:,} weights. The depthwise step gives each channel
its own {f_h} × {f_w} filter and keeps the channels apart:
{example.depthwise.filter_count} maps from {example.depthwise.weights:,}
weights. Only the pointwise step mixes channels, with
{example.pointwise.filter_count} filters of 1 × 1 × {c_in}:
{example.pointwise.weights:,} weights. Together the regular kernel's weights
are a product, {f_h} × {f_w} × {c_in} × {c_out}; apart they are a sum,
{f_h} × {f_w} × {c_in} + {c_in} × {c_out}."""
)

# %% [markdown]
# ## In a model
#
# The lecture's line, `SeparableConv2D(64, 3, activation="relu",
# padding="same")`, here on 32 feature maps of 88 × 88, what the first
# separable layer of Mini-Xception's second block receives (checked against
# the model below), in plain Keras:

# %% tags=["copy"]
import keras
from keras import layers

inputs = keras.Input(shape=(88, 88, 32))
x = layers.SeparableConv2D(64, 3, activation="relu", padding="same")(inputs)
model = keras.Model(inputs, x)
model.summary()
depthwise, pointwise, bias = model.layers[-1].get_weights()
for name, weights in [
    ("depthwise", depthwise),
    ("pointwise", pointwise),
    ("bias", bias),
]:
    print(f"{name:<10} {weights.shape}: {weights.size:,} weights")

# %% [markdown]
# The shapes are Mini-Xception's: its `block2_sepconv1` takes the same input
# and gives the same output. (It has no bias and no activation of its own:
# batch normalisation and ReLU come before it, see
# [Batch normalisation](../batch-normalisation/).)

# %%
mini = mini_xception()
block2 = mini.get_layer("block2_sepconv1")
print("block2_sepconv1:", block2.input.shape, "->", block2.output.shape)
assert block2.input.shape[1:] == model.input.shape[1:]
assert block2.output.shape[1:] == model.output.shape[1:]

# %% [markdown]
# One 3 × 3 filter for each of the 32 channels (288 weights), a 1 × 1
# convolution from 32 to 64 channels (2,048) and 64 biases. The package's
# formula agrees; a regular convolution in the same place would need more, by
# the ratio printed:

# %%
separable = separable_conv2d_params(3, 32, 64)
regular = conv2d_params(3, 32, 64)
print(f"formula: {separable:,}; regular Conv2D: {regular:,}")
print(f"regular / separable: {regular / separable:.1f}")

# %% [markdown]
# ## Standard versus separable, as channels grow
#
# Parameters are what a layer stores; multiply-adds are what it computes. A
# *multiply-add* is one multiplication and one addition, the unit of a
# convolution's arithmetic: a regular f × f convolution does f × f × C<sub>in</sub>
# of them for each output value, and there are H × W × C<sub>out</sub> output
# values. For a 3 × 3 layer with as many output channels as input channels,
# without biases, at the height and width of Mini-Xception's second block
# (read from the model):

# %%
size = block2.output.shape[1]
print(f"output: {size} × {size}")
header = ("channels", "parameters", "multiply-adds (millions)", "ratio")
print(f"{header[0]:>8} | {header[1]:>21} | {header[2]:>26} | {header[3]}")
kinds = f"{'standard':>10} {'separable':>10} | {'standard':>12} {'separable':>13}"
print(f"{'':>8} | {kinds} |")
for c in [32, 64, 128, 256, 512]:
    standard = conv2d_params(3, c, c, use_bias=False)
    separable = separable_conv2d_params(3, c, c, pointwise_bias=False)
    keras_layer = keras.layers.SeparableConv2D(c, 3, use_bias=False)
    keras_layer.build((None, size, size, c))
    assert keras_layer.count_params() == separable
    macs_std = conv2d_multiply_adds(size, 3, c, c) / 1e6
    macs_sep = separable_conv2d_multiply_adds(size, 3, c, c) / 1e6
    print(
        f"{c:>8} | {standard:>10,} {separable:>10,} | {macs_std:>12,.1f} "
        f"{macs_sep:>13,.1f} | {separable / standard:.1%}"
    )

# %% tags=["prose"]
widest = 512
ratio_widest = separable_conv2d_multiply_adds(
    size, 3, widest, widest
) / conv2d_multiply_adds(size, 3, widest, widest)
Markdown(
    f"""The ratio is 1/C<sub>out</sub> + 1/(f × f), the same for parameters
and for multiply-adds (biases left out), whatever the height and width: at
{widest} channels a separable layer needs {ratio_widest:.1%} of the
parameters and multiply-adds of a regular one, and as channels grow its cost
approaches 1/9 of a regular convolution's for 3 × 3 kernels."""
)

# %% [markdown]
# The savings add up over a model. Mini-Xception has more convolutions than
# the plain convnet of [A small convnet](../small-convnet/), and ends wider:

# %%
small = small_convnet()
fewer = 1 - mini.count_params() / small.count_params()
for built in (mini, small):
    convs = [
        layer
        for layer in built.layers
        if isinstance(
            layer, keras.layers.Conv2D | keras.layers.SeparableConv2D
        )
        and layer.kernel_size != (1, 1)
    ]
    print(
        f"{built.name:<14} {built.count_params():>9,} parameters, "
        f"{len(convs):>2} convolutions larger than 1 × 1, "
        f"widest {max(layer.filters for layer in convs)} channels"
    )
print(f"mini_xception: {abs(fewer):.0%} {'fewer' if fewer > 0 else 'more'}")

# %% tags=["prose"]
regular_mini = build_variant("regular_conv", mini.input.shape[1:])
Markdown(
    f"""{"Yet Mini-Xception has" if fewer > 0 else "Mini-Xception has"}
{abs(fewer):.0%} {"fewer" if fewer > 0 else "more"} parameters than the
plain model, so {
        "fewer" if fewer > 0 else "more"
    } weights to fit to the same
training photos. The like-for-like comparison is Mini-Xception with regular
convolutions in place of its separable ones: {regular_mini.count_params():,}
parameters against {mini.count_params():,}, {
        regular_mini.count_params()
        / mini.count_params():.1f} times as many."""
)

# %% [markdown]
# ## Multiply-adds are not time
#
# A multiply-add count is arithmetic, not time. The guide's own training runs
# show the difference, in two comparisons of different strength. Each shipped
# model's manifest records the wall time of its one training run (validation
# and checkpoints included, on a machine that may have been running other
# work), from which we take the mean time per epoch. The
# [ablation study](../what-each-ingredient-buys/#an-ablation-with-seeds) of
# Mini-Xception is the controlled
# comparison: the same model with separable and with regular convolutions,
# three seeds each, recording the fastest epoch of every run:


# %% tags=["collapse"]
def multiply_adds(built):
    """Multiply-adds per photo of a model's convolutions and dense layers."""
    return sum(cost.multiply_adds for cost in layer_costs(built))


def values_written(built, fused_activations=False):
    """Values per photo that the model's layers write, intermediates included.

    One count per Keras layer; with `fused_activations`, a layer's own
    activation (`Conv2D(..., activation="relu")`) counts as a second write.
    """
    total = 0
    for layer in built.layers[1:]:  # the input layer writes nothing
        size = int(np.prod(layer.output.shape[1:]))
        total += size
        if isinstance(layer, keras.layers.SeparableConv2D):
            total += int(np.prod(layer.input.shape[1:]))  # depthwise output
        activation = getattr(layer, "activation", None)
        linear = (None, keras.activations.linear)
        if fused_activations and activation not in linear:
            total += size
    return total


epoch_seconds = {}
for built in (small, mini):
    manifest = trained_manifest(built.name)
    epoch_seconds[built.name] = (
        manifest["wall_seconds"] / manifest["epochs"]
    )
print(f"{'':<16}{'mult-adds':>12}{'values':>12}{'s / epoch':>11}")
for built in (small, mini):
    print(
        f"{built.name:<16}{multiply_adds(built) / 1e6:>10.0f} M"
        f"{values_written(built) / 1e6:>10.1f} M"
        f"{epoch_seconds[built.name]:>11.1f}"
    )

runs = load_results()
[study_size] = {run["image_size"] for run in runs}
fastest = {
    variant: min(
        run["fastest_epoch_seconds"]
        for run in runs
        if run["variant"] == variant
    )
    for variant in ("mini_xception", "regular_conv")
}
study_macs = {
    variant: multiply_adds(
        build_variant(variant, (study_size, study_size, 3))
    )
    for variant in fastest
}
fewer_macs = 1 - multiply_adds(mini) / multiply_adds(small)
slower = epoch_seconds["mini_xception"] / epoch_seconds["small_convnet"]
more_values = values_written(mini) / values_written(small)
more_values_fused = values_written(mini, True) / values_written(small, True)
print("\nmini_xception / small_convnet:")
print(
    f"  {multiply_adds(mini) / multiply_adds(small):.2f} × the multiply-adds "
    f"({abs(fewer_macs):.0%} {'fewer' if fewer_macs > 0 else 'more'})"
)
print(
    f"  {more_values:.1f} × the values, {slower:.1f} × the time per epoch"
)
print(f"\nablation, {study_size} × {study_size} photos:")
for variant in fastest:
    print(
        f"{variant:<16}{study_macs[variant] / 1e6:>10.1f} M"
        f"{'':>12}{fastest[variant]:>11.1f}"
    )
macs_ratio = study_macs["regular_conv"] / study_macs["mini_xception"]
# Only the separable layers change; the stem, the 1 × 1 shortcuts and the
# dense layer are the same in both variants.
replaced = [
    cost
    for cost in layer_costs(
        build_variant("mini_xception", (study_size, study_size, 3))
    )
    if cost.kind == "SeparableConv2D"
]
replaced_ratio = sum(c.regular_multiply_adds for c in replaced) / sum(
    c.multiply_adds for c in replaced
)
epoch_ratio = fastest["regular_conv"] / fastest["mini_xception"]
print("regular_conv / mini_xception:")
print(
    f"  {macs_ratio:.1f} × the multiply-adds, "
    f"{epoch_ratio:.1f} × the fastest epoch"
)
print(
    f"  {replaced_ratio:.1f} × the multiply-adds in the replaced layers alone"
)
cores = trained_manifest("mini_xception")["hardware"]["cpu_count"]

# %% tags=["prose"]
Markdown(
    f"""The controlled comparison first. In the ablation, regular convolutions
in Mini-Xception's places give the whole model {macs_ratio:.1f} times the
multiply-adds ({replaced_ratio:.1f} times in the replaced layers alone), but
their fastest epoch took {epoch_ratio:.1f} times as long as the separable
model's, not {macs_ratio:.1f}: {
        "the separable convolutions did save time on this CPU, less than "
        "their share of arithmetic"
        if epoch_ratio > 1
        else "the separable convolutions saved no time on this CPU"
    }. The uncontrolled one: Mini-Xception needs {abs(fewer_macs):.0%}
{"fewer" if fewer_macs > 0 else "more"} multiply-adds per photo than the
small convnet, yet its mean epoch took {slower:.1f} times as long (one run
each). The two models differ in depth, batch normalisation, residual
connections and the number of layers, so this ratio says nothing about the
type of convolution alone.

Three things that a multiply-add count leaves out can account for the gaps.
First, fixed costs: both variants of the ablation share the stem, the
shortcuts, batch normalisation, ReLU, pooling, the validation pass, saving a
checkpoint each epoch and Python's overhead per step, so even if every
multiply-add cost the same, the time ratio would stay below the
multiply-add ratio (Amdahl's law). Second, memory: a layer must read its
input and write its output, and batch normalisation, ReLU, pooling and
additions do little arithmetic but each writes a full set of feature maps.
Counting the values that every Keras layer writes per photo (the "values"
column, with each separable layer's intermediate depthwise output),
Mini-Xception writes {more_values:.1f} times as many as the small convnet,
or {more_values_fused:.1f} times if the small convnet's ReLU, fused into its
convolutions, counts as a write of its own: a rough proxy for memory
traffic, not a measurement of it. For each value it writes, a depthwise
filter does f × f multiply-adds, a regular convolution f × f ×
C<sub>in</sub>, so the depthwise step is more often limited by memory than
by arithmetic. Third, software: how well each operation's kernel is
optimised differs between libraries and processors (Chollet, 2021, *Deep
Learning with Python*, 2nd edition, chapter 9, makes this point for
depthwise convolutions on GPUs). The measurement below compares single
layers on the CPU that built this page."""
)

# %% [markdown]
# ### Measured here: one layer, two ways
#
# The same comparison at the scale of one layer: a `SeparableConv2D` and a
# `Conv2D` with the same input, width and 3 × 3 kernel, at two places of
# Mini-Xception (a narrow layer on large maps, a wide one on small maps), on a
# batch of 8. Each is timed for a training step (`train_on_batch`: forward,
# backward and the weight update) and for inference on the batch, after one
# untimed call of each. The repeats are interleaved, so that whatever else the
# machine is doing slows both kinds more nearly alike, and each repeat is a paired
# comparison; the table gives each minimum, the spread (slowest minus fastest
# repeat), and a sign test over the pairs. These times belong to the machine
# that built this page, printed below: another processor, or a GPU, gives
# other ratios.


# %% tags=["collapse"]
def one_layer(kind, layer):
    """A model of one 3 × 3 layer, regular or separable, shaped like `layer`."""
    inputs = keras.Input(layer.input.shape[1:])
    conv = {
        "separable": keras.layers.SeparableConv2D,
        "regular": keras.layers.Conv2D,
    }
    outputs = conv[kind](layer.filters, 3, padding="same", use_bias=False)(
        inputs
    )
    built = keras.Model(inputs, outputs)
    built.compile(optimizer="rmsprop", loss="mse")
    return built


keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
places = ["block1_sepconv1", "block4_sepconv2"]
batch, repeats = 8, 6
timings = {}  # (place, kind, "train" or "infer") -> seconds per repeat
for place in places:
    layer = mini.get_layer(place)
    x = rng.normal(size=(batch, *layer.input.shape[1:])).astype("float32")
    y = np.zeros((batch, *layer.output.shape[1:]), "float32")
    built = {
        kind: one_layer(kind, layer) for kind in ("regular", "separable")
    }
    for m in built.values():  # the untimed first calls
        m.train_on_batch(x, y)
        m.predict_on_batch(x)
    for _ in range(repeats):
        for kind, m in built.items():
            start = time.perf_counter()
            m.train_on_batch(x, y)
            middle = time.perf_counter()
            m.predict_on_batch(x)
            end = time.perf_counter()
            timings.setdefault((place, kind, "train"), []).append(
                middle - start
            )
            timings.setdefault((place, kind, "infer"), []).append(
                end - middle
            )

print(
    f"{platform.machine()}, {os.cpu_count()} CPU cores, Keras {keras.__version__}"
)
print(
    f"batch of {batch}, {repeats} repeats; milliseconds, minimum (spread)"
)


def multiply_add_ratio(place):
    """Regular over separable multiply-adds at one place of Mini-Xception."""
    layer = mini.get_layer(place)
    shape = (
        layer.output.shape[1:3],
        3,
        layer.input.shape[-1],
        layer.filters,
    )
    return conv2d_multiply_adds(*shape) / separable_conv2d_multiply_adds(
        *shape
    )


def time_ratio(place, mode):
    """Regular over separable time (fastest repeats) at one place and mode."""
    return min(timings[place, "regular", mode]) / min(
        timings[place, "separable", mode]
    )


def sign_test(place, mode):
    """Repeats where the separable layer was faster, and the two-sided p-value.

    Each repeat timed both layers back to back, so each is one paired
    comparison; with no real difference either could win, as with a coin.
    """
    wins = sum(
        s < r
        for s, r in zip(
            timings[place, "separable", mode],
            timings[place, "regular", mode],
            strict=True,
        )
    )
    tail = min(wins, repeats - wins)
    p = 2 * sum(math.comb(repeats, k) for k in range(tail + 1)) / 2**repeats
    return wins, min(p, 1.0)


print(f"{'':<9}{'regular':>16}{'separable':>16}{'ratio':>8}")
for place in places:
    layer = mini.get_layer(place)
    h, w, c_in = layer.input.shape[1:]
    print(
        f"{place}, {h}×{w}, {c_in}→{layer.filters}: "
        f"{multiply_add_ratio(place):.1f}× fewer multiply-adds"
    )
    for mode in ("train", "infer"):
        cells = ""
        for kind in ("regular", "separable"):
            t = np.array(timings[place, kind, mode]) * 1e3
            cells += f"{t.min():>8.1f} ({np.ptp(t):>5.1f})"
        print(f"  {mode:<7}{cells}{time_ratio(place, mode):>7.1f}×")
    for mode in ("train", "infer"):
        wins, p = sign_test(place, mode)
        print(
            f"  {mode:<7}separable faster in {wins}/{repeats} repeats, "
            f"p = {p:.2g}"
        )
print("a difference counts where p < 0.05")


# %% tags=["prose"]
def verdict(place, mode):
    """The measured comparison of one place and mode, in words."""
    wins, p = sign_test(place, mode)
    what = "a training step" if mode == "train" else "inference"
    counted = f"faster in {wins} of {repeats} repeats, p = {p:.2g}"
    if p >= 0.05:
        return f"for {what}, no measurable difference ({counted})"
    ratio = time_ratio(place, mode)
    if wins > repeats / 2:
        return (
            f"for {what}, the separable layer was {ratio:.1f} times faster "
            f"({counted})"
        )
    return (
        f"for {what}, the separable layer was {1 / ratio:.1f} times slower "
        f"({counted})"
    )


sentences = []
for place in places:
    layer = mini.get_layer(place)
    h, w, c_in = layer.input.shape[1:]
    sentences.append(
        f"- `{place}` ({h} × {w}, {c_in} → {layer.filters} channels, "
        f"{multiply_add_ratio(place):.1f} times fewer multiply-adds): "
        f"{verdict(place, 'train')}; {verdict(place, 'infer')}."
    )
cases = [(p, m) for p in places for m in ("train", "infer")]
faster = [
    (p, m)
    for p, m in cases
    if sign_test(p, m)[1] < 0.05 and sign_test(p, m)[0] > repeats / 2
]
dearer = [  # each separable multiply-add took longer than a regular one
    f"`{p}`, {'a training step' if m == 'train' else 'inference'} "
    f"({time_ratio(p, m):.1f} times less time for "
    f"{multiply_add_ratio(p):.1f} times fewer multiply-adds)"
    for p, m in cases
    if time_ratio(p, m) < multiply_add_ratio(p)
]
Markdown(
    "A difference counts when a two-sided sign test over the paired repeats "
    f"gives p < 0.05 (with {repeats} repeats, only when one layer wins all "
    f"{repeats}); its size is the ratio of the two fastest repeats.\n\n"
    + "\n".join(sentences)
    + "\n\n"
    + (
        (
            f"In all {len(cases)}"
            if len(dearer) == len(cases)
            else f"In {len(dearer)} of the {len(cases)}"
        )
        + " comparisons the separable "
        "layer saved less time than its share of arithmetic (comparing the "
        "fastest repeats): " + "; ".join(dearer) + ". Work common to both "
        "layers in each timed call (copying the batch in and out, the loss, "
        "dispatch) and, for a training step, the separable layer's extra "
        "backward pass through its pointwise step to reach the depthwise "
        "kernel partly explain this. "
        if dearer
        else "In none of the comparisons did the separable layer save less "
        "time than arithmetic. "
    )
    + "The separable layer was measurably faster in "
    + (
        f"all {len(cases)}"
        if len(faster) == len(cases)
        else f"{len(faster)} of the {len(cases)}"
    )
    + " comparisons on this machine. The whole-model comparison "
    "above is a different one: Mini-Xception has more layers than the small "
    "convnet, and writes more values per photo (the values column)."
)

# %% [markdown]
# ### Measured here: one depthwise step, three implementations
#
# The library matters as much as the arithmetic. The depthwise step of a
# separable convolution (one 3 × 3 filter per channel) is a grouped
# convolution, one group per channel, and libraries implement it with very
# different care. Here the same depthwise step, on the shape of
# Mini-Xception's `block1_sepconv1` (a batch of 8), three ways: TensorFlow's
# `tf.nn.depthwise_conv2d` (the depthwise kernel that Keras's
# `SeparableConv2D` runs on TensorFlow, through `tf.nn.separable_conv2d`);
# XLA's grouped convolution (`jax.lax.conv_general_dilated` with one group
# per channel), which Keras calls on JAX; and the same arithmetic written as
# nine shifted multiply-adds, one per kernel position, compiled by the same
# XLA. All three compute the same values with the same multiply-adds; each
# is compiled (`tf.function`, `jax.jit`) and timed forward and for the
# gradient with respect to its input, which backpropagation through the
# layer computes, interleaved as above. Training also needs the gradient
# with respect to the kernel, which is left out here:
# `benchmarks/jax_depthwise.py` in the repository measures it (there the
# shifted form does not close the gap), more shapes and XLA's settings.

# %% tags=["collapse"]
import jax
import jax.numpy as jnp
import tensorflow as tf

layer = mini.get_layer("block1_sepconv1")
height, width, channels = layer.input.shape[1:]
x = rng.normal(size=(batch, height, width, channels)).astype("float32")
kernel = rng.normal(size=(3, 3, channels)).astype("float32")
cotangent = rng.normal(size=x.shape).astype("float32")  # weighs the output


def xla_grouped(x, kernel):
    return jax.lax.conv_general_dilated(
        x,
        kernel[:, :, None, :],  # height, width, 1 input, one per channel
        window_strides=(1, 1),
        padding="SAME",
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
        feature_group_count=channels,
    )


def xla_shifted(x, kernel):
    padded = jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    return sum(
        padded[:, i : i + height, j : j + width, :] * kernel[i, j]
        for i in range(3)
        for j in range(3)
    )


def tf_depthwise(x, kernel):
    return tf.nn.depthwise_conv2d(
        x, kernel[:, :, :, None], strides=(1, 1, 1, 1), padding="SAME"
    )


def jax_input_gradient(f):
    return jax.jit(jax.grad(lambda x, k: jnp.sum(f(x, k) * cotangent)))


@tf.function
def tf_input_gradient(x, kernel):
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(tf_depthwise(x, kernel) * cotangent)
    return tape.gradient(total, x)


implementations = {
    "TensorFlow": (
        tf.function(tf_depthwise),
        tf_input_gradient,
        tf.constant,
    ),
    "XLA, grouped": (
        jax.jit(xla_grouped),
        jax_input_gradient(xla_grouped),
        jnp.asarray,
    ),
    "XLA, shifted": (
        jax.jit(xla_shifted),
        jax_input_gradient(xla_shifted),
        jnp.asarray,
    ),
}
depthwise_times = {}  # (implementation, pass) -> seconds per repeat
depthwise_results = {}
for name, (forward, backward, to_array) in implementations.items():
    args = (to_array(x), to_array(kernel))
    depthwise_results[name] = [  # the first calls compile; untimed
        np.asarray(forward(*args)),
        np.asarray(backward(*args)),
    ]
for _ in range(repeats):
    for name, (forward, backward, to_array) in implementations.items():
        args = (to_array(x), to_array(kernel))
        for mode, f in (("forward", forward), ("input gradient", backward)):
            start = time.perf_counter()
            np.asarray(f(*args))  # waits for the result
            depthwise_times.setdefault((name, mode), []).append(
                time.perf_counter() - start
            )
depthwise_gap = max(
    np.abs(a - b).max() / np.abs(a).max()
    for name in implementations
    for a, b in zip(
        depthwise_results["TensorFlow"],
        depthwise_results[name],
        strict=True,
    )
)
print(
    f"{layer.name}: {batch} × {height} × {width} × {channels}, "
    f"{batch * height * width * channels * 9 / 1e6:.1f} M multiply-adds "
    "forward"
)
print(
    f"{'':<14}{'forward':>16}{'input gradient':>18}   ms, minimum (spread)"
)
for name in implementations:
    cells = ""
    for mode in ("forward", "input gradient"):
        t = np.array(depthwise_times[name, mode]) * 1e3
        cells += f"{t.min():>10.1f} ({np.ptp(t):>5.1f})"
    print(f"{name:<14}{cells}")
print(f"largest difference from TensorFlow, relative: {depthwise_gap:.1e}")

# %% tags=["prose"]
fastest = {
    mode: min(min(depthwise_times[n, mode]) for n in implementations)
    for mode in ("forward", "input gradient")
}


def depthwise_ratio(name, mode):
    """How many times the fastest implementation's time `name` took."""
    return min(depthwise_times[name, mode]) / fastest[mode]


grouped = [depthwise_ratio("XLA, grouped", m) for m in fastest]
shifted = [depthwise_ratio("XLA, shifted", m) for m in fastest]
# Paired repeats: in how many was the shifted form faster than the grouped?
shifted_wins = sum(
    s < g
    for mode in fastest
    for s, g in zip(
        depthwise_times["XLA, shifted", mode],
        depthwise_times["XLA, grouped", mode],
        strict=True,
    )
)
pairs_timed = 2 * repeats
tail = min(shifted_wins, pairs_timed - shifted_wins)
sign_p = min(
    1.0,
    2
    * sum(math.comb(pairs_timed, k) for k in range(tail + 1))
    / 2**pairs_timed,
)
if min(grouped) > 2 and max(shifted) < min(grouped) / 2 and sign_p < 0.05:
    depthwise_text = (
        f"XLA's grouped convolution took {min(grouped):.0f} to "
        f"{max(grouped):.0f} times the fastest implementation's time (the "
        f"shifted form was faster in {shifted_wins} of {pairs_timed} paired "
        f"repeats, sign test p = {sign_p:.2g}), and "
        "the shifted multiply-adds, compiled by the same XLA, "
        f"{min(shifted):.1f} to {max(shifted):.1f} times: the same "
        "arithmetic, and the cost decided by how the library carries it out. "
        "The repository's `benchmarks/README.md` finds it the main cause of "
        "Keras on JAX taking longer than on TensorFlow for filter ascent and "
        "Grad-CAM on this guide's separable models on a CPU."
    )
else:
    depthwise_text = (
        f"On this machine XLA's grouped convolution took {min(grouped):.1f} "
        f"to {max(grouped):.1f} times the fastest implementation's time and "
        f"the shifted multiply-adds {min(shifted):.1f} to "
        f"{max(shifted):.1f} times."
    )
Markdown(
    f"""The three agree to {depthwise_gap:.0e} of each result's largest
value: float32 sums in another order. {depthwise_text}"""
)

# %% tags=["prose"]
Markdown(
    f"""So what separable convolutions make cheaper is the parameters (what
the model stores and must learn) and the arithmetic (what it computes);
whether they also make a model faster depends on the machine, the library
and the rest of the model. On this guide's CPU, swapping Mini-Xception's
separable convolutions for regular ones made its fastest epoch {
        f"{epoch_ratio:.1f} times slower"
        if epoch_ratio > 1
        else f"{1 / epoch_ratio:.1f} times faster"
    }, against {macs_ratio:.1f} times the multiply-adds."""
)

# %% [markdown]
# ## Why the first layer stays a regular convolution
#
# Separating space from channels is a good bet when channels carry largely
# independent information. The red, green and blue channels of a photo do not:
# where one is bright, the others mostly are too. Measured over the pixels of
# 200 training photos:

# %%
root = data.find_dataset()
train, _, _ = data.split_files(root, seed=1337)
rng = np.random.default_rng(0)
chosen = rng.choice(len(train.paths), size=200, replace=False)
pixels = np.concatenate(
    [photos.read_photo(train.paths[i]).reshape(-1, 3) for i in chosen]
).astype("float64")
correlation = np.corrcoef(pixels.T)
print(f"{len(pixels):,} pixels from {len(chosen)} photos")
stem = mini.get_layer("stem_conv")
pairs = {"red-green": (0, 1), "red-blue": (0, 2), "green-blue": (1, 2)}
for name, (a, b) in pairs.items():
    print(f"correlation {name:>10}: {correlation[a, b]:.3f}")

# %% tags=["prose"]
lowest = min(correlation[a, b] for a, b in pairs.values())
Markdown(
    f"""Even the weakest of the three correlations is {lowest:.3f}
{"(1 would be perfect agreement)" if lowest > 0.5 else ""}. On 3 input
channels, with one filter per channel, a depthwise step has only 3 spatial
filters from which the pointwise step must build every feature map, where a
regular first layer has one spatial filter per output map; and the channels
it keeps apart are {"highly" if lowest > 0.8 else "partly"} redundant anyway.
Chollet (2021, *Deep Learning with Python*, 2nd edition, chapter 9) keeps the
first layer regular for this reason; this guide has no ablation with a
separable first layer. So Mini-Xception starts with a regular
{stem.kernel_size[0]} × {stem.kernel_size[1]} convolution (`stem_conv`)
that mixes the colours into {stem.filters} feature maps, and uses separable
convolutions from there on."""
)

# %%
print(type(stem).__name__, stem.kernel_size, "->", stem.filters, "channels")
separable_layers = [
    layer.name
    for layer in mini.layers
    if isinstance(layer, keras.layers.SeparableConv2D)
]
print(
    len(separable_layers),
    "separable layers:",
    ", ".join(separable_layers[:4]),
    "...",
)

# %% [markdown]
# ## Check yourself
#
# 1. How many parameters has `SeparableConv2D(128, 3)` on 64 input channels,
#    and a `Conv2D(128, 3)` in its place?
# 2. What fraction of a regular 3 × 3 convolution's multiply-adds does a
#    separable one need at 256 input and output channels?
# 3. A model has fewer multiply-adds than another. Will it train faster?
# 4. Why would a separable first layer on an RGB photo waste its depthwise
#    step?

# %% tags=["collapse"]
q1_separable = separable_conv2d_params(3, 64, 128)
q1_regular = conv2d_params(3, 64, 128)
check = keras.layers.SeparableConv2D(128, 3)
check.build((None, 16, 16, 64))
assert check.count_params() == q1_separable
q2 = separable_conv2d_multiply_adds(1, 3, 256, 256) / conv2d_multiply_adds(
    1, 3, 256, 256
)
print(f"1. separable {q1_separable:,}; regular {q1_regular:,}")
print(f"2. {q2:.1%}")

# %% tags=["prose"]
Markdown(
    f"""<details><summary>Answers</summary>

1. {q1_separable:,}: 64 × 9 depthwise weights, 64 × 128 pointwise weights
   and 128 biases. A regular convolution has 9 × 64 × 128 weights and 128
   biases, {q1_regular:,}.
2. 1/256 + 1/9 = {q2:.1%}, whatever the height and width.
3. Not necessarily: time also depends on fixed costs shared by all layers,
   on memory traffic, on the layers that do little arithmetic, and on how
   well the library and processor run each operation. In the ablation,
   regular convolutions gave {macs_ratio:.1f} times the multiply-adds but
   {epoch_ratio:.1f} times the fastest epoch.
4. With one filter per input channel, the depthwise step has only 3 spatial
   filters to build every feature map from, and the colour channels it
   keeps apart are correlated (at least {lowest:.3f}).

</details>"""
)

# %% [markdown]
# ## Summary

# %% tags=["prose"]
Markdown(
    f"""- Depthwise (one f × f filter per channel) then pointwise (1 × 1
  across channels): 5 × 9 + 5 × 3 + 3 = 63 parameters in Keras for the small
  example, 68 with a depthwise bias.
- The parameters and multiply-adds relative to a regular convolution are
  1/C<sub>out</sub> + 1/(f × f): {ratio_widest:.1%} at {widest} channels,
  approaching 1/9 for 3 × 3 kernels.
- Multiply-adds are not time: in the ablation on a {cores}-core CPU,
  regular convolutions in Mini-Xception's places gave {macs_ratio:.1f} times
  the multiply-adds but {epoch_ratio:.1f} times the fastest epoch. A
  multiply-add count leaves out fixed costs, memory traffic and how well the
  library and processor run each operation.
- A depthwise step on an RGB photo has only 3 spatial filters to build
  every map from, and the colour channels are correlated (the weakest pair
  at {lowest:.3f}), so Mini-Xception's first layer stays a regular
  convolution, as in Chollet's design (not ablated here)."""
)
