"""Everything the package assumes about Keras beyond its public API.

A Keras upgrade should need changes here and nowhere else:

- `model_graph` reads how a model's layers connect from its config: Keras 3
  stores each call of a layer as an `inbound_nodes` entry whose arguments
  hold `__keras_tensor__` records with a `keras_history` of
  `[layer, node, tensor]`. The layer tables and diagrams, the receptive
  fields and the TensorFlow.js export all read the graph through it.
- `run_graph` calls a model's layers on new inputs, layer by layer, through
  Keras's private `Functional._run_through_graph` (how `graph.tap_model`
  reaches layers inside nested models).
- `is_augmentation` and `is_preprocessing` say, by class, which layers only
  move pixels: feature maps leave them out, the browser models drop the
  augmentation.

`KERAS_VERSION` is the release this was verified against; `pyproject.toml`
pins it, and `tests/test_keras_internals.py` exercises each assumption
directly, so an upgrade that breaks one fails there first. To upgrade:
change both, run those tests, then the browser lab's parity check
(`pytest -m site`), which guards the exported models.

Examples:
    >>> import keras
    >>> inputs = keras.Input((4,), name="x")
    >>> model = keras.Model(inputs, keras.layers.Dense(2, name="d")(inputs))
    >>> [(layer.name, layer.inbound) for layer in model_graph(model).layers]
    [('x', []), ('d', ['x'])]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import keras

KERAS_VERSION = "3.15.1"
"""The Keras release this module was verified against (pinned in pyproject)."""

AUGMENTATION_LAYERS = (
    "AugMix",
    "CutMix",
    "MixUp",
    "RandAugment",
    "RandomBrightness",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomContrast",
    "RandomElasticTransform",
    "RandomErasing",
    "RandomFlip",
    "RandomGaussianBlur",
    "RandomGrayscale",
    "RandomHue",
    "RandomInvert",
    "RandomPerspective",
    "RandomPosterization",
    "RandomRotation",
    "RandomSaturation",
    "RandomSharpness",
    "RandomShear",
    "RandomTranslation",
    "RandomZoom",
)
"""`keras.layers` classes that change images at random in training and pass
them through unchanged at inference: the data augmentation."""

PREPROCESSING_LAYERS = (
    *AUGMENTATION_LAYERS,
    "AutoContrast",
    "CenterCrop",
    "ContrastLimitedAdaptiveHistogramEqualization",
    "Equalization",
    "Normalization",
    "Pipeline",
    "RandomCrop",
    "Rescaling",
    "Resizing",
    "Solarization",
)
"""`keras.layers` classes that transform pixels and learn nothing: the
augmentation, and rescaling, resizing, cropping and the like."""


def _classes(names: Sequence[str]) -> tuple[type, ...]:
    import keras

    return tuple(getattr(keras.layers, name) for name in names)


def _is_any(layer: Any, names: Sequence[str]) -> bool:
    import keras

    if isinstance(layer, keras.Model):  # a block of such layers, e.g. Sequential
        inner = [
            sub for sub in layer.layers if not isinstance(sub, keras.layers.InputLayer)
        ]
        return bool(inner) and all(_is_any(sub, names) for sub in inner)
    return isinstance(layer, _classes(names))


def is_augmentation(layer: Any) -> bool:
    """Whether `layer` is data augmentation, an identity at inference.

    True for an instance of one of `AUGMENTATION_LAYERS`, and for a model
    made only of them (the block `modern_convnets.data.augmentation` builds).

    Args:
        layer: Any object; non-layers are no augmentation.

    Returns:
        Whether the layer only augments images.

    Examples:
        >>> import keras
        >>> is_augmentation(keras.layers.RandomFlip("horizontal"))
        True
        >>> is_augmentation(keras.layers.Rescaling(1 / 255))
        False
    """
    return _is_any(layer, AUGMENTATION_LAYERS)


def is_preprocessing(layer: Any) -> bool:
    """Whether `layer` only transforms pixels and learns nothing.

    True for an instance of one of `PREPROCESSING_LAYERS` (augmentation
    included), and for a model made only of them.

    Args:
        layer: Any object; non-layers are no preprocessing.

    Returns:
        Whether the layer only transforms pixels.

    Examples:
        >>> import keras
        >>> is_preprocessing(keras.layers.Rescaling(1 / 255))
        True
        >>> is_preprocessing(keras.layers.Conv2D(4, 3))
        False
    """
    return _is_any(layer, PREPROCESSING_LAYERS)


def is_functional(model: Any) -> bool:
    """Whether `model` is a functional model, `keras.Model(inputs, outputs)`.

    Keras has no public name for the class; Sequential and subclassed models
    are not functional.

    Examples:
        >>> import keras
        >>> inputs = keras.Input((4,))
        >>> is_functional(keras.Model(inputs, keras.layers.Dense(1)(inputs)))
        True
        >>> is_functional(keras.Sequential([keras.Input((4,))]))
        False
    """
    from keras.src.models.functional import Functional

    return isinstance(model, Functional)


@dataclasses.dataclass(frozen=True)
class TensorRef:
    """A tensor in a model's graph: output `index` of call `node` of `layer`."""

    layer: str
    node: int
    index: int


@dataclasses.dataclass(frozen=True)
class LayerCall:
    """One call of a layer in a model's graph (a Keras "node").

    Attributes:
        args: The tensors passed positionally, in order.
        kwargs: The tensors passed by keyword, in order.
    """

    args: tuple[TensorRef, ...]
    kwargs: tuple[TensorRef, ...] = ()


@dataclasses.dataclass(frozen=True)
class GraphLayer:
    """A layer of a model's graph, as its config describes it.

    Attributes:
        name: The layer's name.
        class_name: Its class, e.g. `"Conv2D"`, or `"Functional"` and
            `"Sequential"` for a nested model.
        config: Its own config (`layer.get_config()` as serialised in the
            model's config).
        calls: Its calls in this model's graph; none for an input layer.
    """

    name: str
    class_name: str
    config: dict[str, Any]
    calls: tuple[LayerCall, ...]

    @property
    def inbound(self) -> list[str]:
        """Names of the layers whose outputs it takes, in call order."""
        return [
            tensor.layer for call in self.calls for tensor in (*call.args, *call.kwargs)
        ]


@dataclasses.dataclass(frozen=True)
class ModelGraph:
    """How a model's own layers connect, read from its config.

    Attributes:
        name: The model's name.
        kind: `"functional"` or `"sequential"`.
        layers: Its layers in the config's order (inputs first, every layer
            after those it takes), input layers included; a nested model is
            one layer.
        inputs: The model's input tensors.
        outputs: The model's output tensors.
    """

    name: str
    kind: Literal["functional", "sequential"]
    layers: tuple[GraphLayer, ...]
    inputs: tuple[TensorRef, ...]
    outputs: tuple[TensorRef, ...]


def _tensors(value: Any) -> Iterator[TensorRef]:
    """Every Keras tensor record in a serialised call's arguments, in order."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            layer, node, index = value["config"]["keras_history"]
            yield TensorRef(layer, node, index)
            return
        for item in value.values():
            yield from _tensors(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _tensors(item)


def _endpoints(value: list[Any]) -> tuple[TensorRef, ...]:
    """`["x", 0, 0]` or `[["x", 0, 0], ...]` (a model's inputs or outputs)."""
    nested = [value] if value and isinstance(value[0], str) else value
    return tuple(TensorRef(*entry) for entry in nested)


def model_graph(model: keras.Model) -> ModelGraph:
    """The layers of a model and the tensors each takes, from its config.

    The config describes the model's own graph and nothing else: calling its
    layers in another graph (as `tap_model` does) or on new inputs changes
    nothing here. A Sequential model's config stores no calls; each layer
    takes the output of the one before.

    Args:
        model: A functional or Sequential Keras model.

    Returns:
        Its graph; nested models are single layers (call `model_graph` on
            them for theirs).

    Raises:
        ValueError: `model` is neither functional nor Sequential (a
            subclassed model has no graph in its config).

    Examples:
        >>> import keras
        >>> model = keras.Sequential(
        ...     [keras.Input((4,), name="x"), keras.layers.Dense(2, name="d")]
        ... )
        >>> graph = model_graph(model)
        >>> graph.kind, [(layer.name, layer.inbound) for layer in graph.layers]
        ('sequential', [('x', []), ('d', ['x'])])
    """
    import keras

    if isinstance(model, keras.Sequential):
        config = model.get_config()
        layers: list[GraphLayer] = []
        for entry in config["layers"]:
            calls = (LayerCall((TensorRef(layers[-1].name, 0, 0),)),) if layers else ()
            layers.append(
                GraphLayer(
                    entry["config"]["name"], entry["class_name"], entry["config"], calls
                )
            )
        has_input = bool(layers) and layers[0].class_name == "InputLayer"
        return ModelGraph(
            name=config["name"],
            kind="sequential",
            layers=tuple(layers),
            inputs=(TensorRef(layers[0].name, 0, 0),) if has_input else (),
            outputs=(TensorRef(layers[-1].name, 0, 0),) if layers else (),
        )
    if not is_functional(model):
        raise ValueError(
            f"model={getattr(model, 'name', model)!r} is a {type(model).__name__}, "
            "whose config holds no layer graph: pass a functional model "
            "(keras.Model(inputs, outputs)) or a keras.Sequential"
        )
    config = model.get_config()
    return ModelGraph(
        name=config["name"],
        kind="functional",
        layers=tuple(
            GraphLayer(
                entry["name"],
                entry["class_name"],
                entry["config"],
                tuple(
                    LayerCall(
                        tuple(_tensors(node.get("args", []))),
                        tuple(_tensors(node.get("kwargs", {}))),
                    )
                    for node in entry.get("inbound_nodes", [])
                ),
            )
            for entry in config["layers"]
        ),
        inputs=_endpoints(config["input_layers"]),
        outputs=_endpoints(config["output_layers"]),
    )


def run_graph(
    model: keras.Model,
    inputs: list[Any],
    operation: Callable[[keras.Layer], Callable[..., Any]],
) -> Any:
    """`model`'s forward pass on `inputs`, calling `operation(layer)` per layer.

    Where the model would call `layer(*args, **kwargs)`, this calls
    `operation(layer)(*args, **kwargs)` instead, so the caller can record an
    output or descend into a nested model. A functional model is walked by
    Keras's own graph runner, the private `Functional._run_through_graph`.

    Args:
        model: A functional or Sequential Keras model.
        inputs: One tensor per model input.
        operation: Given a layer, the function to call in its place.

    Returns:
        The model's outputs; a single output bare, as calling the model
            gives it (a model built with `outputs=[x]` returns `x`).

    Raises:
        ValueError: `model` is neither functional nor Sequential.

    Examples:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> seen = []
        >>> def operation(layer):
        ...     seen.append(layer.name)
        ...     return layer
        >>> _ = run_graph(model, [keras.Input((2,))], operation)
        >>> seen == [layer.name for layer in model.layers]
        True
    """
    import keras

    if isinstance(model, keras.Sequential):
        (x,) = inputs
        for layer in model.layers:
            x = operation(layer)(x)
        return x
    if not is_functional(model):
        raise ValueError(
            f"model={getattr(model, 'name', model)!r} is a {type(model).__name__}: "
            "only functional and Sequential models can be run layer by layer"
        )
    outputs = model._run_through_graph(inputs, operation_fn=operation)
    if isinstance(outputs, list | tuple) and len(outputs) == 1:
        return outputs[0]
    return outputs
