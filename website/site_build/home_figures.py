"""The home page's figures, taken from the pages that compute them.

A tutorial page marks the figure that stands for it on the home page by
tagging the figure's code cell `home` (`# %% tags=["home"]`). The home page
(`docs/index.md`) names the page in a placeholder:

    <img data-mc-figure-from="part-b/activations.py">

and the build puts that page's figure in its place: the first PNG figure
of the page's `home` cells, with the page's alternative text. It is the same
PNG, so `figure_files` writes it to the same WebP file (files are named by
their content): the home page shows exactly what the page shows, from the
same build. A placeholder whose page has no `home` figure, or names no page,
fails the build.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass

TAG = "home"
_CELL = re.compile(r'<div class="jp-Cell (?P<classes>[^"]*)"[^>]*>')
_PNG = re.compile(
    r'<img\b(?P<before>[^>]*?)\ssrc="data:image/png;base64,(?P<data>[A-Za-z0-9+/=]+)"'
    r"(?P<after>[^>]*)>"
)
_ALT = re.compile(r'\salt="(?P<alt>[^"]*)"')
PLACEHOLDER = re.compile(r'<img\b[^>]*?\sdata-mc-figure-from="(?P<page>[^"]*)"[^>]*>')


@dataclass(frozen=True)
class PageFigure:
    """A figure as a built page carries it.

    Attributes:
        data: The PNG, base64-encoded as in the page's data URI.
        alt: Its alternative text, HTML-escaped as in the page.
    """

    data: str
    alt: str

    def img(self) -> str:
        """The figure as an inline `<img>`, as the page has it."""
        return f'<img alt="{self.alt}" src="data:image/png;base64,{self.data}">'


def tagged_figure(html: str, tag: str = TAG) -> PageFigure | None:
    """The first PNG figure in a built page's code cells tagged `tag`.

    Args:
        html: A page as mkdocs-jupyter renders it (figures still inline).
        tag: The cell tag.

    Returns:
        The figure, or None if no cell with the tag has one.

    Example:
        >>> page = (
        ...     '<div class="jp-Cell jp-CodeCell celltag_home">'
        ...     '<img alt="Loss per epoch" src="data:image/png;base64,iVBO">'
        ...     '<div class="jp-Cell jp-CodeCell">'
        ...     '<img src="data:image/png;base64,AAAA">'
        ... )
        >>> tagged_figure(page)
        PageFigure(data='iVBO', alt='Loss per epoch')
    """
    cells = list(_CELL.finditer(html))
    for index, cell in enumerate(cells):
        if f"celltag_{tag}" not in cell["classes"].split():
            continue
        # The cell runs to the next cell's opening (its own inner <div> aside).
        end = next(
            (
                later.start()
                for later in cells[index + 1 :]
                if f"celltag_{tag}" not in later["classes"].split()
            ),
            len(html),
        )
        found = _PNG.search(html, cell.end(), end)
        if found:
            alt = _ALT.search(f" {found['before']} {found['after']}")
            return PageFigure(found["data"], alt["alt"] if alt else "")
    return None


class HomeFigures:
    """Collects the pages' `home` figures and fills the home page's placeholders.

    Example:
        ```python
        figures = HomeFigures()
        figures.collect("part-b/gradcam.py", rendered_page)  # every page
        home = figures.fill(home)  # then the page with the placeholders
        ```
    """

    def __init__(self) -> None:
        self.figures: dict[str, PageFigure] = {}

    def collect(self, src_uri: str, html: str) -> None:
        """Keep the `home` figure of the page `src_uri`, if it has one."""
        figure = tagged_figure(html)
        if figure is not None:
            self.figures[src_uri] = figure

    def fill(self, html: str) -> str:
        """Replace each placeholder with its page's figure.

        Raises:
            ValueError: A placeholder names a page without a `home` figure.

        Example:
            >>> figures = HomeFigures()
            >>> figures.figures["a.py"] = PageFigure("iVBO", "Loss")
            >>> figures.fill('<p><img data-mc-figure-from="a.py" alt=""></p>')
            '<p><img alt="Loss" src="data:image/png;base64,iVBO"></p>'
        """

        def replace(match: re.Match[str]) -> str:
            page = html_lib.unescape(match["page"])
            if page not in self.figures:
                have = ", ".join(sorted(self.figures)) or "none"
                raise ValueError(
                    f'data-mc-figure-from="{page}" names no page with a figure in a '
                    f"cell tagged {TAG!r}; pages with one: {have}"
                )
            return self.figures[page].img()

        return PLACEHOLDER.sub(replace, html)
