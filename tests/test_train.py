import json

import keras
import numpy as np
import pytest
from conftest import make_tiny_dataset

from modern_convnets.train import TrainConfig, dataset_fingerprint, main, train


@pytest.fixture
def tiny_data(tmp_path):
    return make_tiny_dataset(tmp_path / "data", per_class=5, test_per_class=3)


def config(**kwargs):
    defaults = {
        "model": "small_convnet",
        "epochs": 2,
        "batch_size": 4,
        "image_size": 80,
    }
    return TrainConfig(**{**defaults, **kwargs})


def test_train_writes_checkpoints_history_and_manifest(tiny_data, tmp_path):
    out = tmp_path / "run"
    result = train(config(), out, tiny_data, verbose=0)
    assert sorted(p.name for p in out.iterdir()) == [
        "best.keras",
        "history.json",
        "last.keras",
        "manifest.json",
        "state.json",
    ]
    history = json.loads((out / "history.json").read_text())
    assert list(history) == [
        "accuracy",
        "loss",
        "val_accuracy",
        "val_loss",
        "epoch_seconds",
    ]
    assert all(len(values) == 2 for values in history.values())
    assert all(seconds > 0 for seconds in history["epoch_seconds"])
    assert result.best_epoch == 1 + int(np.argmax(history["val_accuracy"]))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["epochs"] == 2
    assert manifest["test_photos"] == 6
    assert manifest["dataset_fingerprint"] == dataset_fingerprint(tiny_data)
    assert manifest["config"]["model"] == "small_convnet"
    assert manifest["params"] == 978_753  # at 80 × 80 its Flatten is smaller
    assert 0.0 <= manifest["test_accuracy"] <= 1.0
    assert manifest["test_accuracy"] == result.test_accuracy
    best = keras.models.load_model(out / "best.keras")
    assert getattr(best, "optimizer", None) is None  # shipped without optimizer state
    assert keras.models.load_model(out / "last.keras").optimizer is not None


def test_resume_continues_after_the_last_epoch(tiny_data, tmp_path, capsys):
    out = tmp_path / "run"
    train(config(epochs=1), out, tiny_data, verbose=0)
    # A longer run with an otherwise equal config would be a different config:
    with pytest.raises(ValueError, match=r"holds a run with config"):
        train(config(epochs=2, learning_rate=0.01), out, tiny_data, verbose=0)
    state = json.loads((out / "state.json").read_text())
    state["config"]["epochs"] = 2  # extend the same run to two epochs
    (out / "state.json").write_text(json.dumps(state))
    # As if killed after writing an epoch's history but before its state:
    first = json.loads((out / "history.json").read_text())
    killed = {key: [*values, 0.5] for key, values in first.items()}
    (out / "history.json").write_text(json.dumps(killed))
    train(config(epochs=2), out, tiny_data, verbose=1)
    assert "Resuming small_convnet after epoch 1" in capsys.readouterr().out
    history = json.loads((out / "history.json").read_text())
    assert len(history["loss"]) == 2
    assert {key: values[0] for key, values in history.items()} == {
        key: values[0] for key, values in first.items()
    }
    assert json.loads((out / "state.json").read_text())["epochs_done"] == 2


def test_seeded_runs_start_from_the_same_weights(tiny_data, tmp_path):
    from modern_convnets.train import build

    first = build(config(model="mini_xception")).get_weights()
    second = build(config(model="mini_xception")).get_weights()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_fingerprint_changes_with_content(tiny_data):
    before = dataset_fingerprint(tiny_data)
    (tiny_data / "train" / "cats" / "cat.0.jpg").write_bytes(b"changed")
    assert dataset_fingerprint(tiny_data) != before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"model": "resnet"},
            r"model='resnet' is not one of mini_xception, no_residual, "
            r"no_batchnorm, regular_conv, small_convnet",
        ),
        ({"optimizer": "sgd"}, r"optimizer='sgd' is not one of rmsprop, adam"),
        ({"epochs": 0}, r"epochs=0 must be a positive integer"),
        ({"learning_rate": -1.0}, r"learning_rate=-1.0 must be > 0"),
    ],
)
def test_bad_config(kwargs, message):
    with pytest.raises(ValueError, match=message):
        config(**kwargs)


def test_command_line(tiny_data, tmp_path, capsys):
    out = tmp_path / "cli"
    main(
        [
            "mini_xception",
            "--epochs",
            "1",
            "--batch-size",
            "4",
            "--image-size",
            "64",
            "--data",
            str(tiny_data),
            "--out",
            str(out),
            "--verbose",
            "0",
        ]
    )
    assert "best epoch 1: validation accuracy" in capsys.readouterr().out
    assert json.loads((out / "manifest.json").read_text())["model"] == "mini_xception"
