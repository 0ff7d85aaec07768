import json

import keras
import numpy as np
import pytest
from conftest import make_tiny_dataset

from modern_convnets import ablation
from modern_convnets.ablation import (
    VARIANTS,
    StudyConfig,
    build_variant,
    collect,
    evaluate_study,
    load_results,
    main,
    run_dir,
    summarise,
    train_run,
    train_study,
)
from modern_convnets.data import load_arrays, split_files


@pytest.fixture
def tiny_data(tmp_path):
    return make_tiny_dataset(tmp_path / "data", per_class=5, test_per_class=3)


TINY = StudyConfig(image_size=32, epochs=2, batch_size=4)


@pytest.mark.parametrize(
    ("variant", "params", "missing", "present"),
    [
        ("mini_xception", 721_857, set(), {"block3_add", "block3_sepconv1_bn"}),
        ("no_residual", 546_753, {"block3_add", "block3_residual"}, {"block3_pool"}),
        ("no_batchnorm", 717_857, {"block3_sepconv1_bn"}, {"block3_add"}),
        ("regular_conv", 4_902_625, set(), {"block3_add", "block3_sepconv1_bn"}),
        ("small_convnet", 991_041, set(), {"block5_conv"}),
    ],
)
def test_variants_remove_one_ingredient_each(variant, params, missing, present):
    model = build_variant(variant)
    names = {layer.name for layer in model.layers}
    assert model.count_params() == params
    assert not missing & names
    assert present <= names
    kinds = {type(layer).__name__ for layer in model.layers}
    assert ("SeparableConv2D" in kinds) == (
        variant not in {"regular_conv", "small_convnet"}
    )
    if variant == "no_batchnorm":
        assert "BatchNormalization" not in kinds
        # Residual projections feed an add, never a ReLU: no bias there.
        convs = [
            layer
            for layer in model.layers
            if hasattr(layer, "kernel_size") and "residual" not in layer.name
        ]
        assert convs
        assert all(layer.use_bias for layer in convs)


def test_unknown_variant_is_named_with_the_valid_ones():
    with pytest.raises(ValueError, match=r"variant='resnet'.*valid: mini_xception, "):
        build_variant("resnet")
    with pytest.raises(ValueError, match=r"variants=\['resnet'\]"):
        train_study("unused", TINY, variants=["resnet"])


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match=r"epochs=0 must be a positive integer"):
        StudyConfig(epochs=0)
    with pytest.raises(ValueError, match=r"learning_rate=-1 must be > 0"):
        StudyConfig(learning_rate=-1)


def test_a_run_records_its_best_epoch_and_is_not_trained_twice(tiny_data, tmp_path):
    record = train_run("no_residual", 7, TINY, tmp_path / "study", tiny_data)
    folder = run_dir(tmp_path / "study", "no_residual", 7)
    assert sorted(p.name for p in folder.iterdir()) == [
        "best.keras",
        "history.json",
        "run.json",
    ]
    history = json.loads((folder / "history.json").read_text())
    assert len(history["epoch_seconds"]) == 2
    assert record["best_epoch"] == 1 + int(np.argmax(history["val_accuracy"]))
    assert record["val_accuracy"] == max(history["val_accuracy"])
    assert record["params"] == build_variant("no_residual", (32, 32, 3)).count_params()
    assert record["test_accuracy"] is None
    assert record["device"].startswith("CPU")
    best = keras.models.load_model(folder / "best.keras", compile=False)
    assert getattr(best, "optimizer", None) is None

    # The best epoch's weights reproduce its validation accuracy.
    _, validation, _ = split_files(tiny_data)
    x, y = load_arrays(validation, image_size=(32, 32))
    p = best.predict(x, verbose=0)[:, 0]
    assert np.mean((p > 0.5) == y) == pytest.approx(record["val_accuracy"])

    # A finished run is read back, not retrained.
    before = (folder / "best.keras").stat().st_mtime_ns
    assert train_run("no_residual", 7, TINY, tmp_path / "study", tiny_data) == record
    assert (folder / "best.keras").stat().st_mtime_ns == before


def test_a_run_past_its_deadline_stays_unfinished(tiny_data, tmp_path):
    out = tmp_path / "study"
    assert (
        train_run(
            "small_convnet",
            1,
            StudyConfig(image_size=80, epochs=3, batch_size=4),
            out,
            tiny_data,
            deadline=0.0,
        )
        is None
    )
    folder = run_dir(out, "small_convnet", 1)
    assert not (folder / "run.json").exists()
    assert len(json.loads((folder / "history.json").read_text())["loss"]) == 1


def test_study_evaluate_collect_and_summarise(tiny_data, tmp_path, capsys):
    out = tmp_path / "study"
    records = train_study(
        out,
        TINY,
        variants=["no_batchnorm", "no_residual"],
        seeds=[2, 1],
        data=tiny_data,
    )
    assert [(r["variant"], r["seed"]) for r in records] == [
        ("no_batchnorm", 2),
        ("no_residual", 2),
        ("no_batchnorm", 1),
        ("no_residual", 1),
    ]
    # Decoded once, then shared through the cache; a cache hit needs no photos.
    assert len(list((out / ".cache").glob("*-labels.npy"))) == 2

    evaluated = evaluate_study(out, tiny_data)
    _, _, test = split_files(tiny_data)
    x, y = load_arrays(test, image_size=(32, 32))
    for record in evaluated:
        model = keras.models.load_model(
            run_dir(out, record["variant"], record["seed"]) / "best.keras"
        )
        p = model.predict(x, verbose=0)[:, 0]
        assert record["test_accuracy"] == pytest.approx(np.mean((p > 0.5) == y))

    gathered = collect(out)
    assert [(r["variant"], r["seed"]) for r in gathered] == [
        ("no_residual", 1),
        ("no_residual", 2),
        ("no_batchnorm", 1),
        ("no_batchnorm", 2),
    ]
    for record in gathered:
        folder = run_dir(out, record["variant"], record["seed"])
        seconds = json.loads((folder / "history.json").read_text())["epoch_seconds"]
        assert len(seconds) == TINY.epochs
        assert record["fastest_epoch_seconds"] == round(min(seconds), 1)
    summary = summarise(gathered)
    assert [s.variant for s in summary] == ["no_residual", "no_batchnorm"]
    runs = [r for r in gathered if r["variant"] == "no_residual"]
    assert summary[0].test_mean == pytest.approx(
        np.mean([r["test_accuracy"] for r in runs])
    )
    assert summary[0].val_std == pytest.approx(
        np.std([r["val_accuracy"] for r in runs], ddof=1)
    )

    main(["collect", "--out", str(out), "--to", str(tmp_path / "ablation.json")])
    assert json.loads((tmp_path / "ablation.json").read_text()) == gathered
    assert "4 runs written" in capsys.readouterr().out


def test_summarise_refuses_unevaluated_runs():
    run = {
        "variant": "mini_xception",
        "seed": 1,
        "val_accuracy": 0.8,
        "test_accuracy": None,
        "wall_seconds": 1.0,
    }
    with pytest.raises(ValueError, match=r"mini_xception seed 1.*evaluate"):
        summarise([run])


def test_results_path_is_inside_the_package():
    assert ablation.RESULTS.name == "ablation.json"
    assert ablation.RESULTS.parent.name == "trained"


def test_a_study_refuses_an_image_size_a_variant_cannot_take(tmp_path):
    config = StudyConfig(image_size=48, epochs=1)
    with pytest.raises(ValueError, match=r"image_size=48.*'small_convnet'.*78"):
        train_study(tmp_path, config, variants=["small_convnet"], data=tmp_path)
    assert not any(tmp_path.iterdir())  # refused before reading any photo


def test_the_shipped_study_has_three_seeds_of_every_variant():
    runs = load_results()
    assert {(r["image_size"], r["epochs"]) for r in runs} == {(80, 15)}
    assert len({r["device"] for r in runs}) == 1
    for variant in VARIANTS:
        seeds = sorted(r["seed"] for r in runs if r["variant"] == variant)
        assert seeds == [1, 2, 3], variant
    for run in runs:
        assert 0.5 <= run["val_accuracy"] <= 1
        assert 0.5 <= run["test_accuracy"] <= 1
        assert 1 <= run["best_epoch"] <= run["epochs"]
        assert 0 < run["fastest_epoch_seconds"] * run["epochs"] <= run["wall_seconds"]
        assert (
            run["params"]
            == build_variant(
                run["variant"], (run["image_size"],) * 2 + (3,)
            ).count_params()
        )
