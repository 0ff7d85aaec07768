"""Each tutorial page as a Jupyter notebook that runs without this package.

A page's notebook holds its prose and its "Copy this" cells (tagged `copy`:
plain Keras), behind a first cell that installs the libraries at the
versions the site was built with (only those missing or at another
version), fetches the photos unless MODERN_CONVNETS_DATA names them, and
downloads from the site the trained models the cells load. Cells that use
this package are left out, and the notebook says so.

A `prose` cell computes its paragraph, usually with the package, so the
notebook keeps the paragraph the page's own execution wrote, marked as
computed when the site was built. It is read back from the page's HTML,
which a cached page has as much as a freshly executed one: mkdocs-jupyter
caches the HTML, not the executed notebook. The paragraph is turned back
into Markdown for the few elements that nbconvert writes for it; any other
element is kept as HTML, which Jupyter renders in Markdown cells too.

Links relative to the page become absolute on the site, so they still lead
somewhere from a notebook opened anywhere.

The notebook runs on TensorFlow: a listing's JAX and PyTorch versions
(`backend_tabs`) follow its TensorFlow cell as Markdown cells holding their
code, to paste into a session of that backend.
"""

from __future__ import annotations

import html
import importlib.metadata
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

from modern_convnets._atomic import atomic_path
from modern_convnets.listings import cell_backend
from site_build.backend_tabs import BACKENDS

DATASET_URL = "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip"
COMPUTED = "*Computed when the site was built.*"

# Inline elements nbconvert writes in a paragraph, as Markdown delimiters.
_INLINE = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`"}
_VOID = {"br", "img", "hr", "input", "meta", "link", "wbr"}
# Characters that text must not pass to Markdown as markup ($ stays: math).
_MARKUP = re.compile(r"[\\`*_\[\]<]")
_LINK = re.compile(r"(\]\()([^)\s]+)(\))")


def _classes(attrs: list[tuple[str, str | None]]) -> set[str]:
    return set((dict(attrs).get("class") or "").split())


class _ProseOutputs(HTMLParser):
    """The Markdown output of each `prose` cell of a page, in page order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[list[str]] = []  # per prose cell, its outputs
        self._depth = 0  # open elements
        self._cell_depth: int | None = None  # depth of the open prose cell
        self._output_depth: int | None = None  # depth of the open output
        self._text: list[str] = []
        self._lists: list[str] = []  # open ul/ol, innermost last
        self._href: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = _classes(attrs)
        if tag not in _VOID:
            self._depth += 1
        if self._output_depth is not None:
            self._open(tag, attrs)
        elif "celltag_prose" in classes and dict(attrs).get("id"):
            # nbconvert wraps each cell twice; the inner one carries the id.
            self._cell_depth = self._depth
            self.cells.append([])
        elif (
            self._cell_depth is not None
            and {
                "jp-RenderedMarkdown",
                "jp-OutputArea-output",
            }
            <= classes
        ):
            self._output_depth = self._depth
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if self._output_depth is not None and self._depth == self._output_depth:
            self.cells[-1].append(_tidy("".join(self._text)))
            self._output_depth = None
        elif self._output_depth is not None:
            self._close(tag)
        elif self._cell_depth is not None and self._depth == self._cell_depth:
            self._cell_depth = None
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._output_depth is not None:
            in_code = self._text.count("`") % 2 == 1
            self._text.append(data if in_code else _MARKUP.sub(r"\\\g<0>", data))

    def _open(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INLINE:
            self._text.append(_INLINE[tag])
        elif tag == "p" and not self._lists:
            self._text.append("\n\n")
        elif tag == "p":  # a loose list's item: its text follows the bullet
            pass
        elif tag in ("ul", "ol"):
            self._lists.append(tag)
            self._text.append("\n")
        elif tag == "li":
            indent = "  " * (len(self._lists) - 1)
            bullet = "1. " if self._lists and self._lists[-1] == "ol" else "- "
            self._text.append("\n" + indent + bullet)
        elif tag == "a":
            self._href.append(dict(attrs).get("href"))
            self._text.append("[")
        else:  # kept as HTML: Jupyter renders it in a Markdown cell
            shown = "".join(
                f' {name}="{html.escape(value or "")}"' for name, value in attrs
            )
            self._text.append(f"<{tag}{shown}>")

    def _close(self, tag: str) -> None:
        if tag in _INLINE:
            self._text.append(_INLINE[tag])
        elif tag in ("ul", "ol"):
            self._lists.pop()
            self._text.append("\n\n")
        elif tag == "a":
            self._text.append(f"]({self._href.pop() or ''})")
        elif tag not in ("p", "li"):
            self._text.append(f"</{tag}>")


def _tidy(markdown: str) -> str:
    """Blocks one blank line apart, no trailing spaces."""
    markdown = re.sub(r"[ \t]+\n", "\n", markdown)
    markdown = re.sub(r"\n(\s*\n)+", "\n\n", markdown)
    return markdown.strip()


def prose_outputs(page_html: str) -> list[list[str]]:
    """The Markdown that each `prose` cell of a rendered page wrote.

    Args:
        page_html: The page's HTML as mkdocs-jupyter rendered it.

    Returns:
        One list per `prose` cell, in page order, of its Markdown outputs.

    Example:
        >>> page = (
        ...     '<div class="jp-Cell celltag_prose" id="cell-id=1">'
        ...     '<div class="jp-RenderedMarkdown jp-OutputArea-output">'
        ...     "<p>It is <strong>27%</strong> smaller.</p></div></div>"
        ... )
        >>> prose_outputs(page)
        [['It is **27%** smaller.']]
    """
    parser = _ProseOutputs()
    parser.feed(page_html)
    parser.close()
    return parser.cells


def absolute_links(markdown: str, page_url: str) -> str:
    """Markdown links and images relative to `page_url`, made absolute.

    Anchors within the page (`#name`) and absolute links are left as they are.

    Example:
        >>> absolute_links("[models](../../models/a.keras)", "https://x.org/p/q/")
        '[models](https://x.org/models/a.keras)'
    """

    def resolve(match: re.Match[str]) -> str:
        target = match[2]
        if target.startswith("#") or re.match(r"^[a-z][a-z0-9+.-]*:", target):
            return match[0]
        return match[1] + urljoin(page_url, target) + match[3]

    return _LINK.sub(resolve, markdown)


def library_pins(
    code: str, version: Callable[[str], str] = importlib.metadata.version
) -> dict[str, str]:
    """The libraries the copy cells' `code` needs, at the versions installed here.

    Keras and its TensorFlow backend always; matplotlib where the code imports
    it; Pillow where it loads photos (`keras.utils.load_img` reads them with
    Pillow).

    Example:
        >>> sorted(library_pins("import keras", version=lambda name: "1.0"))
        ['keras', 'tensorflow']
    """
    names = ["keras", "tensorflow"]
    if "matplotlib" in code:
        names.append("matplotlib")
    if "load_img" in code or "PIL" in code:
        names.append("pillow")
    return {name: version(name) for name in names}


_INSTALL = """\
# Set up: the libraries at the versions the site was built with (installed
# only where missing or at another version), then the files the cells read.
import importlib.metadata
import os
import urllib.request
from pathlib import Path

PINS = {pins}


def installed(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


missing = [f"{{n}}=={{v}}" for n, v in PINS.items() if installed(n) != v]
if missing:
    get_ipython().run_line_magic("pip", "install --quiet " + " ".join(missing))

import keras  # noqa: E402
"""
_PHOTOS = """
# The photos: TensorFlow's archive (68 MB, into ~/.keras/datasets), unless
# MODERN_CONVNETS_DATA names the folder holding cats_and_dogs_filtered/.
if "MODERN_CONVNETS_DATA" not in os.environ:
    unpacked = Path(
        keras.utils.get_file(
            "cats_and_dogs_filtered.zip",
            origin="{url}",
            extract=True,
        )
    )
    # Keras 3 returns the folder it unpacked into, Keras 2 the archive.
    os.environ["MODERN_CONVNETS_DATA"] = str(
        next(
            folder
            for folder in (unpacked, unpacked.parent)
            if (folder / "cats_and_dogs_filtered").is_dir()
        )
    )
"""
_MODELS = """
# The trained models, from the site that offers this notebook. For a copy of
# the site served elsewhere, change SITE_URL.
SITE_URL = "{site_url}"
for name in {names}:
    if not Path(name).is_file():
        urllib.request.urlretrieve(f"{{SITE_URL}}models/{{name}}", name)
"""


def setup_code(
    pins: Mapping[str, str], models: Sequence[str], site_url: str, photos: bool
) -> str:
    """The notebook's first code cell: libraries, photos, models.

    The ImageNet weights need nothing here: the cells take
    MODERN_CONVNETS_XCEPTION_WEIGHTS when it names a file, and Keras's
    download otherwise.

    Args:
        pins: Library name to the exact version to install.
        models: The trained model files the cells load from the working folder.
        site_url: The site that offers the models under `models/`.
        photos: Whether the cells read the photos (MODERN_CONVNETS_DATA).

    Returns:
        Python source for an IPython kernel.

    Example:
        >>> print(setup_code({"keras": "3.0"}, [], "https://x.org/", False))
        # Set up: ...
        PINS = {"keras": "3.0"}
        ...
    """
    code = _INSTALL.format(pins=json.dumps(dict(pins)))
    if photos:
        code += _PHOTOS.format(url=DATASET_URL)
    if models:
        code += _MODELS.format(site_url=site_url, names=json.dumps(list(models)))
    return code.rstrip("\n")


def _cell(kind: str, source: str, index: int) -> dict[str, object]:
    cell: dict[str, object] = {
        "cell_type": kind,
        "id": f"cell-{index}",
        "metadata": {},
        "source": source,
    }
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _tags(cell: Mapping[str, object]) -> list[str]:
    metadata = cell.get("metadata") or {}
    return list(metadata.get("tags", ()))  # type: ignore[union-attr]


def build_notebook(
    page: Mapping[str, object],
    prose: Sequence[Sequence[str]],
    *,
    title: str,
    page_url: str,
    site_url: str,
    model_names: Iterable[str],
    version: Callable[[str], str] = importlib.metadata.version,
) -> dict[str, object]:
    """A page's prose and "Copy this" cells as a notebook that runs on its own.

    Args:
        page: The page as a notebook (nbformat's JSON: `cells`, each with
            `cell_type`, `source` and `metadata.tags`).
        prose: What each `prose` cell wrote when the page was executed
            (`prose_outputs`), one entry per `prose` cell of `page`.
        title: The page's title, for the note on what the notebook holds.
        page_url: The page's absolute URL: links are made absolute from it.
        site_url: The site's root URL, which offers the models under `models/`.
        model_names: The model files the site offers; those the copy cells
            name are downloaded by the first cell.
        version: Gives the installed version of a library.

    Returns:
        An nbformat 4.5 notebook, as a dictionary.

    Raises:
        ValueError: `prose` has not one entry per `prose` cell of `page`.

    Example:
        ```python
        page = jupytext.read("docs/part-b/gradcam.py")
        notebook = build_notebook(
            page, prose_outputs(page_html), title="Grad-CAM heatmaps",
            page_url=site_url + "part-b/gradcam/", site_url=site_url,
            model_names=["mini_xception.keras"],
        )
        ```
    """
    cells: list[Mapping[str, object]] = list(page["cells"])  # type: ignore[arg-type]
    prose_cells = [c for c in cells if "prose" in _tags(c)]
    if len(prose_cells) != len(prose):
        raise ValueError(
            f"prose: the page {page_url} has {len(prose_cells)} prose cells, "
            f"but {len(prose)} prose outputs were given; each prose cell needs "
            f"its outputs from the executed page"
        )
    copy_code = "\n\n".join(
        str(c["source"])
        for c in cells
        if "copy" in _tags(c) and cell_backend(_tags(c)) in (None, "tensorflow")
    )
    models = [name for name in model_names if name in copy_code]
    page_link = f"[{title}]({page_url})"
    if copy_code:
        held = (
            f"This notebook is the page {page_link} of the modern-convnets guide: "
            'its prose and its "Copy this" cells, plain Keras that runs without '
            "the modern-convnets package. The page's other code cells use the "
            "package and are left out, and so are their figures and tables. The "
            "first cell installs what the cells need and fetches the files they "
            "read."
        )
    else:
        held = (
            f"This notebook is the prose of the page {page_link} of the "
            "modern-convnets guide. The page's code cells use the modern-convnets "
            "package and are left out, and so are their figures and tables."
        )
    if prose:
        held += (
            " Paragraphs marked *computed when the site was built* were written "
            "from the page's results by its code."
        )
    out = [_cell("markdown", held, 0)]
    if copy_code:
        setup = setup_code(
            library_pins(copy_code, version),
            models,
            site_url,
            photos="MODERN_CONVNETS_DATA" in copy_code,
        )
        out.append(_cell("code", setup, 1))
    outputs = iter(prose)
    for cell in cells:
        tags = _tags(cell)
        if cell["cell_type"] == "markdown":
            text = absolute_links(str(cell["source"]), page_url)
        elif "prose" in tags:
            written = "\n\n".join(next(outputs))
            text = absolute_links(written, page_url) + "\n\n" + COMPUTED
        elif "copy" in tags and cell_backend(tags) not in (None, "tensorflow"):
            text = other_backend(str(cell["source"]), cell_backend(tags) or "")
        elif "copy" in tags:
            out.append(_cell("code", str(cell["source"]), len(out)))
            continue
        else:
            continue
        out.append(_cell("markdown", text, len(out)))
    return {
        "cells": out,
        "metadata": {
            "kernelspec": {
                "display_name": "Python 3",
                "language": "python",
                "name": "python3",
            },
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def other_backend(source: str, backend: str) -> str:
    """A Markdown cell showing a copy cell's version for another backend.

    Example:
        >>> print(other_backend("import jax", "jax"))
        The same on JAX, in a session started with `KERAS_BACKEND=jax`:
        <BLANKLINE>
        ```python
        import jax
        ```
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend {backend!r}: not one of {', '.join(BACKENDS)}")
    return (
        f"The same on {BACKENDS[backend]}, in a session started with "
        f"`KERAS_BACKEND={backend}`:\n\n```python\n{source.strip()}\n```"
    )


def notebook_path(page_source: Path, page_dest: Path) -> Path:
    """Where a page's notebook goes: beside its HTML, named after its source.

    Example:
        >>> source = Path("docs/part-b/gradcam.py")
        >>> notebook_path(source, Path("site/part-b/gradcam/index.html"))
        PosixPath('site/part-b/gradcam/gradcam.ipynb')
    """
    return page_dest.parent / (page_source.stem + ".ipynb")


def write_notebook(notebook: Mapping[str, object], path: Path) -> Path:
    """Write `notebook` to `path` atomically; return `path`.

    Example:
        ```python
        write_notebook(notebook, Path("site/part-b/gradcam/gradcam.ipynb"))
        ```
    """
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return path
