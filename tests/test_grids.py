import numpy as np
import pytest
from matplotlib.figure import Figure

from modern_convnets.activation_plots import BLANK_COLOUR, channel_mosaic
from modern_convnets.grids import image_grid, show_image, tile, to_display


def test_to_display_stretches_and_guards_constant_images():
    np.testing.assert_allclose(to_display(np.array([-1.0, 0.0, 3.0])), [0.0, 0.25, 1.0])
    assert to_display(np.full((2, 2), 7.0)).tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_image_grid_layout_and_titles():
    images = np.zeros((5, 10, 20, 3), "uint8")
    fig = image_grid(images, ncols=2, titles=list("abcde"))
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 6  # 3 rows of 2; the last cell is left empty
    assert [ax.get_title() for ax in fig.axes] == [*"abcde", ""]
    assert [len(ax.images) for ax in fig.axes] == [1, 1, 1, 1, 1, 0]


def test_image_grid_normalises_each_image():
    images = np.stack([np.arange(4.0).reshape(2, 2), 10 * np.arange(4.0).reshape(2, 2)])
    fig = image_grid(images, normalise=True)
    shown = [ax.images[0].get_array() for ax in fig.axes]
    np.testing.assert_allclose(shown[0], shown[1])
    assert shown[0].max() == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"images": []}, "images is empty"),
        (
            {"images": np.zeros((2, 4, 4)), "ncols": 0},
            "ncols=0 must be a positive integer",
        ),
        (
            {"images": np.zeros((2, 4, 4)), "titles": ["x"]},
            "titles has 1 entries for 2 images",
        ),
    ],
)
def test_image_grid_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        image_grid(**kwargs)


def test_show_image_keeps_the_aspect_ratio():
    fig = show_image(np.zeros((50, 100, 3)), width=6)
    np.testing.assert_allclose(fig.get_size_inches(), [6.0, 3.0])
    assert fig.axes[0].get_title() == ""


def test_tile_layout():
    patterns = np.stack([np.full((3, 2, 3), k + 1, "uint8") for k in range(5)])
    grid = tile(patterns, ncols=2, margin=1)
    assert grid.shape == (3 * 3 + 2, 2 * 2 + 1, 3)
    assert grid.dtype == np.uint8
    assert grid[0, 0, 0] == 1
    assert grid[0, 3, 0] == 2
    assert grid[4, 0, 0] == 3
    assert grid[3, 0, 0] == 0  # margin
    assert grid[8, 3, 0] == 0  # empty cell
    # Always ncols wide, and 2-D images tile too.
    assert tile(np.ones((2, 4, 4)), ncols=3, margin=2).shape == (4, 16)
    np.testing.assert_array_equal(
        tile([np.eye(2)] * 2, ncols=2), np.hstack([np.eye(2)] * 2)
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"images": np.zeros((3, 2))}, r"images has shape \(3, 2\)"),
        ({"images": np.zeros((0, 2, 2, 3))}, r"images has shape \(0, 2, 2, 3\)"),
        ({"images": np.zeros((1, 2, 2)), "ncols": 0}, "ncols=0 must be a positive"),
        ({"images": np.zeros((1, 2, 2)), "margin": -1}, "margin=-1 must be 0 or more"),
    ],
)
def test_tile_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tile(**kwargs)


def _former_stitch(patterns, ncols=8, margin=5):
    """`filters.stitch` as it was before `tile` replaced it, verbatim."""
    n, h, w, c = patterns.shape
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    out = np.zeros(
        (nrows * h + (nrows - 1) * margin, ncols * w + (ncols - 1) * margin, c),
        dtype=patterns.dtype,
    )
    for k, pattern in enumerate(patterns):
        row, col = divmod(k, ncols)
        top, left = row * (h + margin), col * (w + margin)
        out[top : top + h, left : left + w] = pattern
    return out


@pytest.mark.parametrize(
    ("n", "ncols", "margin"), [(64, 8, 5), (5, 2, 1), (7, 3, 0), (12, 4, 3)]
)
def test_tile_reproduces_the_filter_pattern_grids(n, ncols, margin):
    patterns = np.random.default_rng(n).integers(0, 256, (n, 9, 7, 3), dtype="uint8")
    expected = _former_stitch(patterns, ncols, margin)
    np.testing.assert_array_equal(tile(patterns, ncols, margin=margin), expected)


def _former_channel_mosaic(maps, ncols, cmap="viridis", margin=1):
    """`plotting.channel_mosaic` as it was before it used `tile`, verbatim."""
    import matplotlib
    from matplotlib.colors import to_rgba

    colours = matplotlib.colormaps[cmap]
    height, width, channels = maps.shape
    nrows = -(-channels // ncols)
    mosaic = np.zeros(
        (nrows * (height + margin) - margin, ncols * (width + margin) - margin, 4)
    )
    blank = ~np.any(maps, axis=(0, 1))
    for index in range(channels):
        row, col = divmod(index, ncols)
        top, left = row * (height + margin), col * (width + margin)
        cell = mosaic[top : top + height, left : left + width]
        if blank[index]:
            cell[:] = to_rgba(BLANK_COLOUR)
        else:
            cell[:] = colours(to_display(maps[:, :, index]))
    return mosaic, blank


@pytest.mark.parametrize(
    ("shape", "ncols", "margin", "cmap"),
    [
        ((11, 11, 32), 8, 1, "viridis"),  # the explain panel's first layer
        ((9, 7, 5), 8, 2, "viridis"),  # fewer channels than columns
        ((6, 6, 20), 16, 1, "magma"),
    ],
)
def test_channel_mosaic_reproduces_the_former_mosaic(shape, ncols, margin, cmap):
    rng = np.random.default_rng(0)
    maps = np.maximum(rng.normal(size=shape), 0).astype("float32")
    maps[..., 1] = 0  # blank
    maps[..., 2] = 3  # constant
    image, blank = channel_mosaic(maps, ncols, cmap=cmap, margin=margin)
    expected, expected_blank = _former_channel_mosaic(maps, ncols, cmap, margin)
    assert image.dtype == expected.dtype
    np.testing.assert_array_equal(image, expected)
    np.testing.assert_array_equal(blank, expected_blank)
