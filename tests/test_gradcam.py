import keras
import numpy as np
import pytest

from modern_convnets.autodiff import value_and_grad
from modern_convnets.gradcam import (
    blur,
    faithfulness_curves,
    gradcam,
    last_feature_layer,
    randomised_copy,
    rank_correlation,
)
from modern_convnets.graph import tap_model

# The peak of "dog"'s map on one scale with "cat"'s (tiny model, seed 1, on
# TensorFlow: Keras's seeded initialisers draw other weights on JAX and PyTorch).
PEAK_DOG = 0.440


def reference_gradcam(features_model, head, images, target):
    """Grad-CAM written out independently, in NumPy, without autodiff.

    `features_model` maps pixels to the explained feature maps and `head`
    is global average pooling then the dense layer "predictions": a logit's
    gradient with respect to every position of the maps is that logit's
    kernel column divided by the number of positions.
    """
    kernel = head.get_layer("predictions").kernel.numpy()
    features = keras.ops.convert_to_numpy(features_model(images, training=False))
    return np.stack(
        [
            _cam(maps, _logit_column(kernel, index))
            for maps, index in zip(features, target, strict=True)
        ]
    )


def _logit_column(kernel, index):
    """The kernel column of the explained score (sigmoid: ± the one logit)."""
    if kernel.shape[-1] == 1:
        return kernel[:, 0] if index == 1 else -kernel[:, 0]
    return kernel[:, index]


def _cam(maps, column):
    """ReLU of the maps weighted by their mean gradient, divided by its maximum."""
    weights = column / (maps.shape[0] * maps.shape[1])
    cam = np.maximum((maps * weights).sum(axis=-1), 0)
    return cam / cam.max() if cam.max() > 0 else cam


def _tiny(activation: str, units: int, seed: int = 0):
    """A tiny classifier split at its last conv layer into two sub-models."""
    keras.utils.set_random_seed(seed)
    conv1 = keras.layers.Conv2D(6, 3, activation="relu", name="conv1")
    conv2 = keras.layers.Conv2D(8, 3, activation="relu", name="conv2")
    pool = keras.layers.GlobalAveragePooling2D(name="gap")
    dense = keras.layers.Dense(units, name="predictions")
    inputs = keras.Input((24, 24, 3))
    features = conv2(conv1(keras.layers.Rescaling(1 / 255)(inputs)))
    features_model = keras.Model(inputs, features)
    maps = keras.Input(features.shape[1:])
    head = keras.Model(maps, dense(pool(maps)))
    outputs = keras.layers.Activation(activation, name="probabilities")(
        head(features_model(inputs))
    )
    return keras.Model(inputs, outputs, name="tiny"), features_model, head


@pytest.fixture(scope="module")
def photos():
    return np.random.default_rng(0).uniform(0, 255, (6, 24, 24, 3)).astype("float32")


@pytest.mark.parametrize(("activation", "units"), [("softmax", 4), ("sigmoid", 1)])
def test_agrees_with_the_reference(photos, activation, units):
    model, features_model, head = _tiny(activation, units)
    for target in ([0] * 6, [1, 0, 1, 0, 1, 1]):
        ours = gradcam(model, photos, layer_name="conv2", target=target)
        ref = reference_gradcam(features_model, head, photos, target)
        np.testing.assert_allclose(ours, ref, atol=1e-4)


def test_target_takes_one_class_a_class_per_image_or_none(photos):
    model, _, _ = _tiny("softmax", 4)
    each = gradcam(model, photos, target=[2] * 6)
    np.testing.assert_array_equal(gradcam(model, photos, target=2), each)
    np.testing.assert_array_equal(gradcam(model, photos, target=np.int64(2)), each)
    np.testing.assert_array_equal(
        gradcam(model, photos[:4], target=range(4)),
        gradcam(model, photos[:4], target=[0, 1, 2, 3]),
    )
    top = model.predict(photos, verbose=0).argmax(axis=1)
    np.testing.assert_array_equal(
        gradcam(model, photos, target=None), gradcam(model, photos, target=top)
    )


def test_default_layer_is_the_last_feature_map_even_when_nested(photos):
    model, _, _ = _tiny("softmax", 4)
    assert last_feature_layer(model) == "conv2"
    inputs = keras.Input((24, 24, 3))
    wrapper = keras.Model(inputs, model(inputs), name="wrapper")
    np.testing.assert_allclose(
        gradcam(wrapper, photos), gradcam(model, photos, layer_name="conv2"), atol=1e-6
    )


def test_top_class_by_default(photos):
    model, features_model, head = _tiny("softmax", 4)
    top = model.predict(photos, verbose=0).argmax(axis=1)
    np.testing.assert_allclose(
        gradcam(model, photos),
        reference_gradcam(features_model, head, photos, top),
        atol=1e-4,
    )


def test_sigmoid_classes_are_opposite_evidence(photos):
    model, _, _ = _tiny("sigmoid", 1)
    dog = gradcam(model, photos, target=1)
    cat = gradcam(model, photos, target=0)
    # Positive evidence for one class is negative for the other: where one
    # map is positive before normalisation, the other is zero.
    assert not np.any((dog > 0) & (cat > 0))


def test_shared_scale_divides_every_map_by_the_batchs_largest_value(photos):
    # Seed 1: the photo has positive evidence for both classes.
    model, features_model, head = _tiny("sigmoid", 1, seed=1)
    kernel = head.get_layer("predictions").kernel.numpy()
    features = keras.ops.convert_to_numpy(features_model(photos[:1], training=False))
    positions = features.shape[1] * features.shape[2]
    signed = features[0] @ (kernel[:, 0] / positions)  # + dog, - cat
    copies = np.repeat(photos[:1], 2, axis=0)
    shared = gradcam(model, copies, layer_name="conv2", target=[1, 0], scale="shared")
    limit = np.abs(signed).max()
    np.testing.assert_allclose(shared[0], np.maximum(signed, 0) / limit, atol=1e-5)
    np.testing.assert_allclose(shared[1], np.maximum(-signed, 0) / limit, atol=1e-5)
    # The stronger map peaks at 1, the other at its share of it.
    peaks = [round(float(p), 3) for p in shared.max(axis=(1, 2))]
    assert max(peaks) == 1.0
    assert 0 < min(peaks) < 1
    if keras.backend.backend() == "tensorflow":  # the seeded weights differ by backend
        assert peaks == [PEAK_DOG, 1.0]
    # Each map divided by its own maximum: both peak at 1.
    each = gradcam(model, copies, layer_name="conv2", target=[1, 0])
    np.testing.assert_array_equal(each.max(axis=(1, 2)), [1.0, 1.0])
    for i in (0, 1):
        np.testing.assert_allclose(shared[i], each[i] * peaks[i], atol=1e-3)


def test_saturated_softmax_still_gives_a_map():
    """Huge logits saturate the softmax; gradients of the logit survive."""
    keras.utils.set_random_seed(3)
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    big = keras.initializers.RandomNormal(stddev=50.0, seed=0)
    dense = keras.layers.Dense(3, activation="softmax", kernel_initializer=big)
    model = keras.Model(inputs, dense(x))
    image = np.random.default_rng(1).uniform(0, 255, (1, 16, 16, 3))
    image = image.astype("float32")
    probabilities = model.predict(image, verbose=0)[0]
    top = int(probabilities.argmax())
    assert probabilities[top] == 1.0  # saturated in float32
    # The published recipe differentiates the probability: nothing is left.
    recipe = tap_model(model, ["conv"], shift_inputs=True)
    shift = keras.ops.zeros((1, *recipe.inputs[1].shape[1:]))
    pixels = keras.ops.convert_to_tensor(image)
    grads = value_and_grad(
        lambda zero: (recipe([pixels, zero])[1][0, top], ()), recipe.variables
    )(shift)[2]
    assert np.abs(keras.ops.convert_to_numpy(grads)).max() == 0.0
    heat = gradcam(model, image)
    assert np.isfinite(heat).all()
    assert heat.max() == 1.0


def test_no_positive_evidence_gives_zeros_not_nan():
    keras.utils.set_random_seed(4)
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(
        2, 3, activation="relu", kernel_initializer="ones", name="conv"
    )(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(
        1, kernel_initializer=keras.initializers.Constant(-1.0), activation="sigmoid"
    )(x)
    model = keras.Model(inputs, outputs)
    # Bright image: the conv fires, the logit falls, so class 1 has only
    # negative evidence.
    heat = gradcam(model, np.full((8, 8, 3), 50.0), target=1)
    assert np.array_equal(heat, np.zeros((1, 6, 6)))


def test_the_model_is_not_modified(photos):
    model, _, _ = _tiny("softmax", 4)
    before = model.predict(photos, verbose=0)
    weights = [w.copy() for w in model.get_weights()]
    gradcam(model, photos)
    assert model.layers[-1].activation is keras.activations.softmax
    np.testing.assert_array_equal(model.predict(photos, verbose=0), before)
    for old, new in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


def test_bad_input_is_named(photos):
    model, _, _ = _tiny("softmax", 4)
    with pytest.raises(ValueError, match=r"layer_name='conv9'.*conv1, conv2"):
        gradcam(model, photos, layer_name="conv9")
    with pytest.raises(ValueError, match=r"layer_name='gap' outputs shape \(None, 8\)"):
        gradcam(model, photos, layer_name="gap")
    with pytest.raises(ValueError, match=r"target=4 is out of range.*0 to 3"):
        gradcam(model, photos, target=4)
    with pytest.raises(
        ValueError, match=r"target=\[0, 1\] must be None .*\(6 images\)"
    ):
        gradcam(model, photos, target=[0, 1])
    with pytest.raises(ValueError, match=r"scale='max' is not one of 'each', 'shared'"):
        gradcam(model, photos, scale="max")
    with pytest.raises(ValueError, match=r"target='dog' must be None"):
        gradcam(model, photos, target="dog")
    with pytest.raises(ValueError, match=r"target=1.0 must be None"):
        gradcam(model, photos, target=1.0)
    sigmoid, _, _ = _tiny("sigmoid", 1)
    with pytest.raises(ValueError, match=r"target=2 .*2 classes, valid: 0 to 1"):
        gradcam(sigmoid, photos, target=2)
    with pytest.raises(ValueError, match=r"image has shape \(24, 24, 2\)"):
        gradcam(model, np.zeros((24, 24, 2)))
    dense = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)], name="mlp")
    with pytest.raises(ValueError, match="'mlp' has no layer with a 4-D output"):
        last_feature_layer(dense)


def test_rank_correlation():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert rank_correlation(a, a * 10 + 1) == 1.0
    assert rank_correlation(a, -a) == -1.0
    assert rank_correlation(np.array([1, 1, 2]), np.array([1, 1, 2])) == 1.0
    assert np.isnan(rank_correlation(np.zeros(3), np.arange(3)))


def test_randomised_copy_has_new_weights_and_the_same_shape(photos):
    model, _, _ = _tiny("softmax", 4)
    random = randomised_copy(model, seed=1)
    assert random.count_params() == model.count_params()
    assert not np.allclose(random.get_weights()[0], model.get_weights()[0])
    assert gradcam(random, photos, layer_name="conv2").shape == (6, 20, 20)


def test_randomised_copy_top_keeps_the_lower_layers(photos):
    model, _, _ = _tiny("softmax", 4)
    head_only = randomised_copy(model, seed=1, top=1)
    trained = {w.path: w.numpy() for w in model.weights}
    fresh = {w.path: w.numpy() for w in head_only.weights}
    changed = [p for p in trained if not np.array_equal(trained[p], fresh[p])]
    # conv1 and conv2 keep their weights; the Dense kernel is drawn afresh
    # (its bias starts at zero, trained or not, in this untrained model).
    assert changed == ["predictions/kernel"]
    with pytest.raises(ValueError, match="top=0"):
        randomised_copy(model, top=0)


def test_blur_keeps_flat_photos_and_averages_detail():
    flat = np.full((2, 9, 7, 3), 40.0)
    np.testing.assert_allclose(blur(flat, sigma=2.0), flat, rtol=1e-6)
    spike = np.zeros((9, 9, 1))
    spike[4, 4] = 81.0
    blurred = blur(spike, sigma=1.0)
    # Renormalised at the borders, so only nearly conserved.
    assert blurred.sum() == pytest.approx(81.0, rel=0.005)
    assert blurred[4, 4, 0] == pytest.approx(81 / (2 * np.pi), rel=0.02)
    with pytest.raises(ValueError, match="sigma=0"):
        blur(spike, sigma=0)


def test_faithfulness_curves_change_the_ranked_cells_in_order(photos):
    """Model: the mean of the top-left quarter's red channel, as a probability."""
    inputs = keras.Input((24, 24, 3))
    score = keras.layers.Lambda(
        lambda x: keras.ops.mean(x[:, :12, :12, :1], axis=(1, 2)) / 255
    )(inputs)
    model = keras.Model(inputs, score)
    images = np.zeros((2, 24, 24, 3), "float32")
    images[:, :12, :12, 0] = 255.0
    good = np.array([[1.0, 0.0], [0.0, 0.0]])  # the top-left cell first
    maps = np.stack([good, 1 - good])
    curves = faithfulness_curves(model, images, maps, 1, steps=4, sigma=0.5)
    np.testing.assert_allclose(curves.fractions, [0, 0.25, 0.5, 0.75, 1])
    # sigma 0.5 barely blurs: deleting the top-left cell drops nearly all.
    blurred_score = blur(images[:1], 0.5)[0, :12, :12, 0].mean() / 255
    assert curves.deletion[0, 0] == pytest.approx(1.0)
    assert curves.deletion[0, 1] == pytest.approx(blurred_score, rel=1e-5)
    assert curves.deletion[1, 3] == pytest.approx(1.0)  # other cells first
    assert curves.deletion[1, 4] == pytest.approx(blurred_score, rel=1e-5)
    assert curves.insertion[0, 1] == pytest.approx(1.0)
    assert curves.insertion[1, 3] == pytest.approx(blurred_score, rel=1e-5)
    assert curves.deletion_area[0] < curves.deletion_area[1]
    assert curves.insertion_area[0] > curves.insertion_area[1]
    with pytest.raises(ValueError, match="steps=0"):
        faithfulness_curves(model, images, maps, 1, steps=0)
    with pytest.raises(ValueError, match="finer than the photos"):
        faithfulness_curves(model, images, np.zeros((2, 30, 30)), 1)


@pytest.mark.slow
def test_agrees_with_the_reference_on_the_xception_classifier(real_data):
    """Reference: the nested base as one sub-model, the head written out."""
    from modern_convnets.data import split_files
    from modern_convnets.images import model_batch
    from modern_convnets.shipped import load_trained

    model = load_trained("xception_cats_vs_dogs")
    _, _, test = split_files(real_data)
    photos = model_batch(model, [test.paths[0], test.paths[-1]])  # a cat, a dog
    base = model.get_layer("xception")
    dense = model.get_layer("predictions")
    features = base(photos / 127.5 - 1, training=False)
    kernel = dense.kernel.numpy()
    maps = [
        _cam(keras.ops.convert_to_numpy(features)[i], _logit_column(kernel, index))
        for i, index in enumerate([0, 1])
    ]
    ours = gradcam(model, photos, target=[0, 1])
    assert ours.shape == (2, 10, 10)
    np.testing.assert_allclose(ours, np.stack(maps), atol=1e-4)
