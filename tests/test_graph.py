import keras
import numpy as np
import pytest
from keras import ops

from modern_convnets.autodiff import value_and_grad
from modern_convnets.graph import feature_map_layers, find_layer, tap_model, walk_layers


def _base() -> keras.Model:
    """A Functional 'pretrained base' with a branch, a BN layer and a ReLU."""
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(6, 3, name="base_conv1")(inputs)
    x = keras.layers.BatchNormalization(name="base_bn")(x)
    x = keras.layers.Activation("relu", name="base_act")(x)
    skip = keras.layers.Conv2D(6, 1, name="base_skip")(x)
    x = keras.layers.Conv2D(6, 3, padding="same", name="base_conv2")(x)
    x = keras.layers.Add(name="base_add")([x, skip])
    return keras.Model(inputs, x, name="base")


@pytest.fixture(scope="module")
def nested():
    """Rescaling → frozen base (called with training=False) → head."""
    keras.utils.set_random_seed(0)
    base = _base()
    base.trainable = False
    inputs = keras.Input((16, 16, 3), name="pixels")
    x = keras.layers.Rescaling(1 / 255, name="rescale")(inputs)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dropout(0.5, name="dropout")(x)
    outputs = keras.layers.Dense(3, name="logits")(x)
    return keras.Model(inputs, outputs, name="classifier")


@pytest.fixture(scope="module")
def pixels():
    return np.random.default_rng(1).uniform(0, 255, (4, 16, 16, 3)).astype("float32")


def test_walk_layers_descends_into_sub_models(nested):
    seen = [("/".join(path), layer.name) for path, layer in walk_layers(nested)]
    assert ("", "base") in seen
    assert ("base", "base_add") in seen
    assert seen.index(("", "base")) < seen.index(("base", "base_conv1"))


def test_feature_map_layers_lists_inner_layers_in_order(nested):
    # Preprocessing (the rescaling) is no feature map to look at.
    assert feature_map_layers(nested) == [
        "base_conv1",
        "base_bn",
        "base_act",
        "base_conv2",
        "base_skip",
        "base_add",
    ]


def test_tapping_a_nested_layer_gives_the_same_output(nested, pixels):
    tapped = tap_model(nested, ["base_act", "base_add"])
    act, add, out = tapped.predict(pixels, verbose=0)
    np.testing.assert_array_equal(out, nested.predict(pixels, verbose=0))
    base = nested.get_layer("base")
    inner = keras.Model(base.inputs, [base.get_layer("base_act").output, base.output])
    want_act, want_add = inner.predict(pixels / 255, verbose=0)
    np.testing.assert_allclose(act, want_act, atol=1e-6)
    np.testing.assert_allclose(add, want_add, atol=1e-6)


def test_direct_access_fails_where_tap_model_works(nested):
    """The 'Graph disconnected' error most recipes hit."""
    inner = nested.get_layer("base").get_layer("base_act")
    with pytest.raises(ValueError, match=r"[Dd]isconnected|not connected"):
        keras.Model(nested.inputs, [inner.output, nested.output])


def test_gradients_flow_from_the_output_to_a_tapped_layer(nested, pixels):
    # The gradient with respect to a zero added to the tapped features.
    tapped = tap_model(nested, ["base_add"], shift_inputs=True)
    shift = ops.zeros((len(pixels), *tapped.inputs[1].shape[1:]))

    def score(zero):
        features, logits = tapped([ops.convert_to_tensor(pixels), zero])
        return ops.sum(logits[:, 0]), (features,)

    _, (features,), grads = value_and_grad(score, tapped.variables)(shift)
    assert ops.convert_to_numpy(grads).shape == ops.convert_to_numpy(features).shape
    assert np.abs(ops.convert_to_numpy(grads)).sum() > 0


def test_training_false_reaches_the_frozen_base(nested, pixels):
    """BN inside the base keeps inference behaviour even when called directly."""
    tapped = tap_model(nested, ["base_bn"], include_output=False)
    bn = nested.get_layer("base").get_layer("base_bn")
    conv = keras.Model(
        nested.get_layer("base").input,
        nested.get_layer("base").get_layer("base_conv1").output,
    )
    expected = bn(conv(pixels / 255), training=False)
    np.testing.assert_allclose(tapped(pixels, training=True), expected, atol=1e-5)


def test_tap_the_sub_model_itself(nested, pixels):
    features, out = tap_model(nested, ["base"]).predict(pixels, verbose=0)
    assert features.shape == (4, 14, 14, 6)
    np.testing.assert_array_equal(out, nested.predict(pixels, verbose=0))


def test_sequential_inside_sequential():
    keras.utils.set_random_seed(2)
    inner = keras.Sequential(
        [keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3, name="conv")], name="inner"
    )
    outer = keras.Sequential(
        [keras.Input((8, 8, 3)), inner, keras.layers.Flatten(name="flat")]
    )
    x = np.ones((2, 8, 8, 3), "float32")
    conv, flat = tap_model(outer, ["conv"]).predict(x, verbose=0)
    np.testing.assert_allclose(conv.reshape(2, -1), flat, atol=1e-6)


def test_the_model_is_not_modified(nested, pixels):
    before = [w.copy() for w in nested.get_weights()]
    layers = [layer.name for _, layer in walk_layers(nested)]
    reference = nested.predict(pixels, verbose=0)
    tap_model(nested, ["base_conv2"])
    assert [layer.name for _, layer in walk_layers(nested)] == layers
    for old, new in zip(before, nested.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)
    np.testing.assert_array_equal(nested.predict(pixels, verbose=0), reference)
    assert len(nested.outputs) == 1


def test_unknown_layer_lists_the_valid_ones(nested):
    with pytest.raises(ValueError, match="is not a layer") as error:
        tap_model(nested, ["conv9"])
    message = str(error.value)
    assert "layer_name='conv9'" in message
    assert "base_conv1, base_bn" in message


def test_ambiguous_name_names_both_places():
    first = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="d")])
    second = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, name="d")])
    first.name, second.name = "first", "second"
    model = keras.Sequential([keras.Input((4,)), first, second])
    with pytest.raises(ValueError, match=r"ambiguous.*first/d, second/d"):
        find_layer(model, "d")


def test_empty_layer_list_is_an_error(nested):
    with pytest.raises(ValueError, match="layer_names is empty"):
        tap_model(nested, [])


def test_a_tapped_graph_replays_through_layers_without_a_training_argument(nested):
    # The base is called with training=False; its Add layer takes no such
    # argument, and replaying the tapped graph symbolically must not pass it.
    tapped = tap_model(nested, ["base_add"], include_output=False)
    (shape,) = tapped.compute_output_shape((2, 16, 16, 3))
    assert tuple(shape) == tuple(tapped(np.zeros((2, 16, 16, 3), "float32")).shape)
