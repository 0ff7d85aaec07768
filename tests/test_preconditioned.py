import keras
import numpy as np
import pytest
from keras import ops

from modern_convnets.parameterizations import COLOR_CORRELATION_SVD_SQRT, spectrum_scale
from modern_convnets.preconditioned import (
    Recipe,
    Transforms,
    displayed_activation,
    high_frequency_share,
    visualize,
)
from modern_convnets.transforms import step_values


def initial_parameters(channels, recipe, seed):
    return recipe.image().initial(channels, seed)


def to_images(parameters, recipe):
    return recipe.image().to_unit(parameters)


def parameters_from_images(images, recipe):
    return recipe.image().from_unit(images)


SMALL = Recipe(image_size=32, steps=6, learning_rate=0.05)


@pytest.fixture(scope="module")
def tiny():
    """A seeded convnet taking inputs in [-1, 1], with Xception-like names."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, name="block1_conv1")(inputs)
    x = keras.layers.Activation("relu", name="block1_conv1_act")(x)
    x = keras.layers.SeparableConv2D(12, 3, padding="same", name="block2_sepconv1")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(2, name="predictions")(x)
    return keras.Model(inputs, outputs, name="tiny")


def test_spectrum_scale_is_one_over_frequency():
    scale = spectrum_scale(4, 4)
    assert scale.shape == (4, 3)
    # √(4·4) = 4 times 1/frequency; the constant term counts as frequency 1/4.
    assert scale[0, 0] == pytest.approx(16.0)
    assert scale[0, 1] == pytest.approx(16.0)  # frequency 0.25
    assert scale[0, 2] == pytest.approx(8.0)  # frequency 0.5
    assert scale[2, 2] == pytest.approx(4 / np.sqrt(0.5))


def test_zero_parameters_are_grey():
    for parameterization in ("fourier", "pixels"):
        recipe = Recipe(parameterization=parameterization, image_size=16)
        zeros = np.zeros_like(initial_parameters([0], recipe, seed=0))
        images = ops.convert_to_numpy(to_images(ops.convert_to_tensor(zeros), recipe))
        assert images.shape == (1, 16, 16, 3)
        np.testing.assert_array_equal(images, 0.5)


def test_fourier_constant_term_gives_a_flat_image():
    recipe = Recipe(image_size=16, decorrelate=False)
    parameters = np.zeros((1, 2, 3, 16, 9), np.float32)
    parameters[0, 0, 0, 0, 0] = 0.01  # red channel, constant term
    image = ops.convert_to_numpy(to_images(ops.convert_to_tensor(parameters), recipe))
    image = image[0]
    assert np.ptp(image[..., 0]) < 1e-6
    assert image[0, 0, 0] > 0.5
    np.testing.assert_allclose(image[..., 1:], 0.5)


@pytest.mark.parametrize("parameterization", ["fourier", "pixels"])
@pytest.mark.parametrize("decorrelate", [True, False])
def test_a_known_image_survives_the_inverse(parameterization, decorrelate):
    recipe = Recipe(
        parameterization=parameterization, decorrelate=decorrelate, image_size=24
    )
    # A smooth gradient with a sharp square: low and high frequencies, colour.
    rows, cols = np.mgrid[0:24, 0:24] / 23.0
    image = np.stack([0.1 + 0.8 * rows, 0.9 - 0.7 * cols, 0.3 + 0.4 * rows * cols], -1)
    image[8:14, 5:17] = (0.95, 0.05, 0.5)
    parameters = parameters_from_images(image[None], recipe)
    assert parameters.shape == initial_parameters([0], recipe, seed=0).shape
    back = ops.convert_to_numpy(to_images(ops.convert_to_tensor(parameters), recipe))[0]
    np.testing.assert_allclose(back, image, atol=2e-5)


def test_colour_decorrelation_round_trip():
    recipe = Recipe(parameterization="pixels", image_size=16)
    parameters = initial_parameters([0, 1], recipe, seed=3) * 100  # far from grey
    images = ops.convert_to_numpy(to_images(ops.convert_to_tensor(parameters), recipe))
    np.testing.assert_allclose(
        parameters_from_images(images, recipe), parameters, rtol=1e-3, atol=1e-3
    )
    # The matrix really mixes colours: one decorrelated channel moves all three.
    one = np.zeros((1, 16, 16, 3), np.float32)
    one[..., 0] = 1.0
    rgb = ops.convert_to_numpy(to_images(ops.convert_to_tensor(one), recipe))[0, 0, 0]
    norm = np.linalg.norm(COLOR_CORRELATION_SVD_SQRT, axis=0).max()
    expected = 1 / (1 + np.exp(-COLOR_CORRELATION_SVD_SQRT[:, 0] / norm))
    np.testing.assert_allclose(rgb, expected, rtol=1e-6)


def test_each_channel_starts_from_its_own_seeded_noise():
    a = initial_parameters([3, 7], SMALL, seed=1)
    b = initial_parameters([7], SMALL, seed=1)
    assert a.shape == (2, 2, 3, 32, 17)
    np.testing.assert_array_equal(a[1], b[0])
    assert 0.005 < a.std() < 0.02


def test_transform_is_seeded_and_sized():
    images = np.random.default_rng(0).uniform(size=(2, 32, 32, 3)).astype("float32")
    chain = Transforms().compose()
    values = step_values(chain, seed=1, step=2)
    one = ops.convert_to_numpy(chain.apply(images, ops.convert_to_tensor(values)))
    assert one.shape == (2, 32 + 2 * 12 - 8 - 4, 32 + 2 * 12 - 8 - 4, 3)
    np.testing.assert_array_equal(
        one, ops.convert_to_numpy(chain.apply(images, ops.convert_to_tensor(values)))
    )
    other = step_values(chain, seed=5, step=2)
    assert not np.array_equal(
        one, ops.convert_to_numpy(chain.apply(images, ops.convert_to_tensor(other)))
    )
    still = Transforms(
        pad=0, jitter=0, scales=(1.0,), rotations=(0.0,), final_jitter=0
    ).compose()
    np.testing.assert_allclose(
        ops.convert_to_numpy(
            still.apply(images, ops.convert_to_tensor(step_values(still, 1, 2)))
        ),
        images,
        atol=1e-6,
    )


def test_every_channel_rises(tiny):
    recipe = Recipe(image_size=32, steps=10)
    layer = "block1_conv1_act"
    result = visualize(tiny, layer, range(8), recipe=recipe, seed=0)
    assert result.images.shape == (8, 32, 32, 3)
    assert result.images.dtype == np.uint8
    assert result.objectives.shape == (8, 11)
    assert result.channels == tuple(range(8))
    # During the ascent, on the transformed images each step saw:
    assert (result.objectives[:, -2] > result.objectives[:, 0]).all()
    # And on the images as shown, against the near-grey images it began with.
    start = to_images(
        ops.convert_to_tensor(initial_parameters(range(8), recipe, 0)), recipe
    )
    start = np.round(ops.convert_to_numpy(start) * 255).astype("uint8")
    before = displayed_activation(tiny, layer, range(8), start)
    after = displayed_activation(tiny, layer, range(8), result.images)
    assert (after > 10 * before).all()


@pytest.mark.parametrize("objective", ["channel", "neuron"])
def test_batched_equals_one_at_a_time(tiny, objective):
    recipe = Recipe(image_size=32, steps=4, objective=objective)
    batched = visualize(tiny, "block2_sepconv1", [5, 1], recipe=recipe, seed=2)
    for row, channel in enumerate([5, 1]):
        single = visualize(tiny, "block2_sepconv1", [channel], recipe=recipe, seed=2)
        np.testing.assert_allclose(
            batched.objectives[row], single.objectives[0], rtol=1e-4, atol=1e-6
        )
        assert np.abs(batched.images[row].astype(int) - single.images[0]).max() <= 1


def test_same_seed_same_images_and_model_untouched(tiny):
    before = [w.copy() for w in tiny.get_weights()]
    first = visualize(tiny, "block2_sepconv1", [0], recipe=SMALL, seed=4)
    again = visualize(tiny, "block2_sepconv1", [0], recipe=SMALL, seed=4)
    other = visualize(tiny, "block2_sepconv1", [0], recipe=SMALL, seed=5)
    np.testing.assert_array_equal(first.images, again.images)
    assert not np.array_equal(first.images, other.images)
    for old, new in zip(before, tiny.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


def test_displayed_activation_scores_the_rounded_image(tiny):
    images = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), np.uint8)
    scores = displayed_activation(tiny, "block2_sepconv1", [3, 4], images)
    extractor = keras.Model(tiny.input, tiny.get_layer("block2_sepconv1").output)
    maps = ops.convert_to_numpy(extractor(images.astype("float32") / 255 * 2 - 1))
    np.testing.assert_allclose(
        scores, [maps[0, ..., 3].mean(), maps[1, ..., 4].mean()], rtol=1e-5
    )
    centre = displayed_activation(
        tiny, "block2_sepconv1", [3, 4], images, objective="neuron"
    )
    h, w = maps.shape[1:3]
    np.testing.assert_allclose(
        centre, [maps[0, h // 2, w // 2, 3], maps[1, h // 2, w // 2, 4]], rtol=1e-5
    )


def test_high_frequency_share():
    flat = np.full((16, 16, 3), 7.0)
    assert high_frequency_share(flat) == 0.0
    checkerboard = np.indices((16, 16)).sum(axis=0) % 2 * 255.0
    assert high_frequency_share(
        np.repeat(checkerboard[..., None], 3, -1)
    ) == pytest.approx(1.0)
    # One cycle across the image: all its energy at 1/16 cycle per pixel.
    wave = np.cos(2 * np.pi * np.arange(16) / 16)[None, :, None] * np.ones((16, 16, 3))
    assert high_frequency_share(wave[None])[0] == pytest.approx(0.0, abs=1e-12)
    noise = np.random.default_rng(0).uniform(0, 255, (64, 64, 3))
    assert 0.7 < high_frequency_share(noise) < 0.9


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"parameterization": "wavelet"},
            "parameterization='wavelet' is not one of 'fourier', 'pixels'",
        ),
        (
            {"objective": "diversity"},
            "objective='diversity' is not one of 'channel', 'neuron'",
        ),
        ({"learning_rate": 0}, "learning_rate=0 must be > 0"),
        ({"steps": 0}, "steps=0 must be an integer ≥ 1"),
        ({"image_size": 8}, "image_size=8 must be an integer ≥ 16"),
    ],
)
def test_bad_recipes_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Recipe(**kwargs)


def test_bad_arguments_are_named(tiny):
    with pytest.raises(
        ValueError,
        match="channel 12 is out of range for layer 'block2_sepconv1': it has 12",
    ):
        visualize(tiny, "block2_sepconv1", [12], recipe=SMALL)
    with pytest.raises(ValueError, match="channels is empty"):
        visualize(tiny, "block2_sepconv1", [], recipe=SMALL)
    with pytest.raises(ValueError, match=r"input_range=\(1, 1\)"):
        visualize(tiny, "block2_sepconv1", [0], recipe=SMALL, input_range=(1, 1))
    with pytest.raises(ValueError, match="nope"):
        visualize(tiny, "nope", [0], recipe=SMALL)
    with pytest.raises(ValueError, match=r"Transforms\.pad=-1"):
        Transforms(pad=-1)
    with pytest.raises(ValueError, match=r"images has shape \(1, 8, 8, 3\)"):
        parameters_from_images(np.zeros((1, 8, 8, 3)), SMALL)  # size 32
    with pytest.raises(ValueError, match=r"images has shape \(2, 8, 8\)"):
        displayed_activation(tiny, "block2_sepconv1", [0, 1], np.zeros((2, 8, 8)))


def test_a_fixed_size_model_is_met_by_resizing(tiny):
    """The guide's cats-vs-dogs models take 180 × 180: the transforms end there."""
    inputs = keras.Input((48, 48, 3), name="pixels")
    fixed = keras.Model(inputs, tiny(inputs), name="fixed")
    assert Recipe(image_size=32).transform((48, 48)).output_size(32) == 48
    result = visualize(fixed, "block2_sepconv1", [0, 1], recipe=SMALL, seed=0)
    assert result.images.shape == (2, 32, 32, 3)
    assert displayed_activation(
        fixed, "block2_sepconv1", [0, 1], result.images
    ).shape == (2,)
    no_transforms = Recipe(image_size=32, steps=2, transforms=None)
    result = visualize(fixed, "block2_sepconv1", [0], recipe=no_transforms, seed=0)
    assert result.objectives.shape == (1, 3)
