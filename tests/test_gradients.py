import numpy as np
import pytest

from modern_convnets.gradients import deep_stack, kernel_gradient_norms


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
