import keras
import numpy as np
import pytest

from modern_convnets.activation_plots import (
    BLANK_COLOUR,
    channel_mosaic,
    plot_activation_overview,
    plot_channel,
    plot_channel_grid,
    plot_sparsity,
)
from modern_convnets.activations import (
    LayerSparsity,
    activation_layers,
    activation_model,
    channel_maps,
    get_activations,
    sparsity,
    sparsity_over,
)

LAYERS = ["conv1", "pool1", "sep2", "pool2"]


@pytest.fixture(scope="module")
def tiny():
    """Rescaling, two conv/pool pairs (one separable), a dense head."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((20, 20, 3))
    x = keras.layers.Rescaling(1 / 255, name="rescaling")(inputs)
    x = keras.layers.Conv2D(4, 3, activation="relu", name="conv1")(x)
    x = keras.layers.MaxPooling2D(2, name="pool1")(x)
    x = keras.layers.SeparableConv2D(6, 3, activation="relu", name="sep2")(x)
    x = keras.layers.AveragePooling2D(2, name="pool2")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="predictions")(x)
    return keras.Model(inputs, outputs, name="tiny")


@pytest.fixture(scope="module")
def photos():
    rng = np.random.default_rng(3)
    return rng.uniform(0, 255, (5, 20, 20, 3)).astype("float32")


def test_default_layers_are_convolutions_and_pooling_in_order(tiny):
    assert activation_layers(tiny) == LAYERS
    assert [t.shape for t in activation_model(tiny).outputs] == [
        (None, 18, 18, 4),
        (None, 9, 9, 4),
        (None, 7, 7, 6),
        (None, 3, 3, 6),
    ]


def test_activations_equal_truncated_models(tiny, photos):
    maps = get_activations(tiny, photos)
    assert list(maps) == LAYERS
    for name in LAYERS:
        truncated = keras.Model(tiny.input, tiny.get_layer(name).output)
        np.testing.assert_allclose(
            maps[name], truncated.predict(photos, verbose=0), atol=1e-6
        )


def test_chosen_layers_come_in_the_order_asked(tiny, photos):
    maps = get_activations(tiny, photos[0], ["flatten", "conv1"])
    assert list(maps) == ["flatten", "conv1"]
    assert maps["flatten"].shape == (1, 54)


def test_photos_of_another_size_are_resized(tiny):
    maps = get_activations(tiny, np.zeros((40, 33)), ["conv1"])
    assert maps["conv1"].shape == (1, 18, 18, 4)


def test_layers_inside_a_nested_model(tiny, photos):
    inputs = keras.Input((20, 20, 3))
    outer = keras.Model(inputs, keras.layers.Dense(2)(tiny(inputs)), name="outer")
    assert activation_layers(outer) == LAYERS
    nested = get_activations(outer, photos)
    direct = get_activations(tiny, photos)
    for name in LAYERS:
        np.testing.assert_allclose(nested[name], direct[name], atol=1e-6)


def test_sequential_models_work():
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((10, 10, 1)),
            keras.layers.Conv2D(2, 3, name="c"),
            keras.layers.MaxPooling2D(name="p"),
        ]
    )
    maps = get_activations(model, np.ones((10, 10)))
    assert {k: v.shape for k, v in maps.items()} == {
        "c": (1, 8, 8, 2),
        "p": (1, 4, 4, 2),
    }


def test_hand_made_sparsity_is_exact():
    maps = np.zeros((2, 3, 3, 4))
    maps[0, 1, 1, 0] = 2.0  # channel 0 fires once on photo 0
    maps[1, :, :, 1] = 1.0  # channel 1 fires everywhere on photo 1
    maps[:, 0, 0, 2] = -1e-7  # channel 2 is "almost" zero
    (exact,) = sparsity({"layer": maps})
    assert exact == LayerSparsity(
        layer="layer",
        images=2,
        channels=4,
        zero_fraction=(72 - 1 - 9 - 2) / 72,
        blank_fraction=4 / 8,
        dead_channels=1,
    )
    (tolerant,) = sparsity({"layer": maps}, atol=1e-6)
    assert tolerant.zero_fraction == 62 / 72
    assert tolerant.blank_fraction == 6 / 8
    assert tolerant.dead_channels == 2


def test_streaming_equals_all_at_once(tiny, photos):
    whole = sparsity(get_activations(tiny, photos))
    streamed = sparsity_over(tiny, [photos[:2], photos[2:4], photos[4:]])
    for a, b in zip(whole, streamed, strict=True):
        assert a.layer == b.layer
        assert a.images == b.images == 5
        assert a.zero_fraction == pytest.approx(b.zero_fraction, abs=1e-12)
        assert a.blank_fraction == b.blank_fraction
        assert a.dead_channels == b.dead_channels


def test_streaming_takes_labelled_batches(tiny, photos):
    labels = np.zeros(5)
    stats = sparsity_over(tiny, [(photos, labels)], ["conv1"])
    assert [s.layer for s in stats] == ["conv1"]
    assert stats[0].images == 5


def test_relu_layers_have_zeros_and_a_linear_layer_none(tiny, photos):
    stats = sparsity(get_activations(tiny, photos, ["rescaling", "conv1"]))
    assert stats[0].zero_fraction < 0.01
    assert stats[1].zero_fraction > 0.05


def test_errors_name_the_problem(tiny, photos):
    with pytest.raises(ValueError, match=r"layer_name=.conv9.*conv1, pool1"):
        get_activations(tiny, photos, ["conv9"])
    with pytest.raises(ValueError, match=r"layer_names='conv1' must be a list"):
        activation_model(tiny, "conv1")
    dense = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)], name="mlp")
    with pytest.raises(ValueError, match="'mlp' has no convolution or pooling layer"):
        activation_model(dense)
    with pytest.raises(ValueError, match="outputs shape \\(5, 54\\); sparsity needs"):
        sparsity_over(tiny, [photos], ["flatten"])
    with pytest.raises(ValueError, match="batches is empty"):
        sparsity_over(tiny, [])
    with pytest.raises(ValueError, match=r"image has shape \(20, 20, 2\)"):
        get_activations(tiny, np.zeros((20, 20, 2)))


def test_channel_maps_accepts_one_photo_only():
    assert channel_maps(np.zeros((1, 4, 4, 3))).shape == (4, 4, 3)
    assert channel_maps(np.zeros((4, 4, 3))).shape == (4, 4, 3)
    with pytest.raises(ValueError, match=r"flatten has shape \(1, 54\)"):
        channel_maps(np.zeros((1, 54)), "flatten")
    with pytest.raises(ValueError, match=r"has shape \(2, 4, 4, 3\)"):
        channel_maps(np.zeros((2, 4, 4, 3)))


def test_mosaic_marks_blank_channels_and_survives_constant_ones():
    maps = np.zeros((3, 3, 5))
    maps[..., 1] = 7.0  # constant but not blank: drawn, no division by zero
    maps[0, 0, 3] = 1.0
    image, blank = channel_mosaic(maps, ncols=3, margin=1)
    assert image.shape == (7, 11, 4)
    assert blank.tolist() == [True, False, True, False, True]
    assert np.isfinite(image).all()
    from matplotlib.colors import to_rgba

    np.testing.assert_allclose(image[0, 0], to_rgba(BLANK_COLOUR))
    assert image[0, 3, 3] == 0  # the margin is transparent
    assert image[4, 8, 3] == 0  # the empty sixth cell is transparent


def test_plots(tiny, photos):
    maps = get_activations(tiny, photos[0])
    fig = plot_channel(maps["conv1"], 2, layer_name="conv1")
    assert len(fig.axes) == 2  # the map and its colour bar
    grid = plot_channel_grid(maps["sep2"], layer_name="sep2")
    blank = int((~maps["sep2"][0].any(axis=(0, 1))).sum())
    assert grid.axes[0].get_title() == (
        f"sep2 (7, 7, 6): {blank} of 6 channels blank (grey)"
    )
    overview = plot_activation_overview(maps, channels=3)
    assert [ax.get_ylabel() for ax in overview.axes] == [
        "conv1\n18×18×4",
        "pool1\n9×9×4",
        "sep2\n7×7×6",
        "pool2\n3×3×6",
    ]
    chart = plot_sparsity(sparsity_over(tiny, [photos]))
    assert chart.axes[0].get_title() == "Sparsity over 5 photos"


def test_plot_errors(tiny, photos):
    maps = get_activations(tiny, photos[0], ["conv1", "flatten"])
    with pytest.raises(ValueError, match=r"channel=4 is out of range.*0 to 3"):
        plot_channel(maps["conv1"], 4, layer_name="conv1")
    with pytest.raises(ValueError, match=r"flatten has shape \(1, 54\)"):
        plot_channel_grid(maps["flatten"], layer_name="flatten")
    with pytest.raises(ValueError, match=r"flatten has shape"):
        plot_activation_overview(maps)
    with pytest.raises(ValueError, match="ncols=0"):
        plot_channel_grid(maps["conv1"], ncols=0)
    with pytest.raises(ValueError, match="stats is empty"):
        plot_sparsity([])


NINE_SHAPES = {
    "block1_conv": (1, 178, 178, 32),
    "block1_pool": (1, 89, 89, 32),
    "block2_conv": (1, 87, 87, 64),
    "block2_pool": (1, 43, 43, 64),
    "block3_conv": (1, 41, 41, 128),
    "block3_pool": (1, 20, 20, 128),
    "block4_conv": (1, 18, 18, 256),
    "block4_pool": (1, 9, 9, 256),
    "block5_conv": (1, 7, 7, 256),
}


@pytest.mark.slow
def test_trained_small_convnet_on_a_held_out_cat(real_data):
    from modern_convnets.shipped import load_trained

    model = load_trained("small_convnet")
    photo = real_data / "validation" / "cats" / "cat.2000.jpg"
    maps = get_activations(model, photo)
    assert {name: m.shape for name, m in maps.items()} == NINE_SHAPES
    assert list(maps) == list(NINE_SHAPES)
    # The statistic on real maps equals counting by hand.
    conv = maps["block5_conv"]
    (stats,) = sparsity({"block5_conv": conv})
    by_hand = sum(
        1 for c in range(256) if all(v == 0 for v in conv[0, :, :, c].ravel())
    )
    assert stats.blank_fraction == by_hand / 256
    assert stats.zero_fraction == (conv == 0).sum() / conv.size
    assert 0 < stats.zero_fraction < 1
