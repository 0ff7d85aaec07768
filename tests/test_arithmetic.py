import keras
import pytest

from modern_convnets.arithmetic import (
    ParamCount,
    batch_norm_params,
    conv2d_multiply_adds,
    conv2d_params,
    conv_output_size,
    layer_costs,
    separable_conv2d_multiply_adds,
    separable_conv2d_params,
)


def build(layer, shape):
    model = keras.Sequential([keras.Input(shape), layer])
    return model.layers[-1]


@pytest.mark.parametrize(
    ("kernel", "c_in", "filters", "bias", "expected"),
    [
        (3, 3, 32, True, 896),
        (3, 32, 64, True, 18_496),
        (3, 64, 64, True, 36_928),
        (1, 32, 64, True, 2_112),
        (5, 3, 32, False, 2_400),
        ((1, 7), 4, 2, True, 58),
    ],
)
def test_conv2d_params_match_keras(kernel, c_in, filters, bias, expected):
    assert conv2d_params(kernel, c_in, filters, use_bias=bias) == expected
    layer = build(keras.layers.Conv2D(filters, kernel, use_bias=bias), (16, 16, c_in))
    assert layer.count_params() == expected


def test_batch_norm_params_match_keras():
    count = batch_norm_params(32)
    assert count == ParamCount(trainable=64, non_trainable=64)
    assert count.total == 128
    layer = build(keras.layers.BatchNormalization(), (8, 8, 32))
    assert layer.count_params() == 128
    assert sum(int(w.numpy().size) for w in layer.trainable_weights) == 64


def test_separable_params_lecture_example():
    # 5 × (3 × 3) + 5 + (5 × 1 × 1 × 3) + 3 = 68 with every bias; Keras has no
    # depthwise bias, so 63.
    assert separable_conv2d_params(3, 5, 3, depthwise_bias=True) == 68
    assert separable_conv2d_params(3, 5, 3) == 63
    assert build(keras.layers.SeparableConv2D(3, 3), (9, 9, 5)).count_params() == 63


@pytest.mark.parametrize(
    ("c_in", "filters", "multiplier", "bias"),
    [(64, 128, 1, False), (128, 128, 1, False), (128, 256, 1, False), (7, 5, 2, True)],
)
def test_separable_params_match_keras(c_in, filters, multiplier, bias):
    layer = build(
        keras.layers.SeparableConv2D(
            filters, 3, depth_multiplier=multiplier, use_bias=bias
        ),
        (9, 9, c_in),
    )
    expected = separable_conv2d_params(
        3, c_in, filters, depth_multiplier=multiplier, pointwise_bias=bias
    )
    assert layer.count_params() == expected


def test_xception_parameter_counts_from_the_lecture():
    assert conv2d_params(3, 3, 32, use_bias=False) == 864
    assert conv2d_params(3, 32, 64, use_bias=False) == 18_432
    assert separable_conv2d_params(3, 64, 128, pointwise_bias=False) == 8_768
    assert separable_conv2d_params(3, 128, 128, pointwise_bias=False) == 17_536
    assert conv2d_params(1, 64, 128, use_bias=False) == 8_192
    assert separable_conv2d_params(3, 128, 256, pointwise_bias=False) == 33_920


@pytest.mark.parametrize(
    ("n", "f", "p", "s", "expected"),
    [
        (32, 3, 0, 1, 30),
        (180, 5, 0, 1, 176),
        (30, 2, 0, 2, 15),
        (7, 3, 1, 2, 4),
        (178, 2, 0, 2, 89),
        (89, 3, 0, 1, 87),
        (87, 2, 0, 2, 43),
        (9, 3, "valid", 1, 7),
        (30, 1, "same", 2, 15),
        (89, 3, "same", 2, 45),
    ],
)
def test_conv_output_size(n, f, p, s, expected):
    assert conv_output_size(n, f, padding=p, strides=s) == expected


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize(
    ("n", "f", "s"), [(11, 3, 1), (11, 3, 2), (12, 5, 3), (9, 1, 2)]
)
def test_conv_output_size_matches_keras(n, f, s, padding):
    layer = keras.layers.Conv2D(1, f, strides=s, padding=padding)
    out = layer.compute_output_shape((1, n, n, 1))
    assert conv_output_size(n, f, padding=padding, strides=s) == out[1]


def test_multiply_adds():
    assert conv2d_multiply_adds(30, 3, 32, 64) == 30 * 30 * 3 * 3 * 32 * 64
    assert separable_conv2d_multiply_adds(30, 3, 32, 64) == 30 * 30 * (9 * 32 + 32 * 64)
    ratio = separable_conv2d_multiply_adds(10, 3, 128, 256) / conv2d_multiply_adds(
        10, 3, 128, 256
    )
    assert ratio == pytest.approx(1 / 256 + 1 / 9)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: conv2d_params(0, 3, 32), r"kernel_size=0 must be a positive integer"),
        (lambda: conv2d_params(3, 3, -1), r"filters=-1 must be a positive integer"),
        (lambda: conv2d_params(3, 0, 2), r"in_channels=0 must be a positive integer"),
        (lambda: batch_norm_params(0), r"channels=0 must be a positive integer"),
        (
            lambda: separable_conv2d_params(3, 4, 2, depth_multiplier=0),
            r"depth_multiplier=0",
        ),
        (lambda: conv_output_size(2, 3), r"n=2 is too small for kernel_size=3"),
        (lambda: conv_output_size(8, 3, padding="full"), r"padding='full' must be"),
        (lambda: conv_output_size(8, 3, strides=0), r"strides=0 must be a positive"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_layer_costs_price_separable_layers_against_regular_ones():
    inputs = keras.Input((10, 10, 3))
    x = keras.layers.Conv2D(8, 3, name="conv")(inputs)
    x = keras.layers.SeparableConv2D(16, 3, padding="same", use_bias=False, name="sep")(
        x
    )
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(1, name="out")(x))
    conv, sep, out = layer_costs(model)
    assert (conv.params, conv.multiply_adds) == (224, 8 * 8 * 3 * 3 * 3 * 8)
    assert conv.regular_params == conv.params
    assert sep.params == model.get_layer("sep").count_params() == 3 * 3 * 8 + 8 * 16
    assert sep.multiply_adds == 8 * 8 * (3 * 3 * 8 + 8 * 16)
    assert sep.regular_params == 3 * 3 * 8 * 16
    assert sep.regular_multiply_adds == 8 * 8 * 3 * 3 * 8 * 16
    assert (out.params, out.multiply_adds) == (17, 16)


def test_layer_costs_of_the_guide_models():
    from modern_convnets.models import mini_xception, small_convnet

    small = layer_costs(small_convnet())
    assert sum(c.params for c in small) == 991_041
    assert sum(c.multiply_adds for c in small) == 415_288_960
    mini = layer_costs(mini_xception())
    # Everything but batch normalisation's 4 × 1,504 parameters.
    assert sum(c.params for c in mini) == 721_857 - 4 * 1_504
    assert sum(c.multiply_adds for c in mini) == 383_028_992


def test_layer_costs_needs_a_fixed_input_size():
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, keras.layers.Conv2D(4, 3, name="c")(inputs))
    with pytest.raises(ValueError, match="unknown output size at layer 'c'"):
        layer_costs(model)
