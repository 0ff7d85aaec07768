"""The site build's patterns against the markup of the pinned nbconvert.

`website/site_build/` edits the HTML that mkdocs-jupyter and nbconvert write
with regular expressions: the MathJax and mermaid.js loaders, the classes of
tagged cells, style blocks, inline PNG figures. pyproject.toml pins both
packages exactly. Here a tiny page (`data/notebook-markup/page.py`) is
rendered as the site renders it:

- in the fast suite, from `page.html`, captured from the pinned versions;
- in `nox -s docs` (marker `slow`), afresh with the installed versions.

Both must come out of every edit exactly as expected. After moving a pin,
check the patterns and capture the page again:
`python tests/test_notebook_markup.py` with the docs tools installed.
"""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest
from site_build import backend_tabs, cell_markup, home_figures, mathjax
from site_build.figure_files import FigureFiles
from site_build.shared_styles import STYLE, SharedStyles

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "tests" / "data" / "notebook-markup" / "page.py"
CAPTURED = PAGE.with_suffix(".html")
PINNED = ("mkdocs-jupyter", "nbconvert")
HEADER = re.compile(r"<!-- captured from (.*?) -->\n")
# Cell ids are random: jupytext gives a percent-format page new ones each read.
CELL_ID = re.compile(r'id="cell-id=[0-9a-f]+"')


def _pins() -> dict[str, str]:
    """The exact versions that pyproject.toml pins."""
    pins = re.findall(
        r'^\s*"([\w-]+)==([^"]+)",', (REPO / "pyproject.toml").read_text(), re.M
    )
    return {name: version for name, version in pins if name in PINNED}


def render() -> str:
    """The page as mkdocs-jupyter renders it with the site's settings."""
    import yaml
    from mkdocs_jupyter.nbconvert2 import nb2html

    config = yaml.safe_load((REPO / "mkdocs.yml").read_text())
    (settings,) = [
        p["mkdocs-jupyter"]
        for p in config["plugins"]
        if isinstance(p, dict) and "mkdocs-jupyter" in p
    ]
    html = nb2html(
        str(PAGE),
        execute=True,
        allow_errors=False,
        remove_tag_config=settings["remove_tag_config"],
        custom_mathjax_url=settings["custom_mathjax_url"],
    )
    html = CELL_ID.sub('id="cell-id=0"', html)
    # nbconvert's 0.6 MB stylesheet: only its tags matter here.
    return STYLE.sub(
        lambda m: f'<style type="text/css">/* {len(m[1])} characters */</style>\n',
        html,
    )


TABS_OPENING = (
    '<div class="tabbed-set tabbed-alternate mc-backend-tabs" data-tabs="1:3">'
    '<input checked="checked" id="__tabbed_1_1" name="__tabbed_1" type="radio">'
    '<input id="__tabbed_1_2" name="__tabbed_1" type="radio">'
    '<input id="__tabbed_1_3" name="__tabbed_1" type="radio">'
    '<div class="tabbed-labels"><label for="__tabbed_1_1">TensorFlow</label>'
    '<label for="__tabbed_1_2">JAX</label><label for="__tabbed_1_3">PyTorch</label>'
    '</div>\n<div class="tabbed-content">\n'
)


def _check_tabs(html: str) -> str:
    """The backend cells in one set of tabs, each cell whole in its block."""
    cells = html.count('<div class="jp-Cell ')
    out = backend_tabs.tab_cells(html)
    assert out.count('<div class="jp-Cell ') == cells  # nothing lost or doubled
    assert out.count(TABS_OPENING) == 1
    inside = out[out.index(TABS_OPENING) + len(TABS_OPENING) :]
    blocks = re.findall(
        r'<div class="tabbed-block" data-backend="(\w+)">'
        r'<div class="jp-Cell jp-CodeCell jp-Notebook-cell[^"]*'
        r'celltag_copy celltag_backend-(\w+)[^"]*">\n'
        r'<div class="jp-Cell [^"]*" id="cell-id=0">',
        inside,
    )
    assert blocks == [("tensorflow",) * 2, ("jax",) * 2, ("torch",) * 2]
    # The TensorFlow cell ran; the others are shown, not run.
    tensorflow, jax, torch = inside.split('<div class="tabbed-block"')[1:4]
    assert "<pre>tensorflow 1\n</pre>" in tensorflow
    assert re.search(r"In\s\[\s\]:", jax)
    assert "jp-OutputArea" not in jax
    assert (
        '<div class="clipboard-copy-txt" id="cell-3">import jax  # noqa: F401</div>'
        in jax
    )
    assert (
        '<div class="clipboard-copy-txt" id="cell-4">import torch  # noqa: F401</div>'
        in torch
    )
    # The set closes where the torch cell did; the collapse cell follows.
    assert re.search(
        r"import torch  # noqa: F401</div>\n(</div>\n){5}</div></div>\n</div>\n</div>"
        r'<div class="jp-Cell jp-CodeCell jp-Notebook-cell celltag_collapse">',
        out,
    )
    # Each cell's code leaves the search index, in the tabs as elsewhere.
    searched = cell_markup.exclude_code_from_search(out)
    # Six cells' code, and the three that print: their printed output.
    assert searched.count("<pre data-search-exclude>") == 9
    return out


def _check_edits(html: str, tmp_path: Path) -> None:
    """Every edit of the site build does exactly what it should to `html`."""
    html = _check_tabs(html)
    # MathJax and mermaid.js loaders: three scripts out, nothing else.
    loaders = mathjax.NOTEBOOK_SCRIPTS.findall(html)
    assert len(loaders) == 2
    assert loaders[0].startswith("<!-- Load mathjax -->")
    assert '<script src="modern-convnets:site-mathjax">' in loaders[0]
    assert "jp-Mermaid" in loaders[1]
    out = mathjax.remove_cdn_scripts(html)
    assert html.count("<script") - out.count("<script") == 3
    assert "mathjax" not in out.lower()
    assert "jp-Mermaid > pre" not in out

    # One "Copy this" label, between the copy cell's opening and its code.
    out = cell_markup.mark_cells(out)
    assert out.count(cell_markup.COPY_LABEL) == 1
    assert re.search(
        r'celltag_copy" id="cell-id=0">\s*'
        + re.escape(cell_markup.COPY_LABEL)
        + r'<div class="jp-Cell-inputWrapper"',
        out,
    )
    # Each backend's cell names its backend in its label.
    for backend, name in backend_tabs.BACKENDS.items():
        label = cell_markup.BACKEND_COPY_LABEL.format(label=name, backend=backend)
        assert re.search(
            rf'celltag_backend-{backend}[^"]*" id="cell-id=0">\s*'
            + re.escape(label)
            + r'<div class="jp-Cell-inputWrapper"',
            out,
        ), backend
    # The collapse cell's code folded, its output outside the toggle.
    (folded,) = re.findall(
        re.escape(cell_markup.COLLAPSE_OPEN)
        + r'(<div class="jp-Cell-inputWrapper".*?)</details>'
        r'<div class="jp-Cell-outputWrapper">\s*(.*?)</pre>',
        out,
        re.DOTALL,
    )
    assert "clipboard-copy-txt" in folded[0]
    assert 'print("collapsed", x)' in folded[0]
    assert "collapsed 1" not in folded[0]
    assert folded[1].endswith("<pre>collapsed 1\n")
    # The prose cell: its output without its code.
    assert "prose\n</pre>" in out
    assert 'print("prose")' not in out

    # nbconvert's three style blocks become one link.
    assert len(STYLE.findall(out)) == 3
    styles = SharedStyles()
    out = styles.extract(out, "../")
    (name,) = styles.sheets
    assert out.count("<style") == 1  # mermaid's, without a type: left alone
    assert out.count(f'href="../assets/stylesheets/{name}"') == 1

    # The figure of the `home` cell, as the home page takes it.
    figure = home_figures.tagged_figure(out)
    assert figure is not None
    assert f'src="data:image/png;base64,{figure.data}"' in out
    assert figure.alt == "No description has been provided for this image"
    assert home_figures.tagged_figure(out, tag="copy") is None  # no figure there

    # The figure becomes a file beside the page.
    out = FigureFiles(tmp_path / "cache").extract(out, tmp_path / "page")
    assert "data:image/png" not in out
    (figure,) = (tmp_path / "page" / "figures").iterdir()
    assert f'<a class="mc-enlarge" href="figures/{figure.name}"><img ' in out
    assert 'width="80" height="80" decoding="async"' in out


def test_captured_page_is_from_the_pinned_versions():
    captured = HEADER.match(CAPTURED.read_text())
    assert captured, f"{CAPTURED} lacks its header"
    versions = dict(v.split(" ") for v in captured[1].split(", "))
    assert versions == _pins() == {"mkdocs-jupyter": "0.26.3", "nbconvert": "7.17.2"}


def test_edits_of_the_captured_page(tmp_path):
    _check_edits(HEADER.sub("", CAPTURED.read_text(), count=1), tmp_path)


@pytest.mark.slow
def test_edits_of_the_page_rendered_now(tmp_path):
    pytest.importorskip("mkdocs_jupyter", reason="needs the docs tools")
    installed = {name: importlib.metadata.version(name) for name in PINNED}
    assert installed == _pins(), "install the docs group as pyproject.toml pins it"
    _check_edits(render(), tmp_path)


if __name__ == "__main__":
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}" for name in PINNED
    )
    CAPTURED.write_text(f"<!-- captured from {versions} -->\n{render()}")
    print(f"wrote {CAPTURED} ({versions})")
