"""The code and numbers on the built pages: what readers copy, what they read.

- Every cell marked "Copy this" runs as pasted, page by page and in order, in
  a virtual environment that has Keras, TensorFlow, NumPy, matplotlib and
  Pillow (the versions the site was built with) but not this package. The
  model files the pages offer for download sit in the working folder; the
  photos and the offline ImageNet weights are named by the same environment
  variables the pages mention. A listing's JAX and PyTorch tabs run the
  same way, with the page's copy cells that name no backend, each in an
  environment of its own with `KERAS_BACKEND` set: Keras, JAX (or
  PyTorch's CPU build), NumPy, matplotlib and Pillow, and no TensorFlow.
- Every result number in a page's prose (a decimal, a percentage, a number
  with a thousands separator) appears in that page's outputs, so it was
  computed on the page rather than typed. Definitions (image sizes, the
  lecture's settings, numbers from papers) are listed per page below, each
  with its reason.
- No page shows a path of the machine that built it.
- Every tutorial page offers itself as a notebook (its prose and its "Copy
  this" cells), linked from the page header, and each notebook runs top to
  bottom with nbclient in that same environment, offline: the photos and
  the ImageNet weights named by the environment variables, the models
  downloaded from the site, and the first cell's install a no-op because
  the pinned versions are there.

Run after `mkdocs build`: `pytest -m site`.
"""

from __future__ import annotations

import functools
import html
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO, SITE, site_pages

pytestmark = pytest.mark.site

SNIPPET_ENV = REPO / "build" / "snippet-env"
SNIPPET_PACKAGES = ("keras", "tensorflow", "numpy", "matplotlib", "pillow")
# The other backends' environments: the same libraries, another backend.
BACKEND_SNIPPET_PACKAGES = {
    "jax": ("keras", "jax", "jaxlib", "numpy", "matplotlib", "pillow"),
    "torch": ("keras", "torch", "numpy", "matplotlib", "pillow"),
}
MODEL_FILES = sorted((REPO / "src" / "modern_convnets" / "trained").glob("*.keras"))


class _NotebookPage(HTMLParser):
    """Copy cells, prose and outputs of a page built from a notebook."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.all_copy_cells: list[str] = []
        self.copy_backends: list[str | None] = []  # each copy cell's tab
        self.prose: list[str] = []
        self.outputs: list[str] = []
        self._stack: list[str] = []  # what each open element is part of
        self._code = 0  # depth inside <code>/<pre>

    def _part(self) -> str:
        return self._stack[-1] if self._stack else ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        part = self._part()
        if "celltag_copy" in classes:
            part = "copy-cell"
            self.all_copy_cells.append("")
            tabs = [c for c in classes if c.startswith("celltag_backend-")]
            self.copy_backends.append(
                tabs[0].removeprefix("celltag_backend-") if tabs else None
            )
        elif part == "copy-cell" and "jp-OutputArea" in classes:
            part = "output"
        elif part == "copy-cell" and "mc-copy-label" in classes:
            part = "label"
        elif "jp-OutputArea-output" in classes:
            part = "output"  # Markdown written by code counts as output
        elif "jp-RenderedMarkdown" in classes:
            part = "prose"
        if tag not in ("br", "img", "hr", "input", "meta", "link"):
            self._stack.append(part)
        if tag in ("code", "pre"):
            self._code += 1

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("br", "img", "hr", "input", "meta", "link") and self._stack:
            self._stack.pop()
        if tag in ("code", "pre"):
            self._code -= 1

    def handle_data(self, data: str) -> None:
        part = self._part()
        if part == "copy-cell" and self._code:
            self.all_copy_cells[-1] += data
        elif part == "prose" and not self._code:
            self.prose.append(data)
        elif part == "output":
            self.outputs.append(data)

    def backend_cells(self, backend: str) -> list[str]:
        """The copy cells a reader of `backend` pastes: shared ones and its own."""
        return [
            cell
            for cell, tab in zip(self.all_copy_cells, self.copy_backends, strict=True)
            if tab in (None, backend)
        ]

    @property
    def copy_cells(self) -> list[str]:
        """The copy cells that run on TensorFlow, the pages' own backend."""
        return self.backend_cells("tensorflow")

    @property
    def backends(self) -> set[str]:
        """The backends other than TensorFlow that the page has tabs for."""
        return {tab for tab in self.copy_backends if tab} - {"tensorflow"}


@functools.cache
def _parse(page: str) -> _NotebookPage:
    parsed = _NotebookPage()
    parsed.feed((SITE / page / "index.html").read_text(encoding="utf-8"))
    return parsed


PAGES = site_pages()
COPY_PAGES = [page for page in PAGES if _parse(page).copy_cells]


def test_the_lecture_listings_are_on_their_pages() -> None:
    expected = {
        "part-a/residual-connections/",
        "part-a/batch-normalisation/",
        "part-a/separable-convolutions/",
        "part-a/small-convnet/",
        "part-a/mini-xception/",
        "part-b/activations/",
        "part-b/filters/",
        "part-b/gradcam/",
    }
    assert expected <= set(COPY_PAGES)


@pytest.fixture(scope="module")
def snippet_python() -> Path:
    """A Python with the pages' libraries at the site's versions, not this package."""
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in SNIPPET_PACKAGES]
    python = _environment(SNIPPET_ENV, pins)
    found = subprocess.run(
        [str(python), "-c", "import modern_convnets"],
        capture_output=True,
        cwd=SNIPPET_ENV,
        env={"PATH": os.environ["PATH"]},  # no PYTHONPATH to a checkout
        check=False,
    )
    assert found.returncode != 0, "the snippet environment must not have the package"
    return python


def _run_pasted(cells: list[str], python: Path, tmp_path: Path, **env: str) -> None:
    """Run `cells` as one script in `python`, as a reader pastes them."""
    from modern_convnets.data import find_dataset
    from modern_convnets.pretrained import find_xception_weights

    script = tmp_path / "pasted.py"
    script.write_text("\n\n".join(cells))
    for path in MODEL_FILES:  # the files the pages offer under models/
        shutil.copyfile(path, tmp_path / path.name)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "MODERN_CONVNETS_DATA": str(find_dataset().parent),
        "MODERN_CONVNETS_XCEPTION_WEIGHTS": str(
            find_xception_weights(download=False).path
        ),
        **env,
    }
    result = subprocess.run(
        [str(python), str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"{len(cells)} cells:\n{result.stderr[-3000:]}"


@pytest.mark.parametrize("page", COPY_PAGES)
def test_copy_cells_run_as_pasted_without_the_package(
    page: str, snippet_python: Path, tmp_path: Path
) -> None:
    _run_pasted(_parse(page).copy_cells, snippet_python, tmp_path)


def _environment(folder: Path, pins: list[str]) -> Path:
    """A virtual environment in `folder` with exactly `pins`, made once."""
    python = folder / "bin" / "python"
    marker = folder / "pins.txt"
    if not (marker.is_file() and marker.read_text() == "\n".join(pins)):
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        install = [str(python), "-m", "pip", "install", "--quiet", *pins]
        subprocess.run(install, check=True)
        marker.write_text("\n".join(pins))
    return python


BACKEND_COPY_PAGES = [
    (page, backend) for page in COPY_PAGES for backend in sorted(_parse(page).backends)
]


@pytest.mark.parametrize(
    "page",
    [
        "part-a/vanishing-gradients/",
        "part-b/filters/",
        "part-b/feature-visualisation/",
        "part-b/gradcam/",
    ],
)
def test_every_gradient_listing_has_every_backend(page: str) -> None:
    assert (page, "jax") in BACKEND_COPY_PAGES
    assert (page, "torch") in BACKEND_COPY_PAGES


@pytest.mark.parametrize(("page", "backend"), BACKEND_COPY_PAGES)
def test_backend_tabs_run_as_pasted_on_their_backend(
    page: str, backend: str, tmp_path: Path
) -> None:
    """The page's shared copy cells and its tabs of `backend`, on that backend."""
    names = BACKEND_SNIPPET_PACKAGES[backend]
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in names]
    python = _environment(SNIPPET_ENV.with_name(f"snippet-env-{backend}"), pins)
    for absent in ("modern_convnets", "tensorflow"):
        found = subprocess.run(
            [str(python), "-c", f"import {absent}"],
            capture_output=True,
            env={"PATH": os.environ["PATH"]},  # no PYTHONPATH to a checkout
            check=False,
        )
        assert found.returncode != 0, f"the {backend} environment has {absent}"
    cells = _parse(page).backend_cells(backend)
    _run_pasted(cells, python, tmp_path, KERAS_BACKEND=backend)


# A result number: a decimal, a percentage, or a number with thousands separators.
NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+\.\d+|\d+%)(?![\w])")

# Numbers that a page's prose may state without computing them, with the reason.
DEFINITIONS: dict[str, dict[str, str]] = {
    "part-a/vanishing-gradients/": {
        "0.01": "the standard deviation of the 'small' initial weights, a setting",
    },
    "part-a/mini-xception/": {
        "1,000": "the held-out photos, the data set's validation/ folder",
    },
    "part-a/what-each-ingredient-buys/": {
        "1,600": "the training split, a setting of the recipe",
        "2,000": "the book's split, quoted from the book",
        "90.8": "the book's accuracy for this recipe, quoted from the book",
    },
    "part-b/filters/": {
        "0.4": "the lecture's starting noise range, a setting",
        "0.6": "the lecture's starting noise range, a setting",
        "1.20": "the CPU batch-size benchmark, quoted from benchmarks/README.md",
        "0.99": "the CPU batch-size benchmark, quoted from benchmarks/README.md",
        "0.90": "the CPU batch-size benchmark, quoted from benchmarks/README.md",
    },
    "part-b/gradcam/": {
        "99%": "an illustrative prediction in the introduction",
    },
}


def _numbers(texts: list[str]) -> set[str]:
    return set(NUMBER.findall(html.unescape(" ".join(texts))))


def _values(text: str) -> set[str]:
    """Every number in a text, without thousands separators or percent signs."""
    return {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


@pytest.mark.parametrize("page", [p for p in PAGES if _parse(p).outputs])
def test_prose_numbers_come_from_the_page_outputs(page: str) -> None:
    parsed = _parse(page)
    shown = _values(html.unescape(" ".join(parsed.outputs)))
    allowed = DEFINITIONS.get(page, {})
    stated = _numbers(parsed.prose)
    assert set(allowed) <= stated, (
        f"{page}: listed but not stated: {allowed.keys() - stated}"
    )
    typed = sorted(
        number
        for number in stated
        if number not in allowed and number.rstrip("%").replace(",", "") not in shown
    )
    assert not typed, f"{page}: numbers in the prose that no output shows: {typed}"


@functools.cache
def _machine_paths() -> list[str]:
    from modern_convnets.data import find_dataset

    data = find_dataset().parent
    paths = {str(REPO), str(Path.home()), str(data), str(data.resolve())}
    return sorted(p for p in paths if len(p) > 1)


@pytest.mark.parametrize("page", PAGES)
def test_no_page_shows_a_path_of_the_build_machine(page: str) -> None:
    text = (SITE / page / "index.html").read_text(encoding="utf-8")
    shown = [path for path in _machine_paths() if path in text]
    assert not shown, f"{page} shows {shown}"


# Tutorial pages: mkdocs-jupyter puts each page's .py source beside its HTML.
TUTORIAL_PAGES = [page for page in PAGES if list((SITE / page).glob("*.py"))]


def _notebook(page: str) -> Path:
    (source,) = (SITE / page).glob("*.py")
    return source.with_suffix(".ipynb")


def test_every_tutorial_page_is_here() -> None:
    assert {"tutorials/getting-started/", "part-b/gradcam/"} <= set(TUTORIAL_PAGES)


@pytest.mark.parametrize("page", TUTORIAL_PAGES)
def test_every_tutorial_page_offers_its_notebook(page: str) -> None:
    import nbformat

    path = _notebook(page)
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    text = (SITE / page / "index.html").read_text(encoding="utf-8")
    link = re.search(
        rf'<a href="{re.escape(path.name)}" class="md-content__button '
        r'mc-notebook-download" download>\s*<svg[^>]*>.*?</svg>\s*'
        r"<span>Download notebook</span>\s*</a>",
        text,
        re.DOTALL,
    )
    assert link, f"{page}: no Download notebook link to {path.name}"
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    # nbconvert wraps each cell twice: the outer wrapper reads as empty.
    copied = [c.strip() for c in _parse(page).copy_cells if c.strip()]
    # A first cell that sets up, if there is code to run; then the copy cells.
    setup = [True] if copied else []
    assert [c.startswith("# Set up:") for c in code] == setup + [False] * len(copied)
    assert [c.strip() for c in code[len(setup) :]] == copied, (
        f"{page}: the notebook's code cells are not the page's copy cells"
    )


@pytest.fixture(scope="module")
def snippet_kernels(
    snippet_python: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A Jupyter kernel in the snippet environment: the folder for JUPYTER_PATH."""
    version = importlib.metadata.version("ipykernel")
    ask = "import importlib.metadata as m; print(m.version('ipykernel'))"
    there = subprocess.run(
        [str(snippet_python), "-c", ask], capture_output=True, text=True, check=False
    )
    if there.stdout.strip() != version:
        pin = f"ipykernel=={version}"
        install = [str(snippet_python), "-m", "pip", "install", "--quiet", pin]
        subprocess.run(install, check=True)
    folder = tmp_path_factory.mktemp("jupyter")
    spec = folder / "kernels" / "modern-convnets-snippet" / "kernel.json"
    spec.parent.mkdir(parents=True)
    argv = [str(snippet_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.write_text(
        json.dumps({"argv": argv, "display_name": "snippet", "language": "python"})
    )
    return folder


# Cells added around a notebook for the check: the kernel lacks this package,
# and the first cell found every pinned library in place (installed nothing).
WITHOUT_PACKAGE = (
    'import importlib.util\nassert importlib.util.find_spec("modern_convnets") is None'
)
NOTHING_INSTALLED = "assert not missing, missing"


@pytest.mark.parametrize("page", [p for p in TUTORIAL_PAGES if p in COPY_PAGES])
def test_notebook_runs_top_to_bottom_without_the_package(
    page: str,
    snippet_kernels: Path,
    server: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import nbformat
    from nbclient import NotebookClient

    from modern_convnets.data import find_dataset
    from modern_convnets.pretrained import find_xception_weights

    notebook = nbformat.read(_notebook(page), as_version=4)
    setup = notebook.cells[1]
    # The models come from this build of the site, served here.
    setup.source = re.sub(
        r'^SITE_URL = ".*"$', f'SITE_URL = "{server}"', setup.source, flags=re.M
    )
    notebook.cells.insert(0, nbformat.v4.new_code_cell(WITHOUT_PACKAGE))
    notebook.cells.append(nbformat.v4.new_code_cell(NOTHING_INSTALLED))
    monkeypatch.setenv("JUPYTER_PATH", str(snippet_kernels))
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "MODERN_CONVNETS_DATA": str(find_dataset().parent),
        "MODERN_CONVNETS_XCEPTION_WEIGHTS": str(
            find_xception_weights(download=False).path
        ),
    }
    client = NotebookClient(
        notebook,
        kernel_name="modern-convnets-snippet",
        timeout=900,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute(env=env)  # raises CellExecutionError on any error
