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
# The addition needs both tensors to have the same shape. When the shapes
# match, the residual path carries the input unchanged, whatever the block
# does; when they do not, it carries a learned 1 × 1 projection of the input.
# Either way the output still holds a term computed from the input without the
# block, and the gradient has a path around the block (see
# [Vanishing gradients, measured](../vanishing-gradients/)). Residual
# connections come from He et al. (2016).
#
# You will learn the two cases in the lecture's own Keras listings, how
# `modern_convnets.blocks.residual_block` computes the same thing in one call,
# and how to read the branches off a diagram and a table of the model's
# layers. Cells marked **Copy this** are plain Keras: they run as pasted into a
# fresh Python session, one after the other.

# %% [markdown]
# ## Case 1: the number of filters changes
#
# The lecture's first listing. A 3 × 3 convolution (`C1`) turns the 32 × 32 RGB
# input into 32 feature maps; the block then applies two 3 × 3 convolutions
# with 64 filters and "same" padding (`C2l1`, `C2l2`; padding and the
# output-size formula are on [A small convnet](../small-convnet/)). Its output has 64
# channels, its input 32: a 1 × 1 convolution with 64 filters (`C2b`) projects
# the residual to 64 channels. Plain Keras, to copy, with the lecture's layer
# and model names:

# %% tags=["copy"]
import keras
from keras import layers

inputs = keras.Input(shape=(32, 32, 3), name="input")
x = layers.Conv2D(32, 3, activation="relu", name="C1")(inputs)
residual = x
x = layers.Conv2D(64, 3, activation="relu", padding="same", name="C2l1")(x)
x = layers.Conv2D(64, 3, activation="relu", padding="same", name="C2l2")(x)
residual = layers.Conv2D(64, 1, name="C2b")(residual)
x = layers.add([x, residual])
model2 = keras.Model(inputs=inputs, outputs=x)
model2.summary()

# %% [markdown]
# Each convolution has f × f × C<sub>in</sub> × C<sub>out</sub> weights plus
# C<sub>out</sub> biases: `C1` 3 × 3 × 3 × 32 + 32, `C2l1` 3 × 3 × 32 × 64 + 64,
# `C2l2` 3 × 3 × 64 × 64 + 64, and the projection `C2b` only
# 1 × 1 × 32 × 64 + 64. The same formula in code, next to Keras's count:

# %%
from modern_convnets.arithmetic import conv2d_params

for name, (f, c_in, c_out) in {
    "C1": (3, 3, 32),
    "C2l1": (3, 32, 64),
    "C2l2": (3, 64, 64),
    "C2b": (1, 32, 64),
}.items():
    by_formula = conv2d_params(f, c_in, c_out)
    by_keras = model2.get_layer(name).count_params()
    print(f"{name:<5} formula {by_formula:>6,}   Keras {by_keras:>6,}")

# %% [markdown]
# This package writes the block as one call, `residual_block(x, 64)`, which
# names its layers after the block (`C2_conv1`, `C2_conv2`, `C2_residual`,
# `C2_add`). Given the listing's weights it computes the same numbers, bit for
# bit, on the same random batch:

# %%
import numpy as np
from modern_convnets.blocks import residual_block


def package_case(**block_options):
    inputs = keras.Input(shape=(32, 32, 3), name="input")
    x = layers.Conv2D(32, 3, activation="relu", name="C1")(inputs)
    outputs = residual_block(x, 64, name="C2", **block_options)
    return keras.Model(inputs, outputs)


case1 = package_case()
case1.set_weights(model2.get_weights())  # same layers, same order
batch = (
    np.random.default_rng(0).uniform(0, 1, (4, 32, 32, 3)).astype("float32")
)
print(
    "same output as the listing:",
    np.array_equal(
        model2.predict(batch, verbose=0), case1.predict(batch, verbose=0)
    ),
)

# %% [markdown]
# Drawn as a graph, the two branches leave `C1` and meet again in the
# addition (`model_diagram` lays the graph out and `plot_diagram` draws it, no
# Graphviz needed):

# %%
from modern_convnets.diagram import layer_graph, model_diagram, plot_diagram

plot_diagram(
    model_diagram(case1),
    caption="Case 1: the residual branch leaves C1 and meets the main path "
    "in C2_add, through a 1 × 1 convolution with 64 filters",
)

# %% [markdown]
# The same graph as a table, one row per layer; the "takes" column says which
# layers feed each one:

# %%
print(layer_graph(case1))

# %% [markdown]
# ## Case 2: the block ends in max pooling
#
# Pooling halves the height and width, so the residual must shrink too: the
# 1 × 1 projection gets a stride of 2. The lecture's second listing leaves the
# layers unnamed, so Keras numbers them:

# %% tags=["copy"]
inputs = keras.Input(shape=(32, 32, 3))
x = layers.Conv2D(32, 3, activation="relu")(inputs)
residual = x
x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
x = layers.MaxPooling2D(2, padding="same")(x)
residual = layers.Conv2D(64, 1, strides=2)(residual)
x = layers.add([x, residual])
model3 = keras.Model(inputs=inputs, outputs=x)
model3.summary()

# %% tags=["prose"]
from IPython.display import Markdown


def side(tensor) -> str:
    """A feature map's height × width, from its shape."""
    height, width = tensor.shape[1:3]
    return f"{height} × {width}"


before_pooling = side(model3.layers[1].output)
after_pooling = side(model3.output)
Markdown(
    f"""The first convolution's output, {before_pooling}, is both the block's
input and the residual; pooling halves the main path to {after_pooling}, and
the stride-2 projection brings the residual to the same {after_pooling}.

The lecture follows the listing with `plot_model(model3, show_shapes=True)`,
which needs Graphviz; here is the package's drawing of the same block,
`residual_block(x, 64, convs=1, pooling=True)`, checked against the listing as
before:"""
)

# %%
case2 = package_case(convs=1, pooling=True)
case2.set_weights(model3.get_weights())
print(
    "same output as the listing:",
    np.array_equal(
        model3.predict(batch, verbose=0), case2.predict(batch, verbose=0)
    ),
)
plot_diagram(
    model_diagram(case2),
    caption=f"Case 2: pooling halves the main path to {side(case2.output)}, so "
    "the 1 × 1 projection on the residual has stride 2",
)

# %% [markdown]
# ## The input survives the block
#
# When the shapes already match, the residual is the input itself. To see that
# the output always carries it, switch the block off by zeroing its convolution
# weights: the block then outputs ReLU(0) = 0, and the block's output equals its
# input exactly.

# %%
keras.utils.set_random_seed(0)  # the same initial weights on every run
inputs = keras.Input(shape=(16, 16, 64))
identity = keras.Model(inputs, residual_block(inputs, 64, name="block"))
features = (
    np.random.default_rng(0).normal(size=(2, 16, 16, 64)).astype("float32")
)
# With its initial weights: how large is what the block adds to its input?
added = np.asarray(identity(features)) - features
swamp = np.linalg.norm(added) / np.linalg.norm(features)
print(
    f"block's contribution / input, in norm, initial weights: {swamp:.2f}"
)
for layer in identity.layers:
    if isinstance(layer, keras.layers.Conv2D):
        layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
print(
    "output equals input:",
    np.array_equal(np.asarray(identity(features)), features),
)

# %% tags=["prose"]
case1_projection = case1.get_layer("C2_residual")
Markdown(
    f"""A plain block with zeroed weights would output zeros and erase everything
before it; a residual block with zeroed weights is the identity. He et al.
(2016) give this as the reason very deep residual networks train: a block
only has to learn a correction to its input, and pushing a correction towards
zero is easier than learning the identity with a stack of non-linear layers.
That is their hypothesis, not something this page tests (nothing here is
trained); other explanations have been put forward, such as residual networks
behaving like ensembles of shallower networks (Veit et al., 2016) and keeping
gradients from becoming noise-like ("shattered") with depth (Balduzzi et al.,
2017).

The listing's comment ("may be noisy or destructive: that's fine") holds in
one sense: the input survives the addition. It is not protected from being
outweighed, though: with its initial weights, this block adds a tensor whose
norm is {swamp:.2f} times the input's{
        ", larger than the input itself" if swamp > 1 else ""
    }; nothing bounds that ratio, and over many blocks the additions pile up
(see the residual stack on
[Vanishing gradients, measured](../vanishing-gradients/), whose stream's mean
moves away from its input's)."""
)

# %% [markdown]
# ## Check yourself
#
# 1. In case 2, what is the output shape of the 1 × 1 projection on the
#    residual, and how many parameters does it have?
# 2. What would go wrong in case 2 if that projection had no `strides=2`?
# 3. A block with 128 filters receives 64 channels and keeps the height and
#    width. What does its residual need, and how many parameters does that
#    add?
# 4. Zero every weight of a residual block whose input and output shapes
#    match. What does it output, and what would a plain block output?

# %% tags=["collapse"]
from IPython.display import Markdown
from modern_convnets.arithmetic import conv_output_size

[projection] = [
    layer
    for layer in model3.layers
    if isinstance(layer, layers.Conv2D) and layer.kernel_size == (1, 1)
]
q1_shape = tuple(projection.output.shape[1:])
q1_params = projection.count_params()
assert q1_params == conv2d_params(1, 32, 64)
main_path = model3.layers[-1].input[0]  # the addition's first input
try:  # the projection without its stride, on the same 30 × 30 × 32 residual
    layers.add([main_path, layers.Conv2D(64, 1)(projection.input)])
    q2_error = None
except ValueError as error:
    q2_error = str(error).splitlines()[0]
q2_unstrided = conv_output_size(30, 1)
q3_params = conv2d_params(1, 64, 128)
print(f"1. {projection.name}: {q1_shape}, {q1_params:,} parameters")
print(f"2. {q2_error}")
print(f"3. 1 × 1 × 64 × 128 + 128 = {q3_params:,}")

# %% tags=["prose"]
Markdown(
    f"""<details><summary>Answers</summary>

1. {" × ".join(map(str, q1_shape))}: the stride of 2 halves 30 to 15, like
   the pooling on the main path. It has 1 × 1 × 32 × 64 weights and 64
   biases, {q1_params:,} parameters.
2. The residual would stay {q2_unstrided} × {q2_unstrided} while the main
   path is {main_path.shape[1]} × {main_path.shape[2]}, and the addition
   needs equal shapes. {
        f"Keras refuses to build it: “{q2_error}”."
        if q2_error
        else "Here Keras did not object."
    }
3. A 1 × 1 convolution with 128 filters, from 64 channels to 128, and no
   stride: 1 × 1 × 64 × 128 weights and 128 biases, {q3_params:,}
   parameters.
4. Its input, exactly, as the last section showed: the convolutions output
   ReLU(0) = 0, and the addition gives back the residual, the input itself.
   A plain block would output zeros, and everything before it would be lost.

</details>"""
)

# %% [markdown]
# ## Summary

# %% tags=["prose"]
channels_in = case1_projection.input.shape[-1]
channels_out = case1_projection.output.shape[-1]
Markdown(
    f"""- `layers.add([block(x), x])` needs equal shapes.
- More filters in the block: project the residual with a 1 × 1 convolution
  (case 1: {case1_projection.count_params():,} parameters for {channels_in} →
  {channels_out} channels).
- Pooling in the block: give that projection stride 2 (case 2: output
  {side(case2.output)}).
- When shapes match, the residual path carries the input unchanged; when they
  do not, a learned 1 × 1 projection of it."""
)
