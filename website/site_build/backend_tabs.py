"""One listing in three content tabs: TensorFlow, JAX and PyTorch.

Keras 3 runs on three backends, and a listing that takes a gradient is
written once per backend. In a page's source the versions are adjacent code
cells, each tagged `copy` and `backend-<name>`, in the order TensorFlow, JAX,
PyTorch (a group may leave a backend out, but not reorder them). The
TensorFlow cell runs in the page's kernel like any other; the others are
tagged `skip-execution` too, which nbclient honours, so the TensorFlow
kernel shows them without running them (`tests/website/test_page_code.py`
runs each in an environment of its own backend, and a page can run them
with `modern_convnets.listings`). Copy cells without a
backend tag are written once and must run on every backend.

`tab_cells` turns each group of rendered cells into the markup of the
theme's linked content tabs (pymdownx.tabbed's `alternate_style`, which
mkdocs-jupyter does not run on notebooks): radio inputs, one label per
backend, one `tabbed-block` per cell. With the theme's `content.tabs.link`
feature, choosing a backend on one listing chooses it on every listing of
the site, and the browser remembers the choice. The inputs are native radio
buttons named by their labels: the Tab key reaches the group and the arrow
keys switch backends. Each cell keeps its own copy button and label.

The patterns match the markup of the nbconvert and mkdocs-jupyter versions
pinned in pyproject.toml; `tests/test_backend_tabs.py` fails when it changes.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Mapping, Sequence

from modern_convnets.listings import cell_backend

# The backends, in tab order: each tag's suffix is KERAS_BACKEND's value.
BACKENDS: dict[str, str] = {
    "tensorflow": "TensorFlow",
    "jax": "JAX",
    "torch": "PyTorch",
}
SKIP = "skip-execution"
CHECKED = ' checked="checked"'

# nbconvert wraps each cell twice; the outer <div> has no id.
_OUTER_CELL = re.compile(
    r'<div class="jp-Cell [^"]*\bcelltag_backend-(?P<backend>[a-z]+)\b[^"]*">'
)
_DIV = re.compile(r"<(/?)div\b")


def check_groups(cells: Sequence[Mapping[str, object]]) -> list[list[int]]:
    """The backend groups of a notebook's cells, after checking their tags.

    Args:
        cells: nbformat cells (each with `cell_type` and `metadata.tags`).

    Returns:
        The indices of each group's cells, in order.

    Raises:
        ValueError: A backend cell is not a `copy` code cell, one other than
            TensorFlow's lacks `skip-execution` (the page's TensorFlow kernel
            would run it), a group repeats or reorders backends, or a group
            has a single cell.

    Example:
        >>> cell = lambda *tags: {"cell_type": "code", "metadata": {"tags": list(tags)}}
        >>> check_groups([cell("copy"), cell("copy", "backend-tensorflow"),
        ...               cell("copy", "backend-jax", "skip-execution")])
        [[1, 2]]
    """
    groups: list[list[int]] = []
    previous: str | None = None
    for index, cell in enumerate(cells):
        tags = list((cell.get("metadata") or {}).get("tags", ()))  # type: ignore[union-attr]
        backend = cell_backend(tags)
        if backend is None:
            previous = None
            continue
        where = f"cell {index} (backend-{backend})"
        if cell.get("cell_type") != "code" or "copy" not in tags:
            raise ValueError(f"{where}: a backend cell must be a code cell tagged copy")
        if backend != "tensorflow" and SKIP not in tags:
            raise ValueError(
                f"{where}: needs the tag {SKIP}, or the page's TensorFlow "
                "kernel would run it"
            )
        order = list(BACKENDS)
        if previous is not None and order.index(backend) > order.index(previous):
            groups[-1].append(index)
        elif previous is not None:
            raise ValueError(
                f"{where} follows backend-{previous}: a group's cells go in the "
                f"order {', '.join(order)}"
            )
        else:
            groups.append([index])
        previous = backend
    single = [group for group in groups if len(group) == 1]
    if single:
        raise ValueError(
            f"cell {single[0][0]}: a backend cell stands alone; give the other "
            "backends' versions in the cells right after it"
        )
    return groups


def _cell_end(html: str, start: int) -> int:
    """The index just past the </div> that closes the <div> opened at `start`."""
    depth = 0
    for match in _DIV.finditer(html, start):
        depth += -1 if match[1] else 1
        if depth == 0:
            return html.index(">", match.end()) + 1
    raise ValueError(f"unclosed cell <div> at character {start}")


def tab_set(number: int, cells: Sequence[tuple[str, str]]) -> str:
    """The content tabs markup for one group of rendered cells.

    Args:
        number: The set's number on its page, from 1 (ids `__tabbed_<number>_<k>`).
        cells: (backend, the cell's HTML) pairs, in tab order.

    Returns:
        A `tabbed-set`, its first tab chosen.

    Example:
        >>> html = tab_set(1, [("tensorflow", "<p>a</p>"), ("jax", "<p>b</p>")])
        >>> re.findall('<label for="([^"]+)">([^<]+)', html)
        [('__tabbed_1_1', 'TensorFlow'), ('__tabbed_1_2', 'JAX')]
    """
    if number < 1:
        raise ValueError(f"number must be 1 or more, not {number}")
    unknown = [backend for backend, _ in cells if backend not in BACKENDS]
    if unknown:
        raise ValueError(f"backend {unknown[0]!r}: not one of {', '.join(BACKENDS)}")
    name = f"__tabbed_{number}"
    inputs = "".join(
        f'<input{CHECKED if k == 1 else ""} id="{name}_{k}" name="{name}" type="radio">'
        for k in range(1, len(cells) + 1)
    )
    labels = "".join(
        f'<label for="{name}_{k}">{_html.escape(BACKENDS[backend])}</label>'
        for k, (backend, _) in enumerate(cells, start=1)
    )
    blocks = "".join(
        f'<div class="tabbed-block" data-backend="{backend}">{cell}</div>\n'
        for backend, cell in cells
    )
    return (
        f'<div class="tabbed-set tabbed-alternate mc-backend-tabs" '
        f'data-tabs="{number}:{len(cells)}">{inputs}'
        f'<div class="tabbed-labels">{labels}</div>\n'
        f'<div class="tabbed-content">\n{blocks}</div>\n</div>'
    )


def tab_cells(html: str) -> str:
    """Put each run of adjacent backend cells of a rendered page into tabs.

    Args:
        html: A page as mkdocs-jupyter rendered it.

    Returns:
        The page, each group of cells tagged `backend-<name>` replaced by a
        `tab_set`, numbered from 1 in page order.

    Raises:
        ValueError: A cell is left alone, or a group repeats or reorders
            backends.

    Example:
        ```python
        html = tab_cells(html)  # a page that mkdocs-jupyter rendered
        ```
    """
    groups: list[list[tuple[int, int, str]]] = []  # (start, end, backend)
    position = 0
    while match := _OUTER_CELL.search(html, position):
        start, end = match.start(), _cell_end(html, match.start())
        follows = groups and not html[groups[-1][-1][1] : start].strip()
        if follows:
            groups[-1].append((start, end, match["backend"]))
        else:
            groups.append([(start, end, match["backend"])])
        position = end
    order = list(BACKENDS)
    for group in groups:
        backends = [backend for _, _, backend in group]
        if len(group) < 2 or backends != sorted(set(backends), key=order.index):
            raise ValueError(
                f"backend cells {backends}: a group has two or more cells, one "
                f"per backend, in the order {', '.join(order)}"
            )
    for number, group in reversed(list(enumerate(groups, start=1))):
        start, end = group[0][0], group[-1][1]
        cells = [(backend, html[s:e]) for s, e, backend in group]
        html = html[:start] + tab_set(number, cells) + html[end:]
    return html
