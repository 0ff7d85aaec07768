"""Model diagrams: boxes, edges, side branches, grouping, drawing."""

import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

from modern_convnets.blocks import residual_block, xception_block
from modern_convnets.diagram import layer_detail, model_diagram, plot_diagram
from modern_convnets.figures import describe
from modern_convnets.models import mini_xception, small_convnet


def _case1() -> keras.Model:
    inputs = keras.Input((32, 32, 3), name="input")
    x = keras.layers.Conv2D(32, 3, activation="relu", name="C1")(inputs)
    return keras.Model(inputs, residual_block(x, 64, name="C2"))


def test_residual_projection_is_a_side_branch():
    diagram = model_diagram(_case1())
    layout = {box.name: (box.column, box.row) for box in diagram.boxes}
    assert layout == {
        "input": (0, 0),
        "C1": (0, 1),
        "C2_conv1": (0, 2),
        "C2_conv2": (0, 3),
        "C2_residual": (1, 3),  # beside the main-path box it runs alongside
        "C2_add": (0, 4),
    }
    assert set(diagram.edges) == {
        ("input", "C1"),
        ("C1", "C2_conv1"),
        ("C2_conv1", "C2_conv2"),
        ("C1", "C2_residual"),
        ("C2_conv2", "C2_add"),
        ("C2_residual", "C2_add"),
    }


def test_boxes_carry_shape_params_and_detail():
    boxes = {box.name: box for box in model_diagram(_case1()).boxes}
    assert boxes["C2_residual"].output_shape == (None, 30, 30, 64)
    assert boxes["C2_residual"].params == 2_112
    assert boxes["C2_residual"].detail == "64 filters 1×1"
    assert boxes["C2_add"].kind == "Add"


def test_identity_skip_stays_on_the_main_path():
    inputs = keras.Input((8, 8, 4), name="x")
    model = keras.Model(inputs, residual_block(inputs, 4, name="b"))
    diagram = model_diagram(model)
    assert all(box.column == 0 for box in diagram.boxes)
    assert ("x", "b_add") in diagram.edges
    fig = plot_diagram(diagram)
    assert fig.get_size_inches()[0] == pytest.approx(5.0)  # room for the bow


def test_collapse_groups_blocks_and_sums_their_parameters():
    model = mini_xception()
    diagram = model_diagram(model, collapse=r"(block\d+)_")
    names = [box.name for box in diagram.boxes]
    assert names == [
        "pixels", "rescaling", "stem_conv", "block1", "block2", "block3",
        "block4", "block5", "avg_pool", "dropout", "predictions",
    ]  # fmt: skip
    assert sum(box.params for box in diagram.boxes) == 721_857
    block5 = diagram.boxes[names.index("block5")]
    assert block5.params == 534_272
    assert block5.output_shape == (None, 6, 6, 512)
    assert block5.detail == "2 BN, 2 ReLU, 2 SepConv2D, MaxPool, Conv2D, Add"
    assert [box.row for box in diagram.boxes] == list(range(11))


def test_xception_block_diagram():
    inputs = keras.Input((88, 88, 32), name="block1_add")
    model = keras.Model(inputs, xception_block(inputs, 64, name="block2"))
    boxes = {box.name: box for box in model_diagram(model).boxes}
    assert boxes["block2_residual"].column == 1
    assert boxes["block2_residual"].row == boxes["block2_pool"].row
    assert boxes["block2_residual"].detail == "64 filters 1×1, stride 2"
    assert boxes["block2_pool"].detail == "3×3, stride 2"


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (keras.layers.SeparableConv2D(8, 3), "8 filters 3×3"),
        (
            keras.layers.Conv2D(8, 3, strides=2, activation="relu"),
            "8 filters 3×3, stride 2, relu",
        ),
        (keras.layers.Conv2D(8, (1, 3)), "8 filters 1×3"),
        (keras.layers.MaxPooling2D(2), "2×2, stride 2"),
        (keras.layers.Dense(1, activation="sigmoid"), "1 unit, sigmoid"),
        (keras.layers.Dense(10), "10 units, linear"),
        (keras.layers.Dropout(0.5), "rate 0.5"),
        (keras.layers.Rescaling(1 / 255), "× 1/255"),
        (keras.layers.BatchNormalization(), ""),
    ],
)
def test_layer_detail(layer, expected):
    assert layer_detail(layer) == expected


def test_plot_diagram_draws_one_box_per_layer():
    model = small_convnet()
    diagram = model_diagram(model)
    fig = plot_diagram(diagram, caption="The plain convnet")
    assert isinstance(fig, Figure)
    assert len(fig.axes[0].patches) == len(model.layers)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "block5_conv" in texts
    assert "7 × 7 × 256  ·  590,080 params" in texts
    assert describe(fig) == "The plain convnet"


@pytest.mark.parametrize(
    ("collapse", "message"),
    [
        ("(block", r"collapse='\(block' is not a valid regular expression"),
        ("block", r"collapse='block' has no group"),
    ],
)
def test_bad_collapse(collapse, message):
    with pytest.raises(ValueError, match=message):
        model_diagram(small_convnet(), collapse=collapse)


def test_inspection_is_the_same_after_the_model_is_tapped():
    """Tapping calls the model's layers on new inputs; inspection must not see it."""
    from modern_convnets.activations import get_activations
    from modern_convnets.diagram import inbound_layers, layer_graph
    from modern_convnets.gradcam import gradcam
    from modern_convnets.graph import tap_model

    model = mini_xception((48, 48, 3))
    before = (layer_graph(model), model_diagram(model), inbound_layers(model))
    tap_model(model, ["block2_add", "block1_sepconv2"])
    pixels = np.zeros((1, 48, 48, 3), "float32")
    get_activations(model, pixels, ["block3_add"])
    gradcam(model, pixels, layer_name="block2_add")
    after = (layer_graph(model), model_diagram(model), inbound_layers(model))
    assert after == before
    assert before[2]["block2_add"] == ["block2_pool", "block2_residual"]


def test_inbound_layers_of_a_nested_and_a_sequential_model():
    import keras

    from modern_convnets.diagram import inbound_layers

    inner = keras.Sequential(
        [
            keras.Input((4,), name="x"),
            keras.layers.Dense(3, name="a"),
            keras.layers.Dense(2, name="b"),
        ],
        name="inner",
    )
    assert inbound_layers(inner) == {"x": [], "a": ["x"], "b": ["a"]}
    inputs = keras.Input((4,), name="pixels")
    outer = keras.Model(inputs, keras.layers.Dense(1, name="c")(inner(inputs)))
    assert inbound_layers(outer) == {"pixels": [], "inner": ["pixels"], "c": ["inner"]}


@pytest.fixture(scope="module")
def xception_stages():
    from modern_convnets.diagram import model_stages

    return model_stages(keras.applications.Xception(weights=None))


def test_xception_has_fourteen_blocks_in_three_flows(xception_stages):
    from modern_convnets.diagram import flows

    blocks = [stage.name for stage in xception_stages if stage.kind == "block"]
    assert blocks == [f"block{i}" for i in range(1, 15)]
    parts = {
        part: [s.name for s in found] for part, found in flows(xception_stages).items()
    }
    # Keras numbers unnamed input layers per session: input_layer, input_layer_1...
    source = xception_stages[0].name
    assert source.startswith("input_layer")
    assert parts == {
        "entry": [source, "block1", "block2", "block3", "block4"],
        "middle": [f"block{i}" for i in range(5, 13)],
        "exit": ["block13", "block14", "avg_pool", "predictions"],
    }
    assert sum(stage.params for stage in xception_stages) == 22_910_480


def test_xception_block_widths_and_shortcuts(xception_stages):
    blocks = {stage.name: stage for stage in xception_stages if stage.kind == "block"}
    widths = {name: stage.widths for name, stage in blocks.items()}
    assert widths == {
        "block1": (32, 64),
        "block2": (128, 128),
        "block3": (256, 256),
        "block4": (728, 728),
        **{f"block{i}": (728, 728, 728) for i in range(5, 13)},
        "block13": (728, 1024),
        "block14": (1536, 2048),
    }
    # The first block holds the only regular convolutions of the main path.
    assert blocks["block1"].convolutions == (("Conv2D", 32), ("Conv2D", 64))
    kinds = {k for stage in blocks.values() for k, _ in stage.convolutions}
    assert kinds == {"Conv2D", "SeparableConv2D"}
    shortcuts = {name: stage.shortcut for name, stage in blocks.items()}
    assert [n for n, s in shortcuts.items() if s == "projection"] == [
        "block2", "block3", "block4", "block13",
    ]  # fmt: skip
    assert [n for n, s in shortcuts.items() if s is None] == ["block1", "block14"]
    assert blocks["block13"].projection == "1024 filters 1×1, stride 2"
    assert blocks["block5"].projection == ""
    # The unnamed projection, its batch normalisation and the Add join block 2.
    assert blocks["block2"].layers == 9
    assert blocks["block2"].params == 36_032
    assert blocks["block2"].output_shape == (None, 74, 74, 128)


def test_mini_xception_stages():
    from modern_convnets.diagram import flows, model_stages

    stages = model_stages(mini_xception())
    assert [s.name for s in stages] == [
        "pixels", "rescaling", "stem_conv", "block1", "block2", "block3",
        "block4", "block5", "avg_pool", "dropout", "predictions",
    ]  # fmt: skip
    blocks = [s for s in stages if s.kind == "block"]
    assert [s.widths for s in blocks] == [(w, w) for w in (32, 64, 128, 256, 512)]
    assert {s.shortcut for s in blocks} == {"projection"}
    assert stages[2].detail == "32 filters 5×5"
    assert stages[7].params == 534_272
    with pytest.raises(ValueError, match="no middle flow"):
        flows(stages)


def test_identity_shortcut_and_no_shortcut():
    from modern_convnets.diagram import model_stages

    inputs = keras.Input((8, 8, 4), name="x")
    x = residual_block(inputs, 4, name="b")
    x = keras.layers.Conv2D(4, 3, padding="same", name="c_conv")(x)
    stages = model_stages(keras.Model(inputs, x), collapse=r"([a-z])_")
    assert [(s.name, s.shortcut) for s in stages] == [
        ("x", None),
        ("b", "identity"),
        ("c", None),
    ]


def test_plot_stages_boxes_and_flows(xception_stages):
    from modern_convnets.diagram import model_stages, plot_stages

    fig = plot_stages(
        {"Xception": xception_stages, "Mini": model_stages(mini_xception())},
        caption="Both",
    )
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "block5 … block12" in texts
    assert "8 blocks of 3 × SepConv 728" in texts
    assert [t for t in texts if t.endswith(" flow")] == [
        "entry flow", "middle flow", "exit flow",
    ]  # fmt: skip
    # 17 stages in 10 boxes, and Mini-Xception's 11
    assert len(fig.axes[0].patches) == 21
    # one key entry per kind of shortcut, below the columns
    assert texts[-2:] == [
        "shortcut: 1×1 convolution, stride 2",
        "shortcut: identity",
    ]
    assert describe(fig) == "Both"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"columns": {}}, "columns: need at least one column"),
        ({"columns": {"a": ()}}, "columns: need at least one column"),
        ({"columns": {"a": "stages"}, "repeat": 1}, "repeat=1: must be at least 2"),
    ],
)
def test_plot_stages_bad_input(kwargs, message):
    from modern_convnets.diagram import plot_stages

    with pytest.raises(ValueError, match=message):
        plot_stages(**kwargs)
