"""Measure how the gradient shrinks (or not) on its way back through a deep network.

`deep_stack` builds the same deep stack of dense layers three ways (plain,
with residual connections, with batch normalisation).
`kernel_gradient_norms` measures, for one batch at initialisation, the norm of
the loss gradient with respect to every layer's weights;
`activation_gradient_norms` the norm of the gradient with respect to every
layer's output, the gradient that backpropagation passes down. A dense
layer's weight gradient is its input times that gradient, so the first
measure also grows and shrinks with the layer's input; the second does not.

Examples:
    >>> import numpy as np
    >>> model = deep_stack(depth=4, width=8, seed=0)
    >>> x = np.ones((2, 8), "float32")
    >>> norms = kernel_gradient_norms(model, x, np.zeros((2, 1), "float32"))
    >>> list(norms)
    ['dense1', 'dense2', 'dense3', 'dense4', 'head']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from modern_convnets._seeding import seeded_layers
from modern_convnets.autodiff import value_and_grad, variable_gradients
from modern_convnets.graph import find_layer, tap_model

if TYPE_CHECKING:
    import keras


def deep_stack(
    depth: int = 30,
    width: int = 64,
    *,
    residual: bool = False,
    batch_norm: bool = False,
    activation: str = "sigmoid",
    kernel_initializer: str | dict[str, Any] = "glorot_uniform",
    seed: int = 0,
) -> keras.Model:
    """A deep stack of dense layers, optionally with residuals or batch normalisation.

    Layer `i` computes `activation(dense_i(x))` (plain), with batch
    normalisation between the dense layer and the activation
    (`batch_norm=True`), and adds its input back (`residual=True`). A final
    `head` layer maps to one output.

    Args:
        depth: Hidden layers.
        width: Units per hidden layer (also the input size).
        residual: Add each layer's input to its output.
        batch_norm: Normalise each layer's pre-activations.
        activation: Keras activation of the hidden layers.
        kernel_initializer: How the dense layers' initial weights are drawn: a
            Keras initializer's name (`"glorot_uniform"`, Keras's default;
            `"he_normal"`) or its config, e.g. `{"class_name": "RandomNormal",
            "config": {"stddev": 0.01}}`. Each layer gets its own draw.
        seed: Seed of the initial weights.

    Returns:
        A `keras.Model` mapping `(batch, width)` to `(batch, 1)`, with layers
        `dense1` … `dense{depth}` and `head`.

    Raises:
        ValueError: `depth` or `width` is not a positive integer, or
            `kernel_initializer` is not a Keras initializer.

    Examples:
        >>> deep_stack(depth=3, width=4, residual=True).count_params()
        65
    """
    import keras
    from keras import layers

    for value, name in ((depth, "depth"), (width, "width")):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}={value!r} must be a positive integer")
    inputs = keras.Input((width,), name="inputs")
    x = inputs
    with seeded_layers(seed):
        for i in range(1, depth + 1):
            try:
                dense = layers.Dense(
                    width,
                    use_bias=not batch_norm,
                    kernel_initializer=kernel_initializer,
                    name=f"dense{i}",
                )
            except ValueError as error:
                raise ValueError(
                    f"kernel_initializer={kernel_initializer!r} is not a Keras "
                    "initializer: give a name such as 'glorot_uniform' or "
                    "'he_normal', or a config dict"
                ) from error
            y = dense(x)
            if batch_norm:
                y = layers.BatchNormalization(name=f"dense{i}_bn")(y)
            y = layers.Activation(activation, name=f"dense{i}_act")(y)
            x = layers.add([x, y], name=f"dense{i}_add") if residual else y
        outputs = layers.Dense(1, name="head")(x)
    return keras.Model(inputs, outputs, name="deep_stack")


def kernel_gradient_norms(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    *,
    training: bool = True,
) -> dict[str, float]:
    """L2 norm of the mean-squared-error gradient for each layer's kernel.

    The gradient comes from the active Keras backend
    (`modern_convnets.autodiff`); its norm is taken in float64. In float32,
    squaring entries of about 1e-20 gives numbers below the smallest normal
    float32 (about 1.2e-38), which flush to zero: `tf.norm` then reports 0
    for a gradient whose every entry is nonzero.

    Args:
        model: Any Keras model. It is not modified: batch normalisation's
            moving statistics, which a training-mode pass updates, are put
            back afterwards.
        x: One batch of inputs.
        y: Its targets.
        training: Run the forward pass in training mode (batch normalisation
            then uses the batch's statistics, as during `fit`).

    Returns:
        Layer name → gradient norm, for every layer with a `kernel`, in model
        order.

    Examples:
        ```python
        norms = kernel_gradient_norms(deep_stack(), x, y)
        norms["dense1"] / norms["dense30"]  # how much the gradient shrank
        ```
    """
    from keras import ops

    layers = [
        layer for layer in model.layers if getattr(layer, "kernel", None) is not None
    ]
    kernels = [layer.kernel for layer in layers]

    def loss(inputs: Any, targets: Any) -> Any:
        prediction = model(inputs, training=training)
        return ops.mean(ops.square(prediction - targets))

    state = [ops.convert_to_numpy(v.value) for v in model.non_trainable_variables]
    try:
        _, grads = variable_gradients(loss, kernels)(
            ops.convert_to_tensor(x), ops.convert_to_tensor(y)
        )
    finally:
        for variable, value in zip(model.non_trainable_variables, state, strict=True):
            variable.assign(value)
    return {
        layer.name: float(np.linalg.norm(ops.convert_to_numpy(g).astype("float64")))
        for layer, g in zip(layers, grads, strict=True)
    }


def activation_gradient_norms(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    layer_names: Sequence[str] | None = None,
    *,
    training: bool = True,
) -> dict[str, float]:
    """L2 norm of the mean-squared-error gradient with respect to layer outputs.

    For a dense layer `z = x W + b`, this is the norm of `δ = ∂L/∂z`, the
    gradient that backpropagation hands to the layer; its weight gradient
    (`kernel_gradient_norms`) is `xᵀ δ`, which also scales with the layer's
    input `x`. The gradients come from the active Keras backend
    (`modern_convnets.autodiff`): a zero is added to every named layer's
    output (`modern_convnets.graph.tap_model` with `shift_inputs=True`), all
    of them stacked into one tensor, and the gradient is taken with respect
    to it in one compiled pass. The norms are taken in float64, as in
    `kernel_gradient_norms`.

    Args:
        model: A Keras model with one input and one output. It is not
            modified: batch normalisation's moving statistics, which a
            training-mode pass updates, are put back afterwards.
        x: One batch of inputs.
        y: Its targets.
        layer_names: The layers whose output gradient to measure, in the
            order wanted; by default every layer with a `kernel`, in model
            order (for a `deep_stack`: `dense1` … and `head`).
        training: Run the forward pass in training mode (batch normalisation
            then uses the batch's statistics, as during `fit`).

    Returns:
        Layer name → norm of the loss gradient with respect to its output.

    Raises:
        ValueError: `layer_names` is empty or names a layer the model does
            not have.

    Examples:
        ```python
        model = deep_stack()
        deltas = activation_gradient_norms(model, x, y)
        deltas["dense1"] / deltas["dense30"]  # how much δ shrank on the way down
        activation_gradient_norms(model, x, y, ["dense1", "head"])
        ```
    """
    from keras import ops

    if layer_names is None:
        names = [
            layer.name
            for layer in model.layers
            if getattr(layer, "kernel", None) is not None
        ]
    else:
        names = list(layer_names)
    if not names:
        raise ValueError(
            f"layer_names={layer_names!r} is empty: name at least one layer "
            "of the model"
        )
    for name in names:
        try:
            find_layer(model, name)
        except ValueError as error:
            raise ValueError(
                f"layer_names contains {name!r}, which is not a layer of model "
                f"{model.name!r}; its layers: "
                f"{', '.join(layer.name for layer in model.layers)}"
            ) from error
    tapped = tap_model(model, names, shift_inputs=True)
    shift_inputs = tapped.inputs[len(model.inputs) :]
    shapes = [tuple(int(d) for d in t.shape[1:]) for t in shift_inputs]
    sizes = [int(np.prod(shape)) for shape in shapes]
    ends = np.cumsum(sizes)[:-1].tolist()

    def loss(shift: Any, inputs: Any, targets: Any) -> tuple[Any, tuple[()]]:
        pieces = ops.split(shift, ends, axis=1) if ends else [shift]
        shifts = [
            ops.reshape(piece, (-1, *shape))
            for piece, shape in zip(pieces, shapes, strict=True)
        ]
        outputs = tapped([inputs, *shifts], training=training)
        prediction = outputs[len(names)]
        return ops.mean(ops.square(prediction - targets)), ()

    gradient = value_and_grad(loss, tapped.variables)
    inputs = ops.convert_to_tensor(x)
    shift = ops.zeros((inputs.shape[0], sum(sizes)), dtype=shift_inputs[0].dtype)
    state = [ops.convert_to_numpy(v.value) for v in model.non_trainable_variables]
    try:
        _, _, grads = gradient(shift, inputs, ops.convert_to_tensor(y))
    finally:
        for variable, value in zip(model.non_trainable_variables, state, strict=True):
            variable.assign(value)
    grads = ops.convert_to_numpy(grads).astype("float64")
    pieces = np.split(grads, ends, axis=1)
    return {
        name: float(np.linalg.norm(piece))
        for name, piece in zip(names, pieces, strict=True)
    }
