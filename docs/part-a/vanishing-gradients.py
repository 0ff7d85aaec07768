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
# Backpropagation computes the gradient at each layer's input from the
# gradient at its output. For a dense layer y = f(z), z = W x + b, it
# multiplies by the activation's derivative and then by the transposed
# weights:
#
# $$\frac{\partial L}{\partial x} = W^\top (f'(z)\odot \frac{\partial L}{\partial y}).$$
#
# A deep stack means one factor W<sup>⊤</sup> diag(f′(z)) per layer. If they
# typically shrink the gradient, the gradient that reaches the first layers is
# vanishingly small, and those layers barely learn. This page measures it.
#
# You will learn:
#
# - two measures of "the gradient at a layer" and why they can disagree;
# - how to take every layer's weight gradient in a few lines of TensorFlow,
#   JAX or PyTorch;
# - how large both are, at initialisation, in a plain deep stack;
# - how residual connections and batch normalisation change that;
# - what the initial weights change: too small, Glorot's and He's.
#
# Cells marked **Copy this** are plain Keras: they run as pasted, one after
# the other, in a fresh Python session. The listing that takes the gradient
# comes in three tabs, one per Keras backend (TensorFlow, JAX and PyTorch),
# for a session started with `KERAS_BACKEND` set to that backend; the cells
# around it run on all three. The other cells use this package to check them
# and to measure more.

# %%
# %matplotlib inline
import keras
import numpy as np
from IPython.display import Markdown
from matplotlib.figure import Figure
from modern_convnets.gradients import (
    activation_gradient_norms,
    deep_stack,
    kernel_gradient_norms,
)

# %% [markdown]
# ## Two measures of the gradient
#
# Write δ = ∂L/∂z for the gradient at a dense layer's output z (its
# pre-activation), the quantity that backpropagation passes down from layer
# to layer. The gradient of the layer's weights, the one a training step uses,
# is its input times δ: ∂L/∂W = x<sup>⊤</sup> δ over the batch. So a weight
# gradient can shrink because δ shrinks, or because the layer's input x does.
# In norms, ‖∂L/∂W‖ = ‖x‖ · ‖δ‖ · c, where c = ‖x<sup>⊤</sup> δ‖ / (‖x‖ ‖δ‖)
# lies between 0 and 1 and says how well the inputs line up with δ across the
# batch. This page records ‖∂L/∂W‖ with `kernel_gradient_norms`, ‖δ‖ with
# `activation_gradient_norms`, and ‖x‖ from the forward pass, each per layer;
# c follows from the three.

# %%
DEPTH = 30  # dense layers per stack
WIDTH = 64  # units per layer, and input features
BATCH = 64
rng = np.random.default_rng(0)
x = rng.normal(size=(BATCH, WIDTH)).astype("float32")
y = rng.normal(size=(BATCH, 1)).astype("float32")
depth = np.arange(1, DEPTH + 1)
dense = [f"dense{i}" for i in depth]


def measure(model: keras.Model) -> dict[str, np.ndarray]:
    """Per dense layer: weight-gradient norm, δ's norm and the input's norm."""
    weights = kernel_gradient_norms(model, x, y)
    deltas = activation_gradient_norms(model, x, y, dense)
    taps = keras.Model(
        model.input, [model.get_layer(n).input for n in dense]
    )
    state = [v.numpy() for v in model.non_trainable_variables]
    inputs = taps(x, training=True)
    # Put batch normalisation's moving statistics back as they were.
    for variable, value in zip(
        model.non_trainable_variables, state, strict=True
    ):
        variable.assign(value)
    result = {
        "weights": np.array([weights[n] for n in dense]),
        "delta": np.array([deltas[n] for n in dense]),
        "input": np.array(
            [np.linalg.norm(np.asarray(t, "float64")) for t in inputs]
        ),
    }
    # c is 0 / 0 where everything vanishes: nan, without a warning.
    with np.errstate(invalid="ignore", divide="ignore"):
        result["c"] = result["weights"] / (
            result["input"] * result["delta"]
        )
    return result


def table(results: dict[str, dict[str, np.ndarray]], title: str) -> None:
    """Print both gradient measures and the input's norm at three layers."""
    shown = (1, DEPTH // 2, DEPTH)
    header = "".join(f"{f'layer {i}':>9}" for i in shown)
    print(f"{title}\n{'':<10}{header}{'1 / last':>10}")
    for name, m in results.items():
        print(name)
        for key, label in (
            ("weights", "‖∂L/∂W‖"),
            ("delta", "‖δ‖"),
            ("input", "‖x‖"),
            ("c", "c"),
        ):
            row = "".join(f"{m[key][i - 1]:>9.1e}" for i in shown)
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = m[key][0] / m[key][-1]
            print(f"  {label:<8}{row}{ratio:>10.1e}")


# %% [markdown]
# ## The weights' gradient in plain Keras
#
# Before the package measures anything, here is the measurement itself, as
# a reader can paste it: the plain stack of the next section, 30 `Dense`
# layers of 64 units with the sigmoid and Keras's default (Glorot-uniform)
# initial weights, then a `Dense(1)` output, fixed by
# `keras.utils.set_random_seed(0)`; and one batch of 64 random inputs and
# targets, drawn with NumPy from seed 0.

# %% tags=["copy"]
import keras
import numpy as np

keras.utils.set_random_seed(0)
model = keras.Sequential(name="plain")
model.add(keras.Input(shape=(64,)))
for i in range(1, 31):
    model.add(
        keras.layers.Dense(64, activation="sigmoid", name=f"dense{i}")
    )
model.add(keras.layers.Dense(1, name="head"))

rng = np.random.default_rng(0)
x = rng.normal(size=(64, 64)).astype("float32")
y = rng.normal(size=(64, 1)).astype("float32")

# %% [markdown]
# `kernel_gradients` takes the gradient of the mean squared error with
# respect to every trainable weight and keeps the kernels, W, leaving out
# the biases. Each backend takes the gradient its own way. TensorFlow
# records the forward pass on a `tf.GradientTape` and asks it for the
# gradients. JAX differentiates a pure function (`jax.grad`): the weights go
# in as its argument, and the model runs on them through `stateless_call`.
# PyTorch records the computation on the weights themselves, and
# `loss.backward()` leaves each gradient in its weight's `.grad`; those add
# up from one call of `backward()` to the next, so `model.zero_grad()`
# clears them first.

# %% tags=["copy", "backend-tensorflow"]
import tensorflow as tf


def kernel_gradients(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
    grads = tape.gradient(loss, model.trainable_weights)
    weights = zip(model.trainable_weights, grads, strict=True)
    return [g for w, g in weights if w.name == "kernel"]


# %% tags=["copy", "backend-jax", "skip-execution"]
import jax
import jax.numpy as jnp


def kernel_gradients(model, x, y):
    trainable = [w.value for w in model.trainable_weights]
    non_trainable = [w.value for w in model.non_trainable_weights]

    def loss(trainable):
        prediction, _ = model.stateless_call(
            trainable, non_trainable, x, training=True
        )
        return jnp.mean(jnp.square(prediction - y))

    grads = jax.grad(loss)(trainable)
    weights = zip(model.trainable_weights, grads, strict=True)
    return [g for w, g in weights if w.name == "kernel"]


# %% tags=["copy", "backend-torch", "skip-execution"]
import torch


def kernel_gradients(model, x, y):
    model.zero_grad()
    prediction = model(x, training=True)
    y = torch.as_tensor(y, device=prediction.device)
    loss = torch.mean(torch.square(prediction - y))
    loss.backward()
    return [
        w.value.grad for w in model.trainable_weights if w.name == "kernel"
    ]


# %% [markdown]
# Whatever the backend, `kernel_gradients` returns one float32 gradient per
# layer, in the layers' order, and the rest is NumPy. Each gradient's
# Euclidean norm is taken in float64 (the next section says why):

# %% tags=["copy"]
grads = kernel_gradients(model, x, y)
norms = {}
for layer, grad in zip(model.layers, grads, strict=True):
    grad = keras.ops.convert_to_numpy(grad).astype("float64")
    norms[layer.name] = np.linalg.norm(grad)
for name in ("dense1", "dense15", "dense30", "head"):
    print(f"{name:<9}‖∂L/∂W‖ = {norms[name]:.3e}")
print(f"dense1 / dense30:    {norms['dense1'] / norms['dense30']:.2e}")

# %% [markdown]
# The rest of the page measures with this package's `kernel_gradient_norms`,
# which takes the same gradient through `modern_convnets.autodiff`, and
# builds its stacks with `deep_stack`. On the listing's model, and on the
# package's plain stack:

# %%
package = kernel_gradient_norms(model, x, y)
listing_gap = {n: abs(norms[n] - package[n]) / package[n] for n in package}
listing_worst = max(listing_gap, key=listing_gap.get)
stack = deep_stack(depth=DEPTH, width=WIDTH, seed=0)
same_weights = all(
    np.array_equal(a, b)
    for a, b in zip(model.get_weights(), stack.get_weights(), strict=True)
)
stack_norms = kernel_gradient_norms(stack, x, y)
stack_gap = max(abs(norms[n] - stack_norms[n]) / norms[n] for n in norms)
print(
    "listing and kernel_gradient_norms, largest relative difference: "
    f"{listing_gap[listing_worst]:.1e} ({listing_worst})"
)
print(
    f"the listing's initial weights are deep_stack(seed=0)'s: {same_weights}"
)
print(
    "listing and deep_stack(seed=0), largest relative difference: "
    f"{stack_gap:.1e}"
)


# %% tags=["prose"]
def agreement(gap: float) -> str:
    """How closely two sets of norms agree, in words."""
    return "exactly" if gap == 0 else f"to within {gap:.1e}, relative"


if same_weights:
    weights_text = (
        "`set_random_seed(0)` gives the listing the initial weights that "
        "`deep_stack(seed=0)` draws for the plain stack, array for array, "
        "and the two models' norms agree "
        f"{agreement(stack_gap)}: the plain stack's ‖∂L/∂W‖ in the next "
        "section's table are these norms."
    )
else:
    weights_text = (
        "`deep_stack(seed=0)` draws other initial weights than "
        "`set_random_seed(0)` gives the listing, so the plain stack in the "
        "next section's table has norms of its own, which differ from the "
        f"listing's by up to {stack_gap:.0%}."
    )
Markdown(
    f"""Layer 1's weights get a gradient
{norms["dense1"] / norms["dense30"]:.1e} times as large as layer {DEPTH}'s.
On the listing's model, `kernel_gradient_norms` agrees with the listing's
norms {agreement(listing_gap[listing_worst])}. {weights_text} The page runs on
TensorFlow; the last section before the questions runs the JAX and PyTorch
tabs too and compares them."""
)

# %% tags=["prose"]
Markdown(
    f"""## Three stacks of {DEPTH} layers

Each stack has {DEPTH} dense layers of {WIDTH} units with the sigmoid
activation, whose derivative is at most 0.25, and Keras's default
(Glorot-uniform) initial weights. They differ in one respect, and the
batch-normalised stack in a second: its dense layers have no bias, because
batch normalisation's learned offset β takes its place.

- **plain**: `x = sigmoid(dense(x))`;
- **residual** (He et al., 2016): `x = x + sigmoid(dense(x))`, so every layer
  also passes its input through unchanged;
- **batch-normalised** (Ioffe and Szegedy, 2015):
  `x = sigmoid(batch_norm(dense(x)))`.

For one batch of {BATCH} random inputs and targets, we take the gradient of
the mean squared error with respect to every layer's weights and every layer's
output, and record their norms. The gradients are float32, as in training;
their norms are taken in float64, because squaring entries of about 10⁻²⁰ in
float32 gives numbers below the smallest normal float32 (≈1.2 × 10⁻³⁸), and
TensorFlow flushes such subnormals to zero: a float32 norm would report 0 for
a gradient none of whose entries is zero."""
)

# %%
variants = {
    "plain": {},
    "residual": {"residual": True},
    "batch-normalised": {"batch_norm": True},
}
sigmoid_stacks = {
    name: measure(deep_stack(depth=DEPTH, width=WIDTH, seed=0, **options))
    for name, options in variants.items()
}
table(sigmoid_stacks, f"sigmoid, {DEPTH} layers")

# %% tags=["collapse"]
fig = Figure(figsize=(6, 6.5), layout="constrained")
axes = fig.subplots(2, 1, sharex=True)
for ax, key, label in (
    (axes[0], "weights", "‖∂L/∂W‖, the weights' gradient"),
    (axes[1], "delta", "‖δ‖, the gradient at the layer's output"),
):
    for name, m in sigmoid_stacks.items():
        values = m[key]
        shown = values > 0  # a gradient of exactly 0 has no logarithm
        ax.semilogy(
            depth[shown],
            values[shown],
            marker="o",
            markersize=3,
            label=name,
        )
    ax.set_ylabel("norm at initialisation")
    ax.set_title(label)
    ax.grid(alpha=0.3, which="both")
axes[1].set_xlabel("layer (1 = nearest the input)")
axes[0].legend()
fig.set_label(
    f"Gradient norms at initialisation in three stacks of {DEPTH} sigmoid "
    "layers: the weights' gradient (top) and the gradient at each layer's "
    "output, δ (bottom), by layer"
)
fig

# %% tags=["prose"]
plain = sigmoid_stacks["plain"]
zeros = int(np.sum(plain["weights"] == 0))
# One step of plain SGD (no momentum) moves each weight by at most learning
# rate × the gradient's norm. Where that is under half the float32 spacing at
# the weight, float32 rounds the step away: the weight does not change at all.
learning_rate = 0.01
kernel = (
    deep_stack(depth=DEPTH, width=WIDTH, seed=0)
    .get_layer("dense1")
    .kernel.numpy()
)
largest_step = learning_rate * plain["weights"][0]
unchanged = np.mean(largest_step < np.spacing(np.abs(kernel)) / 2)
orders = np.log10(plain["weights"][-1] / plain["weights"][0])
c_low, c_high = plain["c"].min(), plain["c"].max()
Markdown(
    f"""In the plain stack both measures shrink towards the input. δ at layer 1
is {plain["delta"][0] / plain["delta"][-1]:.0e} of δ at layer {DEPTH}; the
weights' gradient falls from {plain["weights"][-1]:.1e} at layer {DEPTH} to
{plain["weights"][0]:.1e} at layer 1,
{orders:.0f} orders of magnitude,
while the layers' inputs stay between {plain["input"].min():.1f} and
{plain["input"].max():.1f} in norm and c between {c_low:.2f} and
{c_high:.2f}: here the weights' gradient vanishes because δ does. {
        "No layer's weight gradient is exactly zero"
        if zeros == 0
        else f"{zeros} layers' weight gradients are exactly zero"
    }, but at layer 1 it is as good as zero: a step of plain SGD (no momentum)
with learning rate {learning_rate} moves each of its weights by at most
{largest_step:.0e}, under half the float32 spacing
at {unchanged:.0%} of its {kernel.size:,} weights: float32 rounds the update
away, and those weights do not change at all."""
)

# %% [markdown]
# Residual connections give the gradient a path around each layer's
# derivative; batch normalisation does something less obvious. First, the
# residual stack, and what its residual stream looks like after all the
# additions:

# %%
residual = deep_stack(depth=DEPTH, width=WIDTH, seed=0, residual=True)
stream, prediction = keras.Model(
    residual.input,
    [residual.get_layer(f"dense{DEPTH}_add").output, residual.output],
)(x)
stream, prediction = np.asarray(stream), np.asarray(prediction)
print(f"input:              mean {x.mean():6.2f}")
print(f"stream, layer {DEPTH}:  mean {stream.mean():6.2f}")
print(
    f"prediction:         mean {prediction.mean():6.2f} (targets {y.mean():.2f})"
)

# %% tags=["prose"]
res = sigmoid_stacks["residual"]
res_delta_ratio = res["delta"][0] / res["delta"][-1]
Markdown(
    f"""In the residual stack δ does not shrink on the way down: at layer 1 it is
{res_delta_ratio:.1f} times δ at layer {DEPTH}, and over all {DEPTH} layers it
stays within a factor of {res["delta"].max() / res["delta"].min():.1f}, because
each addition passes the gradient back unchanged next to the layer's own path.
The weights' gradient does fall towards the input, by a factor of
{res["weights"][-1] / res["weights"][0]:.0f} from layer {DEPTH} to layer 1
(spread {res["weights"].max() / res["weights"].min():.0f}), but not because of
δ: it is each layer's input, the residual stream, that changes. Each layer adds
its sigmoid's output, which is always positive, so the stream's mean grows
from {x.mean():.2f} at the input to {stream.mean():.1f} after {DEPTH}
additions. Its norm grows from {res["input"][0]:.0f} at layer 1 to
{res["input"][-1]:.0f} at layer {DEPTH}, and it lines up better with δ across
the batch: c goes from {res["c"][0]:.3f} at layer 1 to
{res["c"][-1]:.3f} at layer {DEPTH}. The head's predictions grow with the
stream (mean {prediction.mean():.1f}, against targets of mean {y.mean():.2f}),
and δ is proportional to that error: at layer {DEPTH} it is
{res["delta"][-1]:.2f} here, against {plain["delta"][-1]:.3f} in the plain
stack."""
)


# %%
def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return 1 / (1 + np.exp(-z))


# The sigmoid's slope averaged over a standard normal input, and the spread
# of its output, by quadrature on a fine grid.
grid = np.linspace(-10, 10, 200_001)
density = np.exp(-(grid**2) / 2) / np.sqrt(2 * np.pi)
step_z = grid[1] - grid[0]
slope = sigmoid(grid) * (1 - sigmoid(grid))
mean_slope = np.sum(slope * density) * step_z
output_mean = np.sum(sigmoid(grid) * density) * step_z
output_std = np.sqrt(
    np.sum((sigmoid(grid) - output_mean) ** 2 * density) * step_z
)
print(f"sigmoid's slope at 0:                      {slope.max():.2f}")
print(f"its mean slope over N(0, 1) inputs:        {mean_slope:.3f}")
print(f"std of sigmoid(z) for z from N(0, 1):      {output_std:.3f}")

bn_model = deep_stack(depth=DEPTH, width=WIDTH, seed=0, batch_norm=True)
state = [v.numpy() for v in bn_model.non_trainable_variables]
pre_activations = keras.Model(
    bn_model.input, [bn_model.get_layer(n).output for n in dense]
)(x, training=True)
for variable, value in zip(
    bn_model.non_trainable_variables, state, strict=True
):
    variable.assign(value)
sigma = np.array(
    [np.asarray(p).std(axis=0).mean() for p in pre_activations]
)
print(f"σ of the dense outputs, median over layers: {np.median(sigma):.3f}")
print(
    f"1/σ, median over layers:                   {np.median(1 / sigma):.2f}"
)
print("layer i / layer i + 1, median over layers:")
for name, m in sigmoid_stacks.items():
    step_w = np.median(m["weights"][:-1] / m["weights"][1:])
    step_d = np.median(m["delta"][:-1] / m["delta"][1:])
    print(f"{name:>18}: ‖∂L/∂W‖ {step_w:.2f}, ‖δ‖ {step_d:.2f}")

# %% tags=["prose"]
bn = sigmoid_stacks["batch-normalised"]
step_plain = np.median(plain["delta"][:-1] / plain["delta"][1:])
step_bn = np.median(bn["delta"][:-1] / bn["delta"][1:])
step_bn_w = np.median(bn["weights"][:-1] / bn["weights"][1:])
product = np.median(1 / sigma) * mean_slope
Markdown(
    f"""Batch normalisation does not change the sigmoid: its slope is still at
most 0.25, and 0.25 to the power {DEPTH} is {0.25**DEPTH:.0e}. It changes the
scale. In training mode it divides each layer's pre-activations by their
standard deviation over the batch, σ, and the backward pass multiplies δ by
the same 1/σ (γ/σ, with γ = 1 at the start, after removing its components
along the batch mean and the normalised values).

Here σ is small because the previous layer's sigmoid shrank the spread of
its input: its median over the layers is {np.median(sigma):.3f}, close to the
standard deviation of sigmoid(z) for a standard normal z ({output_std:.3f}),
and batch normalisation hands each sigmoid a standardised input. Dividing by σ
multiplies δ by about {np.median(1 / sigma):.2f} at each layer. What the
sigmoid takes away is its slope where its inputs fall, not its largest slope
(0.25): averaged over a standard normal input it is {mean_slope:.3f}, and
{np.median(1 / sigma):.2f} × {mean_slope:.3f} = {product:.2f}. From one layer
to the one below, δ shrinks by a median factor of {step_plain:.2f} in the
plain stack, and changes by {step_bn:.2f} in the batch-normalised one
({step_bn_w:.2f} for the weights' gradient): close to that product. The
batch-normalised stack's δ stays within a factor of
{bn["delta"].max() / bn["delta"].min():.1f} over the {DEPTH} layers, and its
weights' gradient within {bn["weights"].max() / bn["weights"].min():.1f}."""
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
# such as tanh (Glorot and Bengio, 2010). **He** initialisation (He et al.,
# 2015) uses 2 / n<sub>in</sub>, twice Glorot's when n<sub>in</sub> =
# n<sub>out</sub>, as in these stacks: a ReLU zeroes half its inputs, and the
# factor 2 makes up for it. The same plain stack, now with ReLU, three ways:
# weights from a normal distribution with standard deviation 0.01 ("small"),
# Glorot, and He; and, for comparison, Glorot's weights with tanh:

# %%
initialisers = {
    "ReLU, small": (
        "relu",
        {"class_name": "RandomNormal", "config": {"stddev": 0.01}},
    ),
    "ReLU, Glorot": ("relu", "glorot_uniform"),
    "ReLU, He": ("relu", "he_normal"),
    "tanh, Glorot": ("tanh", "glorot_uniform"),
}
init_stacks = {
    name: measure(
        deep_stack(
            depth=DEPTH,
            width=WIDTH,
            activation=activation,
            kernel_initializer=init,
            seed=0,
        )
    )
    for name, (activation, init) in initialisers.items()
}
table(init_stacks, f"plain, {DEPTH} layers")

# %% tags=["prose"]
small, glorot, he, tanh = (
    init_stacks[name]
    for name in ("ReLU, small", "ReLU, Glorot", "ReLU, He", "tanh, Glorot")
)
zero_layers = [int(i) for i in depth[small["weights"] == 0]]
zero_text = (
    f"{len(zero_layers)} of the {DEPTH} layers"
    + (", layer 1 among them," if 1 in zero_layers else "")
    + " get a weight gradient of exactly zero, and the others at most "
    + f"{small['weights'][small['weights'] > 0].max():.0e}"
    if zero_layers
    else f"every layer's weight gradient is at most {small['weights'].max():.0e}"
)


glorot_variance_step = (glorot["input"][-1] / glorot["input"][0]) ** (
    2 / (DEPTH - 1)
)


def ratio(m: dict[str, np.ndarray], key: str) -> float:
    """Layer 1's value as a multiple of the last layer's."""
    return m[key][0] / m[key][-1]


def spread(m: dict[str, np.ndarray], key: str) -> float:
    """Largest over smallest value across the layers."""
    return m[key].max() / m[key].min()


Markdown(
    f"""With small weights the signal dies on the way forward, so almost nothing
comes back: {zero_text}. Glorot's weights keep every layer's weight gradient
within a factor of {spread(glorot, "weights"):.1f} of the others, but that is
two vanishing factors multiplied: δ at layer 1 is {ratio(glorot, "delta"):.1e}
of δ at layer {DEPTH}, while the signal vanishes on the way forward: the
layers' input falls from a norm of {glorot["input"][0]:.0f} at layer 1 to
{glorot["input"][-1]:.1e} at layer {DEPTH}, its squared norm multiplied by
{glorot_variance_step:.2f} per layer on average. He's weights, twice as large in
variance, keep δ steady: layer 1's is {ratio(he, "delta"):.3f} of layer
{DEPTH}'s. Their weight gradients, from {he["weights"].min():.1f} to
{he["weights"].max():.1f}, still spread over a factor of
{spread(he, "weights"):.1f}, and that comes from the inputs: their norm goes
from {he["input"][0]:.0f} at layer 1 to {he["input"][-1]:.0f} at layer
{DEPTH}, and c from {he["c"][0]:.3f} (zero-mean random inputs, which line up
poorly with δ) to {he["c"][-1]:.3f} (a ReLU's outputs, all non-negative).
With tanh, Glorot's weights leave layer 1's δ at {ratio(tanh, "delta"):.2f} of
layer {DEPTH}'s."""
)

# %% [markdown]
# And the sigmoid stack? The same plain sigmoid stack, with weights drawn from
# normal distributions of several standard deviations, among them four times
# Glorot's:

# %%
glorot_std = np.sqrt(2 / (WIDTH + WIDTH))
four_glorot = 4 * glorot_std
print(
    f"Glorot's standard deviation: {glorot_std:.3f}; four times: {four_glorot:.3f}"
)
scales = sorted({0.01, 0.1, 0.25, float(four_glorot), 1.0, 2.0})
sigmoid_ratio = {}
sigmoid_delta_ratio = {}
print(f"layer 1 / layer {DEPTH}:")
for std in scales:
    init = {"class_name": "RandomNormal", "config": {"stddev": std}}
    m = measure(
        deep_stack(
            depth=DEPTH, width=WIDTH, kernel_initializer=init, seed=0
        )
    )
    sigmoid_ratio[std] = ratio(m, "weights")
    sigmoid_delta_ratio[std] = ratio(m, "delta")
    print(
        f"  std {std:5}: ‖∂L/∂W‖ {sigmoid_ratio[std]:.1e}, "
        f"‖δ‖ {sigmoid_delta_ratio[std]:.1e}"
    )

# %% tags=["prose"]
Markdown(
    f"""The {len(scales)} standard deviations go from {scales[0]:g} to
{scales[-1]:g}, among them four times Glorot's
({four_glorot:.2f}; Glorot's uniform weights have a standard deviation of
√(2 / ({WIDTH} + {WIDTH})) = {glorot_std:.3f} here). That factor of 4 for the
sigmoid is the rule of the LISA lab's Deep Learning Tutorials (their
multilayer-perceptron tutorial, which refers to Glorot and Bengio, 2010, for
the mathematics): the sigmoid's slope at zero is a quarter of tanh's. On this
stack it does not keep the gradient: at {four_glorot:.2f}, layer 1's weight
gradient is {sigmoid_ratio[four_glorot]:.1e} of layer {DEPTH}'s, and its δ
{sigmoid_delta_ratio[four_glorot]:.1e}."""
)


# %% tags=["prose"]
def share(value: float) -> str:
    """Layer 1's gradient norm as a multiple of the last layer's, in words."""
    return "exactly 0" if value == 0 else f"{value:.0e}"


steady = [s for s in scales if 0.1 <= sigmoid_delta_ratio[s] <= 10]
growing = [s for s in scales if sigmoid_delta_ratio[s] > 10]
if steady:
    verdict = (
        f"Of the {len(scales)} scales tried, {', '.join(f'{s:g}' for s in steady)} "
        f"keep layer 1's δ within a factor of 10 of layer {DEPTH}'s."
    )
else:
    verdict = (
        f"None of the {len(scales)} scales keeps layer 1's δ within a factor "
        f"of 10 of layer {DEPTH}'s."
    )
grows = (
    f", and at {growing[0]:g} it is {sigmoid_delta_ratio[growing[0]]:.0f} times"
    " larger: the gradient grows towards the input instead"
    if growing
    else ""
)
Markdown(
    f"""The scale of the initial weights matters for the sigmoid stack too:
layer 1's δ, as a multiple of layer {DEPTH}'s, goes from
{share(sigmoid_delta_ratio[scales[0]])} at a standard deviation of
{scales[0]:g} to {share(sigmoid_delta_ratio[four_glorot])} at four times
Glorot's and {share(sigmoid_delta_ratio[1.0])} at 1{grows}. {verdict} All of these
are measurements of one batch at initialisation; nothing on this page is
trained."""
)

# %% [markdown]
# ## The same listing on three backends
#
# The three versions of `kernel_gradients` near the top of the page compute
# the same gradients. To check, the page runs each in a fresh Python process
# with `KERAS_BACKEND` set (Keras picks its backend once per process): the
# copy cells of that backend, as a reader pastes them, and then, so that all
# three start from the same numbers, `model.set_weights` with the initial
# weights of this page's TensorFlow model, and `kernel_gradients` again. The
# code each process runs is read from this page's source, so the table below
# comes from the listings shown.

# %%
import os

import jupytext
from modern_convnets.listings import backend_code, run_listing

page = jupytext.read(
    os.environ.get("MODERN_CONVNETS_PAGE_SOURCE", "vanishing-gradients.py")
)
shared_weights = {f"w{i}": w for i, w in enumerate(model.get_weights())}
probe = f"""
outputs["seeded"] = np.array([norms[f"dense{{i}}"] for i in range(1, 31)])
outputs["first_kernel"] = model.get_weights()[0]
model.set_weights([{", ".join(shared_weights)}])
grads = kernel_gradients(model, x, y)[:30]
outputs["shared"] = np.array(
    [np.linalg.norm(keras.ops.convert_to_numpy(g).astype("float64")) for g in grads]
)
"""
runs = {
    backend: run_listing(
        backend_code(page.cells, backend) + "\n" + probe,
        backend,
        shared_weights,
    )
    for backend in ("tensorflow", "jax", "torch")
}
for backend, run in runs.items():
    own, shared = run["seeded"], run["shared"]
    print(
        f"{backend:<11} dense1 / dense30: {own[0] / own[-1]:.2e} with its "
        f"own seeded weights, {shared[0] / shared[-1]:.2e} with the shared ones"
    )

# %% tags=["prose"]
names = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}
pairs = [("tensorflow", "jax"), ("tensorflow", "torch"), ("jax", "torch")]
shared = {b: runs[b]["shared"] for b in names}
relative = {
    (a, b): np.abs(shared[a] - shared[b]) / shared[a] for a, b in pairs
}
measures = {
    "largest relative difference": lambda r: f"{r.max():.1e}",
    "at layer": lambda r: f"{int(r.argmax()) + 1}",
    "median over the layers": lambda r: f"{np.median(r):.1e}",
}
header = " | ".join(f"{names[a]} and {names[b]}" for a, b in pairs)
rows = "\n".join(
    f"| {measure} | "
    + " | ".join(cell(relative[pair]) for pair in pairs)
    + " |"
    for measure, cell in measures.items()
)
worst_pair = max(pairs, key=lambda pair: relative[pair].max())
worst = relative[worst_pair].max()
worst_layer = int(relative[worst_pair].argmax()) + 1
rounding = np.finfo(np.float32).eps / 2  # float32's relative rounding error
# Does rounding build up towards the input? Each pair on its own.
builds_up = all(
    np.median(r[: DEPTH // 3]) > 2 * np.median(r[-(DEPTH // 3) :])
    for r in relative.values()
)
if worst == 0:
    verdict = "The three listings give identical norms."
elif worst < 10 * rounding:
    verdict = (
        f"The three listings agree to within ten float32 rounding errors: "
        f"the largest relative "
        f"difference, {worst:.1e}, between {names[worst_pair[0]]} and "
        f"{names[worst_pair[1]]} at layer {worst_layer}, is "
        f"{worst / rounding:.0f} times the relative rounding error of one "
        f"float32 operation ({rounding:.1e})."
    )
else:
    verdict = (
        f"The three listings differ by up to {worst:.1e} (relative), between "
        f"{names[worst_pair[0]]} and {names[worst_pair[1]]} at layer "
        f"{worst_layer}: {worst / rounding:.0f} times the relative rounding "
        f"error of one float32 operation ({rounding:.1e})."
    )
growth = (
    " For every pair, the median difference over the first "
    f"{DEPTH // 3} layers is more than twice that over the last "
    f"{DEPTH // 3}: each layer's gradient is computed from the one above "
    "it, and carries its rounding along."
    if builds_up
    else " The differences do not grow towards the input: for at least one "
    f"pair the median over the first {DEPTH // 3} layers is not twice that "
    f"over the last {DEPTH // 3}."
)
drawn = [
    b
    for b in ("jax", "torch")
    if not np.array_equal(runs[b]["first_kernel"], shared_weights["w0"])
]
seeded = {b: runs[b]["seeded"][0] / runs[b]["seeded"][-1] for b in names}
if drawn:
    tabs = " and ".join(names[b] for b in drawn)
    plural = "s" if len(drawn) > 1 else ""
    seeded_text = f"""A reader who pastes the {tabs} tab{plural} sees other
numbers than this page shows: the same `set_random_seed(0)` makes Keras
draw the initial weights with each backend's own random-number generator,
and layer 1's gradient, as a multiple of layer {DEPTH}'s, is
{seeded["tensorflow"]:.1e} with TensorFlow's weights, {seeded["jax"]:.1e}
with JAX's and {seeded["torch"]:.1e} with PyTorch's."""
else:
    seeded_text = (
        "With `set_random_seed(0)` all three backends drew the same initial "
        "weights."
    )
Markdown(
    f"""| relative difference of ‖∂L/∂W‖ | {header} |
|---|---|---|---|
{rows}

*Relative differences (divided by the first backend's value) between the
norms of the {DEPTH} dense layers' weight gradients that the backends'
listings compute with the same weights and the same batch.*

{verdict} These are the numbers of this page's CPU; on a GPU, libraries
may multiply float32 matrices at lower precision by default (TensorFloat-32
on recent NVIDIA GPUs), and the differences could be larger. Float32 keeps
24 significant bits, and its addition is not associative: a sum of the same
products in another order ends in other last bits. Each backend has its own
kernels, for instance for the matrix products, which may sum the {WIDTH}
products of each entry in another order, and for the sigmoid.{growth}
The sigmoid is smooth, and nothing in this stack routes the gradient by
a comparison, as a ReLU or a max pooling does (is a value above zero, which
value is the largest), so a rounding difference cannot send the gradient
down another path: the norms stay as close as the rounding leaves them.

{seeded_text}"""
)

# %% [markdown]
# ## Check yourself
#
# 1. The sigmoid's slope is at most 0.25. Through 30 sigmoid layers, what is
#    the largest factor by which their slopes alone can multiply δ?
# 2. A float32 weight w = 0.1 gets the update w − lr · g with learning rate
#    lr = 0.01 and a gradient g = 10⁻¹⁸. What is the weight afterwards?
# 3. Why does the residual stack's δ not shrink layer after layer, although
#    its sigmoids are the plain stack's? And why does its weights' gradient
#    fall towards the input all the same?
# 4. He initialisation for a ReLU layer with 64 inputs: what variance, and
#    what standard deviation, do its weights get?
# 5. How does batch normalisation counter the sigmoid's factor of at most
#    0.25 per layer here?

# %% tags=["collapse"]
q1 = 0.25**DEPTH
w = np.float32(0.1)
q2_step = np.float32(0.01) * np.float32(1e-18)
q2 = w - q2_step
q4_variance = 2 / 64
print(f"1. 0.25 ** {DEPTH} = {q1:.2e}")
print(
    f"2. {w!s} - {q2_step:.0e} = {q2!s} in float32, unchanged: {q2 == w}; "
    f"float32 spacing at {w!s}: {np.spacing(w):.2e}"
)
print(f"4. variance 2 / 64 = {q4_variance}, std {np.sqrt(q4_variance):.3f}")

# %% tags=["prose"]
Markdown(
    f"""<details><summary>Answers</summary>

1. 0.25<sup>{DEPTH}</sup> = {q1:.1e}: the slopes of {DEPTH} sigmoid layers
   can shrink δ by {-np.log10(q1):.0f} orders of magnitude, before the
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
   derivative of that sum has a term 1 from x: δ passes back unchanged next
   to the layer's own path. Here δ stays within a factor of
   {res["delta"].max() / res["delta"].min():.1f} over the {
        DEPTH
    } layers. The
   weights' gradient is δ times each layer's input, and that input, the
   residual stream, grows from layer 1 to layer {DEPTH} (norm
   {res["input"][0]:.0f} to {
        res["input"][-1]:.0f}), so the weights' gradient
   is smaller near the input although δ is not.
4. Variance 2 / n<sub>in</sub> = {q4_variance:g}, a standard deviation of
   {np.sqrt(q4_variance):.3f}: twice Glorot's 2 / (n<sub>in</sub> +
   n<sub>out</sub>) for a square layer, to make up for the half of its
   inputs that each ReLU sets to zero.
5. It divides each layer's pre-activations by their spread σ over the batch,
   and the backward pass multiplies δ by 1/σ. Here σ has a median of
   {np.median(sigma):.3f}, so 1/σ is about {
        np.median(1 / sigma):.2f} at each
   layer, against the sigmoid's mean slope of {mean_slope:.3f} on its
   standardised inputs: from one layer to the one below, δ is multiplied by a
   median factor of {step_bn:.2f}, against {step_plain:.2f} in the plain
   stack.

</details>"""
)

# %% [markdown]
# ## Summary

# %% tags=["prose"]
res_spread_w, bn_spread_d, bn_spread_w = (
    spread(res, "weights"),
    spread(bn, "delta"),
    spread(bn, "weights"),
)
Markdown(
    f"""- A layer's weight gradient is its input times δ, the gradient at its
  output; only δ measures how the gradient flows back.
- In a plain {DEPTH}-layer sigmoid stack at initialisation, δ at the first
  layer is {ratio(plain, "delta"):.0e} of the last layer's, and the weight
  gradient {ratio(plain, "weights"):.0e}: too small for a float32 update to
  change its weights.
- Residual connections keep δ from shrinking (layer 1's is
  {res_delta_ratio:.1f} times layer {
        DEPTH
    }'s); their weight gradients spread
  over a factor of {res_spread_w:.0f} because their input, the residual
  stream, grows and lines up with δ. Batch normalisation keeps δ within a
  factor of {bn_spread_d:.1f} and the weight gradients within
  {bn_spread_w:.1f}. Modern convnets such as Xception use both;
  He et al. (2016) and Ioffe and Szegedy (2015) report that they also keep
  deep networks trainable as the weights change during training, which this
  page does not test.
- Initial weights set the scale: with ReLU, He's weights keep layer 1's δ at
  {ratio(he, "delta"):.3f} of the last layer's, Glorot's let it fall to {
        ratio(glorot, "delta"):.0e}, and weights that are too small kill the
  gradient; with tanh, Glorot's give {ratio(tanh, "delta"):.2f}{
        ", and sigmoid weights that are too large make it grow towards the input"
        if growing
        else ""
    }."""
)
