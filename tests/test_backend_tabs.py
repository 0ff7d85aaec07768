"""A listing's TensorFlow, JAX and PyTorch versions: tags, tabs, notebooks, runs.

The markup against the pinned nbconvert is checked on a rendered page in
`test_notebook_markup.py`; here, the rules and the exact markup of small
inputs.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from site_build import backend_tabs, cell_markup, notebook_files

from modern_convnets.listings import backend_code, cell_backend, run_listing


def _cell(*tags: str, source: str = "", kind: str = "code") -> dict[str, object]:
    return {"cell_type": kind, "source": source, "metadata": {"tags": list(tags)}}


TF = _cell("copy", "backend-tensorflow", source="import tensorflow as tf")
JAX = _cell("copy", "backend-jax", "skip-execution", source="import jax")
TORCH = _cell("copy", "backend-torch", "skip-execution", source="import torch")
SHARED = _cell("copy", source="import keras")


def test_groups_are_adjacent_backend_cells_in_tab_order():
    cells = [SHARED, TF, JAX, TORCH, _cell(), TF, TORCH]
    assert backend_tabs.check_groups(cells) == [[1, 2, 3], [5, 6]]


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ([TF, _cell("copy", "backend-jax")], "cell 1 .backend-jax.: needs the tag "),
        ([TF, _cell("backend-jax", "skip-execution")], "must be a code cell tagged"),
        ([JAX, TF], "cell 1 .backend-tensorflow. follows backend-jax"),
        ([TF, JAX, JAX], "cell 2 .backend-jax. follows backend-jax"),
        ([SHARED, TF, SHARED], "cell 1: a backend cell stands alone"),
        ([_cell("copy", "backend-numpy")], "backend-numpy: no such Keras backend"),
    ],
)
def test_bad_groups_are_named(cells, message):
    with pytest.raises(ValueError, match=message):
        backend_tabs.check_groups(cells)


def test_a_cell_names_one_backend():
    with pytest.raises(ValueError, match="one backend, not 2"):
        cell_backend(["backend-jax", "backend-torch"])
    assert cell_backend(["copy"]) is None


def test_tab_set_markup():
    cells = [("tensorflow", "<p>a</p>"), ("jax", "<p>b</p>"), ("torch", "<p>c</p>")]
    assert backend_tabs.tab_set(2, cells) == (
        '<div class="tabbed-set tabbed-alternate mc-backend-tabs" data-tabs="2:3">'
        '<input checked="checked" id="__tabbed_2_1" name="__tabbed_2" type="radio">'
        '<input id="__tabbed_2_2" name="__tabbed_2" type="radio">'
        '<input id="__tabbed_2_3" name="__tabbed_2" type="radio">'
        '<div class="tabbed-labels"><label for="__tabbed_2_1">TensorFlow</label>'
        '<label for="__tabbed_2_2">JAX</label>'
        '<label for="__tabbed_2_3">PyTorch</label></div>\n'
        '<div class="tabbed-content">\n'
        '<div class="tabbed-block" data-backend="tensorflow"><p>a</p></div>\n'
        '<div class="tabbed-block" data-backend="jax"><p>b</p></div>\n'
        '<div class="tabbed-block" data-backend="torch"><p>c</p></div>\n'
        "</div>\n</div>"
    )


@pytest.mark.parametrize(
    ("number", "cells", "message"),
    [
        (0, [("jax", "")], "number must be 1 or more, not 0"),
        (1, [("numpy", "")], "backend 'numpy': not one of tensorflow, jax, torch"),
    ],
)
def test_tab_set_rejects(number, cells, message):
    with pytest.raises(ValueError, match=message):
        backend_tabs.tab_set(number, cells)


def _rendered(backend: str, body: str) -> str:
    classes = (
        f"jp-Cell jp-CodeCell jp-Notebook-cell celltag_copy celltag_backend-{backend}"
    )
    return (
        f'<div class="{classes}">\n<div class="{classes}" id="cell-id=0">'
        f"<div><pre>{body}</pre></div></div></div>"
    )


def test_tab_cells_numbers_the_sets_and_leaves_other_cells():
    page = (
        "<p>before</p>"
        + _rendered("tensorflow", "a")
        + "\n"
        + _rendered("jax", "b")
        + "<p>between</p>"
        + _rendered("tensorflow", "c")
        + _rendered("torch", "d")
    )
    out = backend_tabs.tab_cells(page)
    assert out.startswith(
        '<p>before</p><div class="tabbed-set tabbed-alternate mc-backend-tabs" '
        'data-tabs="1:2">'
    )
    assert '</div>\n</div><p>between</p><div class="tabbed-set' in out
    assert 'data-tabs="2:2"' in out
    assert '<label for="__tabbed_2_2">PyTorch</label>' in out
    for body in "abcd":
        assert out.count(f"<pre>{body}</pre>") == 1


def test_tab_cells_rejects_a_lone_cell():
    with pytest.raises(ValueError, match=r"backend cells \['jax'\]: a group has two"):
        backend_tabs.tab_cells(_rendered("jax", "b"))


def test_a_page_without_backend_cells_is_unchanged():
    page = '<div class="jp-Cell jp-CodeCell celltag_copy"><div></div></div>'
    assert backend_tabs.tab_cells(page) == page


def test_copy_labels_name_the_backend_and_its_setting():
    assert cell_markup.copy_label('<div class="celltag_copy">') == (
        cell_markup.COPY_LABEL
    )
    assert cell_markup.copy_label('<div class="celltag_backend-torch">') == (
        '<p class="mc-copy-label"><strong>Copy this</strong>: plain Keras on '
        "PyTorch, runs as pasted after the copy cells above it, in a session "
        "started with <code>KERAS_BACKEND=torch</code></p>"
    )


def test_the_notebook_runs_tensorflow_and_shows_the_other_versions():
    page = {"cells": [SHARED, TF, JAX, TORCH]}
    notebook = notebook_files.build_notebook(
        page,
        [],
        title="Tiny",
        page_url="https://x.org/t/",
        site_url="https://x.org/",
        model_names=[],
        version=lambda name: {"keras": "3.1", "tensorflow": "2.9"}[name],
    )
    cells = notebook["cells"]
    assert [c["cell_type"] for c in cells] == [
        "markdown",
        "code",
        "code",
        "code",
        "markdown",
        "markdown",
    ]
    assert [c["source"] for c in cells[2:]] == [
        "import keras",
        "import tensorflow as tf",
        "The same on JAX, in a session started with `KERAS_BACKEND=jax`:\n\n"
        "```python\nimport jax\n```",
        "The same on PyTorch, in a session started with `KERAS_BACKEND=torch`:\n\n"
        "```python\nimport torch\n```",
    ]


def test_backend_code_is_the_shared_cells_and_the_backends_own():
    cells = [SHARED, TF, JAX, TORCH, _cell(source="not copied")]
    assert backend_code(cells, "torch") == "import keras\n\nimport torch"
    assert (
        backend_code(cells, "tensorflow") == "import keras\n\nimport tensorflow as tf"
    )
    with pytest.raises(ValueError, match="backend must be one of tensorflow, jax, "):
        backend_code(cells, "numpy")


def test_run_listing_returns_the_outputs_on_the_named_backend():
    backend = keras.backend.backend()  # the one installed here
    code = (
        "import keras\n"
        "import numpy as np\n"
        "outputs['twice'] = keras.ops.add(start, start)\n"
        "outputs['backend'] = np.frombuffer(keras.backend.backend().encode(), 'u1')\n"
    )
    start = np.arange(4, dtype="float32").reshape(1, 4)
    out = run_listing(code, backend, {"start": start})
    np.testing.assert_array_equal(out["twice"], [[0.0, 2.0, 4.0, 6.0]])
    assert out["backend"].tobytes() == backend.encode()


def test_run_listing_reports_the_error():
    backend = keras.backend.backend()
    with pytest.raises(RuntimeError, match=f"failed on {backend} .exit status 3.:"):
        run_listing("raise SystemExit(3)", backend, {})
