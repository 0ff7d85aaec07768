"""infer: chunked inference-mode calls, every output, clear errors."""

import keras
import numpy as np
import pytest

from modern_convnets.inference import infer


def two_output_model() -> keras.Model:
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(2, name="hidden")(inputs)
    dropped = keras.layers.Dropout(0.9, seed=0)(hidden)
    return keras.Model(inputs, [hidden, keras.layers.Dense(1, name="out")(dropped)])


def test_chunks_give_the_whole_batch_in_order():
    model = two_output_model()
    batch = np.arange(21, dtype="float32").reshape(7, 3)
    hidden, out = infer(model, batch, batch_size=3)
    assert hidden.shape == (7, 2)
    assert out.shape == (7, 1)
    whole = [keras.ops.convert_to_numpy(o) for o in model(batch, training=False)]
    np.testing.assert_allclose(hidden, whole[0], rtol=1e-6)
    np.testing.assert_allclose(out, whole[1], rtol=1e-6)


def test_dropout_is_off():
    model = two_output_model()
    batch = np.ones((4, 3), "float32")
    first, second = infer(model, batch)[1], infer(model, batch)[1]
    assert np.array_equal(first, second)


def test_single_output_is_a_list_of_one():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    (out,) = infer(model, np.zeros((2, 2), "float32"))
    assert out.shape == (2, 1)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_bad_batch_size_is_named(batch_size):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"batch_size=.*positive integer"):
        infer(model, np.zeros((2, 2), "float32"), batch_size=batch_size)


def test_empty_batch_is_named():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="batch is empty"):
        infer(model, np.zeros((0, 2), "float32"))
