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
# # Batch normalisation
#
# A layer learns best when its inputs keep a stable scale. Batch normalisation
# enforces that: during training it normalises each channel with the mean and
# variance of the current batch, then lets the network choose the scale and
# offset it actually wants.
#
# You will learn:
#
# - the four equations of batch normalisation, as NumPy code checked against
#   Keras's `BatchNormalization` layer, in training and in inference mode;
# - why a convolution followed by batch normalisation needs no bias;
# - the lecture's convolution → normalisation → activation pattern in plain
#   Keras, and where the layer's four parameters per channel come from.
#
# ## The equations
#
# For the values $x_1, \dots, x_m$ of one channel over a mini-batch $\mathrm{B}$:
#
# $$\mu_\mathrm{B} = \frac{1}{m} \sum_{i=1}^m x_i
# \qquad
# \sigma_\mathrm{B}^2 = \frac{1}{m} \sum_{i=1}^m (x_i - \mu_\mathrm{B})^2$$
#
# $$\hat{x}_i = \frac{x_i - \mu_\mathrm{B}}{\sqrt{\sigma_\mathrm{B}^2 + \epsilon}}
# \qquad
# y_i = \gamma \hat{x}_i + \beta$$
#
# The scale $\gamma$ and offset $\beta$ are learned. For a convolution's output
# of shape (batch, height, width, channels), "the values of one channel" are all
# batch × height × width of them.

# %%
import keras
import numpy as np
from modern_convnets.arithmetic import batch_norm_params


def batch_norm(x, gamma, beta, mean=None, variance=None, epsilon=1e-3):
    """Normalise the last axis; use the batch's statistics unless given."""
    axes = tuple(range(x.ndim - 1))  # every axis but the channels
    if mean is None:
        mean, variance = x.mean(axis=axes), x.var(axis=axes)
    return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta


# %% [markdown]
# ## Checked against Keras, in training mode
#
# In training mode (`training=True`, as inside `fit`) the layer uses the batch's
# own mean and variance. We give the Keras layer random $\gamma$ and $\beta$ and
# compare it with the NumPy version on a batch of feature maps:

# %%
rng = np.random.default_rng(0)
x = rng.normal(3.0, 2.0, size=(32, 8, 8, 16)).astype("float32")
gamma = rng.uniform(0.5, 1.5, 16).astype("float32")
beta = rng.normal(size=16).astype("float32")

layer = keras.layers.BatchNormalization(momentum=0.9)
layer.build(x.shape)
layer.gamma.assign(gamma)
layer.beta.assign(beta)

keras_train = np.asarray(layer(x, training=True))
numpy_train = batch_norm(x, gamma, beta, epsilon=layer.epsilon)
gap = np.abs(keras_train - numpy_train).max()
print(f"largest difference, training mode: {gap:.1e}")
x_hat = (numpy_train - beta) / gamma
print(
    "per-channel mean of x̂ (first 4):",
    x_hat.mean(axis=(0, 1, 2))[:4].round(6),
)

# %% [markdown]
# ## ... and in inference mode
#
# At inference there may be a single image, so batch statistics are meaningless.
# During training the layer keeps exponential moving averages of the mean and
# variance, `moving = momentum × moving + (1 − momentum) × batch`, and uses them
# at inference. The one training call above has already updated them once, from
# their initial values 0 and 1:

# %%
batch_mean = x.mean(axis=(0, 1, 2))
batch_var = x.var(axis=(0, 1, 2))
expected_mean = 0.9 * 0.0 + 0.1 * batch_mean
expected_var = 0.9 * 1.0 + 0.1 * batch_var
mean_ok = np.allclose(layer.moving_mean, expected_mean, atol=1e-5)
var_ok = np.allclose(layer.moving_variance, expected_var, atol=1e-4)
print(f"moving mean as expected: {mean_ok}; moving variance: {var_ok}")

keras_infer = np.asarray(layer(x, training=False))
numpy_infer = batch_norm(
    x,
    gamma,
    beta,
    mean=np.asarray(layer.moving_mean),
    variance=np.asarray(layer.moving_variance),
    epsilon=layer.epsilon,
)
gap = np.abs(keras_infer - numpy_infer).max()
print(f"largest difference, inference mode: {gap:.1e}")

# %% [markdown]
# ## Why the convolution drops its bias
#
# A bias adds the same constant to every value of a channel; batch normalisation
# subtracts the channel's mean, constant included, and adds its own offset
# $\beta$. So a convolution's bias has no effect on the normalised output, and only
# costs parameters. The same convolution with and without a bias, followed by
# batch normalisation in training mode:

# %%
images = rng.uniform(0, 1, size=(8, 32, 32, 3)).astype("float32")
with_bias = keras.layers.Conv2D(32, 3)
without_bias = keras.layers.Conv2D(32, 3, use_bias=False)
with_bias.build(images.shape)
without_bias.build(images.shape)
with_bias.kernel.assign(without_bias.kernel)
with_bias.bias.assign(
    rng.normal(0, 5, 32).astype("float32")
)  # a large bias

norm = keras.layers.BatchNormalization()
a = np.asarray(norm(with_bias(images), training=True))
b = np.asarray(norm(without_bias(images), training=True))
print(
    f"largest difference with and without a bias: {np.abs(a - b).max():.1e}"
)
print(f"output scale for comparison: {np.abs(b).mean():.2f}")

# %% [markdown]
# The two outputs agree to within float32 rounding, so a convolution followed
# by batch normalisation is written without a bias.
#
# ## The pattern in a model
#
# The lecture's pattern: a convolution without bias, then batch normalisation,
# then the activation, as its own layer so that it comes after the
# normalisation. In plain Keras, to copy:

# %% tags=["copy"]
import keras
from keras import layers

inputs = keras.Input(shape=(32, 32, 3))
x = layers.Conv2D(32, 3, use_bias=False)(inputs)
x = layers.BatchNormalization()(x)
x = layers.Activation("relu")(x)
model = keras.Model(inputs, x)
model.summary()

# %% [markdown]
# The normalisation has four parameters per channel, 128 for 32 channels: 32
# scales $\gamma$ and 32 offsets $\beta$, trained by gradient descent, and 32
# moving means and 32 moving variances, updated by averaging and counted as
# non-trainable. This package writes the three layers as one call,
# `conv_bn(x, 32)`; given the listing's weights (moving statistics included)
# it computes the same output:

# %%
from modern_convnets.blocks import conv_bn

inputs = keras.Input(shape=(32, 32, 3))
ours = keras.Model(inputs, conv_bn(inputs, 32, name="conv"))
ours.set_weights(model.get_weights())
bn = ours.get_layer("conv_bn")
trainable = sum(int(np.prod(w.shape)) for w in bn.trainable_weights)
print(f"Keras: {bn.count_params()} parameters, {trainable} trainable")
print(f"formula: {batch_norm_params(32)}")
print(
    "same output as the listing:",
    np.array_equal(
        model.predict(images, verbose=0), ours.predict(images, verbose=0)
    ),
)

# %% [markdown]
# ## Summary
#
# - Training mode normalises each channel with the batch's mean and variance, then
#   scales by $\gamma$ and shifts by $\beta$; the NumPy version above matches Keras
#   to float32 rounding.
# - Inference mode uses moving averages of those statistics, updated at every
#   training step.
# - A bias before batch normalisation is cancelled by the mean subtraction: leave
#   it out.
# - 4 parameters per channel, 2 of them trainable: 128 and 64 for 32 channels.
