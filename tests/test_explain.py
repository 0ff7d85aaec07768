import numpy as np
import pytest
from PIL import Image

from modern_convnets.__main__ import main as package_main
from modern_convnets.activation_plots import channel_mosaic
from modern_convnets.explain import (
    Explanation,
    explain_photos,
    explain_pixels,
    plot_explanations,
)
from modern_convnets.gradcam import gradcam
from modern_convnets.heatmaps import overlay
from modern_convnets.images import model_batch
from modern_convnets.photos import read_photo
from modern_convnets.shipped import load_trained


@pytest.fixture
def photo(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "photo.jpg"
    Image.fromarray(rng.integers(0, 256, (60, 80, 3), dtype="uint8")).save(path)
    return path


def test_explain_pixels_gives_the_models_probability(photo):
    model = load_trained("small_convnet")
    pixels = read_photo(photo)
    result = explain_pixels("small_convnet", model, pixels)
    expected = model.predict(model_batch(model, pixels), verbose=0)[0, 0]
    assert result.p_dog == float(expected)
    assert set(result.gradcam) == {"cat", "dog"}
    assert result.gradcam["dog"].shape == (7, 7)
    assert result.first_layer == "block1_conv"
    assert result.activations.shape == (178, 178, 32)


def test_both_classes_maps_share_one_scale(real_data):
    """Both maps are divided by the larger peak: the weaker class's is dimmer."""
    model = load_trained("small_convnet")
    validation = real_data / "validation"
    cat = explain_pixels(
        "small_convnet", model, read_photo(validation / "cats" / "cat.2000.jpg")
    )
    assert round(cat.p_dog, 4) == 0.0108
    peaks = {label: round(float(m.max()), 4) for label, m in cat.gradcam.items()}
    assert peaks == {"cat": 1.0, "dog": 0.7839}
    # The same maps as Grad-CAM's, each divided by its own maximum, times its peak.
    alone = gradcam(model, cat.pixels[None], layer_name=cat.gradcam_layer, target=1)[0]
    np.testing.assert_allclose(
        cat.gradcam["dog"], alone * cat.gradcam["dog"].max(), atol=1e-6
    )
    dog = explain_pixels(
        "small_convnet", model, read_photo(validation / "dogs" / "dog.2000.jpg")
    )
    assert round(dog.p_dog, 4) == 1.0
    # No position has positive evidence for "cat": its map is empty.
    peaks = {label: round(float(m.max()), 4) for label, m in dog.gradcam.items()}
    assert peaks == {"cat": 0.0, "dog": 1.0}


def test_the_panel_draws_the_shared_overlay_and_mosaic():
    rng = np.random.default_rng(2)
    result = Explanation(
        model="m",
        p_dog=0.25,
        pixels=rng.uniform(0, 255, (20, 20, 3)).astype("float32"),
        gradcam_layer="conv",
        gradcam={"cat": rng.random((4, 4)), "dog": np.zeros((4, 4))},
        first_layer="conv1",
        activations=rng.random((18, 18, 40)),
    )
    fig = plot_explanations([result], title="photo.jpg")
    drawn = [ax.images[0].get_array() for ax in fig.axes]
    np.testing.assert_array_equal(
        drawn[1], overlay(result.pixels, result.gradcam["dog"])
    )
    np.testing.assert_array_equal(
        drawn[2], overlay(result.pixels, result.gradcam["cat"])
    )
    mosaic, _ = channel_mosaic(result.activations, 16)  # 16 columns above 32 channels
    np.testing.assert_array_equal(drawn[3], mosaic)
    assert fig.axes[0].get_title() == "m\nP(dog) = 0.250, P(cat) = 0.750"


def test_explain_photos_writes_panels_and_skips_bad_files(photo, tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_text("not a photo")
    lines = []
    written = explain_photos([photo, bad], tmp_path / "out", log=lines.append)
    assert written == [tmp_path / "out" / "photo.png"]
    with Image.open(written[0]) as panel:
        assert panel.size == (1200, 640)
    assert lines[0].startswith(f"{photo}: small_convnet P(dog) = 0.")
    assert lines[1].startswith(f"skipped {bad}: ")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["photo.png"]


def test_explain_refuses_photos_that_would_share_a_panel(photo, tmp_path):
    other = tmp_path / "other" / "photo.png"
    with pytest.raises(ValueError, match="overwrite each other's panel"):
        explain_photos([photo, other], tmp_path / "out")


def test_command_line_exit_status(photo, tmp_path, capsys):
    assert package_main(["explain", str(photo), "--out", str(tmp_path / "a")]) == 0
    missing = tmp_path / "missing.jpg"
    status = package_main(["explain", str(photo), str(missing), "--out", str(tmp_path)])
    assert status == 1
    assert f"skipped {missing}" in capsys.readouterr().out
    assert package_main(["draw"]) == 2
    assert "unknown command 'draw'; valid: explain" in capsys.readouterr().err
