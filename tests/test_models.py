import keras
import numpy as np
import pytest

from modern_convnets.blocks import (
    bn_relu_sepconv,
    conv_bn,
    residual_block,
    xception_block,
)
from modern_convnets.data import augmentation
from modern_convnets.models import mini_xception, small_convnet


def params(model):
    return {
        layer.name: layer.count_params()
        for layer in model.layers
        if layer.count_params()
    }


def test_residual_block_case_1_filters_change():
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(32, 3, activation="relu", name="C1")(inputs)
    model = keras.Model(inputs, residual_block(x, 64, name="C2"))
    assert params(model) == {
        "C1": 896,
        "C2_conv1": 18_496,
        "C2_conv2": 36_928,
        "C2_residual": 2_112,
    }
    assert model.output_shape == (None, 30, 30, 64)
    assert model.get_layer("C2_residual").kernel_size == (1, 1)


def test_residual_block_case_2_max_pooling():
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(32, 3, activation="relu", name="C1")(inputs)
    model = keras.Model(inputs, residual_block(x, 64, convs=1, pooling=True, name="C2"))
    assert params(model) == {"C1": 896, "C2_conv1": 18_496, "C2_residual": 2_112}
    assert model.output_shape == (None, 15, 15, 64)
    assert model.get_layer("C2_residual").strides == (2, 2)


def test_residual_block_identity_when_shapes_match():
    inputs = keras.Input((8, 8, 16))
    model = keras.Model(inputs, residual_block(inputs, 16, name="b"))
    assert "b_residual" not in [layer.name for layer in model.layers]
    # With all-zero kernels the main branch outputs relu(0) = 0: only the input is left.
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 16)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), x)


def test_conv_bn_drops_the_bias():
    inputs = keras.Input((32, 32, 3))
    model = keras.Model(inputs, conv_bn(inputs, 32, name="c"))
    assert model.get_layer("c").use_bias is False
    assert params(model) == {"c": 864, "c_bn": 128}
    assert [layer.name for layer in model.layers[1:]] == ["c", "c_bn", "c_act"]


def test_bn_relu_sepconv_order_and_count():
    inputs = keras.Input((16, 16, 64))
    model = keras.Model(inputs, bn_relu_sepconv(inputs, 128, name="s"))
    assert [layer.name for layer in model.layers[1:]] == ["s_bn", "s_act", "s"]
    assert params(model) == {"s_bn": 256, "s": 8_768}


def test_xception_block_halves_the_size():
    inputs = keras.Input((45, 45, 32))
    model = keras.Model(inputs, xception_block(inputs, 64, name="block2"))
    assert model.output_shape == (None, 23, 23, 64)
    assert model.get_layer("block2_residual").use_bias is False


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: residual_block(x, 0), r"filters=0 must be a positive integer"),
        (
            lambda x: residual_block(x, 8, convs=0),
            r"convs=0 must be a positive integer",
        ),
        (lambda x: residual_block(x, 8, kernel_size=-3), r"kernel_size=-3"),
        (lambda x: conv_bn(x, 8, strides=0), r"strides=0 must be a positive integer"),
        (lambda x: bn_relu_sepconv(x, 2.5), r"filters=2.5 must be a positive integer"),
    ],
)
def test_blocks_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call(keras.Input((8, 8, 3)))


def test_small_convnet_matches_the_lecture():
    model = small_convnet()
    assert model.count_params() == 991_041
    shapes = [
        model.get_layer(name).output.shape[1:]
        for name in [
            "block1_conv",
            "block1_pool",
            "block2_conv",
            "block2_pool",
            "block3_conv",
            "block3_pool",
            "block4_conv",
            "block4_pool",
            "block5_conv",
        ]
    ]
    assert shapes == [
        (178, 178, 32),
        (89, 89, 32),
        (87, 87, 64),
        (43, 43, 64),
        (41, 41, 128),
        (20, 20, 128),
        (18, 18, 256),
        (9, 9, 256),
        (7, 7, 256),
    ]
    assert model.layers[-1].activation.__name__ == "sigmoid"


def test_mini_xception_matches_the_lecture():
    model = mini_xception()
    assert model.count_params() == 721_857
    assert model.get_layer("stem_conv").use_bias is False
    assert model.get_layer("stem_conv").output.shape[1:] == (176, 176, 32)
    sizes = [model.get_layer(f"block{i}_add").output.shape[1:] for i in range(1, 6)]
    assert sizes == [
        (88, 88, 32),
        (44, 44, 64),
        (22, 22, 128),
        (11, 11, 256),
        (6, 6, 512),
    ]
    separable = [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.SeparableConv2D)
    ]
    assert len(separable) == 10
    assert not any(layer.use_bias for layer in separable)


def test_models_take_raw_pixels_and_augmentation_is_inference_identity():
    plain = small_convnet((80, 80, 3))
    augmented = small_convnet((80, 80, 3), augmentation=augmentation(seed=0))
    assert augmented.layers[1].name == "augmentation"
    assert augmented.count_params() == plain.count_params()
    for layer in plain.layers:
        augmented.get_layer(layer.name).set_weights(layer.get_weights())
    x = np.random.default_rng(0).uniform(0, 255, (2, 80, 80, 3)).astype("float32")
    expected = keras.ops.convert_to_numpy(plain(x, training=False))
    actual = keras.ops.convert_to_numpy(augmented(x, training=False))
    np.testing.assert_allclose(actual, expected, rtol=1e-5)
    np.testing.assert_allclose(augmented.predict(x, verbose=0), expected, rtol=1e-5)
    assert plain.get_layer("rescaling").scale == pytest.approx(1 / 255)


@pytest.mark.parametrize(
    ("build", "shape", "message"),
    [
        (
            small_convnet,
            (77, 77, 3),
            r"input_shape=\(77, 77, 3\) is too small.*at least 78",
        ),
        (
            mini_xception,
            (4, 40, 3),
            r"input_shape=\(4, 40, 3\) is too small.*at least 5",
        ),
        (small_convnet, (180, 180, 1), r"input_shape=\(180, 180, 1\) must be \(height"),
        (mini_xception, (180, 180), r"must be \(height, width, 3\)"),
    ],
)
def test_models_bad_input(build, shape, message):
    with pytest.raises(ValueError, match=message):
        build(shape)


def test_smallest_small_convnet_builds():
    assert small_convnet((78, 78, 3)).get_layer("block5_conv").output.shape[1:3] == (
        1,
        1,
    )
