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
import keras
import numpy as np
from IPython.display import Markdown
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
# squared error with respect to every layer's weights and record its norm. The
# gradients are float32, as in training; their norms are taken in float64,
# because squaring entries of about 10⁻²⁰ in float32 gives numbers below the
# smallest float32 and rounds them to zero: a float32 norm would report 0 for a
# gradient none of whose entries is zero.

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
    shown = values > 0  # a gradient of exactly 0 has no logarithm
    ax.semilogy(
        depth[shown], values[shown], marker="o", markersize=3, label=name
    )
ax.set_xlabel("layer (1 = nearest the input)")
ax.set_ylabel("gradient norm of the layer's weights")
ax.set_title("Gradient norms at initialisation, 30 sigmoid layers")
ax.grid(alpha=0.3, which="both")
ax.legend()
fig

# %% tags=["prose"]
by_layer = {
    name: np.array([per_layer[f"dense{i}"] for i in depth])
    for name, per_layer in norms.items()
}
plain = by_layer["plain"]
zeros = int(np.sum(plain == 0))
# One step of gradient descent moves each weight by at most learning rate ×
# the gradient's norm. Where that is under half the float32 spacing at the
# weight, float32 rounds the step away: the weight does not change at all.
learning_rate = 0.01
kernel = deep_stack(depth=30, seed=0).get_layer("dense1").kernel.numpy()
unchanged = np.mean(
    learning_rate * plain[0] < np.spacing(np.abs(kernel)) / 2
)
Markdown(
    f"""The plain stack's gradient shrinks towards the input, from
{plain[-1]:.1e} at layer 30 to {plain[0]:.1e} at layer 1:
{np.log10(plain[-1] / plain[0]):.0f} orders of magnitude.
{
        "No layer's gradient is exactly zero"
        if zeros == 0
        else f"{zeros} layers' gradients are exactly zero"
    }, but at layer 1 it is as good as
zero: a step of gradient descent with learning rate {
        learning_rate
    } moves each of
its weights by at most {
        learning_rate * plain[0]:.0e}, under half the float32
spacing at {unchanged:.0%} of its {
        kernel.size:,} weights: float32 rounds the
update away, and those weights do not change at all."""
)

# %% [markdown]
# Residual connections give the gradient a path around each layer's
# derivative; batch normalisation does something less obvious. First, the
# residual stack's norms, and what its residual stream looks like after 30
# additions:

# %%
residual = deep_stack(depth=30, seed=0, residual=True)
stream, prediction = keras.Model(
    residual.input,
    [residual.get_layer("dense30_add").output, residual.output],
)(x)
stream, prediction = np.asarray(stream), np.asarray(prediction)
print(f"input:             mean {x.mean():6.2f}")
print(f"stream, layer 30:  mean {stream.mean():6.2f}")
print(
    f"prediction:        mean {prediction.mean():6.2f} (targets {y.mean():.2f})"
)

# %% tags=["prose"]
res = by_layer["residual"]
Markdown(
    f"""In the residual stack the norms stay within a factor of
{res.max() / res.min():.0f} over all 30 layers, because each addition passes
the gradient back unchanged next to the layer's own path. They are large, from
{res.min():.0f} to {res.max():.0f}, for a reason of their own: each layer adds
its sigmoid's output, which is always positive, to the stream, so the stream's
mean grows from {x.mean():.2f} at the input to {stream.mean():.1f} after 30
additions. The head's predictions grow with it (mean {prediction.mean():.1f},
against targets of mean {y.mean():.2f}), and the gradient of the squared error
is proportional to that error."""
)

# %% [markdown]
# Batch normalisation does not change the sigmoid: its slope is still at most
# 0.25, and 0.25³⁰ ≈ 10⁻¹⁸. It changes the scale. In training mode it divides
# each layer's pre-activations by their standard deviation over the batch, σ,
# and the backward pass multiplies the gradient by the same 1/σ (γ/σ, with γ = 1
# at the start, after removing its components along the batch mean and the
# normalised values). How large is σ here, and how much does the gradient
# shrink from one layer to the next in each stack?

# %%
bn_model = deep_stack(depth=30, seed=0, batch_norm=True)
pre_activations = keras.Model(
    bn_model.input, [bn_model.get_layer(f"dense{i}").output for i in depth]
)(x, training=True)
sigma = np.array(
    [np.asarray(p).std(axis=0).mean() for p in pre_activations]
)
print(f"σ of the dense outputs, median over layers: {np.median(sigma):.2f}")
print(
    f"1/σ, median over layers:                    {np.median(1 / sigma):.1f}"
)
for name, values in by_layer.items():
    step = np.median(values[:-1] / values[1:])
    print(f"{name:>16}: layer i / layer i + 1, median {step:.2f}")

# %% tags=["prose"]
bn = by_layer["batch-normalised"]
step_plain = np.median(plain[:-1] / plain[1:])
step_bn = np.median(bn[:-1] / bn[1:])
Markdown(
    f"""From one layer to the one below, the plain stack's gradient shrinks by a
median factor of {step_plain:.2f}; the batch-normalised stack's by
{step_bn:.2f}. Its dense layers' outputs vary little over the batch (σ, median
{np.median(sigma):.2f}), so dividing by σ multiplies the gradient by about
{np.median(1 / sigma):.1f} at each layer, enough to cancel the sigmoid's factor
of at most 0.25: in effect, batch normalisation rescales every layer. Its norms
stay within a factor of {bn.max() / bn.min():.1f} over the 30 layers."""
)

# %% [markdown]
# ## Initial weights
#
# The first remedy is older than both: draw the initial weights at the right
# scale. A layer with n inputs multiplies its input by weights of variance
# σ²; if n σ² is below one the signal (and the gradient) shrinks at every
# layer, above one it grows. **Glorot** (Xavier) initialisation, Keras's
# default, draws weights with variance 2 / (n<sub>in</sub> + n<sub>out</sub>),
# which keeps the variance steady through layers with a slope of 1 near zero,
# such as tanh (Glorot and Bengio, 2010). The sigmoid's slope at zero is 1/4,
# and the same paper suggests weights four times larger for it.
# **He** initialisation (He et al., 2015) uses 2 / n<sub>in</sub>,
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

# %% tags=["prose"]
small = np.array([relu_norms["small"][f"dense{i}"] for i in depth])
glorot = np.array([relu_norms["Glorot"][f"dense{i}"] for i in depth])
he = np.array([relu_norms["He"][f"dense{i}"] for i in depth])
zero_layers = [int(i) for i in depth[small == 0]]
zero_text = (
    f"{len(zero_layers)} of the 30 layers"
    + (", layer 1 among them," if 1 in zero_layers else "")
    + " get a gradient of exactly zero, and the others at most "
    + f"{small[small > 0].max():.0e}"
    if zero_layers
    else f"every layer gets at most {small.max():.0e}"
)
Markdown(
    f"""With small weights the signal dies on the way forward, so almost nothing
comes back: {zero_text}. Glorot's weights keep every layer's gradient within a
factor of {glorot.max() / glorot.min():.1f} of the others, but faint: from
{glorot.min():.1e} to {glorot.max():.1e}, as each ReLU halves the signal's
variance on the way forward. He's weights, twice as large in variance, give
{he.min():.1f} to {he.max():.1f}: within a factor of {he.max() / he.min():.1f},
at the scale of the last layer's."""
)

# %% [markdown]
# And the sigmoid stack? The same plain 30 sigmoid layers, with weights drawn
# from normal distributions of six standard deviations, from 0.01 to 2, beside
# Glorot's (its uniform weights have a standard deviation of √(2 / (64 + 64))
# here) and four times Glorot's, which Glorot and Bengio suggest for the
# sigmoid:

# %%
glorot_std = np.sqrt(2 / (64 + 64))
print(
    f"Glorot's standard deviation: {glorot_std:.3f}; four times: {4 * glorot_std:.1f}"
)
scales = [0.01, 0.1, 0.25, 0.5, 1.0, 2.0]
sigmoid_ratio = {}
for std in scales:
    init = {"class_name": "RandomNormal", "config": {"stddev": std}}
    per_layer = kernel_gradient_norms(
        deep_stack(depth=30, kernel_initializer=init, seed=0), x, y
    )
    sigmoid_ratio[std] = per_layer["dense1"] / per_layer["dense30"]
    print(f"std {std:4}: layer 1 / layer 30 = {sigmoid_ratio[std]:.1e}")


# %% tags=["prose"]
def share(ratio: float) -> str:
    """Layer 1's gradient norm as a multiple of layer 30's, in words."""
    return "exactly 0" if ratio == 0 else f"{ratio:.0e}"


steady = [s for s in scales if 0.1 <= sigmoid_ratio[s] <= 10]
growing = [s for s in scales if sigmoid_ratio[s] > 10]
if steady:
    verdict = (
        f"Of the six scales tried, {', '.join(map(str, steady))} "
        "keep layer 1 within a factor of 10 of layer 30."
    )
else:
    verdict = "None of the six scales keeps layer 1 within a factor of 10 of layer 30."
grows = (
    f", and at {growing[0]} it is {sigmoid_ratio[growing[0]]:.0f} times larger:"
    " the gradient grows towards the input instead"
    if growing
    else ""
)
Markdown(
    f"""The scale of the initial weights matters for the sigmoid stack too: layer
1's gradient, as a multiple of layer 30's, goes from
{share(sigmoid_ratio[scales[0]])} at a standard deviation of {scales[0]} to
{share(sigmoid_ratio[0.5])} at four times Glorot's (0.5) and
{share(sigmoid_ratio[1.0])} at 1.0{grows}. {verdict} These are measurements of
one batch at initialisation: good initial weights make a deep stack trainable
at the start; residual connections and batch normalisation keep it so while
the weights change during training."""
)

# %% [markdown]
# ## Check yourself
#
# 1. The sigmoid's slope is at most 0.25. Through 30 sigmoid layers, what is
#    the largest factor by which their slopes alone can multiply a gradient?
# 2. A float32 weight w = 0.1 gets the update w − lr · g with learning rate
#    lr = 0.01 and a gradient g = 10⁻¹⁸. What is the weight afterwards?
# 3. Why does the residual stack's gradient not shrink layer after layer,
#    although its sigmoids are the plain stack's?
# 4. He initialisation for a ReLU layer with 64 inputs: what variance, and
#    what standard deviation, do its weights get?
# 5. How does batch normalisation counter the sigmoid's factor of at most
#    0.25 per layer here?

# %% tags=["collapse"]
q1 = 0.25**30
w = np.float32(0.1)
q2_step = np.float32(0.01) * np.float32(1e-18)
q2 = w - q2_step
q4_variance = 2 / 64
print(f"1. 0.25 ** 30 = {q1:.2e}")
print(
    f"2. {w!s} - {q2_step:.0e} = {q2!s} in float32, unchanged: {q2 == w}; "
    f"float32 spacing at {w!s}: {np.spacing(w):.2e}"
)
print(f"4. variance 2 / 64 = {q4_variance}, std {np.sqrt(q4_variance):.3f}")

# %% tags=["prose"]
Markdown(
    f"""<details><summary>Answers</summary>

1. 0.25<sup>30</sup> = {q1:.1e}: the slopes of 30 sigmoid layers can
   shrink a gradient by {-np.log10(q1):.0f} orders of magnitude, before the
   weights play any part.
2. {
        f"Still {w!s}, unchanged: the step lr · g = {q2_step:.0e} is below "
        f"half the gap between neighbouring float32 numbers at {w!s} "
        f"({np.spacing(w):.1e}), so the subtraction rounds back to w. The "
        f"same rounding leaves {unchanged:.0%} of the plain stack's layer 1 "
        "weights unchanged, above."
        if q2 == w
        else f"{q2!s}: the step lr · g = {q2_step:.0e} changes it."
    }
3. Each layer adds its output to its input, x + sigmoid(dense(x)), and the
   derivative of that sum has a term 1 from x: the gradient passes back
   unchanged next to the layer's own path. Here its norms stay within a
   factor of {res.max() / res.min():.0f} over the 30 layers.
4. Variance 2 / n<sub>in</sub> = {q4_variance:g}, a standard deviation of
   {np.sqrt(q4_variance):.3f}: twice Glorot's 2 / (n<sub>in</sub> +
   n<sub>out</sub>) for a square layer, to make up for the half of its
   inputs that each ReLU sets to zero.
5. It divides each layer's pre-activations by their spread σ over the batch,
   and the backward pass multiplies the gradient by 1/σ. Here σ has a median
   of {np.median(sigma):.2f}, so 1/σ is about {np.median(1 / sigma):.1f} at
   each layer, against the sigmoid's factor of at most 0.25: from one layer to
   the one below, the gradient is multiplied by a median factor of
   {step_bn:.2f}, against {step_plain:.2f} in the plain stack.

</details>"""
)

# %% [markdown]
# ## Summary

# %% tags=["prose"]
Markdown(
    f"""- In a plain 30-layer sigmoid stack, the gradient reaching the first layer
  at initialisation is {
        plain[0] / plain[-1]:.0e} of the last layer's: too small
  for a float32 update to change its weights.
- Residual connections and batch normalisation each keep the gradient within a
  factor of {
        max(res.max() / res.min(), bn.max() / bn.min()):.0f} across all 30
  layers; modern convnets such as Xception use both.
- Initial weights at the right scale (He for ReLU, Glorot for tanh) keep a plain
  stack's gradient alive at initialisation; weights that are too small kill
  it{
        ", and weights that are too large make it grow towards the input"
        if growing
        else ""
    }."""
)
