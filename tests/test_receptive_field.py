import keras
import numpy as np
import pytest
from keras import ops

from modern_convnets.autodiff import value_and_grad
from modern_convnets.receptive_field import ReceptiveField, receptive_field


def _linear_model() -> keras.Model:
    """Linear layers only: every pixel of a field gets a gradient.

    (A ReLU's zeros or a max pool's single winner would hide part of it.)
    """
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3, strides=2, name="conv1")(inputs)
    y = keras.layers.SeparableConv2D(4, 3, padding="same", name="sep1")(x)
    y = keras.layers.BatchNormalization(name="sep1_bn")(y)
    y = keras.layers.AveragePooling2D(3, strides=2, padding="same", name="pool")(y)
    shortcut = keras.layers.Conv2D(4, 1, strides=2, padding="same", name="short")(x)
    x = keras.layers.Add(name="add")([y, shortcut])
    x = keras.layers.Conv2D(4, 3, dilation_rate=2, padding="same", name="dilated")(x)
    return keras.Model(inputs, x)


def _seen_box(model, layer, size, row, column):
    """Where the gradient of one position is nonzero: the field, measured."""
    extractor = keras.Model(model.input, model.get_layer(layer).output)
    image = np.random.default_rng(1).uniform(1, 2, (1, size, size, 3))
    # Compiled, the gradient is the input's alone. Eagerly, TensorFlow also
    # computes every kernel's, and oneDNN's Conv2DBackpropFilter aborts the
    # process for some of these shapes on AVX-512 CPUs (TensorFlow 2.21).
    gradient = value_and_grad(
        lambda x: (extractor(x)[0, row, column, 0], ()), extractor.variables
    )
    grad = ops.convert_to_numpy(gradient(image.astype("float32"))[2])
    grad = np.abs(grad[0]).sum(axis=-1)
    rows, cols = np.nonzero(grad)
    return (rows.min(), cols.min(), rows.max() + 1, cols.max() + 1)


# 40 gives 19 positions before the pool, 42 gives 20: "same" pads differently.
@pytest.mark.parametrize("size", [40, 42])
@pytest.mark.parametrize("layer", ["conv1", "sep1", "pool", "add", "dilated"])
def test_field_matches_the_gradient(layer, size):
    model = _linear_model()
    field = receptive_field(model, layer, size)
    for row, column in [(3, 4), (5, 2)]:
        assert field.box(row, column, (size, size)) == _seen_box(
            model, layer, size, row, column
        )


def test_known_fields():
    model = _linear_model()
    assert receptive_field(model, "conv1", 40) == ReceptiveField(3, 2, 1.0)
    # The pool's "same" padding on 19 positions (odd) pads one before.
    assert receptive_field(model, "pool", 40) == ReceptiveField(11, 4, 1.0)
    # On 20 positions (even) it pads none before: the centre moves by a jump.
    assert receptive_field(model, "pool", 42) == ReceptiveField(11, 4, 3.0)


def test_sequential_models():
    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Conv2D(4, 3, name="a"),
            keras.layers.MaxPooling2D(2, name="b"),
            keras.layers.Conv2D(4, 3, padding="same", name="c"),
        ]
    )
    assert receptive_field(model, "c", 32) == ReceptiveField(8, 2, 1.5)


def test_box_is_clipped_to_the_image():
    field = ReceptiveField(size=11, jump=4, centre=3.0)
    assert field.box(0, 0, (40, 40)) == (0, 0, 9, 9)
    assert field.box(9, 9, (40, 40)) == (34, 34, 40, 40)


def test_bad_arguments_are_named():
    model = _linear_model()
    with pytest.raises(ValueError, match="image_size=0 must be a positive integer"):
        receptive_field(model, "conv1", 0)
    with pytest.raises(ValueError, match="nope"):
        receptive_field(model, "nope", 40)
