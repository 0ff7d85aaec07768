"""The trained models shipped in the package, and what their manifests claim."""

import numpy as np
import pytest

from modern_convnets import shipped
from modern_convnets.shipped import load_trained, trained_history, trained_manifest
from modern_convnets.variants import VARIANTS, build_variant

# The shipped models trained from scratch by `modern_convnets.train`.
FROM_SCRATCH = ("small_convnet", "mini_xception")
SHIPPED = [n for n in FROM_SCRATCH if (shipped.TRAINED_DIR / f"{n}.keras").is_file()]


def test_the_models_trained_from_scratch_are_shipped_names_and_variants():
    assert set(shipped.TRAINED) & set(VARIANTS) == set(FROM_SCRATCH)


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(
        ValueError,
        match=r"name='resnet50' is not a trained model; "
        r"valid: small_convnet, mini_xception, xception_cats_vs_dogs",
    ):
        load_trained("resnet50")


def test_missing_artifact_says_how_to_make_it(monkeypatch, tmp_path):
    monkeypatch.setattr(shipped, "TRAINED_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"nox -s train -- mini_xception"):
        load_trained("mini_xception")


def test_small_convnet_is_shipped():
    assert "small_convnet" in SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_matches_its_architecture_and_manifest(name):
    model = load_trained(name)
    fresh = build_variant(name)
    assert model.count_params() == fresh.count_params()
    assert model.input_shape == (None, 180, 180, 3)
    manifest = trained_manifest(name)
    history = trained_history(name)
    assert manifest["model"] == name
    assert manifest["epochs"] == len(history["val_accuracy"])
    assert manifest["best_val_accuracy"] == pytest.approx(max(history["val_accuracy"]))
    assert manifest["best_epoch"] == 1 + int(np.argmax(history["val_accuracy"]))
    assert manifest["test_photos"] == 1000
    x = np.random.default_rng(0).uniform(0, 255, (2, 180, 180, 3)).astype("float32")
    p = model.predict(x, verbose=0)
    assert p.shape == (2, 1)
    assert ((p >= 0) & (p <= 1)).all()


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_reproduces_its_test_accuracy(name, real_data):
    import keras

    from modern_convnets.data import cats_vs_dogs
    from modern_convnets.train import dataset_fingerprint

    manifest = trained_manifest(name)
    assert dataset_fingerprint(real_data) == manifest["dataset_fingerprint"]
    _, _, test = cats_vs_dogs(real_data, seed=manifest["config"]["seed"])
    model = load_trained(name)
    model.compile(loss="binary_crossentropy", metrics=[keras.metrics.BinaryAccuracy()])
    _, accuracy = model.evaluate(test, verbose=0)
    # One photo either way: float reductions may flip a prediction at 0.5.
    assert accuracy == pytest.approx(manifest["test_accuracy"], abs=0.0011)


def test_xception_cats_vs_dogs_manifest_meets_its_target():
    manifest = trained_manifest("xception_cats_vs_dogs")
    history = trained_history("xception_cats_vs_dogs")
    assert manifest["test_photos"] == 1000
    assert manifest["test_accuracy"] >= 0.95
    assert manifest["best_epoch"] == 1 + int(np.argmax(history["val_accuracy"]))
    assert manifest["config"]["image_size"] == 299


@pytest.mark.slow
def test_xception_cats_vs_dogs_on_held_out_photos(real_data):
    """The assembled classifier on 16 held-out photos (the full 1,000 at 299 ×
    299 take minutes on a CPU; the manifest's figure comes from features of
    the same base)."""
    from modern_convnets.data import split_files
    from modern_convnets.images import model_batch
    from modern_convnets.train import dataset_fingerprint

    assert (
        dataset_fingerprint(real_data)
        == trained_manifest("xception_cats_vs_dogs")["dataset_fingerprint"]
    )
    model = load_trained("xception_cats_vs_dogs")
    assert model.input_shape == (None, 299, 299, 3)
    _, _, test = split_files(real_data)
    picks = list(range(0, 1000, 63))[:16]
    photos = model_batch(model, [test.paths[i] for i in picks])
    predicted = (model.predict(photos, verbose=0)[:, 0] > 0.5).astype(int)
    labels = np.array([test.labels[i] for i in picks])
    assert (predicted == labels).sum() >= 15
