import numpy as np
import pytest

from modern_convnets.gradients import (
    activation_gradient_norms,
    deep_stack,
    kernel_gradient_norms,
)


@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(0)
    return (
        rng.normal(size=(32, 16)).astype("float32"),
        rng.normal(size=(32, 1)).astype("float32"),
    )


def first_over_last(depth, batch, **options):
    norms = kernel_gradient_norms(deep_stack(depth=depth, width=16, **options), *batch)
    assert list(norms) == [f"dense{i}" for i in range(1, depth + 1)] + ["head"]
    return norms["dense1"] / norms[f"dense{depth}"]


def test_plain_sigmoid_stack_vanishes_and_the_fixes_do_not(batch):
    plain = first_over_last(12, batch)
    residual = first_over_last(12, batch, residual=True)
    normalised = first_over_last(12, batch, batch_norm=True)
    assert plain < 1e-4
    assert residual > 1e-2
    assert 0.1 < normalised < 10


def test_layout_and_parameters():
    model = deep_stack(depth=2, width=4, batch_norm=True)
    names = [layer.name for layer in model.layers]
    assert names == [
        "inputs",
        "dense1",
        "dense1_bn",
        "dense1_act",
        "dense2",
        "dense2_bn",
        "dense2_act",
        "head",
    ]
    assert model.get_layer("dense1").use_bias is False
    # 2 × (4×4 weights + 4×4 BN) + head 4 + 1
    assert model.count_params() == 2 * (16 + 16) + 5


def test_seeded(batch):
    a = kernel_gradient_norms(deep_stack(depth=3, width=16, seed=4), *batch)
    b = kernel_gradient_norms(deep_stack(depth=3, width=16, seed=4), *batch)
    assert a == b


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"depth": 0}, r"depth=0 must be a positive integer"),
        ({"width": -2}, r"width=-2 must be a positive integer"),
    ],
)
def test_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        deep_stack(**kwargs)


def test_seeded_builders_leave_the_callers_random_streams_alone():
    import random

    from modern_convnets.gradcam import randomised_copy
    from modern_convnets.transfer import head

    model = deep_stack(depth=2, width=4, seed=0)
    random.seed(42)
    np.random.seed(42)  # noqa: NPY002 (the caller's global stream)
    expected = (random.random(), np.random.random())  # noqa: NPY002
    random.seed(42)
    np.random.seed(42)  # noqa: NPY002 (the caller's global stream)
    first = [
        deep_stack(depth=3, width=4, seed=1),
        head(seed=2),
        randomised_copy(model, 3),
    ]
    after = (random.random(), np.random.random())  # noqa: NPY002
    assert after == expected
    second = [
        deep_stack(depth=3, width=4, seed=1),
        head(seed=2),
        randomised_copy(model, 3),
    ]
    for a, b in zip(first, second, strict=True):
        for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
            np.testing.assert_array_equal(wa, wb)


def test_deep_stack_draws_the_named_initial_weights():
    small = {"class_name": "RandomNormal", "config": {"stddev": 0.01}}
    kernels = {
        name: deep_stack(depth=2, width=256, kernel_initializer=init, seed=0)
        .get_layer("dense1")
        .kernel.numpy()
        for name, init in (("small", small), ("he", "he_normal"))
    }
    assert abs(kernels["small"].std() - 0.01) < 0.001
    # He: variance 2 / fan_in, from a truncated normal.
    assert abs(kernels["he"].std() - (2 / 256) ** 0.5) < 0.01
    first, second = (
        deep_stack(depth=2, width=8, kernel_initializer="he_normal", seed=0)
        .get_layer(name)
        .kernel.numpy()
        for name in ("dense1", "dense2")
    )
    assert not np.array_equal(first[:, :8], second)  # each layer its own draw


def test_deep_stack_names_an_unknown_initializer():
    with pytest.raises(ValueError, match=r"kernel_initializer='bogus'.*he_normal"):
        deep_stack(depth=2, width=4, kernel_initializer="bogus")


def test_he_weights_keep_a_relu_stack_alive_and_small_weights_do_not(batch):
    small = {"class_name": "RandomNormal", "config": {"stddev": 0.01}}
    he = kernel_gradient_norms(
        deep_stack(
            depth=12, width=16, activation="relu", kernel_initializer="he_normal"
        ),
        *batch,
    )
    tiny = kernel_gradient_norms(
        deep_stack(depth=12, width=16, activation="relu", kernel_initializer=small),
        *batch,
    )
    assert 0.1 < he["dense1"] / he["dense12"] < 10
    assert tiny["dense1"] < 1e-12 * he["dense1"]


def test_norms_are_taken_in_float64_where_float32_squares_underflow():
    """The page's plain 30-layer sigmoid stack: tiny gradients are not zero."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 64)).astype("float32")
    y = rng.normal(size=(64, 1)).astype("float32")
    norms = kernel_gradient_norms(deep_stack(depth=30, seed=0), x, y)
    assert 1e-20 < norms["dense1"] < 1e-17  # about 6.6e-19
    assert min(norms.values()) > 0


def test_batch_norm_statistics_are_put_back(batch):
    model = deep_stack(depth=3, width=16, batch_norm=True, seed=1)
    before = [v.numpy().copy() for v in model.variables]
    kernel_gradient_norms(model, *batch, training=True)
    for old, variable in zip(before, model.variables, strict=True):
        np.testing.assert_array_equal(old, variable.numpy())


def linear_stack():
    """dense1 = I, dense2 = 2 I, head = [1, 1]ᵀ, no biases: δ in closed form."""
    model = deep_stack(depth=2, width=2, activation="linear", seed=0)
    weights = {"dense1": np.eye(2), "dense2": 2 * np.eye(2), "head": np.ones((2, 1))}
    for name, kernel in weights.items():
        layer = model.get_layer(name)
        layer.set_weights([kernel.astype("float32"), np.zeros_like(layer.bias)])
    return model


def test_output_gradients_of_a_linear_stack_in_closed_form():
    # x = I, so the prediction is 2 per row; targets 1: error e = [1, 1].
    # δ_head = (2 / batch) e = [1, 1]; δ_dense2 = δ_head [1, 1] = all ones;
    # δ_dense1 = δ_dense2 (2 I)ᵀ = all twos.
    x = np.eye(2, dtype="float32")
    y = np.ones((2, 1), "float32")
    deltas = activation_gradient_norms(linear_stack(), x, y)
    assert deltas == {"dense1": 4.0, "dense2": 2.0, "head": 2**0.5}
    # The weight gradient is xᵀ δ; with x = I both norms agree at dense1.
    assert kernel_gradient_norms(linear_stack(), x, y)["dense1"] == 4.0
    # Named layers come back in the order asked.
    picked = activation_gradient_norms(linear_stack(), x, y, ["head", "dense1"])
    assert picked == {"head": 2**0.5, "dense1": 4.0}


def test_residual_additions_pass_the_gradient_down_unchanged(batch):
    # Zero weights: every layer adds sigmoid(0) = 0.5 to the stream and
    # passes the stream's gradient back, times sigmoid'(0) = 0.25, to its
    # dense output. So δ is the same at every layer: 0.25 of the stream's.
    x, y = batch
    model = deep_stack(depth=4, width=16, residual=True, seed=0)
    for i in range(1, 5):
        layer = model.get_layer(f"dense{i}")
        layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    deltas = activation_gradient_norms(model, x, y)
    assert deltas["dense1"] == deltas["dense2"] == deltas["dense3"] == deltas["dense4"]
    head_kernel, head_bias = model.get_layer("head").get_weights()
    prediction = (x + 0.5 * 4) @ head_kernel + head_bias
    stream = 2 / len(x) * (prediction - y) @ head_kernel.T
    expected = 0.25 * np.linalg.norm(stream.astype("float64"))
    assert deltas["dense1"] == pytest.approx(expected, rel=1e-6)


def test_output_gradients_leave_the_model_unchanged(batch):
    model = deep_stack(depth=3, width=16, batch_norm=True, seed=1)
    before = [v.numpy().copy() for v in model.variables]
    layers = list(model.layers)
    deltas = activation_gradient_norms(model, *batch, training=True)
    assert list(deltas) == ["dense1", "dense2", "dense3", "head"]
    assert model.layers == layers
    assert [t.name for t in model.inputs] == ["inputs"]
    for old, variable in zip(before, model.variables, strict=True):
        np.testing.assert_array_equal(old, variable.numpy())
    again = activation_gradient_norms(model, *batch, training=True)
    assert again == deltas


def test_output_gradients_show_what_the_weight_gradients_hide(batch):
    # Residual stack: the weight gradient shrinks towards the input only
    # because the stream (each layer's input) grows; δ does not shrink.
    model = deep_stack(depth=12, width=16, residual=True, seed=0)
    deltas = activation_gradient_norms(model, *batch)
    weights = kernel_gradient_norms(model, *batch)
    assert deltas["dense1"] > deltas["dense12"]
    assert weights["dense1"] < weights["dense12"]
    plain = activation_gradient_norms(deep_stack(depth=12, width=16), *batch)
    assert plain["dense1"] / plain["dense12"] < 1e-4


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["dense1", "bogus"], r"layer_names contains 'bogus'.*dense1, dense1_act"),
        ([], r"layer_names=\[\] is empty"),
    ],
)
def test_output_gradients_name_a_bad_layer(batch, names, message):
    model = deep_stack(depth=2, width=16)
    with pytest.raises(ValueError, match=message):
        activation_gradient_norms(model, *batch, names)
