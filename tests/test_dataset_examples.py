import keras
import numpy as np
import pytest

from modern_convnets.dataset_examples import (
    crop,
    photo,
    top_examples,
    top_examples_by_layer,
)
from modern_convnets.receptive_field import receptive_field


@pytest.fixture(scope="module")
def tiny():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(6, 3, strides=2, name="block1_conv1")(inputs)
    x = keras.layers.Activation("relu", name="block1_conv1_act")(x)
    x = keras.layers.SeparableConv2D(8, 3, padding="same", name="block2_sepconv1")(x)
    return keras.Model(inputs, x, name="tiny")


@pytest.fixture
def photos(tiny_dataset):
    return sorted((tiny_dataset / "train").rglob("*.jpg"))


def _all_means(model, layer, paths, size):
    extractor = keras.Model(model.input, model.get_layer(layer).output)
    batch = np.stack([photo(p, size) for p in paths]) / 255.0 * 2 - 1
    return keras.ops.convert_to_numpy(extractor(batch))


def test_top_photos_are_the_strongest_in_order(tiny, photos):
    examples = top_examples(
        tiny, "block2_sepconv1", [0, 5], photos, top=4, image_size=48, batch_size=3
    )
    maps = _all_means(tiny, "block2_sepconv1", photos, 48)
    field = receptive_field(tiny, "block2_sepconv1", 48)
    for channel in (0, 5):
        means = maps[..., channel].mean(axis=(1, 2))
        expected = np.argsort(-means, kind="stable")[:4]
        got = examples[channel]
        assert [e.path for e in got] == [photos[i] for i in expected]
        np.testing.assert_allclose(
            [e.activation for e in got], means[expected], rtol=1e-5
        )
        for example, i in zip(got, expected, strict=True):
            row, column = np.unravel_index(
                maps[i, ..., channel].argmax(), maps.shape[1:3]
            )
            assert example.peak == (row, column)
            assert example.box == field.box(row, column, (48, 48))


def test_batch_size_does_not_change_the_answer(tiny, photos):
    one = top_examples(
        tiny, "block2_sepconv1", [3], photos, image_size=48, batch_size=1
    )
    many = top_examples(
        tiny, "block2_sepconv1", [3], photos, image_size=48, batch_size=7
    )
    assert [e.path for e in one[3]] == [e.path for e in many[3]]
    assert [e.box for e in one[3]] == [e.box for e in many[3]]


def test_crop_and_photo(photos):
    image = photo(photos[0], 48)
    assert image.shape == (48, 48, 3)
    assert image.dtype == np.float32
    assert crop(image, (2, 3, 7, 9)).shape == (5, 6, 3)


def test_bad_arguments_are_named(tiny, photos):
    with pytest.raises(ValueError, match="channel 8 is out of range"):
        top_examples(tiny, "block2_sepconv1", [8], photos)
    with pytest.raises(ValueError, match="channels is empty"):
        top_examples(tiny, "block2_sepconv1", [], photos)
    with pytest.raises(ValueError, match="paths is empty"):
        top_examples(tiny, "block2_sepconv1", [0], [])
    with pytest.raises(ValueError, match="top=0 must be an integer ≥ 1"):
        top_examples(tiny, "block2_sepconv1", [0], photos, top=0)
    with pytest.raises(ValueError, match="nope"):
        top_examples(tiny, "nope", [0], photos)


def test_one_pass_over_several_layers_equals_one_pass_each(tiny, photos):
    wanted = {"block1_conv1_act": [1, 4], "block2_sepconv1": [0, 7]}
    together = top_examples_by_layer(tiny, wanted, photos, top=3, image_size=48)
    for layer, channels in wanted.items():
        alone = top_examples(tiny, layer, channels, photos, top=3, image_size=48)
        assert together[layer] == alone


def test_no_layers_is_named(tiny, photos):
    with pytest.raises(ValueError, match="channels is empty"):
        top_examples_by_layer(tiny, {}, photos)
