"""A page's plain-Keras listing run on each Keras backend, in fresh processes.

The guide's pages show a listing that takes a gradient once per backend:
adjacent cells tagged `copy` and `backend-tensorflow`, `backend-jax` or
`backend-torch` (the site shows them as tabs). Copy cells without a backend
tag are written once and run on every backend. `backend_code` gathers what
a reader of one backend pastes, and `run_listing` runs it in a new Python
process with `KERAS_BACKEND` set, since Keras picks its backend once per
process: the same start, given as NumPy arrays, goes to every backend, and
the arrays the code leaves in a dictionary named `outputs` come back.

Examples:
    >>> cells = [
    ...     {"cell_type": "code", "source": "x = 1", "metadata": {"tags": ["copy"]}},
    ...     {"cell_type": "code", "source": "y = 2",
    ...      "metadata": {"tags": ["copy", "backend-jax", "skip-execution"]}},
    ... ]
    >>> print(backend_code(cells, "jax"))
    x = 1
    <BLANKLINE>
    y = 2
    >>> backend_code(cells, "tensorflow")
    'x = 1'
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from modern_convnets.autodiff import BACKENDS

# What the process runs first: the inputs as NumPy arrays, by name.
_PRELUDE = """\
import numpy as _np

globals().update(_np.load({inputs!r}))
outputs = {{}}
"""
# What it runs last: the `outputs` the code filled in, as NumPy arrays.
_EPILOGUE = """
import keras as _keras

_np.savez(
    {outputs!r},
    **{{k: _keras.ops.convert_to_numpy(v) for k, v in outputs.items()}},
)
"""


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(
            f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}"
        )


def cell_backend(tags: Sequence[str]) -> str | None:
    """The backend a cell's `backend-<name>` tag names; None for every backend.

    Raises:
        ValueError: A tag names no Keras backend, or the cell names two.

    Examples:
        >>> cell_backend(["copy", "backend-torch", "skip-execution"])
        'torch'
    """
    named = [t.removeprefix("backend-") for t in tags if t.startswith("backend-")]
    for name in named:
        if name not in BACKENDS:
            raise ValueError(
                f"tag backend-{name}: no such Keras backend; valid tags are "
                + ", ".join(f"backend-{b}" for b in BACKENDS)
            )
    if len(named) > 1:
        raise ValueError(f"a cell names one backend, not {len(named)}: {named}")
    return named[0] if named else None


def backend_code(cells: Sequence[Mapping[str, object]], backend: str) -> str:
    """The copy cells a reader of `backend` pastes, in page order.

    Args:
        cells: A notebook's cells (nbformat: `cell_type`, `source`,
            `metadata.tags`).
        backend: "tensorflow", "jax" or "torch".

    Returns:
        The sources of the code cells tagged `copy` that name no backend or
        name `backend`, joined by blank lines.
    """
    _check_backend(backend)
    chosen = []
    for cell in cells:
        metadata = cell.get("metadata") or {}
        tags = list(metadata.get("tags", ()))  # type: ignore[union-attr]
        if (
            cell.get("cell_type") == "code"
            and "copy" in tags
            and cell_backend(tags) in (None, backend)
        ):
            chosen.append(str(cell["source"]))
    return "\n\n".join(chosen)


def run_listing(
    code: str,
    backend: str,
    inputs: Mapping[str, np.ndarray],
    *,
    python: str | Path | None = None,
    cwd: str | Path | None = None,
    timeout: float = 900,
) -> dict[str, np.ndarray]:
    r"""Run `code` in a new Python process on `backend`; return its `outputs`.

    The process starts with the environment of this one, `KERAS_BACKEND` set
    to `backend` and matplotlib drawing off screen, in `cwd` (where the
    listing finds the files it loads by name).
    Each name of `inputs` is a NumPy array there before `code` runs, and
    `outputs`, an empty dictionary, is for the code to fill in with tensors
    or arrays.

    Args:
        code: Python source.
        backend: "tensorflow", "jax" or "torch".
        inputs: Arrays the code reads, by variable name.
        python: The interpreter, which needs Keras and the backend; this
            one by default.
        cwd: The working folder; this process's by default.
        timeout: Seconds before the process is stopped.

    Returns:
        The `outputs` the code filled in, as NumPy arrays.

    Raises:
        ValueError: An unknown backend.
        RuntimeError: The code failed, with the end of its error output.

    Examples:
        ```python
        start = {"start": np.zeros((1, 4), "float32")}
        code = "import keras\noutputs['twice'] = keras.ops.add(start, start)"
        run_listing(code, "jax", start)  # {'twice': array([[0., 0., 0., 0.]], ...)}
        ```
    """
    _check_backend(backend)
    with tempfile.TemporaryDirectory(prefix="listing-") as folder:
        work = Path(folder)
        np.savez(work / "inputs.npz", **{k: np.asarray(v) for k, v in inputs.items()})
        script = work / "listing.py"
        script.write_text(
            _PRELUDE.format(inputs=str(work / "inputs.npz"))
            + code
            + "\n"
            + _EPILOGUE.format(outputs=str(work / "outputs.npz"))
        )
        env = {**os.environ, "KERAS_BACKEND": backend, "MPLBACKEND": "Agg"}
        result = subprocess.run(
            [str(python or sys.executable), str(script)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"the listing failed on {backend} (exit status "
                f"{result.returncode}):\n{result.stderr[-3000:]}"
            )
        with np.load(work / "outputs.npz") as saved:
            return {name: saved[name] for name in saved.files}
