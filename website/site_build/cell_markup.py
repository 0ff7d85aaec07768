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
CODE_INPUT = re.compile(r'(<div class="highlight-ipynb hl-python"><pre)>')
# Printed output (tables of numbers, shapes): what a reader searches for is in
# the prose, and the printed text would make the index, which every page
# loads, larger than the prose it serves.
PRINTED_OUTPUT = re.compile(
    r'(<div class="jp-RenderedText jp-OutputArea-output[^"]*" '
    r'data-mime-type="text/plain"[^>]*>\s*<pre)>'
)


def exclude_code_from_search(html: str) -> str:
    """Mark every code cell's source and printed output `data-search-exclude`.

    Run before indexing. Prose that a cell writes (Markdown output) stays in
    the index.

    Example:
        >>> exclude_code_from_search('<div class="highlight-ipynb hl-python"><pre>')
        '<div class="highlight-ipynb hl-python"><pre data-search-exclude>'
    """
    html = CODE_INPUT.sub(lambda m: m[1] + " data-search-exclude>", html)
    return PRINTED_OUTPUT.sub(lambda m: m[1] + " data-search-exclude>", html)


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
