"""The home page: each of its figures is the one its page shows, laid out 2 × 2.

The build puts in each page's figure of the cell tagged `home`
(`website/site_build/home_figures.py`); here the built site is checked:
the home page's image file has the same bytes as the image the linked page
shows, with the same alternative text, and it comes from that page's `home`
cell. Run after `mkdocs build`: `pytest -m site`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.site

PAGES = [
    "part-b/activations/",
    "part-b/filters/",
    "part-b/feature-visualisation/",
    "part-b/gradcam/",
]
_FIGURE = re.compile(r'<figure class="mc-result">(.*?)</figure>', re.DOTALL)
_IMG = re.compile(r"<img\b([^>]*)>")
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
_CAPTION_LINK = re.compile(r'<figcaption>\s*<a href="([^"]+)"')
_HOME_CELL = re.compile(r'<div class="jp-Cell [^"]*celltag_home[^"]*"')


def _home_figures(site: Path) -> list[dict[str, str]]:
    """Each home figure's image attributes and the page its caption links to."""
    figures = []
    for body in _FIGURE.findall((site / "index.html").read_text()):
        (attributes,) = _IMG.findall(body)
        found = dict(_ATTRIBUTE.findall(attributes))
        found["page"] = _CAPTION_LINK.search(body)[1]
        figures.append(found)
    return figures


def test_each_home_figure_is_the_figure_its_page_shows(site):
    figures = _home_figures(site)
    assert [f["page"] for f in figures] == PAGES
    for figure in figures:
        page = site / figure["page"]
        page_html = (page / "index.html").read_text()
        name = Path(figure["src"]).name
        # The same file, by content: figure files are named by their PNG.
        assert figure["src"] == f"figures/{name}"
        assert (site / figure["src"]).read_bytes() == (
            page / "figures" / name
        ).read_bytes()
        assert figure["alt"], figure
        (shown,) = [
            dict(_ATTRIBUTE.findall(a))
            for a in _IMG.findall(page_html)
            if f'src="figures/{name}"' in a
        ]
        assert shown["alt"] == figure["alt"]
        # From the page's cell tagged `home`: the first figure after it.
        cell = _HOME_CELL.search(page_html)
        assert cell, figure["page"]
        after = _IMG.search(page_html, cell.end())
        assert f'src="figures/{name}"' in after[0], figure["page"]


@pytest.mark.parametrize(("width", "columns"), [(1280, 2), (390, 1)])
def test_the_figures_are_two_by_two_on_a_desktop_and_one_column_on_a_phone(
    server, browser, width, columns
):
    context = browser.new_context(viewport={"width": width, "height": 900})
    tab = context.new_page()
    tab.goto(server, wait_until="load")
    boxes = tab.eval_on_selector_all(
        "figure.mc-result",
        "fs => fs.map(f => { const r = f.getBoundingClientRect();"
        " return [Math.round(r.left), Math.round(r.top), r.width]; })",
    )
    content = tab.eval_on_selector(
        ".md-content .md-typeset", "e => e.getBoundingClientRect().width"
    )
    overflow = tab.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    context.close()
    assert len(boxes) == 4
    assert len({left for left, _, _ in boxes}) == columns
    assert len({top for _, top, _ in boxes}) == 4 // columns
    # Each figure fills its column: the text width, or half of it and a gap.
    assert all(w >= content / columns - 24 for _, _, w in boxes), (boxes, content)
    assert not overflow
