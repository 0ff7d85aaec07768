import numpy as np
import pytest
from matplotlib.figure import Figure

from modern_convnets.plotting import image_grid, show_image, to_display


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
