"""One photo reader: the same pixels, and the same P(dog), from every entry point."""

from pathlib import Path

import keras
import numpy as np
import pytest
from conftest import write_jpeg
from PIL import Image

from modern_convnets.photos import (
    inspect_photo,
    load_photo,
    read_photo,
    resize_bilinear,
)

ORIENTATION = 0x0112  # the EXIF tag
ROTATE_CLOCKWISE = 6  # "turn the stored image 90° clockwise to display it"


def sideways(upright: np.ndarray, path: Path) -> Path:
    """Save `upright` as a phone does: stored turned, with the tag to undo it."""
    stored = Image.fromarray(np.rot90(upright, k=1))  # 90° anticlockwise
    exif = stored.getexif()
    exif[ORIENTATION] = ROTATE_CLOCKWISE
    stored.save(path, exif=exif)
    return path


def with_alpha(path: Path) -> Path:
    """A PNG whose left third is fully transparent over saturated red."""
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (60, 90, 4), dtype=np.uint8)
    pixels[:, :30, :3] = (255, 0, 0)
    pixels[:, :30, 3] = 0
    pixels[:, 30:60, 3] = 128
    pixels[:, 60:, 3] = 255
    Image.fromarray(pixels, "RGBA").save(path)
    return path


@pytest.fixture
def photo_files(tmp_path) -> dict[str, Path]:
    """A JPEG, an EXIF-rotated JPEG and a PNG with transparency."""
    upright = np.asarray(Image.open(write_jpeg(tmp_path / "a.jpg", 0, (90, 60))))
    return {
        "jpeg": tmp_path / "a.jpg",
        "rotated jpeg": sideways(upright, tmp_path / "rotated.jpg"),
        "png with alpha": with_alpha(tmp_path / "alpha.png"),
    }


# --- the reader's three rules --------------------------------------------------


def test_orientation_tag_is_applied(tmp_path):
    upright = np.random.default_rng(0).integers(0, 256, (20, 40, 3), dtype=np.uint8)
    stored = sideways(upright, tmp_path / "phone.png")  # lossless, so exact
    assert np.asarray(Image.open(stored)).shape == (40, 20, 3)
    np.testing.assert_array_equal(read_photo(stored), upright)


def test_transparency_is_laid_over_white(tmp_path):
    pixels = read_photo(with_alpha(tmp_path / "alpha.png"))
    stored = np.asarray(Image.open(tmp_path / "alpha.png"))
    assert (pixels[:, :30] == 255).all()  # red stored under alpha 0: white
    assert (pixels[:, 60:] == stored[:, 60:, :3]).all()  # opaque: unchanged
    half = pixels[:, 30:60].astype(int)  # alpha 128: halfway to white
    expected = (stored[:, 30:60, :3].astype(int) * 128 + 255 * 127) / 255
    assert np.abs(half - expected).max() <= 1


@pytest.mark.tensorflow
def test_jpeg_decoding_is_pillows_accurate_dct(tmp_path):
    import tensorflow as tf

    path = write_jpeg(tmp_path / "x.jpg", 5, (64, 48))
    accurate = tf.io.decode_jpeg(path.read_bytes(), dct_method="INTEGER_ACCURATE")
    np.testing.assert_array_equal(read_photo(path), accurate.numpy())


def test_palette_transparency_is_laid_over_white(tmp_path):
    image = Image.new("P", (4, 2), 0)
    image.putpalette([200, 0, 0, 0, 0, 200] + [0] * 762)
    image.putpixel((0, 0), 1)
    image.info["transparency"] = 0
    image.save(tmp_path / "p.png", transparency=0)
    pixels = read_photo(tmp_path / "p.png")
    assert pixels[0, 0].tolist() == [0, 0, 200]
    assert pixels[1, 1].tolist() == [255, 255, 255]


@pytest.mark.parametrize(
    ("name", "mode"), [("gray.png", "L"), ("palette.gif", "P"), ("cmyk.jpg", "CMYK")]
)
def test_every_colour_mode_reads_as_rgb(tmp_path, name, mode):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (8, 9, 3), dtype=np.uint8)).convert(mode).save(
        tmp_path / name
    )
    pixels = read_photo(tmp_path / name)
    assert pixels.shape == (8, 9, 3)
    assert pixels.dtype == np.uint8
    if mode == "L":
        gray = np.asarray(Image.open(tmp_path / name))
        for channel in range(3):
            np.testing.assert_array_equal(pixels[..., channel], gray)


def test_bad_files_are_named(tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.jpg is empty"):
        read_photo(empty)
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    with pytest.raises(ValueError, match=r"notes\.jpg is not an image"):
        read_photo(text)
    with pytest.raises(FileNotFoundError):
        read_photo(tmp_path / "nowhere.jpg")
    good = write_jpeg(tmp_path / "good.jpg", 1)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(good.read_bytes()[:300])
    with pytest.raises(ValueError, match=r"truncated\.jpg is not an image"):
        read_photo(truncated)
    assert inspect_photo(good) == (None, "RGB")
    assert inspect_photo(empty) == ("empty file (0 bytes)", None)
    assert inspect_photo(truncated)[0].startswith("truncated or corrupt")


def test_read_photo_never_writes_its_input(tmp_path):
    path = sideways(np.zeros((8, 4, 3), np.uint8), tmp_path / "phone.jpg")
    before = path.read_bytes(), path.stat().st_mtime_ns
    read_photo(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


@pytest.mark.parametrize(
    ("shape", "size"),
    [((41, 59, 3), (180, 180)), ((374, 500, 3), (180, 180)), ((7, 5, 3), (3, 11))],
)
@pytest.mark.tensorflow
def test_resize_bilinear_matches_tensorflow_bit_for_bit(shape, size):
    import tensorflow as tf

    image = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    expected = tf.image.resize(image, size, method="bilinear").numpy()
    np.testing.assert_array_equal(resize_bilinear(image, size), expected)


@pytest.mark.parametrize("size", [(0, 3), (3,), (2.0, 3), (True, 3)])
def test_resize_names_a_bad_size(size):
    with pytest.raises(ValueError, match=r"size=.* must be two positive integers"):
        resize_bilinear(np.zeros((4, 4, 3)), size)


# --- one reader everywhere -----------------------------------------------------


@pytest.mark.parametrize("kind", ["jpeg", "rotated jpeg", "png with alpha"])
def test_every_entry_point_gives_the_same_probability(photo_files, kind):
    """P(dog) of the shipped small convnet, by every way the package reads a file."""
    from modern_convnets.activations import get_activations
    from modern_convnets.data import Split, load_arrays
    from modern_convnets.dataset_examples import photo
    from modern_convnets.evaluation import predict
    from modern_convnets.explain import explain_pixels
    from modern_convnets.gradcam import gradcam
    from modern_convnets.images import image_batch, model_batch
    from modern_convnets.shipped import load_trained

    path = photo_files[kind]
    model = load_trained("small_convnet")
    size = (180, 180)
    reference = load_photo(path, size)[None]
    split = Split(paths=(path,), labels=(1,))

    def p_dog(batch: np.ndarray) -> float:
        return float(keras.ops.convert_to_numpy(model(batch, training=False))[0, 0])

    probabilities = {
        "images.model_batch": p_dog(model_batch(model, path)),
        "images.image_batch (PIL image)": p_dog(image_batch(Image.open(path), size)),
        "data.load_arrays": p_dog(load_arrays(split, image_size=size)[0]),
        "evaluation.predict on data.load_arrays": float(
            predict(model, load_arrays(split, image_size=size)).probabilities[0]
        ),
        "dataset_examples.photo": p_dog(photo(path, 180)[None]),
        "explain.explain_pixels": explain_pixels(
            "small_convnet", model, read_photo(path)
        ).p_dog,
    }
    expected = p_dog(reference)
    for entry, value in probabilities.items():
        assert abs(value - expected) <= 1e-6, (entry, value, expected)
    # The activation and Grad-CAM helpers see the same pixels as well.
    first = get_activations(model, path, ["block1_conv"])["block1_conv"]
    np.testing.assert_array_equal(
        first, get_activations(model, reference, ["block1_conv"])["block1_conv"]
    )
    np.testing.assert_array_equal(gradcam(model, path), gradcam(model, reference))


@pytest.mark.tensorflow
@pytest.mark.parametrize("kind", ["jpeg", "rotated jpeg", "png with alpha"])
def test_the_tf_data_pipeline_gives_the_same_probability(photo_files, kind):
    from modern_convnets.data import Split, make_dataset
    from modern_convnets.evaluation import predict
    from modern_convnets.shipped import load_trained

    path = photo_files[kind]
    model = load_trained("small_convnet")
    dataset = make_dataset(Split(paths=(path,), labels=(1,)), image_size=(180, 180))
    expected = model(load_photo(path, (180, 180))[None], training=False)
    p_dog = predict(model, dataset).probabilities[0]
    assert abs(p_dog - float(keras.ops.convert_to_numpy(expected)[0, 0])) <= 1e-6


def test_rotation_and_transparency_change_what_the_model_sees(photo_files):
    """What the rules are for: without them the model gets another input."""
    stored = np.asarray(Image.open(photo_files["rotated jpeg"]).convert("RGB"))
    assert stored.shape[:2] == read_photo(photo_files["rotated jpeg"]).shape[1::-1]
    raw = np.asarray(Image.open(photo_files["png with alpha"]).convert("RGB"))
    upright = read_photo(photo_files["png with alpha"])
    assert (raw[:, :30] == (255, 0, 0)).all()
    assert (upright[:, :30] == 255).all()
