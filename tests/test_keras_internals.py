"""Each assumption the package makes about Keras internals, tested directly.

A Keras upgrade that breaks one fails here, naming it, before it shows up as
a wrong diagram, receptive field or browser model.
"""

import inspect
import re
from pathlib import Path

import keras
import numpy as np
import pytest

from modern_convnets._keras_internals import (
    AUGMENTATION_LAYERS,
    KERAS_VERSION,
    PREPROCESSING_LAYERS,
    LayerCall,
    TensorRef,
    is_augmentation,
    is_functional,
    is_preprocessing,
    model_graph,
    run_graph,
)
from modern_convnets.data import augmentation

PYPROJECT = Path(__file__).parents[1] / "pyproject.toml"


class Subclassed(keras.Model):
    def call(self, x):
        return x


# --- The version ------------------------------------------------------------


def test_the_installed_keras_is_the_verified_one():
    assert keras.__version__ == KERAS_VERSION


def test_pyproject_pins_the_verified_keras():
    pins = re.findall(r'"keras([<>=!~][^"]*)"', PYPROJECT.read_text())
    assert pins == [f"=={KERAS_VERSION}"]


# --- run_graph: Functional._run_through_graph --------------------------------


@pytest.fixture(scope="module")
def nested():
    """A Functional model inside a Functional model, called with training=False."""
    keras.utils.set_random_seed(0)
    inner_in = keras.Input((3,), name="inner_in")
    a = keras.layers.Dense(4, name="a")(inner_in)
    b = keras.layers.BatchNormalization(name="b")(a)
    inner = keras.Model(inner_in, keras.layers.Add(name="add")([a, b]), name="inner")
    outer_in = keras.Input((3,), name="outer_in")
    features = inner(outer_in, training=False)
    logits = keras.layers.Dense(2, name="logits")(features)
    return keras.Model(outer_in, [logits], name="outer")


def test_run_graph_calls_the_operation_per_layer_with_its_arguments(nested):
    calls = []

    def operation(layer):
        def call(*args, **kwargs):
            calls.append((layer.name, len(args), kwargs))
            return layer(*args, **kwargs)

        return call

    x = np.arange(6, dtype="float32").reshape(2, 3)
    output = run_graph(nested, [keras.ops.convert_to_tensor(x)], operation)
    # One model output, built as `outputs=[logits]`, comes back bare.
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(output),
        keras.ops.convert_to_numpy(nested(x, training=False)),
        rtol=1e-6,
    )
    assert [name for name, _, _ in calls] == ["inner", "logits"]
    # The keyword the graph was built with reaches the operation.
    assert calls[0][1] == 1
    assert calls[0][2]["training"] is False


def test_run_graph_descends_into_a_nested_functional_model(nested):
    seen = []

    def operation(layer):
        seen.append(layer.name)
        if isinstance(layer, keras.Model):
            return lambda *args, **kwargs: run_graph(layer, list(args), operation)
        return layer

    inputs = keras.Input((3,))
    output = run_graph(nested, [inputs], operation)
    assert seen == ["inner", "a", "b", "add", "logits"]
    assert tuple(output.shape) == (None, 2)


def test_run_graph_returns_every_output_of_a_multi_output_model():
    inputs = keras.Input((3,))
    model = keras.Model(
        inputs, [keras.layers.Dense(1)(inputs), keras.layers.Dense(2)(inputs)]
    )
    outputs = run_graph(model, [keras.Input((3,))], lambda layer: layer)
    assert [tuple(t.shape) for t in outputs] == [(None, 1), (None, 2)]


def test_run_graph_chains_a_sequential_model():
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, name="d"), keras.layers.ReLU()]
    )
    seen = []

    def operation(layer):
        seen.append(type(layer).__name__)
        return layer

    output = run_graph(model, [keras.Input((3,))], operation)
    assert seen == ["Dense", "ReLU"]
    assert tuple(output.shape) == (None, 4)


def test_run_graph_refuses_a_subclassed_model():
    with pytest.raises(ValueError, match="is a Subclassed: only functional"):
        run_graph(Subclassed(name="sub"), [keras.Input((3,))], lambda layer: layer)


# --- model_graph: the config layout -------------------------------------------


def test_model_graph_of_a_functional_model_with_a_branch():
    inputs = keras.Input((8, 8, 3), name="pixels")
    x = keras.layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
    y = keras.layers.BatchNormalization(name="bn")(x)
    outputs = keras.layers.Add(name="add")([x, y])
    graph = model_graph(keras.Model(inputs, outputs, name="branchy"))
    assert graph.name == "branchy"
    assert graph.kind == "functional"
    assert [(layer.name, layer.class_name) for layer in graph.layers] == [
        ("pixels", "InputLayer"),
        ("conv", "Conv2D"),
        ("bn", "BatchNormalization"),
        ("add", "Add"),
    ]
    by_name = {layer.name: layer for layer in graph.layers}
    assert by_name["pixels"].calls == ()
    assert by_name["add"].calls == (
        LayerCall((TensorRef("conv", 0, 0), TensorRef("bn", 0, 0))),
    )
    assert by_name["add"].inbound == ["conv", "bn"]
    assert by_name["conv"].config["filters"] == 4
    assert by_name["conv"].config["padding"] == "same"
    assert list(by_name["pixels"].config["batch_shape"]) == [None, 8, 8, 3]
    assert graph.inputs == (TensorRef("pixels", 0, 0),)
    assert graph.outputs == (TensorRef("add", 0, 0),)


def test_model_graph_of_a_shared_layer_and_keyword_tensors():
    first = keras.Input((2, 4), name="first")
    second = keras.Input((2, 4), name="second")
    shared = keras.layers.Dense(4, name="shared")
    a, b = shared(first), shared(second)
    attention = keras.layers.MultiHeadAttention(1, 4, name="attention")(a, value=b)
    graph = model_graph(keras.Model([first, second], [attention, a]))
    by_name = {layer.name: layer for layer in graph.layers}
    # A layer called twice: one call per node, outputs told apart by node.
    assert by_name["shared"].calls == (
        LayerCall((TensorRef("first", 0, 0),)),
        LayerCall((TensorRef("second", 0, 0),)),
    )
    # A tensor passed by keyword is in the call's kwargs.
    assert by_name["attention"].calls == (
        LayerCall((TensorRef("shared", 0, 0),), (TensorRef("shared", 1, 0),)),
    )
    assert by_name["attention"].inbound == ["shared", "shared"]
    assert graph.inputs == (TensorRef("first", 0, 0), TensorRef("second", 0, 0))
    assert graph.outputs == (TensorRef("attention", 0, 0), TensorRef("shared", 0, 0))


def test_model_graph_of_a_sequential_model_is_a_chain():
    model = keras.Sequential(
        [
            keras.Input((4,), name="x"),
            keras.layers.Dense(3, name="a"),
            keras.layers.Dense(2, name="b"),
        ],
        name="chain",
    )
    graph = model_graph(model)
    assert (graph.name, graph.kind) == ("chain", "sequential")
    assert [(layer.name, layer.inbound) for layer in graph.layers] == [
        ("x", []),
        ("a", ["x"]),
        ("b", ["a"]),
    ]
    assert graph.layers[2].calls == (LayerCall((TensorRef("a", 0, 0),)),)
    assert graph.layers[1].config["units"] == 3
    assert graph.inputs == (TensorRef("x", 0, 0),)
    assert graph.outputs == (TensorRef("b", 0, 0),)


def test_model_graph_of_a_sequential_model_without_an_input():
    graph = model_graph(keras.Sequential([keras.layers.Dense(2, name="d")]))
    assert [(layer.name, layer.inbound) for layer in graph.layers] == [("d", [])]
    assert graph.inputs == ()
    assert graph.outputs == (TensorRef("d", 0, 0),)


def test_model_graph_keeps_a_nested_model_as_one_layer(nested):
    graph = model_graph(nested)
    assert [(layer.name, layer.class_name) for layer in graph.layers] == [
        ("outer_in", "InputLayer"),
        ("inner", "Functional"),
        ("logits", "Dense"),
    ]
    inner = graph.layers[1]
    assert inner.inbound == ["outer_in"]
    assert [layer["name"] for layer in inner.config["layers"]] == [
        "inner_in",
        "a",
        "b",
        "add",
    ]
    assert graph.outputs == (TensorRef("logits", 0, 0),)
    # The nested model's own graph, read from the layer itself.
    assert model_graph(nested.get_layer("inner")).layers[3].inbound == ["a", "b"]


def test_model_graph_of_a_sequential_inside_a_functional_model():
    inputs = keras.Input((16, 16, 3), name="pixels")
    x = augmentation(seed=0)(inputs)
    graph = model_graph(keras.Model(inputs, keras.layers.Flatten(name="flat")(x)))
    found = [(layer.name, layer.class_name, layer.inbound) for layer in graph.layers]
    assert found == [
        ("pixels", "InputLayer", []),
        ("augmentation", "Sequential", ["pixels"]),
        ("flat", "Flatten", ["augmentation"]),
    ]


def test_model_graph_refuses_a_subclassed_model():
    with pytest.raises(ValueError, match="model='sub' is a Subclassed, whose config"):
        model_graph(Subclassed(name="sub"))


def test_is_functional():
    inputs = keras.Input((3,))
    assert is_functional(keras.Model(inputs, keras.layers.Dense(1)(inputs)))
    assert not is_functional(keras.Sequential([keras.Input((3,))]))
    assert not is_functional(Subclassed())
    assert not is_functional(keras.layers.Dense(1))


# --- Which layers are augmentation and preprocessing ------------------------

# Arguments for the classes that need some.
ARGUMENTS = {
    "CenterCrop": (8, 8),
    "RandomBrightness": (0.5,),
    "RandomColorDegeneration": (0.5,),
    "RandomContrast": (0.5,),
    "RandomCrop": (8, 8),
    "RandomHue": (0.5,),
    "RandomPosterization": (4,),
    "RandomRotation": (0.2,),
    "RandomSaturation": (0.5,),
    "RandomSharpness": (0.5,),
    "RandomTranslation": (0.2, 0.2),
    "RandomZoom": (0.2,),
    "Rescaling": (1 / 255,),
    "Resizing": (8, 8),
    "Pipeline": ([],),
}

# Public classes of Keras's preprocessing package that do not work on images.
NOT_IMAGES = {
    "CategoryEncoding",
    "Discretization",
    "HashedCrossing",
    "Hashing",
    "IntegerLookup",
    "MaxNumBoundingBoxes",
    "MelSpectrogram",
    "STFTSpectrogram",
    "StringLookup",
    "TextVectorization",
}


def make(name):
    return getattr(keras.layers, name)(*ARGUMENTS.get(name, ()))


@pytest.mark.parametrize("name", AUGMENTATION_LAYERS)
def test_augmentation_layers_are_identities_at_inference(name):
    layer = make(name)
    assert is_augmentation(layer)
    assert is_preprocessing(layer)
    images = np.random.default_rng(0).uniform(0, 255, (2, 16, 16, 3))
    images = images.astype("float32")
    # What lets the browser models drop them.
    np.testing.assert_allclose(layer(images, training=False), images, rtol=1e-6)


@pytest.mark.parametrize(
    "name", sorted(set(PREPROCESSING_LAYERS) - set(AUGMENTATION_LAYERS))
)
def test_preprocessing_that_is_no_augmentation(name):
    layer = make(name)
    assert is_preprocessing(layer)
    assert not is_augmentation(layer)


@pytest.mark.parametrize(
    "layer",
    [
        keras.layers.Conv2D(4, 3),
        keras.layers.SeparableConv2D(4, 3),
        keras.layers.Dense(2),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
        keras.layers.MaxPooling2D(),
        # Random in training and identities at inference, yet regularisers:
        # they stay in the browser models.
        keras.layers.Dropout(0.5),
        keras.layers.GaussianNoise(0.1),
        keras.layers.InputLayer((4,)),
        "RandomFlip",
        None,
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_other_layers_are_neither(layer):
    assert not is_augmentation(layer)
    assert not is_preprocessing(layer)


def test_a_block_of_augmentation_layers_is_augmentation():
    assert is_augmentation(augmentation(seed=0))
    inputs = keras.Input((16, 16, 3))
    functional = keras.Model(inputs, keras.layers.RandomFlip()(inputs))
    assert is_augmentation(functional)
    mixed = keras.Sequential([keras.layers.RandomFlip(), keras.layers.Conv2D(4, 3)])
    assert not is_augmentation(mixed)
    assert not is_augmentation(keras.Sequential([keras.Input((4,))]))
    rescaled = keras.Sequential([keras.layers.RandomFlip(), keras.layers.Rescaling(2)])
    assert is_preprocessing(rescaled)
    assert not is_augmentation(rescaled)


def test_every_image_preprocessing_class_of_keras_is_classified():
    # Keras's module path, read here only: a class that a new Keras adds
    # fails this test until it is listed as preprocessing (or as no image
    # layer), so that feature maps and the browser models stay right.
    public = {
        name
        for name, value in vars(keras.layers).items()
        if inspect.isclass(value)
        and value.__module__.startswith("keras.src.layers.preprocessing")
    }
    assert public == set(PREPROCESSING_LAYERS) | NOT_IMAGES
    assert set(AUGMENTATION_LAYERS) < set(PREPROCESSING_LAYERS)
