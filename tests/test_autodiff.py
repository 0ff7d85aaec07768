"""Gradients on the active backend: values, auxiliary outputs, fresh weights."""

import keras
import numpy as np
import pytest
from keras import ops

from modern_convnets import autodiff
from modern_convnets.autodiff import value_and_grad, variable_gradients


def test_value_aux_and_gradient_of_a_known_function():
    def f(x, scale):
        return ops.sum(scale * x * x), (x + 1.0,)

    gradient = value_and_grad(f)
    value, (aux,), grad = gradient(ops.convert_to_tensor([1.0, -2.0]), 3.0)
    assert float(value) == 15.0
    np.testing.assert_array_equal(ops.convert_to_numpy(aux), [2.0, -1.0])
    np.testing.assert_array_equal(ops.convert_to_numpy(grad), [6.0, -12.0])


def test_a_compiled_gradient_sees_new_weights():
    keras.utils.set_random_seed(0)
    dense = keras.layers.Dense(1, use_bias=False)
    model = keras.Sequential([keras.Input((2,)), dense])
    gradient = value_and_grad(
        lambda x: (ops.sum(model(x, training=False)), ()), model.variables
    )
    x = ops.convert_to_tensor([[1.0, 1.0]])
    first = ops.convert_to_numpy(gradient(x)[2])
    np.testing.assert_allclose(first[0], dense.kernel.numpy()[:, 0], rtol=1e-6)
    dense.kernel.assign([[5.0], [-7.0]])
    np.testing.assert_array_equal(ops.convert_to_numpy(gradient(x)[2]), [[5.0, -7.0]])


def test_variable_gradients_match_the_formula():
    dense = keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")
    model = keras.Sequential([keras.Input((2,)), dense])
    loss_and_grads = variable_gradients(
        lambda x, y: ops.mean(ops.square(ops.subtract(model(x), y))), [dense.kernel]
    )
    x = np.array([[1.0, 2.0]], "float32")
    loss, (grad,) = loss_and_grads(x, np.array([[1.0]], "float32"))
    # prediction 3, error 2: d/dw (error²) = 2 · error · x
    assert float(loss) == 4.0
    np.testing.assert_array_equal(ops.convert_to_numpy(grad)[:, 0], [4.0, 8.0])


def test_a_backend_without_gradients_is_named(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "numpy")
    with pytest.raises(NotImplementedError, match=r"active backend is 'numpy'"):
        value_and_grad(lambda x: (ops.sum(x), ()))
    assert autodiff.BACKENDS == ("tensorflow", "jax", "torch")
