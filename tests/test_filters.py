import keras
import numpy as np
import pytest

from modern_convnets.filters import (
    Regularizers,
    ascend_filters,
    filter_patterns,
)
from modern_convnets.graph import feature_extractor, feature_map_layers
from modern_convnets.parameterizations import PixelImage, deprocess


def initial_images(indices, size, seed):
    return PixelImage(size=size).initial(indices, seed)


@pytest.fixture(scope="module")
def tiny():
    """A seeded three-layer convnet with Xception-like layer names."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, name="block1_conv1")(inputs)
    x = keras.layers.BatchNormalization(name="block1_conv1_bn")(x)
    x = keras.layers.Activation("relu", name="block1_conv1_act")(x)
    x = keras.layers.SeparableConv2D(12, 3, padding="same", name="block2_sepconv1")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(2, name="predictions")(x)
    return keras.Model(inputs, outputs, name="tiny")


def test_every_filter_activation_rises(tiny):
    result = ascend_filters(
        tiny, "block2_sepconv1", range(12), image_size=64, steps=8, seed=1
    )
    assert result.objectives.shape == (12, 9)
    assert result.inputs.shape == (12, 64, 64, 3)
    assert (result.objectives[:, -1] > result.objectives[:, 0]).all()
    assert result.channels == tuple(range(12))


def test_batched_equals_one_at_a_time(tiny):
    kwargs = {"image_size": 64, "steps": 5, "seed": 3}
    batched = ascend_filters(tiny, "block2_sepconv1", [4, 0, 7], **kwargs)
    for row, index in enumerate([4, 0, 7]):
        single = ascend_filters(tiny, "block2_sepconv1", [index], **kwargs)
        np.testing.assert_allclose(batched.inputs[row], single.inputs[0], atol=1e-5)
        np.testing.assert_allclose(
            batched.objectives[row], single.objectives[0], rtol=1e-5
        )


def test_batch_size_does_not_change_the_result(tiny):
    kwargs = {"image_size": 64, "steps": 4, "seed": 5}
    whole = ascend_filters(tiny, "block2_sepconv1", range(5), **kwargs)
    chunks = ascend_filters(tiny, "block2_sepconv1", range(5), batch_size=2, **kwargs)
    np.testing.assert_allclose(whole.inputs, chunks.inputs, atol=1e-5)


def test_matches_the_one_filter_recipe(tiny):
    """The lecture's loop, written out with keras.ops, gives the same image."""
    from keras import ops

    from modern_convnets.autodiff import value_and_grad

    extractor = feature_extractor(tiny, "block2_sepconv1")
    gradient = value_and_grad(
        lambda x: (ops.mean(extractor(x)[:, 2:-2, 2:-2, 6]), ()),
        extractor.variables,
    )
    image = initial_images([6], 64, seed=9)
    for _ in range(6):
        grads = ops.convert_to_numpy(gradient(image)[2]).astype("float64")
        # tf.math.l2_normalize over the whole tensor: one image here
        grads /= np.sqrt(max(np.sum(grads**2), 1e-12))
        image = (image + 10.0 * grads).astype("float32")
    result = ascend_filters(
        tiny, "block2_sepconv1", [6], image_size=64, steps=6, seed=9
    )
    np.testing.assert_allclose(result.inputs[0], image[0], atol=1e-5)


def test_seed_fixes_the_start_per_filter():
    a = initial_images([3, 5], 64, seed=1)
    b = initial_images([5], 64, seed=1)
    np.testing.assert_array_equal(a[1], b[0])
    assert a.min() >= 0.4
    assert a.max() <= 0.6
    assert not np.array_equal(initial_images([5], 64, seed=2)[0], b[0])


def test_patterns_are_cropped_uint8(tiny):
    patterns = filter_patterns(
        tiny, "block2_sepconv1", [0, 1], image_size=64, steps=2, seed=0
    )
    assert patterns.shape == (2, 14, 14, 3)
    assert patterns.dtype == np.uint8


def test_model_is_left_untouched(tiny):
    before = [w.copy() for w in tiny.get_weights()]
    layers = [layer.name for layer in tiny.layers]
    ascend_filters(tiny, "block2_sepconv1", [0], image_size=64, steps=2, seed=0)
    assert [layer.name for layer in tiny.layers] == layers
    for old, new in zip(before, tiny.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


def test_regularisers_change_the_result_and_still_raise_activation(tiny):
    kwargs = {"image_size": 64, "steps": 8, "seed": 2}
    plain = ascend_filters(tiny, "block2_sepconv1", [1, 2], **kwargs)
    regs = Regularizers(jitter=2, scale=0.05, rotation=5, total_variation=0.1)
    regular = ascend_filters(
        tiny, "block2_sepconv1", [1, 2], regularizers=regs, **kwargs
    )
    assert not np.allclose(plain.inputs, regular.inputs)
    assert (regular.objectives[:, -1] > regular.objectives[:, 0]).all()
    again = ascend_filters(tiny, "block2_sepconv1", [1, 2], regularizers=regs, **kwargs)
    np.testing.assert_array_equal(regular.inputs, again.inputs)


def test_total_variation_smooths(tiny):
    kwargs = {"image_size": 64, "steps": 10, "seed": 4}

    def roughness(images):
        return float(np.abs(np.diff(images, axis=1)).mean())

    plain = ascend_filters(tiny, "block2_sepconv1", [3], **kwargs)
    smooth = ascend_filters(
        tiny,
        "block2_sepconv1",
        [3],
        regularizers=Regularizers(total_variation=50.0),
        **kwargs,
    )
    assert roughness(smooth.inputs) < roughness(plain.inputs)


def test_deprocess_recipe():
    rng = np.random.default_rng(0)
    image = rng.normal(3.0, 2.0, (60, 60, 3))
    out = deprocess(image)
    expected = np.clip((image - image.mean()) / image.std() * 64 + 128, 0, 255)
    np.testing.assert_array_equal(out, expected.astype("uint8")[25:-25, 25:-25])
    assert deprocess(np.ones((60, 60, 3))).max() == 128  # constant: grey, no NaN


def test_feature_layers(tiny):
    assert feature_map_layers(tiny) == [
        "block1_conv1",
        "block1_conv1_bn",
        "block1_conv1_act",
        "block2_sepconv1",
    ]


@pytest.mark.parametrize(
    ("layer", "kwargs", "message"),
    [
        (
            "block9_sepconv1",
            {},
            r"layer_name='block9_sepconv1' is not a layer.*block1_conv1, ",
        ),
        (
            "pool",
            {},
            r"layer_name='pool' outputs shape \(None, 12\), not a 4-D feature map",
        ),
        ("block2_sepconv1", {"filter_indices": [12]}, r"filter index 12 .* 0 to 11"),
        ("block2_sepconv1", {"filter_indices": [-1]}, r"filter index -1 .* 0 to 11"),
        ("block2_sepconv1", {"filter_indices": []}, r"filter_indices is empty"),
        ("block2_sepconv1", {"image_size": 50}, r"image_size=50 is too small.*≥ 51"),
        ("block2_sepconv1", {"steps": 0}, r"steps=0 must be an integer ≥ 1"),
        ("block2_sepconv1", {"learning_rate": 0.0}, r"learning_rate=0.0 must be > 0"),
        ("block2_sepconv1", {"batch_size": 0}, r"batch_size=0 must be None"),
    ],
)
def test_bad_input(tiny, layer, kwargs, message):
    kwargs = {"filter_indices": [0], **kwargs}
    with pytest.raises(ValueError, match=message):
        ascend_filters(tiny, layer, **kwargs)


def test_feature_map_too_small_for_the_border(tiny):
    deep = keras.Sequential(
        [keras.Input((None, None, 3)), keras.layers.Conv2D(2, 3, strides=16, name="c")]
    )
    with pytest.raises(ValueError, match=r"image_size=51 gives a 4×4 feature map"):
        ascend_filters(deep, "c", [0], image_size=51)


def test_bad_regularizer():
    with pytest.raises(ValueError, match=r"Regularizers.jitter=-1 must be ≥ 0"):
        Regularizers(jitter=-1)


def test_a_layer_inside_a_nested_model_is_found_and_ascended(tiny):
    """A transfer-learning model holds its base as one layer: look inside it."""
    inputs = keras.Input((None, None, 3), name="pixels")
    x = tiny(inputs)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="head")(x)
    classifier = keras.Model(inputs, outputs, name="classifier")
    kwargs = {"image_size": 64, "steps": 3, "seed": 4}
    nested = ascend_filters(classifier, "block2_sepconv1", [1, 5], **kwargs)
    direct = ascend_filters(tiny, "block2_sepconv1", [1, 5], **kwargs)
    np.testing.assert_allclose(nested.inputs, direct.inputs, atol=1e-5)
    np.testing.assert_allclose(nested.objectives, direct.objectives, rtol=1e-5)
    with pytest.raises(ValueError, match=r"not a layer of model 'classifier'"):
        ascend_filters(classifier, "block9_sepconv1", [0])
    with pytest.raises(ValueError, match=r"'head' outputs shape \(None, 1\)"):
        ascend_filters(classifier, "head", [0])


def test_a_fixed_size_model_gets_its_own_size(tiny):
    inputs = keras.Input((64, 64, 3), name="pixels")
    fixed = keras.Model(inputs, tiny(inputs), name="fixed")
    result = ascend_filters(fixed, "block2_sepconv1", [0], steps=2, seed=0)
    assert result.inputs.shape == (1, 64, 64, 3)
    with pytest.raises(ValueError, match=r"image_size=100 does not fit model 'fixed'"):
        ascend_filters(fixed, "block2_sepconv1", [0], image_size=100)


@pytest.mark.slow
def test_filter_patterns_reach_into_the_kitchenware_classifiers_base():
    """block3_sepconv1 sits inside the transfer model's nested Xception base."""
    from modern_convnets.filters import filter_patterns
    from modern_convnets.pretrained import kitchenware_classifier

    classifier, _ = kitchenware_classifier()
    kwargs = {"steps": 3, "seed": 0}  # its own 150 × 150 input size
    result = ascend_filters(classifier, "block3_sepconv1", [2, 7], **kwargs)
    assert (result.objectives[:, -1] > result.objectives[:, 0]).all()
    patterns = filter_patterns(classifier, "block3_sepconv1", [2], **kwargs)
    assert patterns.shape == (1, 100, 100, 3)
    extractor = feature_extractor(classifier, "block3_sepconv1")
    inner = {w.path for w in extractor.weights}
    assert {w.path for w in classifier.weights} >= inner  # shared, not copied
