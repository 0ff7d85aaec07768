"""Markup for tagged code cells: "Copy this" labels and "Show the code" toggles.

- Cells tagged `copy` are plain Keras that readers paste into a fresh session
  (`model_files` says what they find there): each gets a visible label. A
  cell tagged `backend-<name>` too (one tab of `backend_tabs`) names the
  backend its session needs.
- Cells tagged `collapse` (bookkeeping: table layout, figure layout) show
  their output, with their code folded away behind a "Show the code" toggle.
- Every code cell's input is left out of the site's search index
  (`data-search-exclude`, which the theme's search honours): the index loads
  on every page, the lab's included, and code would make up much of it; the
  API reference keeps every function findable by name.

The patterns match the markup of the nbconvert and mkdocs-jupyter versions
pinned in pyproject.toml; `tests/test_notebook_markup.py` fails when it
changes.
"""

from __future__ import annotations

import re

from site_build.backend_tabs import BACKENDS


def _tagged_cell(tag: str) -> str:
    """A pattern for the opening of a code cell with `tag`, up to its input."""
    return (
        rf'(<div[^>]*class="jp-Cell jp-CodeCell[^"]*celltag_{tag}[^"]*"[^>]*>\s*)'
        r'(?=<div class="jp-Cell-inputWrapper")'
    )


COPY_CELL = re.compile(_tagged_cell("copy"))
COLLAPSE_CELL = re.compile(
    _tagged_cell("collapse")
    + r'(<div class="jp-Cell-inputWrapper"[^>]*>(?:(?!jp-Cell jp-).)*?)'
    r'(<div class="jp-Cell-outputWrapper")',
    re.DOTALL,
)
COPY_LABEL = (
    '<p class="mc-copy-label"><strong>Copy this</strong>: plain Keras, '
    "runs as pasted after the copy cells above it</p>"
)
BACKEND_COPY_LABEL = (
    '<p class="mc-copy-label"><strong>Copy this</strong>: plain Keras on '
    "{label}, runs as pasted after the copy cells above it, in a session "
    "started with <code>KERAS_BACKEND={backend}</code></p>"
)
BACKEND_TAG = re.compile(r"\bcelltag_backend-([a-z]+)\b")
COLLAPSE_OPEN = '<details class="mc-collapse"><summary>Show the code</summary>'
# The code's own <pre>: the theme's search parser skips an excluded element
# until the next end tag of the same name, so the mark goes on the innermost
# block (a <div> would end at the first nested </div>).
# Every preformatted block: code cells, printed output, folded tables, the
# API reference's examples. What a reader searches for is in the prose, and
# the index, which every page loads (the lab's included), would otherwise
# carry every listing and table of numbers.
PREFORMATTED = re.compile(r"<pre(?=[\s>])(?![^>]*data-search-exclude)")


TABLE = re.compile(r"<table(?=[\s>])(?![^>]*data-search-exclude)")


def exclude_tables_from_search(html: str) -> str:
    """Mark every `<table>` `data-search-exclude`: for the API reference.

    Its tables list each function's parameters, returns and errors; the
    search finds a function by its name and summary, and the index stays
    small enough for the lab's first download.

    Example:
        >>> exclude_tables_from_search('<table class="field-list">')
        '<table data-search-exclude class="field-list">'
    """
    return TABLE.sub("<table data-search-exclude", html)


def exclude_code_from_search(html: str) -> str:
    """Mark every `<pre>` block `data-search-exclude`, before indexing.

    Prose stays in the index, including the prose that cells write.

    Example:
        >>> exclude_code_from_search('<div class="highlight-ipynb hl-python"><pre>')
        '<div class="highlight-ipynb hl-python"><pre data-search-exclude>'
    """
    return PREFORMATTED.sub("<pre data-search-exclude", html)


def mark_cells(html: str) -> str:
    """Fold the code of `collapse` cells and label `copy` cells in a built page.

    Example:
        ```python
        page = mark_cells(page)  # a page that mkdocs-jupyter rendered
        ```
    """
    html = COLLAPSE_CELL.sub(
        lambda m: m[1] + COLLAPSE_OPEN + m[2] + "</details>" + m[3], html
    )
    return COPY_CELL.sub(lambda m: m[1] + copy_label(m[1]), html)


def copy_label(cell_opening: str) -> str:
    """The "Copy this" label for a copy cell, from the cell's opening tag.

    Example:
        >>> label = copy_label('<div class="jp-Cell celltag_copy celltag_backend-jax">')
        >>> "plain Keras on JAX" in label, "<code>KERAS_BACKEND=jax</code>" in label
        (True, True)
    """
    found = BACKEND_TAG.search(cell_opening)
    if not found:
        return COPY_LABEL
    backend = found[1]
    if backend not in BACKENDS:
        raise ValueError(f"tag backend-{backend}: not one of {', '.join(BACKENDS)}")
    return BACKEND_COPY_LABEL.format(label=BACKENDS[backend], backend=backend)
