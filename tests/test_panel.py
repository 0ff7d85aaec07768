import pytest

from modern_convnets.data import CLASS_NAMES
from modern_convnets.panel import CLASSES, GRADCAM_LAYERS, MODELS, mosaic_columns
from modern_convnets.shipped import TRAINED


def test_classes_are_the_folders_in_the_singular_by_class_index():
    assert CLASS_NAMES == ("cats", "dogs")
    assert CLASSES == ("cat", "dog")


def test_the_explained_models_are_shipped_and_each_has_its_layers():
    assert MODELS == ("small_convnet", "mini_xception")
    assert set(MODELS) <= set(TRAINED)
    assert GRADCAM_LAYERS["small_convnet"][0] == "block5_conv"
    assert GRADCAM_LAYERS["mini_xception"][0] == "block5_add"


@pytest.mark.parametrize(
    ("channels", "columns"), [(1, 1), (8, 8), (9, 8), (32, 8), (33, 16), (728, 16)]
)
def test_mosaic_columns(channels, columns):
    assert mosaic_columns(channels) == columns


@pytest.mark.parametrize("channels", [0, -3, 2.5, True, "8"])
def test_mosaic_columns_names_a_bad_count(channels):
    with pytest.raises(ValueError, match=f"channels={channels!r} must be a positive"):
        mosaic_columns(channels)
