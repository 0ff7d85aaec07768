"""MkDocs hooks: a cache keyed by the package source, and a self-contained MathJax.

- mkdocs-jupyter caches executed notebooks by the notebook file alone. The
  pages run the package, so the cache folder is keyed by a digest of
  `src/modern_convnets/` as well: editing the library re-executes every page.
  Set MODERN_CONVNETS_DOCS_CACHE=0 to execute everything regardless.
- TensorFlow's C++ start-up messages (CUDA probing, oneDNN notices) are written
  straight to file descriptor 2, which ipykernel would copy into the first cell
  that imports TensorFlow. The kernels get an IPython profile that leaves
  descriptor-level output in the build log instead; Python warnings and
  `print(..., file=sys.stderr)` still appear on the page.
- Figures: the kernels run `docs_kernel.py` first, which gives them the
  guide's matplotlib style and shows every Figure as an HTML `<figure>` with
  alternative text and a caption.
- The site must work offline, so MathJax is copied from the installed
  `jupyter-server-mathjax` package into `assets/mathjax/`, and the CDN script
  tags that nbconvert puts into every notebook page are removed.
- Cells tagged `copy` are plain Keras that readers paste into a fresh
  session. They load the trained models from the working folder, the photos
  from `MODERN_CONVNETS_DATA` and, offline, the ImageNet weights from
  `MODERN_CONVNETS_XCEPTION_WEIGHTS`. The kernels run in a scratch folder
  holding the model files (the site offers them under `models/`), with both
  variables set from what this package finds. Each such cell gets a visible
  "Copy this" label. Cells tagged `collapse` (bookkeeping such as figure
  layout) fold their code into a "Show the code" toggle.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import logging
import os
import re
import shutil
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.modern_convnets")

ROOT = Path(__file__).resolve().parent
SOURCE = ROOT / "src" / "modern_convnets"
# nbconvert's per-notebook MathJax loader and configuration, and its loader of
# mermaid.js (from a CDN, for diagrams these pages do not use).
NOTEBOOK_SCRIPTS = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->"
    r'|<script type="module">\s*document\.addEventListener\("DOMContentLoaded", '
    r'async \(\) => \{\s*const diagrams = document\.querySelectorAll\("\.jp-Mermaid'
    r".*?</script>",
    re.DOTALL,
)


# What every kernel runs first (the figure style, captioned figures).
KERNEL_STARTUP = ROOT / "docs_kernel.py"
# The trained models that the pages' plain-Keras cells load by file name.
MODEL_FILES = sorted((SOURCE / "trained").glob("*.keras"))
# Where the kernels run: a scratch folder holding those files.
PAGE_FOLDER = ROOT / ".cache" / "page-folder"


def _tagged_cell(tag: str) -> str:
    """A pattern for the opening of a code cell with `tag`, up to its input."""
    return (
        rf'(<div[^>]*class="jp-Cell jp-CodeCell[^"]*celltag_{tag}[^"]*"[^>]*>\s*)'
        r'(?=<div class="jp-Cell-inputWrapper")'
    )


COPY_CELL = re.compile(_tagged_cell("copy"))
# Cells tagged `collapse` (bookkeeping: table layout, figure layout) show
# their output, with their code folded away behind a "Show the code" toggle.
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


def source_digest() -> str:
    """A digest of what the pages' outputs depend on besides the notebooks.

    Every file of the package (code, style, bundled models), this file and
    the kernels' start-up script.
    """
    digest = hashlib.sha256()
    files = [*sorted(SOURCE.rglob("*")), Path(__file__).resolve(), KERNEL_STARTUP]
    for path in files:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def use_kernel_profile() -> None:
    """Point the notebook kernels at a profile that keeps C++ logs off the pages."""
    ipython_dir = ROOT / ".cache" / "ipython"
    config = ipython_dir / "profile_default" / "ipython_kernel_config.py"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("c.IPKernelApp.capture_fd_output = False\n")
    startup = config.parent / "startup" / "00-figures.py"
    startup.parent.mkdir(exist_ok=True)
    startup.write_text(KERNEL_STARTUP.read_text())
    os.environ["IPYTHONDIR"] = str(ipython_dir)


def prepare_page_folder() -> None:
    """Give the kernels the files and variables a reader of the pages has."""
    from modern_convnets.data import find_dataset
    from modern_convnets.pretrained import find_xception_weights

    shutil.rmtree(PAGE_FOLDER, ignore_errors=True)
    PAGE_FOLDER.mkdir(parents=True)
    for path in MODEL_FILES:
        shutil.copyfile(path, PAGE_FOLDER / path.name)
    os.environ["MODERN_CONVNETS_PAGE_FOLDER"] = str(PAGE_FOLDER)
    # The plain cells read the folder that holds cats_and_dogs_filtered/.
    os.environ["MODERN_CONVNETS_DATA"] = str(find_dataset().parent)
    weights = find_xception_weights(download=False).path
    os.environ["MODERN_CONVNETS_XCEPTION_WEIGHTS"] = str(weights)


def on_config(config):
    use_kernel_profile()
    prepare_page_folder()
    plugin = config.plugins["mkdocs-jupyter"]
    if os.environ.get("MODERN_CONVNETS_DOCS_CACHE", "1") == "0":
        plugin.config["cache"] = False
        log.info("Executing every notebook (MODERN_CONVNETS_DOCS_CACHE=0)")
        return config
    base = Path(plugin.config["cache_dir"])
    keyed = base / source_digest()
    if base.is_dir():  # entries from older package sources can never hit again
        for stale in base.iterdir():
            if stale != keyed:
                shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    plugin.config["cache_dir"] = str(keyed)
    return config


def on_post_page(output, page, config):
    output = NOTEBOOK_SCRIPTS.sub("", output)
    output = COLLAPSE_CELL.sub(
        lambda m: (
            m.group(1)
            + '<details class="mc-collapse"><summary>Show the code</summary>'
            + m.group(2)
            + "</details>"
            + m.group(3)
        ),
        output,
    )
    return COPY_CELL.sub(lambda match: match.group(1) + COPY_LABEL, output)


def on_post_build(config):
    static = importlib.resources.files("jupyter_server_mathjax") / "static"
    target = Path(config["site_dir"]) / "assets" / "mathjax"
    shutil.rmtree(target, ignore_errors=True)
    # Only the English interface is needed: skip the 2 MB of translations.
    shutil.copytree(str(static), target, ignore=shutil.ignore_patterns("localization"))
    models = Path(config["site_dir"]) / "models"
    models.mkdir(exist_ok=True)
    for path in MODEL_FILES:
        shutil.copyfile(path, models / path.name)
