"""Find layers anywhere in a model, nested sub-models included, and tap them.

Transfer-learning models usually hold a pretrained base as one layer:
`Input → Rescaling → xception (a Model) → Dense`. The base's inner layers are
then connected to the *base's* input, not the outer model's, so the usual
`keras.Model(model.input, inner_layer.output)` fails with "Graph
disconnected". `tap_model` rebuilds the forward pass instead: it runs the
outer graph on a fresh input, and when it reaches a sub-model that holds a
requested layer, it runs that sub-model's graph the same way, keeping the
requested outputs on the way. The result is one model returning the tapped
feature maps *and* the final output, computed in one pass, so gradients flow
from the output back to every tapped layer. The original model and its
weights are shared, never modified.

Examples:
    >>> import keras
    >>> inner = keras.Sequential(
    ...     [keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3, name="conv")],
    ...     name="base",
    ... )
    >>> outer = keras.Sequential(
    ...     [keras.Input((8, 8, 3)), inner, keras.layers.Flatten(name="flat")]
    ... )
    >>> tapped = tap_model(outer, ["conv"])
    >>> [tuple(t.shape) for t in tapped.outputs]
    [(None, 6, 6, 4), (None, 144)]
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from modern_convnets._keras_internals import is_preprocessing, run_graph

if TYPE_CHECKING:
    import keras

_COMPILED: weakref.WeakKeyDictionary[Any, dict[Hashable, Any]] = (
    weakref.WeakKeyDictionary()
)


def _is_model(layer: Any) -> bool:
    import keras

    return isinstance(layer, keras.Model)


def walk_layers(model: keras.Model) -> Iterator[tuple[tuple[str, ...], keras.Layer]]:
    """Every layer in model order, descending into nested sub-models.

    Args:
        model: A built Keras model.

    Yields:
        `(path, layer)`: `path` names the sub-models that hold the layer,
            outermost first (empty for the model's own layers). A sub-model
            is yielded before its layers.

    Examples:
        >>> import keras
        >>> dense = keras.layers.Dense(2, name="d")
        >>> inner = keras.Sequential([keras.Input((4,)), dense], name="inner")
        >>> outer = keras.Sequential([keras.Input((4,)), inner])
        >>> [(path, layer.name) for path, layer in walk_layers(outer)][-1]
        (('inner',), 'd')
    """
    for layer in model.layers:
        yield (), layer
        if _is_model(layer):
            for path, inner in walk_layers(layer):
                yield (layer.name, *path), inner


def _output_shape(layer: keras.Layer) -> tuple[int | None, ...] | None:
    try:
        return tuple(layer.output.shape)
    except (AttributeError, ValueError):  # input layers, layers called twice
        return None


def feature_map_layers(model: keras.Model) -> list[str]:
    """Names of all layers with a 4-D output (batch, height, width, channels).

    Nested sub-models are searched too; a sub-model itself is not listed, nor
    are preprocessing and augmentation layers (rescaling, random flips, ...).

    Args:
        model: A built Keras model.

    Returns:
        The names, in model order.

    Examples:
        >>> import keras
        >>> model = keras.Sequential([
        ...     keras.Input((8, 8, 3)),
        ...     keras.layers.Conv2D(4, 3, name="conv"),
        ...     keras.layers.Flatten(name="flat"),
        ... ])
        >>> feature_map_layers(model)
        ['conv']
    """
    return [layer.name for layer in _feature_map_layers(model)]


def _feature_map_layers(model: keras.Model) -> list[keras.Layer]:
    import keras

    found = []
    for _, layer in walk_layers(model):
        if (
            _is_model(layer)
            or isinstance(layer, keras.layers.InputLayer)
            # Pixels moved, nothing learnt: no feature map to look at.
            or is_preprocessing(layer)
        ):
            continue
        shape = _output_shape(layer)
        if shape is not None and len(shape) == 4:
            found.append(layer)
    return found


def find_layer(model: keras.Model, name: str) -> tuple[tuple[str, ...], keras.Layer]:
    """A layer by name, wherever it sits in the model.

    Args:
        model: A built Keras model.
        name: The layer's name.

    Returns:
        `(path, layer)` as in `walk_layers`.

    Raises:
        ValueError: No layer has that name (the message lists the layers with
            a 4-D feature map), or layers in two sub-models share it.

    Examples:
        >>> import keras
        >>> dense = keras.layers.Dense(2, name="d")
        >>> model = keras.Sequential([keras.Input((4,)), dense])
        >>> find_layer(model, "d")[1].name
        'd'
    """
    matches = [(p, layer) for p, layer in walk_layers(model) if layer.name == name]
    if not matches:
        valid = feature_map_layers(model)
        listed = ", ".join(valid) if valid else "(none)"
        raise ValueError(
            f"layer_name={name!r} is not a layer of model {model.name!r}. "
            f"Layers with a 4-D feature map: {listed}"
        )
    if len(matches) > 1:
        where = ["/".join((*path, name)) for path, _ in matches]
        raise ValueError(
            f"layer_name={name!r} is ambiguous in model {model.name!r}: "
            f"found at {', '.join(where)}"
        )
    return matches[0]


def feature_map_layer(model: keras.Model, name: str) -> keras.Layer:
    """A layer with a 4-D output, by name, wherever it sits in the model.

    The one lookup behind activations, filter patterns and Grad-CAM.

    Args:
        model: A built Keras model.
        name: The layer's name.

    Returns:
        The layer.

    Raises:
        ValueError: No layer has that name, layers in two sub-models share it
            (see `find_layer`), or its output is not a 4-D feature map; the
            message lists the layers that are.

    Examples:
        >>> import keras
        >>> model = keras.Sequential([
        ...     keras.Input((8, 8, 3)),
        ...     keras.layers.Conv2D(4, 3, name="conv"),
        ...     keras.layers.Flatten(name="flat"),
        ... ])
        >>> feature_map_layer(model, "conv").name
        'conv'
        >>> feature_map_layer(model, "flat")
        Traceback (most recent call last):
        ...
        ValueError: layer_name='flat' outputs shape (None, 144), not a 4-D feature map (batch, height, width, channels). Layers with a 4-D feature map: conv
    """  # noqa: E501
    _, layer = find_layer(model, name)
    shape = _output_shape(layer)
    if shape is None or len(shape) != 4:
        raise ValueError(
            f"layer_name={name!r} outputs shape {shape}, not a 4-D feature map "
            "(batch, height, width, channels). Layers with a 4-D feature map: "
            f"{', '.join(feature_map_layers(model)) or '(none)'}"
        )
    return layer


def compiled(model: keras.Model, key: Hashable, build: Callable[[], Any]) -> Any:
    """`build()` once per model and key: the package's cache of traced steps.

    Activations, filter patterns and Grad-CAM each trace a TensorFlow graph
    for a model and a layer; tracing costs seconds, so the traced function is
    kept here, weakly keyed on the model object (it goes when the model does).
    A traced function reads the model's variables when it runs, so new
    weights (more training, `load_weights`) are seen by the next call. A
    different model object, even with the same architecture, is traced anew.

    Args:
        model: The model the traced function belongs to.
        key: What else it depends on, e.g. `("gradcam", layer_name)`.
        build: Makes the value on the first call.

    Returns:
        The cached value.

    Examples:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> first = compiled(model, "demo", lambda: object())
        >>> compiled(model, "demo", lambda: object()) is first
        True
    """
    per_model = _COMPILED.setdefault(model, {})
    if key not in per_model:
        per_model[key] = build()
    return per_model[key]


def _holds(model: keras.Model, names: set[str], target: Any = None) -> bool:
    """Whether `model` contains a layer named in `names`, or `target` itself."""
    return any(
        layer.name in names or layer is target for _, layer in walk_layers(model)
    )


def output_layer(model: keras.Model) -> keras.Layer:
    """The innermost layer that computes a single-output model's output.

    If the model's last layer is itself a model (a classifier nested in a
    wrapper), the search continues inside it.

    Examples:
        >>> import keras
        >>> dense = keras.layers.Dense(2, name="logits")
        >>> output_layer(keras.Sequential([keras.Input((4,)), dense])).name
        'logits'
    """
    layer = model.layers[-1]
    while _is_model(layer):
        layer = layer.layers[-1]
    return layer


def _takes_training(layer: Any) -> bool:
    return "training" in inspect.signature(layer.call).parameters


def _without_activation(layer: Any, x: Any) -> Any:
    """The pre-activation output of a Dense layer or an Activation layer."""
    import keras

    if isinstance(layer, keras.layers.Activation):
        return x
    if isinstance(layer, keras.layers.Dense):
        y = keras.ops.matmul(x, layer.kernel)
        return y + layer.bias if layer.use_bias else y
    raise ValueError(
        f"cannot take the pre-activation output of layer {layer.name!r} "
        f"({type(layer).__name__}); supported: Dense, Activation"
    )


def _run(
    model: keras.Model,
    inputs: list[Any],
    names: set[str],
    tapped: dict[str, Any],
    training: bool | None = None,
    linear: Any = None,
    shifts: dict[str, Any] | None = None,
) -> Any:
    """Call `model`'s layers on `inputs`, recording the outputs of `names`.

    `training` is what the enclosing graph passed to `model` (e.g. a frozen
    base called with `training=False`); it is handed on to the inner layers.
    `linear` is a layer to call without its final activation. `shifts` maps
    tapped layer names to tensors added to their outputs.
    """
    shifts = shifts or {}

    def record(layer: Any, output: Any) -> Any:
        if layer.name in shifts:
            output = output + shifts[layer.name]
        if layer.name in names:
            tapped[layer.name] = output
        return output

    def operation(layer: Any) -> Callable[..., Any]:
        if layer is linear:

            def call_linear(*args: Any, **kwargs: Any) -> Any:
                return record(layer, _without_activation(layer, *args))

            return call_linear
        if _is_model(layer) and _holds(layer, names, linear):

            def run_inside(*args: Any, **kwargs: Any) -> Any:
                inner_training = kwargs.get("training", training)
                output = _run(
                    layer, list(args), names, tapped, inner_training, linear, shifts
                )
                return record(layer, output)

            return run_inside

        def call(*args: Any, **kwargs: Any) -> Any:
            # Only layers whose call takes `training` get it: the new graph
            # records the arguments, and replaying them (e.g. in
            # compute_output_shape) must not hand it to an Add.
            if training is not None and _takes_training(layer):
                kwargs.setdefault("training", training)
            return record(layer, layer(*args, **kwargs))

        return call

    return run_graph(model, inputs, operation)


def tap_model(
    model: keras.Model,
    layer_names: Sequence[str],
    *,
    include_output: bool = True,
    logits: bool = False,
    shift_inputs: bool = False,
) -> keras.Model:
    """One model returning the named layers' outputs (and the final output).

    Args:
        model: A built Functional or Sequential model; the layers may sit in
            nested sub-models.
        layer_names: Layers to tap, in the order their outputs should come.
        include_output: Append the model's own output(s) after the tapped ones.
        logits: Return the output *before* the final softmax or sigmoid: the
            last layer (`output_layer`) is applied without its activation if
            it is a Dense layer ending in sigmoid or softmax, or skipped if it
            is an Activation layer doing one of them. Other last layers are
            used as they are.
        shift_inputs: Give the model one more input per tapped layer, after
            the model's own, added to that layer's output. Fed zeros, it
            changes nothing, and the gradient with respect to it is the
            gradient with respect to the layer's output: what Grad-CAM needs,
            and what JAX can only take with respect to an input.

    Returns:
        A `keras.Model` on a fresh input of the same shape, sharing `model`'s
            layers and weights. `model` itself is not modified.

    Raises:
        ValueError: A name is unknown or ambiguous, or `layer_names` is empty.

    Examples:
        ```python
        tapped = tap_model(classifier, ["block14_sepconv2_act"])
        features, predictions = tapped(images)
        ```
    """
    import keras

    names = list(layer_names)
    if not names:
        raise ValueError("layer_names is empty: name at least one layer to tap")
    for name in names:
        find_layer(model, name)
    inputs = [
        keras.Input(shape=tuple(t.shape[1:]), dtype=t.dtype, name=f"tap_{i}")
        for i, t in enumerate(model.inputs)
    ]
    linear = None
    if logits:
        last = output_layer(model)
        activation = getattr(last, "activation", None)
        squashing = {keras.activations.sigmoid, keras.activations.softmax}
        if activation in squashing:
            linear = last
    shifts = {}
    if shift_inputs:
        for name in names:
            shape = _output_shape(find_layer(model, name)[1])
            shifts[name] = keras.Input(shape=shape[1:], name=f"shift_{name}")
    tapped: dict[str, Any] = {}
    outputs = _run(model, inputs, set(names), tapped, None, linear, shifts)
    extra = list(outputs) if isinstance(outputs, list | tuple) else [outputs]
    result = [tapped[name] for name in names]
    if include_output:
        result += extra
    inputs += list(shifts.values())
    return keras.Model(
        inputs if len(inputs) > 1 else inputs[0],
        result,
        name=f"{model.name}_tapped",
    )


def feature_extractor(model: keras.Model, layer_name: str) -> keras.Model:
    """The model truncated at `layer_name`: input → that layer's feature map.

    The layer may sit inside a nested sub-model (the ImageNet base of a
    transfer-learning classifier, say); see `tap_model`.

    Args:
        model: A Keras model.
        layer_name: The layer whose output is returned.

    Returns:
        A `keras.Model` sharing the original layers and weights; `model`
            itself is not modified.

    Raises:
        ValueError: The layer does not exist or its output is not a 4-D
            feature map (the message lists the layers whose output is).

    Examples:
        ```python
        extractor = feature_extractor(xception_base(), "block3_sepconv1")
        extractor.output_shape
        # (None, None, None, 256)
        ```
    """
    import keras

    layer = feature_map_layer(model, layer_name)
    name = f"{model.name}_to_{layer_name}"
    if layer in model.layers:  # the model's own graph reaches it: truncate
        # One input as a tensor, not a one-element list: called with a bare
        # tensor, a model built on a list warns about the input structure.
        inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
        return keras.Model(inputs, layer.output, name=name)
    # Inside a nested model: rebuild the forward pass through it.
    tapped = tap_model(model, [layer_name], include_output=False)
    return keras.Model(tapped.inputs, tapped.outputs[0], name=name)


def channel_indices(
    extractor: keras.Model, layer_name: str, channels: Iterable[int]
) -> list[int]:
    """`channels` as a list of integers, each checked against the layer's width.

    Args:
        extractor: The model truncated at the layer (`feature_extractor`).
        layer_name: The layer's name, for the error message.
        channels: The channels asked for.

    Returns:
        The channels, in order.

    Raises:
        ValueError: No channels, or one out of range (the valid range named).

    Examples:
        ```python
        extractor = feature_extractor(base, "block3_sepconv1")
        channel_indices(extractor, "block3_sepconv1", [0, 5])  # [0, 5]
        ```
    """
    indices = [int(c) for c in channels]
    available = extractor.output_shape[-1]
    if not indices:
        raise ValueError("channels is empty: name at least one channel")
    for index in indices:
        if not 0 <= index < available:
            raise ValueError(
                f"channel {index} is out of range for layer {layer_name!r}: it has "
                f"{available} channels, so valid ones are 0 to {available - 1}"
            )
    return indices
