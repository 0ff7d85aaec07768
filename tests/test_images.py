import keras
import numpy as np
import pytest
from PIL import Image

from modern_convnets.images import image_batch, input_size, model_batch, to_rgb
from modern_convnets.photos import resize_bilinear


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ((5, 6), (5, 6, 3)),
        ((5, 6, 1), (5, 6, 3)),
        ((5, 6, 3), (5, 6, 3)),
    ],
)
def test_arrays_become_rgb(shape, expected):
    array = np.arange(np.prod(shape), dtype="uint8").reshape(shape)
    rgb = to_rgb(array)
    assert rgb.shape == expected
    assert rgb.dtype == np.float32
    np.testing.assert_array_equal(rgb[..., 0], array.reshape(5, 6, -1)[..., 0])
    if len(shape) == 2 or shape[-1] == 1:
        np.testing.assert_array_equal(rgb[..., 0], rgb[..., 2])


def test_rgba_arrays_are_laid_over_white_as_files_are():
    rgba = np.zeros((5, 6, 4), dtype="uint8")
    rgba[..., 0] = 200
    rgba[:, :3, 3] = 255  # left half opaque red, right half transparent
    rgb = to_rgb(rgba)
    assert rgb.shape == (5, 6, 3)
    assert rgb[0, 0].tolist() == [200, 0, 0]
    assert rgb[0, 5].tolist() == [255, 255, 255]
    with pytest.raises(ValueError, match="4 channels and dtype float32"):
        to_rgb(rgba.astype("float32"))


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "CMYK", "RGB"])
def test_pil_images_and_files_become_rgb(mode, tmp_path):
    image = Image.new("RGB", (7, 4), (200, 100, 50)).convert(mode)
    assert to_rgb(image).shape == (4, 7, 3)
    path = tmp_path / "photo.png" if mode != "CMYK" else tmp_path / "photo.jpg"
    image.save(path)
    assert to_rgb(path).shape == (4, 7, 3)
    assert to_rgb(str(path)).shape == (4, 7, 3)


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 3), (5, 6, 2), (5, 6, 5)])
def test_unusable_shapes_are_named(shape):
    with pytest.raises(ValueError, match=rf"shape \({shape[0]},"):
        to_rgb(np.zeros(shape))


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError):
        to_rgb(tmp_path / "nope.jpg")


def test_resizing_matches_the_training_pipeline():
    image = np.random.default_rng(0).uniform(0, 255, (30, 40, 3)).astype("float32")
    batch = image_batch(image, size=(18, 18))
    # photos.resize_bilinear: the training pipeline's, tf.image.resize's to the bit
    expected = resize_bilinear(image, (18, 18))
    np.testing.assert_array_equal(batch[0], expected)


def test_a_batch_is_kept_and_lists_are_stacked():
    images = np.zeros((3, 8, 8, 3))
    assert image_batch(images).shape == (3, 8, 8, 3)
    assert image_batch([np.zeros((8, 8)), np.zeros((8, 8, 4), "uint8")]).shape == (
        2,
        8,
        8,
        3,
    )


def test_mixed_sizes_need_a_size():
    with pytest.raises(ValueError, match=r"different sizes.*pass size="):
        image_batch([np.zeros((8, 8, 3)), np.zeros((9, 8, 3))])


@pytest.mark.parametrize("size", [(0, 8), (8,), (8, 8, 3)])
def test_bad_size_is_named(size):
    with pytest.raises(ValueError, match=r"size=.*positive"):
        image_batch(np.zeros((8, 8, 3)), size=size)


def test_empty_list_is_an_error():
    with pytest.raises(ValueError, match="images is empty"):
        image_batch([])


def test_input_size_and_model_batch():
    fixed = keras.Sequential([keras.Input((12, 10, 3)), keras.layers.Identity()])
    assert input_size(fixed) == (12, 10)
    assert model_batch(fixed, np.zeros((30, 30, 3))).shape == (1, 12, 10, 3)
    any_size = keras.Sequential([keras.Input((None, None, 3)), keras.layers.Identity()])
    assert input_size(any_size) is None
    with pytest.raises(ValueError, match=r"shape \(None, 4\)"):
        input_size(keras.Sequential([keras.Input((4,)), keras.layers.Identity()]))


def test_grayscale_models_get_luminance():
    gray = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Identity()])
    red = np.zeros((4, 4, 3))
    red[..., 0] = 100
    batch = model_batch(gray, red)
    assert batch.shape == (1, 4, 4, 1)
    np.testing.assert_allclose(batch, 29.9, rtol=1e-6)
    two = keras.Sequential([keras.Input((4, 4, 2)), keras.layers.Identity()])
    with pytest.raises(ValueError, match="takes 2-channel images"):
        model_batch(two, red)
