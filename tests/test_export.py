import json

import keras
import numpy as np
import pytest

from modern_convnets.export import export_tfjs, tfjs_topology, tfjs_weights


@pytest.fixture(scope="module")
def tiny():
    """Augmentation, rescaling, a residual add and a sigmoid, as in the guide."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((16, 16, 3), name="pixels")
    augmentation = keras.Sequential(
        [keras.layers.RandomFlip("horizontal"), keras.layers.RandomZoom(0.2)],
        name="augmentation",
    )
    x = augmentation(inputs)
    x = keras.layers.Rescaling(1 / 255, name="rescaling")(x)
    x = keras.layers.Conv2D(4, 3, padding="same", name="conv")(x)
    y = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.layers.Add(name="add")([x, y])
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="predictions")(x)
    return keras.Model(inputs, outputs, name="tiny")


def test_topology_in_the_layers_model_format(tiny):
    topology = tfjs_topology(tiny)
    config = topology["config"]
    layers = {layer["name"]: layer for layer in config["layers"]}
    assert "augmentation" not in layers
    assert list(layers["pixels"]["config"]["batch_input_shape"]) == [None, 16, 16, 3]
    assert "batch_shape" not in layers["pixels"]["config"]
    # The augmentation's reader now reads the input.
    assert layers["rescaling"]["inbound_nodes"] == [[["pixels", 0, 0, {}]]]
    assert layers["add"]["inbound_nodes"] == [[["conv", 0, 0, {}], ["bn", 0, 0, {}]]]
    assert layers["conv"]["config"]["dtype"] == "float32"
    assert config["input_layers"] == [["pixels", 0, 0]]
    assert config["output_layers"] == [["predictions", 0, 0]]
    json.dumps(topology)


def test_weights_are_named_and_in_order(tiny):
    topology = tfjs_topology(tiny)
    specs, data = tfjs_weights(tiny, topology)
    names = [spec["name"] for spec in specs]
    assert names == [
        "conv/kernel",
        "conv/bias",
        "bn/gamma",
        "bn/beta",
        "bn/moving_mean",
        "bn/moving_variance",
        "predictions/kernel",
        "predictions/bias",
    ]
    values = np.frombuffer(data, "<f4")
    offset = 0
    for spec in specs:
        layer, variable = spec["name"].split("/")
        expected = next(w for w in tiny.get_layer(layer).weights if w.name == variable)
        size = int(np.prod(spec["shape"]))
        np.testing.assert_array_equal(
            values[offset : offset + size].reshape(spec["shape"]), expected
        )
        offset += size
    assert offset == values.size


def test_export_writes_model_json_and_weights(tiny, tmp_path):
    before = [w.copy() for w in tiny.get_weights()]
    path = export_tfjs(tiny, tmp_path / "tiny")
    document = json.loads(path.read_text())
    assert document["format"] == "layers-model"
    manifest = document["weightsManifest"]
    assert manifest[0]["paths"] == ["weights.bin"]
    size = sum(int(np.prod(w["shape"])) for w in manifest[0]["weights"]) * 4
    assert (tmp_path / "tiny" / "weights.bin").stat().st_size == size
    for old, new in zip(before, tiny.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


def test_only_functional_models():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)], name="seq")
    with pytest.raises(ValueError, match="model 'seq' is a Sequential: export needs"):
        tfjs_topology(model)
