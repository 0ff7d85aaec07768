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
# separately, and in exchange costs a fraction of the parameters and arithmetic.
#
# You will learn how to count both, how the savings grow with the number of
# channels, and why the first layer of Mini-Xception stays a regular convolution.

# %%
import keras
import numpy as np
from modern_convnets import data, photos
from modern_convnets.arithmetic import (
    conv2d_multiply_adds,
    conv2d_params,
    separable_conv2d_multiply_adds,
    separable_conv2d_params,
)
from modern_convnets.models import mini_xception, small_convnet

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
# ## In a model
#
# The lecture's line, `SeparableConv2D(64, 3, activation="relu",
# padding="same")`, here on 32 feature maps of 44 × 44, in plain Keras:

# %% tags=["copy"]
import keras
from keras import layers

inputs = keras.Input(shape=(44, 44, 32))
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
# One 3 × 3 filter for each of the 32 channels (288 weights), a 1 × 1
# convolution from 32 to 64 channels (2,048) and 64 biases. The package's
# formula agrees; a regular convolution in the same place would need many
# more:

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
# values. For a 3 × 3 layer with as many output channels as input channels, on a
# 44 × 44 output (the size of Mini-Xception's second block), without biases:

# %%
header = ("channels", "parameters", "multiply-adds (millions)", "ratio")
print(f"{header[0]:>8} | {header[1]:>21} | {header[2]:>26} | {header[3]}")
kinds = f"{'standard':>10} {'separable':>10} | {'standard':>12} {'separable':>13}"
print(f"{'':>8} | {kinds} |")
for c in [32, 64, 128, 256, 512]:
    standard = conv2d_params(3, c, c, use_bias=False)
    separable = separable_conv2d_params(3, c, c, pointwise_bias=False)
    keras_layer = keras.layers.SeparableConv2D(c, 3, use_bias=False)
    keras_layer.build((None, 46, 46, c))
    assert keras_layer.count_params() == separable
    macs_std = conv2d_multiply_adds(44, 3, c, c) / 1e6
    macs_sep = separable_conv2d_multiply_adds(44, 3, c, c) / 1e6
    print(
        f"{c:>8} | {standard:>10,} {separable:>10,} | {macs_std:>12,.1f} "
        f"{macs_sep:>13,.1f} | {separable / standard:.1%}"
    )

# %% [markdown]
# The ratio is 1/C_out + 1/(f × f): at 512 channels a separable layer needs
# 11.3% of the parameters and multiply-adds of a regular one, and the saving
# approaches 1/9 for 3 × 3 kernels as channels grow. Fewer parameters also mean
# less to learn from few photos, which is why Mini-Xception has fewer parameters
# than the small plain convnet despite being much deeper:

# %%
for builder in (mini_xception, small_convnet):
    print(
        f"{builder.__name__:<14} {builder().count_params():>9,} parameters"
    )

# %% [markdown]
#
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
print(f"{len(pixels):,} pixels from 200 photos")
pairs = {"red-green": (0, 1), "red-blue": (0, 2), "green-blue": (1, 2)}
for name, (a, b) in pairs.items():
    print(f"correlation {name:>10}: {correlation[a, b]:.3f}")

# %% [markdown]
# With correlations this high, a depthwise step would filter three largely
# redundant copies of the same image. So Mini-Xception starts with a regular 5 × 5
# convolution (`stem_conv`) that mixes the colours into 32 feature maps, and uses
# separable convolutions from there on.

# %%
model = mini_xception()
stem = model.get_layer("stem_conv")
print(type(stem).__name__, stem.kernel_size, "->", stem.filters, "channels")
separable_layers = [
    layer.name
    for layer in model.layers
    if isinstance(layer, keras.layers.SeparableConv2D)
]
print(
    len(separable_layers),
    "separable layers:",
    ", ".join(separable_layers[:4]),
    "...",
)

# %% [markdown]
# ## Summary
#
# - Depthwise (one f × f filter per channel) then pointwise (1 × 1 across
#   channels): 5 × 9 + 5 × 3 + 3 = 63 parameters in Keras for the small example,
#   68 with a depthwise bias.
# - The cost relative to a regular convolution is 1/C_out + 1/(f × f): 11.3%
#   at 512 channels.
# - RGB channels are strongly correlated, so the first layer stays a regular
#   convolution.
