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
# # Vanishing gradients, measured
#
# Backpropagation computes each layer's gradient from the gradient of the layer
# above it, multiplying by that layer's derivative on the way:
#
# $$\frac{\partial L}{\partial x} = \frac{\partial L}{\partial y} \cdot f'(x).$$
#
# Thirty layers mean thirty such factors. If they are typically below one, the
# gradient that reaches the first layers is vanishingly small, and those layers
# barely learn. This page measures it.
#
# You will learn:
#
# - how large the gradient of each layer is, at initialisation, in a plain deep
#   stack;
# - how residual connections and batch normalisation change that;
# - what the initial weights change: too small, Glorot's and He's.

# %%
# %matplotlib inline
import numpy as np
from matplotlib.figure import Figure
from modern_convnets.gradients import deep_stack, kernel_gradient_norms

# %% [markdown]
# ## Three stacks of thirty layers
#
# Each stack has 30 dense layers of 64 units with the sigmoid activation, whose
# derivative is at most 0.25, and Keras's default (Glorot-uniform) initial
# weights. They differ in one respect:
#
# - **plain**: `x = sigmoid(dense(x))`;
# - **residual**: `x = x + sigmoid(dense(x))`, so every layer also passes its input
#   through unchanged;
# - **batch-normalised**: `x = sigmoid(batch_norm(dense(x)))`.
#
# For one batch of 64 random inputs and targets, we take the gradient of the mean
# squared error with respect to every layer's weights and record its norm.

# %%
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 64)).astype("float32")
y = rng.normal(size=(64, 1)).astype("float32")

variants = {
    "plain": {},
    "residual": {"residual": True},
    "batch-normalised": {"batch_norm": True},
}
norms = {
    name: kernel_gradient_norms(
        deep_stack(depth=30, seed=0, **options), x, y
    )
    for name, options in variants.items()
}
print(f"{'':>18}{'layer 1':>12}{'layer 15':>12}{'layer 30':>12}")
for name, per_layer in norms.items():
    values = [per_layer[f"dense{i}"] for i in (1, 15, 30)]
    print(f"{name:>18}" + "".join(f"{v:>12.2e}" for v in values))

# %% tags=["collapse"]
fig = Figure(figsize=(8, 4.2), layout="constrained")
ax = fig.add_subplot()
depth = np.arange(1, 31)
for name, per_layer in norms.items():
    values = np.array([per_layer[f"dense{i}"] for i in depth])
    shown = values > 0  # a gradient that underflowed to 0 has no logarithm
    ax.semilogy(
        depth[shown], values[shown], marker="o", markersize=3, label=name
    )
ax.set_xlabel("layer (1 = nearest the input)")
ax.set_ylabel("gradient norm of the layer's weights")
ax.set_title("Gradient norms at initialisation, 30 sigmoid layers")
ax.grid(alpha=0.3, which="both")
ax.legend()
fig

# %%
for name, per_layer in norms.items():
    values = np.array([per_layer[f"dense{i}"] for i in depth])
    nonzero = values[values > 0]
    spread = nonzero.max() / nonzero.min()
    zeros = int(np.sum(values == 0))
    print(
        f"{name:>16}: {zeros} layer(s) at 0, largest/smallest {spread:.1e}"
    )

# %% [markdown]
# The plain stack's gradient shrinks by orders of magnitude every few layers
# towards the input, across some 17 orders of magnitude in all, until at the first
# layer it underflows to exactly zero in 32-bit floating point: the first layers
# would receive no update at all. In the residual stack each addition gives the
# gradient a path that skips the layer's derivative, and the norms stay within a
# factor of a few dozen over all 30 layers. With batch normalisation, each layer's
# pre-activations are rescaled to mean 0 and variance 1, where the sigmoid's slope
# is largest, and the norms stay within a factor of about 2.
#
# ## Initial weights
#
# The first remedy is older than both: draw the initial weights at the right
# scale. A layer with n inputs multiplies its input by weights of variance
# σ²; if n σ² is below one the signal (and the gradient) shrinks at every
# layer, above one it grows. **Glorot** (Xavier) initialisation, Keras's
# default, draws weights with variance 2 / (n<sub>in</sub> + n<sub>out</sub>),
# which keeps the variance steady through layers that are linear near zero
# (tanh, sigmoid's middle). **He** initialisation uses 2 / n<sub>in</sub>,
# twice as much: a ReLU zeroes half its inputs, and the factor 2 makes up for
# it. The same plain stack of 30 layers, now with ReLU, three ways: weights
# from a normal distribution with standard deviation 0.01 ("small"), Glorot,
# and He:

# %%
initialisers = {
    "small": {"class_name": "RandomNormal", "config": {"stddev": 0.01}},
    "Glorot": "glorot_uniform",
    "He": "he_normal",
}
relu_norms = {
    name: kernel_gradient_norms(
        deep_stack(
            depth=30, activation="relu", kernel_initializer=init, seed=0
        ),
        x,
        y,
    )
    for name, init in initialisers.items()
}
print(
    f"{'ReLU, 30 layers':>18}{'layer 1':>12}{'layer 15':>12}{'layer 30':>12}"
)
for name, per_layer in relu_norms.items():
    values = [per_layer[f"dense{i}"] for i in (1, 15, 30)]
    print(f"{name:>18}" + "".join(f"{v:>12.2e}" for v in values))
sigmoid_he = kernel_gradient_norms(
    deep_stack(depth=30, kernel_initializer="he_normal", seed=0), x, y
)
print(f"\nsigmoid with He weights, layer 1: {sigmoid_he['dense1']:.2e}")

# %% [markdown]
# With small weights every layer's gradient underflows to zero: the signal
# dies on the way forward, so nothing comes back. Glorot's weights keep the
# ReLU stack alive but uniformly faint: each ReLU halves the signal's
# variance, thirty times over. He's weights keep the gradient at the same
# order of magnitude from the last layer to the first. For the sigmoid stack
# above, no scale of initial weights helps much (the last line): its slope of
# at most 0.25 still multiplies up layer after layer. Good initial weights
# make deep ReLU stacks trainable at the start; residual connections and
# batch normalisation keep them so while the weights change during training.
#
# ## Summary
#
# - In a plain 30-layer sigmoid stack, the gradient reaching the first layers is
#   zero at initialisation: depth alone defeats training.
# - Residual connections and batch normalisation each keep the gradient alive
#   across all 30 layers; modern convnets such as Xception use both.
# - Initial weights at the right scale (He for ReLU, Glorot for tanh-like
#   activations) keep a plain ReLU stack's gradient alive at initialisation;
#   weights that are too small kill it.
