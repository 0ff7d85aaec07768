import json

import keras
import numpy as np
import pytest
from conftest import make_tiny_dataset

from modern_convnets import ablation, ablation_results
from modern_convnets.ablation import (
    StudyConfig,
    evaluate_study,
    main,
    run_dir,
    train_run,
    train_study,
)
from modern_convnets.ablation_results import collect, load_results, summarise
from modern_convnets.data import load_arrays, split_files
from modern_convnets.evaluation import predict
from modern_convnets.variants import VARIANTS, build_variant

# The fields of a run's record, in order, as the shipped study wrote them.
RECORD_FIELDS = [
    "variant",
    "seed",
    "image_size",
    "epochs",
    "batch_size",
    "learning_rate",
    "params",
    "best_epoch",
    "val_accuracy",
    "test_accuracy",
    "wall_seconds",
    "device",
    "backend",
    "keras",
]


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


def test_a_run_trains_through_the_trainer_resumes_and_keeps_its_record(
    tiny_data, tmp_path, capsys
):
    out = tmp_path / "study"
    folder = run_dir(out, "no_residual", 7)
    # Interrupted after its first epoch: no record, the trainer's checkpoint.
    assert train_run("no_residual", 7, TINY, out, tiny_data, deadline=0.0) is None
    assert not (folder / "run.json").exists()
    state = json.loads((folder / "state.json").read_text())
    assert state["epochs_done"] == 1
    assert state["config"] == {
        "model": "no_residual",
        "epochs": 2,
        "batch_size": 4,
        "image_size": 32,
        "optimizer": "rmsprop",
        "learning_rate": 0.001,
        "augment": True,
        "validation_fraction": 0.2,
        "seed": 7,
        "split_seed": 1337,
    }
    first = json.loads((folder / "history.json").read_text())

    # Run again: it resumes after epoch 1 instead of starting over.
    capsys.readouterr()
    record = train_run("no_residual", 7, TINY, out, tiny_data, verbose=2)
    assert "Resuming no_residual after epoch 1" in capsys.readouterr().out
    assert sorted(p.name for p in folder.iterdir()) == [
        "best.keras",
        "history.json",
        "last.keras",
        "manifest.json",
        "run.json",
        "state.json",
    ]
    history = json.loads((folder / "history.json").read_text())
    assert list(history) == [*first]
    assert list(history)[-1] == "epoch_seconds"
    assert all(len(values) == 2 for values in history.values())
    assert {key: values[0] for key, values in history.items()} == {
        key: values[0] for key, values in first.items()
    }

    # The record has the shipped fields, from the trainer's manifest.
    assert list(record) == RECORD_FIELDS
    assert json.loads((folder / "run.json").read_text()) == record
    manifest = json.loads((folder / "manifest.json").read_text())
    assert record["best_epoch"] == 1 + int(np.argmax(history["val_accuracy"]))
    assert record["val_accuracy"] == max(history["val_accuracy"])
    assert record["best_epoch"] == manifest["best_epoch"]
    assert record["wall_seconds"] == manifest["wall_seconds"]
    assert (record["variant"], record["seed"], record["image_size"]) == (
        "no_residual",
        7,
        32,
    )
    assert (record["epochs"], record["batch_size"], record["learning_rate"]) == (
        2,
        4,
        0.001,
    )
    assert record["params"] == build_variant("no_residual", (32, 32, 3)).count_params()
    assert record["device"].startswith("CPU (")
    assert (record["backend"], record["keras"]) == (
        keras.backend.backend(),
        keras.__version__,
    )
    best = keras.models.load_model(folder / "best.keras", compile=False)
    assert getattr(best, "optimizer", None) is None

    # The best epoch's weights reproduce its validation accuracy, and the
    # held-out accuracy is the one evaluation's.
    _, validation, test = split_files(tiny_data)
    x, y = load_arrays(validation, image_size=(32, 32))
    p = best.predict(x, verbose=0)[:, 0]
    assert np.mean((p > 0.5) == y) == pytest.approx(record["val_accuracy"])
    held_out = predict(best, load_arrays(test, image_size=(32, 32))).accuracy
    assert record["test_accuracy"] == held_out

    # A finished run is read back, not retrained.
    before = (folder / "best.keras").stat().st_mtime_ns
    assert train_run("no_residual", 7, TINY, out, tiny_data) == record
    assert (folder / "best.keras").stat().st_mtime_ns == before


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
    assert all(list(r) == RECORD_FIELDS for r in records)

    # A record from before the trainer measured held-out accuracy gets it
    # from `evaluate`, the same number.
    path = run_dir(out, "no_residual", 1) / "run.json"
    trained = json.loads(path.read_text())
    path.write_text(json.dumps({**trained, "test_accuracy": None}))
    evaluated = evaluate_study(out, tiny_data, log=lambda line: None)
    assert json.loads(path.read_text()) == trained
    assert sorted(evaluated, key=lambda r: (r["variant"], r["seed"])) == sorted(
        records, key=lambda r: (r["variant"], r["seed"])
    )

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


def test_workers_run_each_run_through_the_command_line(
    tiny_data, tmp_path, monkeypatch
):
    commands = []

    class InProcess:
        """Runs the worker's command line here, at once."""

        def __init__(self, command, stdout, stderr):
            commands.append(command)
            main(command[3:])
            self.returncode = 0

        def poll(self):
            return self.returncode

    monkeypatch.setattr(ablation.subprocess, "Popen", InProcess)
    monkeypatch.setattr(ablation.time, "sleep", lambda seconds: None)
    lines = []
    out = tmp_path / "study"
    records = train_study(
        out,
        TINY,
        variants=["no_batchnorm"],
        seeds=[1, 2],
        data=tiny_data,
        workers=2,
        log=lines.append,
    )
    assert [command[3:8] for command in commands] == [
        ["train", "--out", str(out), "--variants", "no_batchnorm"],
        ["train", "--out", str(out), "--variants", "no_batchnorm"],
    ]
    assert [r["seed"] for r in records] == [1, 2]
    assert (records[0]["epochs"], records[0]["image_size"]) == (2, 32)
    assert lines[0] == "2 of 2 runs to train"
    assert lines[1].startswith("no_batchnorm seed 1: best epoch")
    assert (run_dir(out, "no_batchnorm", 2) / "log.txt").is_file()


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
    assert ablation_results.RESULTS.name == "ablation.json"
    assert ablation_results.RESULTS.parent.name == "trained"


def test_a_study_refuses_an_image_size_a_variant_cannot_take(tmp_path):
    config = StudyConfig(image_size=48, epochs=1)
    with pytest.raises(ValueError, match=r"image_size=48.*'small_convnet'.*78"):
        train_study(tmp_path, config, variants=["small_convnet"], data=tmp_path)
    assert not any(tmp_path.iterdir())  # refused before reading any photo


def test_the_shipped_study_has_three_seeds_of_every_variant():
    runs = load_results()
    assert all(list(r) == [*RECORD_FIELDS, "fastest_epoch_seconds"] for r in runs)
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


def test_the_shipped_records_give_the_pages_numbers():
    runs = load_results()
    first, last = runs[0], runs[-1]
    assert (first["variant"], first["seed"], first["best_epoch"]) == (
        "mini_xception",
        1,
        14,
    )
    assert first["val_accuracy"] == 0.7124999761581421
    assert first["test_accuracy"] == 0.724
    assert first["device"] == "CPU (2 cores, x86_64)"
    assert (last["variant"], last["seed"], last["test_accuracy"]) == (
        "small_convnet",
        3,
        0.723,
    )
    shown = [
        (
            s.variant,
            s.runs,
            f"{s.val_mean:.1%} ± {s.val_std:.1%}",
            f"{s.test_mean:.1%} ± {s.test_std:.1%}",
            round(s.wall_mean, 1),
        )
        for s in summarise(runs)
    ]
    assert shown == [
        ("mini_xception", 3, "71.8% ± 1.0%", "69.9% ± 2.4%", 308.2),
        ("no_residual", 3, "75.2% ± 0.7%", "71.4% ± 2.6%", 297.7),
        ("no_batchnorm", 3, "54.9% ± 0.9%", "56.7% ± 2.2%", 185.2),
        ("regular_conv", 3, "68.2% ± 4.6%", "68.6% ± 1.7%", 907.1),
        ("small_convnet", 3, "71.7% ± 3.5%", "70.7% ± 1.4%", 102.7),
    ]


def test_collect_reads_run_folders_of_the_shipped_format(tmp_path):
    """Folders as the shipped study left them (run.json, history.json) still load."""
    shipped = load_results()
    for i, run in enumerate(reversed(shipped)):
        folder = run_dir(tmp_path, run["variant"], run["seed"])
        folder.mkdir(parents=True)
        record = {key: run[key] for key in RECORD_FIELDS}
        (folder / "run.json").write_text(json.dumps(record))
        fastest = run["fastest_epoch_seconds"]
        seconds = [fastest + 0.04, fastest + 3.0 + i]
        (folder / "history.json").write_text(json.dumps({"epoch_seconds": seconds}))
    assert collect(tmp_path) == shipped
