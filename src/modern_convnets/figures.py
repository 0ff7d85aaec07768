"""The guide's figure conventions: one style, and a caption for every figure.

Every drawing function in the package (`grids`, `activation_plots`,
`diagram.plot_diagram`, `charts`) returns a `matplotlib.figure.Figure` built
without pyplot, so nothing is shown or saved behind the caller's back: in a
notebook the figure displays as the cell's value; in a script, call
`fig.savefig(...)`.

The guide's figures use one style, `STYLE` (`matplotlib.style.use(STYLE)`),
and carry a one-line description (`describe`) that the site shows as the
figure's caption and alternative text. Each drawing function takes it as
`caption=`.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

STYLE = Path(__file__).resolve().with_name("guide.mplstyle")
"""The guide's matplotlib style file."""


def describe(fig: Figure) -> str:
    """A one-line description of a figure, for its caption and alt text.

    The figure's label (`fig.set_label("...")`) if it has one; otherwise its
    suptitle and the titles of its axes.

    Examples:
        >>> fig = Figure()
        >>> fig.add_subplot().set_title("loss")
        Text(0.5, 1.0, 'loss')
        >>> describe(fig)
        'loss'
        >>> fig.set_label("Training loss per epoch")
        >>> describe(fig)
        'Training loss per epoch'
    """
    if fig.get_label():
        return fig.get_label()
    parts = []
    if fig.get_suptitle():
        parts.append(fig.get_suptitle())
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    unique = list(dict.fromkeys(titles))
    if len(unique) > 4:
        unique = [*unique[:3], f"… ({len(unique)} panels)"]
    parts.extend(unique)
    return "; ".join(parts)


__all__ = ["STYLE", "describe"]
