import json

import keras
import numpy as np
import pytest

from modern_convnets import feature_study
from modern_convnets.dataset_examples import top_examples_by_layer
from modern_convnets.feature_study import (
    CHANNELS,
    LAYERS,
    TOP,
    Run,
    load,
    run_study,
    runs,
    study_photos,
)
from modern_convnets.preconditioned import Recipe


@pytest.fixture(scope="module")
def tiny():
    """A seeded convnet with the study's layer names."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3, strides=2, name="block1_conv1")(inputs)
    x = keras.layers.SeparableConv2D(6, 3, padding="same", name="block3_sepconv1")(x)
    x = keras.layers.Activation("relu")(x)
    x = keras.layers.SeparableConv2D(5, 3, strides=2, name="block8_sepconv1")(x)
    x = keras.layers.SeparableConv2D(7, 3, name="block13_sepconv1")(x)
    return keras.Model(inputs, x, name="tiny")


def test_the_plan():
    plan = runs()
    keys = [(run.layer, run.name) for run in plan]
    assert len(keys) == len(set(keys))
    for layer in LAYERS:
        names = {run.name for run in plan if run.layer == layer}
        assert {"lecture", "equal-compute", "long", "neuron"} <= names
    json.dumps([run.settings() for run in plan])  # the manifest can hold them


def test_run_study_writes_what_load_reads(tiny, tiny_dataset, tmp_path):
    plan = [
        Run("lecture", "block3_sepconv1", steps=2),
        Run("long", "block8_sepconv1", Recipe(steps=3, image_size=16)),
    ]
    lines = []
    manifest = run_study(
        tiny,
        tiny_dataset,
        images_path=tmp_path / "study.npz",
        manifest_path=tmp_path / "study.json",
        plan=plan,
        log=lines.append,
    )
    assert len(lines) == 3
    study = load(tmp_path / "study.npz", tmp_path / "study.json")
    assert study.manifest == manifest
    assert study.images("block3_sepconv1", "lecture").shape == (4, 150, 150, 3)
    assert study.objectives("block3_sepconv1", "lecture").shape == (4, 3)
    assert study.images("block8_sepconv1", "long").shape == (4, 16, 16, 3)
    assert study.images("block8_sepconv1", "long").dtype == np.uint8
    assert study.run("block8_sepconv1", "long")["settings"] == plan[1].settings()
    with pytest.raises(KeyError, match="no run 'neuron' for layer 'block8_sepconv1'"):
        study.images("block8_sepconv1", "neuron")

    photos = study_photos(tiny_dataset)
    assert len(photos) == 28
    widths = {"block3_sepconv1": 6, "block8_sepconv1": 5, "block13_sepconv1": 7}
    expected = top_examples_by_layer(
        tiny, {n: range(w) for n, w in widths.items()}, photos, top=TOP
    )
    scan = manifest["dataset_examples"]
    assert scan["photos"] == 28
    for layer, width in widths.items():
        dogs = [
            sum(e.path.parent.name == "dogs" for e in expected[layer][c])
            for c in range(width)
        ]
        assert scan["dogs_among_top"][layer] == dogs
        for channel in CHANNELS:
            shown = study.examples(layer, channel)
            assert [tiny_dataset / e["path"] for e in shown] == [
                e.path for e in expected[layer][channel]
            ]
            activations = [e["activation"] for e in shown]
            assert activations == sorted(activations, reverse=True)
            assert len(shown) == TOP


def test_the_shipped_study_matches_the_plan():
    study = load()
    recorded = {(r["layer"], r["name"]): r for r in study.manifest["runs"]}
    assert set(recorded) == {(run.layer, run.name) for run in runs()}
    for run in runs():
        record = recorded[run.layer, run.name]
        assert record["settings"] == run.settings()
        assert record["channels"] == list(CHANNELS)
        assert record["seed"] == feature_study.SEED
        images = study.images(run.layer, run.name)
        assert images.dtype == np.uint8
        assert images.shape[0] == len(CHANNELS)
        steps = run.recipe.steps if run.recipe else run.steps
        # Before each step, then on the final image.
        shape = (len(CHANNELS), steps + 1)
        assert study.objectives(run.layer, run.name).shape == shape
    scan = study.manifest["dataset_examples"]
    assert scan["photos"] == 3000
    assert {n: len(v) for n, v in scan["dogs_among_top"].items()} == {
        "block3_sepconv1": 256,
        "block8_sepconv1": 728,
        "block13_sepconv1": 728,
    }
    for layer in LAYERS:
        for channel in CHANNELS:
            examples = study.examples(layer, channel)
            assert len(examples) == TOP
            for example in examples:
                top, left, bottom, right = example["box"]
                assert 0 <= top < bottom <= 299
                assert 0 <= left < right <= 299


def test_the_shipped_examples_are_real_photos(real_data):
    study = load()
    for layer in LAYERS:
        for example in study.examples(layer, 0):
            assert (real_data / example["path"]).is_file()
