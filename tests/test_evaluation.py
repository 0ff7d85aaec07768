"""Predictions and confusion matrices, on tiny seeded models and by hand."""

import keras
import numpy as np
import pytest
from keras import ops

from modern_convnets.evaluation import Predictions, confusion_matrix, predict


def test_confusion_matrix_by_hand():
    labels = [0, 0, 0, 1, 1, 1, 1]
    probabilities = [0.1, 0.6, 0.5, 0.9, 0.2, 0.51, 0.7]
    # 0.5 is not above the threshold: predicted cat.
    assert confusion_matrix(labels, probabilities).tolist() == [[2, 1], [1, 3]]
    assert confusion_matrix(labels, probabilities, threshold=0.65).tolist() == [
        [3, 0],
        [2, 2],
    ]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([0, 1], [0.2]), {}, "labels has 2 entries and probabilities 1"),
        (([0, 2], [0.2, 0.4]), {}, r"labels holds \[2\]; valid labels are 0 and 1"),
        (([0, 1], [0.2, 0.4]), {"threshold": 1.0}, "threshold=1.0 must lie in"),
    ],
)
def test_confusion_matrix_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(*args, **kwargs)


def batches(images, labels, size):
    """Labelled batches as a dataset yields them, without tf.data."""
    return [
        (images[i : i + size], labels[i : i + size])
        for i in range(0, len(images), size)
    ]


def _tiny_classifier() -> keras.Model:
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4, 4, 3))
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dropout(0.5)(x)  # must be off during predict
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))


def test_predict_keeps_dataset_order_and_runs_in_inference_mode():
    model = _tiny_classifier()
    images = np.random.default_rng(1).normal(size=(10, 4, 4, 3)).astype("float32")
    labels = np.array([0, 1] * 5, "float32")
    dataset = batches(images, labels, 3)
    result = predict(model, dataset)
    expected = ops.convert_to_numpy(model(images, training=False)).ravel()
    np.testing.assert_allclose(result.probabilities, expected, rtol=1e-6)
    assert result.labels.tolist() == [0, 1] * 5
    assert result.file_paths == ()
    assert result.accuracy == np.mean((expected > 0.5) == (labels == 1))


def test_accuracy_property():
    result = Predictions(np.array([0, 1, 1]), np.array([0.2, 0.4, 0.9]))
    assert result.accuracy == pytest.approx(2 / 3)


def test_predict_rejects_a_multi_class_model():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(4, activation="softmax")(inputs))
    dataset = batches(np.zeros((2, 3)), [0, 1], 2)
    with pytest.raises(ValueError, match=r"model outputs shape \(None, 4\)"):
        predict(model, dataset)


def test_predict_takes_arrays_as_fit_does_in_batches_of_any_size():
    model = _tiny_classifier()
    images = np.random.default_rng(2).normal(size=(7, 4, 4, 3)).astype("float32")
    labels = np.array([0, 1, 1, 0, 1, 0, 1], "float32")
    dataset = batches(images, labels, 7)
    expected = predict(model, dataset)
    for batch_size in (1, 3, 64):
        result = predict(model, (images, labels), batch_size=batch_size)
        np.testing.assert_allclose(
            result.probabilities, expected.probabilities, rtol=1e-6
        )
        assert result.labels.tolist() == [0, 1, 1, 0, 1, 0, 1]
        assert result.accuracy == expected.accuracy
    with pytest.raises(ValueError, match=r"batch_size=0 must be a positive integer"):
        predict(model, (images, labels), batch_size=0)
