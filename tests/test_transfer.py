"""The transfer-learning classifier: head, assembly, and a real training run."""

import json

import numpy as np
import pytest

from modern_convnets import transfer


def test_head_is_one_logistic_unit_on_2048_features():
    head = transfer.head(seed=0)
    assert head.count_params() == 2049
    assert head.input_shape == (None, 2048)
    assert head.get_layer("predictions").activation.__name__ == "sigmoid"


def test_head_is_seeded():
    a, b = transfer.head(seed=5), transfer.head(seed=5)
    np.testing.assert_array_equal(a.get_weights()[0], b.get_weights()[0])


@pytest.mark.slow
def test_classifier_is_base_plus_head_and_leaves_head_unchanged():
    head = transfer.head(seed=0)
    before = [w.copy() for w in head.get_weights()]
    model = transfer.classifier(head)
    assert [layer.name for layer in model.layers] == [
        "pixels",
        "xception_preprocess",
        "xception",
        "avg_pool",
        "dropout",
        "predictions",
    ]
    assert model.input_shape == (None, 299, 299, 3)
    assert model.get_layer("xception").trainable is False
    pixels = np.random.default_rng(0).uniform(0, 255, (2, 299, 299, 3))
    features = transfer._feature_model().predict(pixels, verbose=0)
    np.testing.assert_allclose(
        model.predict(pixels, verbose=0),
        head.predict(features, verbose=0),
        atol=1e-5,
    )
    for old, new in zip(before, head.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


@pytest.mark.slow
def test_train_head_end_to_end_on_tiny_photos(tiny_dataset, tmp_path):
    out = tmp_path / "run"
    manifest = transfer.train_head(out, tiny_dataset.parent, epochs=2, verbose=0)
    assert sorted(p.name for p in out.iterdir()) == [
        "features.npz",
        "head.keras",
        "history.json",
        "manifest.json",
    ]
    stored = np.load(out / "features.npz")
    assert stored["train_x"].shape == (16, 2048)
    assert stored["validation_x"].shape == (4, 2048)
    assert stored["test_x"].shape == (8, 2048)
    assert manifest["test_photos"] == 8
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert len(json.loads((out / "history.json").read_text())["val_accuracy"]) == 2
    # A second run reuses the cached features and gives the same head.
    again = transfer.train_head(out, tiny_dataset.parent, epochs=2, verbose=0)
    assert again["test_accuracy"] == manifest["test_accuracy"]
    assert again["feature_seconds"] == manifest["feature_seconds"]
    assert (manifest["features_cached"], again["features_cached"]) == (False, True)
