import json

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_rgb

from modern_convnets.activation_plots import BLANK_COLOUR
from modern_convnets.activations import activation_layers
from modern_convnets.lab import SAMPLE_PHOTOS, colormap_table, export_lab, lab_layers
from modern_convnets.panel import GRADCAM_LAYERS, MODELS, mosaic_columns
from modern_convnets.shipped import load_trained, trained_manifest


def test_colormap_tables_are_matplotlibs():
    table = colormap_table("viridis")
    assert len(table) == 256
    assert np.round(np.array(table[0]) * 255).tolist() == [68, 1, 84]
    expected = matplotlib.colormaps["jet"](np.arange(256) / 255)[:, :3]
    # Unrounded: exactly the colours heatmaps.overlay blends.
    assert colormap_table("jet") == expected.tolist()


def test_unknown_colormap_names_the_value():
    with pytest.raises(ValueError, match="'viridus' is not a matplotlib colour map"):
        colormap_table("viridus")


def test_lab_layers_add_block_outputs_in_model_order():
    small = load_trained("small_convnet")
    assert lab_layers(small) == activation_layers(small)
    mini = load_trained("mini_xception")
    layers = lab_layers(mini)
    assert layers[:5] == [
        "stem_conv",
        "block1_sepconv1",
        "block1_sepconv2",
        "block1_pool",
        "block1_residual",
    ]
    assert layers.index("block1_add") == 5
    assert [n for n in layers if n.endswith("_add")] == [
        f"block{i}_add" for i in range(1, 6)
    ]
    order = [layer.name for layer in mini.layers]
    assert layers == sorted(layers, key=order.index)


def test_export_lab_writes_what_the_page_reads(real_data, tmp_path):
    manifest_path = export_lab(tmp_path / "lab", data=real_data)
    manifest = json.loads(manifest_path.read_text())
    assert manifest["classes"] == ["cat", "dog"]
    assert [m["name"] for m in manifest["models"]] == list(MODELS)
    for entry in manifest["models"]:
        model = load_trained(entry["name"])
        record = trained_manifest(entry["name"])
        assert entry["input_size"] == [180, 180]
        assert entry["gradcam_layers"] == list(GRADCAM_LAYERS[entry["name"]])
        assert entry["test_accuracy"] == record["test_accuracy"]
        assert entry["test_photos"] == record["test_photos"] == 1000
        for layer in entry["layers"]:
            shape = model.get_layer(layer["name"]).output.shape[1:]
            assert layer["shape"] == list(shape)
            assert layer["mosaic_columns"] == mosaic_columns(shape[-1])
        model_json = tmp_path / "lab" / entry["path"]
        weights = model_json.parent / "weights.bin"
        assert weights.stat().st_size == 4 * model.count_params()
        assert entry["download_bytes"] == (
            weights.stat().st_size + model_json.stat().st_size
        )
    assert len(manifest["samples"]) == len(SAMPLE_PHOTOS)
    for sample, relative in zip(manifest["samples"], SAMPLE_PHOTOS, strict=True):
        copied = tmp_path / "lab" / sample["path"]
        original = real_data / "validation" / relative
        assert copied.read_bytes() == original.read_bytes()
        assert sample["label"] == relative.split("/")[0][:-1]
    drawing = manifest["drawing"]
    assert drawing["overlay_alpha"] == 0.4
    assert drawing["mosaic_margin"] == 1
    assert drawing["blank_colour"] == [176 / 255] * 3 == list(to_rgb(BLANK_COLOUR))
    assert drawing["colormaps"]["gradcam"]["table"] == colormap_table("jet")
    assert drawing["colormaps"]["activations"]["name"] == "viridis"
    assert not list((tmp_path / "lab").rglob("*.tmp*"))
