import subprocess
import sys

import numpy as np
import pytest

from modern_convnets.heatmaps import overlay, resize_heatmap


@pytest.mark.parametrize(
    ("shape", "size"),
    [
        ((7, 7), (178, 178)),
        ((10, 10), (299, 299)),
        ((5, 5), (20, 30)),
        ((9, 4), (9, 4)),
    ],
)
@pytest.mark.tensorflow
def test_resize_heatmap_matches_tensorflow_bit_for_bit(shape, size):
    import tensorflow as tf

    heatmap = np.random.default_rng(0).random(shape).astype("float32")
    expected = tf.image.resize(heatmap[..., None], size).numpy()[..., 0]
    resized = resize_heatmap(heatmap, size)
    assert resized.dtype == np.float32
    np.testing.assert_array_equal(resized, expected)


def test_resize_heatmap_bad_input():
    with pytest.raises(ValueError, match=r"heatmap has shape \(1, 4, 4\)"):
        resize_heatmap(np.ones((1, 4, 4)), (8, 8))
    with pytest.raises(ValueError, match=r"size="):
        resize_heatmap(np.ones((4, 4)), (0, 8))


def test_heatmaps_need_no_tensorflow():
    code = (
        "import sys, numpy as np; from modern_convnets.heatmaps import overlay; "
        "overlay(np.zeros((8, 8, 3)), np.ones((2, 2))); "
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_overlay():
    image = np.full((20, 30, 3), 100.0)
    out = overlay(image, np.zeros((4, 4)), alpha=0.25, cmap="gray")
    assert out.dtype == np.uint8
    assert out.shape == (20, 30, 3)
    np.testing.assert_array_equal(out, 75)  # 0.75 * 100 + 0.25 * black
    full = overlay(image, np.ones((4, 4)), alpha=1.0, cmap="gray")
    np.testing.assert_array_equal(full, 255)
    with pytest.raises(ValueError, match=r"alpha=1.5 must be between 0 and 1"):
        overlay(image, np.ones((4, 4)), alpha=1.5)
    with pytest.raises(ValueError, match=r"heatmap has shape \(1, 4, 4\)"):
        overlay(image, np.ones((1, 4, 4)))
    with pytest.raises(ValueError, match=r"image has shape \(20, 30\)"):
        overlay(image[..., 0], np.ones((4, 4)))


def _former_overlay(image, heatmap, alpha=0.4, cmap="jet"):
    """The overlay as it was drawn with `tf.image.resize`, verbatim."""
    import matplotlib
    import tensorflow as tf

    image = np.asarray(image, dtype="float32")
    heatmap = np.asarray(heatmap, dtype="float32")
    resized = tf.image.resize(heatmap[..., None], image.shape[:2]).numpy()[..., 0]
    colours = matplotlib.colormaps[cmap](np.clip(resized, 0, 1))[..., :3] * 255
    blended = (1 - alpha) * image + alpha * colours
    return np.clip(np.round(blended), 0, 255).astype("uint8")


@pytest.mark.parametrize(
    ("photo", "heatmap"),
    [((180, 180), (7, 7)), ((299, 299), (10, 10)), ((150, 150), (5, 5))],
)
@pytest.mark.tensorflow
def test_overlay_draws_the_same_pixels_as_before(photo, heatmap):
    rng = np.random.default_rng(1)
    image = rng.uniform(0, 255, (*photo, 3)).astype("float32")
    cam = rng.random(heatmap).astype("float32")
    cam[0] = 0  # the zeros Grad-CAM's ReLU leaves
    np.testing.assert_array_equal(overlay(image, cam), _former_overlay(image, cam))
