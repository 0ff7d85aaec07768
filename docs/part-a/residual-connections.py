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
# # Residual connections
#
# A residual connection adds a block's input back to its output:
#
# ```python
# residual = x
# x = block(x)  # may be noisy or destructive: that's fine
# x = layers.add([x, residual])
# ```
#
# Whatever the block does, the output still carries the input, and the gradient
# has a path around the block (see
# [Vanishing gradients, measured](../vanishing-gradients/)). The addition needs
# both tensors to have the same shape; when the block changes the shape, the
# residual is projected to match.
#
# You will learn the two cases, how `modern_convnets.blocks.residual_block`
# handles both, and how to read the branches off a diagram and a table of the
# model's layers.

# %%
# %matplotlib inline
import keras
import numpy as np
from modern_convnets.arithmetic import conv2d_params
from modern_convnets.blocks import residual_block
from modern_convnets.diagram import layer_graph, model_diagram
from modern_convnets.plotting import plot_diagram

# %% [markdown]
# ## Case 1: the number of filters changes
#
# A 3 × 3 convolution turns the 32 × 32 RGB input into 32 feature maps; the block
# then applies two 3 × 3 convolutions with 64 filters and "same" padding. Its
# output has 64 channels, its input 32: a 1 × 1 convolution with 64 filters
# (`C2_residual`) projects the residual to 64 channels.

# %%
inputs = keras.Input(shape=(32, 32, 3), name="input")
x = keras.layers.Conv2D(32, 3, activation="relu", name="C1")(inputs)
outputs = residual_block(x, 64, name="C2")
case1 = keras.Model(inputs, outputs, name="case1")
plot_diagram(
    model_diagram(case1),
    caption="Case 1: the residual branch leaves C1 and meets the main path "
    "in C2_add, through a 1 × 1 convolution with 64 filters",
)

# %% [markdown]
# `modern_convnets.diagram.model_diagram` lays the graph out and
# `modern_convnets.plotting.plot_diagram` draws it, no Graphviz needed. The same
# graph as a table, one row per layer:

# %%
print(layer_graph(case1))

# %% [markdown]
# The "takes" column is the graph: `C2_add` takes `C2_conv2` and `C2_residual`,
# and both branches start from `C1`. The parameter counts follow from the
# formula f × f × C_in × C_out + C_out:

# %%
for name, (f, c_in, c_out) in {
    "C1": (3, 3, 32),
    "C2_conv1": (3, 32, 64),
    "C2_conv2": (3, 64, 64),
    "C2_residual": (1, 32, 64),
}.items():
    by_formula = conv2d_params(f, c_in, c_out)
    by_keras = case1.get_layer(name).count_params()
    print(f"{name:<12} formula {by_formula:>6,}   Keras {by_keras:>6,}")
print("output shape:", case1.output_shape)

# %% [markdown]
# ## Case 2: the block ends in max pooling
#
# Pooling halves the height and width, so the residual must shrink too: the 1 × 1
# projection gets a stride of 2.

# %%
inputs = keras.Input(shape=(32, 32, 3), name="input")
x = keras.layers.Conv2D(32, 3, activation="relu", name="C1")(inputs)
outputs = residual_block(x, 64, convs=1, pooling=True, name="C2")
case2 = keras.Model(inputs, outputs, name="case2")
plot_diagram(
    model_diagram(case2),
    caption="Case 2: pooling halves the main path to 15 × 15, so the 1 × 1 "
    "projection on the residual has stride 2",
)

# %%
print(layer_graph(case2))

# %%
for name in ["C1", "C2_conv1", "C2_residual"]:
    print(
        f"{name:<12} {case2.get_layer(name).count_params():>6,} parameters"
    )
print("output shape:", case2.output_shape)
print("residual strides:", case2.get_layer("C2_residual").strides)

# %% [markdown]
# ## The input survives the block
#
# When the shapes already match, the residual is the input itself. To see that
# the output always carries it, switch the block off by zeroing its convolution
# weights: the block then outputs ReLU(0) = 0, and the block's output equals its
# input exactly.

# %%
inputs = keras.Input(shape=(16, 16, 64))
identity = keras.Model(inputs, residual_block(inputs, 64, name="block"))
for layer in identity.layers:
    if isinstance(layer, keras.layers.Conv2D):
        layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
features = (
    np.random.default_rng(0).normal(size=(2, 16, 16, 64)).astype("float32")
)
print(
    "output equals input:",
    np.array_equal(np.asarray(identity(features)), features),
)

# %% [markdown]
# A plain block with zeroed weights would output zeros and erase everything
# before it; a residual block degrades gracefully to the identity. That is why
# very deep residual networks can be trained: each block only has to learn a
# correction to its input.
#
# ## Summary
#
# - `layers.add([block(x), x])` needs equal shapes.
# - More filters in the block: project the residual with a 1 × 1 convolution
#   (case 1: 2,112 parameters for 32 → 64 channels).
# - Pooling in the block: give that projection stride 2 (case 2: output 15 × 15).
# - The residual path carries the input through unchanged, whatever the block does.
